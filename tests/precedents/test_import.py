"""`flask cada import`: the official CSV file, streamed, cleaned, idempotent; malformed
rows reported with their line and skipped."""
from sqlalchemy import func, select

from tests.precedents import samples
from workflow.core.extensions import db
from workflow.models.precedents import CadaOpinion
from workflow.precedents.importing import COLUMNS, administration_kind, outcome_of


def _import(runner, path):
    return runner.invoke(args=["cada", "import", str(path)])


def _count() -> int:
    return db.session.scalar(select(func.count()).select_from(CadaOpinion))


def test_a_file_in_the_official_shape_imports_cleaned_then_again_without_duplicates(runner, tmp_path):
    path = samples.write(tmp_path / "cada.csv", [samples.CCTV, samples.PREFECT, samples.THERMAL])
    result = _import(runner, path)
    assert result.exit_code == 0, result.output
    assert "Avis ajoutés : 3. Mis à jour : 0. Inchangés : 0. Lignes ignorées : 0." in result.output
    opinion = db.session.scalar(select(CadaOpinion).where(CadaOpinion.number == "20204505"))
    # HTML entities cleaned, multi-line cells kept whole, the date and the lists read.
    assert opinion.subject.startswith("Communication des études d'impact du système de vidéoprotection")
    assert "&#039;" not in opinion.text and "\n1) les études d'impact" in opinion.text
    assert opinion.session_on.isoformat() == "2020-12-10" and opinion.year == 2020 and opinion.part == "III"
    assert opinion.keywords == "Vidéoprotection, Marché public, CNIL, Caméras"
    assert (opinion.outcome, opinion.administration_kind) == ("favourable", "commune")
    thermal = db.session.scalar(select(CadaOpinion).where(CadaOpinion.number == "20226001"))
    assert thermal.subject == "Contrat d'acquisition de caméras thermiques."  # &amp;apos; decoded twice
    assert (thermal.outcome, thermal.administration_kind) == ("unfavourable", "intercommunalite")

    again = _import(runner, path)
    assert "Avis ajoutés : 0. Mis à jour : 0. Inchangés : 3." in again.output
    assert _count() == 3

    changed = dict(samples.THERMAL, **{"Sens et motivation": "Sans objet/Document inexistant"})
    samples.write(path, [samples.CCTV, samples.PREFECT, changed])
    assert "Avis ajoutés : 0. Mis à jour : 1. Inchangés : 2." in _import(runner, path).output
    db.session.expire_all()
    assert db.session.scalar(select(CadaOpinion.outcome).where(CadaOpinion.number == "20226001")) == "moot"
    assert _count() == 3


def test_malformed_rows_are_reported_with_their_line_and_skipped(runner, tmp_path):
    short = ["20230001", "Maire de Metz", "Avis"]  # 3 columns
    bad_date = dict(samples.PREFECT, **{"Numéro de dossier": "20230002", "Séance": "31/02/2023"})
    bad_part = dict(samples.PREFECT, **{"Numéro de dossier": "20230003", "Partie": "V"})
    no_number = dict(samples.PREFECT, **{"Numéro de dossier": " "})
    # Line 1: the header; CCTV spans lines 2-6 (four line breaks in its text), PREFECT and the rows made from it two lines.
    path = samples.write(tmp_path / "cada.csv", [samples.CCTV, short, bad_date, samples.PREFECT, bad_part, no_number,
                                                 samples.CCTV, samples.THERMAL])
    result = _import(runner, path)
    assert result.exit_code == 0, result.output
    assert "Ignorée, ligne 7 : 3 colonnes au lieu de 11." in result.output
    assert "Ignorée, ligne 8 : date de séance « 31/02/2023 » impossible." in result.output
    assert "Ignorée, ligne 12 : partie « V » inconnue (attendu : I, II, III ou IV)." in result.output
    assert "Ignorée, ligne 14 : numéro de dossier vide." in result.output
    assert "Ignorée, ligne 16 : numéro de dossier 20204505 déjà lu ligne 2." in result.output
    assert "Avis ajoutés : 3. Mis à jour : 0. Inchangés : 0. Lignes ignorées : 5." in result.output
    assert _count() == 3


def test_a_file_of_another_shape_is_refused_whole(runner, tmp_path):
    path = samples.write(tmp_path / "autre.csv", [["1", "2"]], header=("Numéro", "Texte"))
    result = _import(runner, path)
    assert result.exit_code != 0
    assert "n'a pas les colonnes du fichier « Avis et conseils de la CADA »" in result.output
    assert _count() == 0


def test_a_windows_1252_file_with_a_bom_less_header_still_reads(runner, tmp_path):
    path = samples.write(tmp_path / "cada.csv", [samples.PREFECT], encoding="cp1252")
    assert "Avis ajoutés : 1." in _import(runner, path).output
    assert db.session.scalar(select(CadaOpinion.administration)) == "Préfet des Alpes-Maritimes"


def test_outcomes_and_administration_kinds_are_read_from_the_words_of_the_file():
    assert outcome_of("Favorable") == "favourable"
    assert outcome_of("Défavorable/Secret défense") == "unfavourable"
    assert outcome_of("Favorable, Défavorable/Vie privée") == "partially_favourable"
    assert outcome_of("Sans objet/Document inexistant") == "moot"
    assert outcome_of("Incompétence") == "incompetent"
    assert outcome_of("Irrecevable") == "inadmissible"
    assert outcome_of("") == "other"
    assert administration_kind("Préfet de la Moselle") == "prefecture"
    assert administration_kind("Maire de Metz") == "commune"
    assert administration_kind("Ministre de l'intérieur") == "ministere"
    assert administration_kind("Directeur du centre hospitalier de Metz") == "etablissement_public"
    assert len(COLUMNS) == 11
