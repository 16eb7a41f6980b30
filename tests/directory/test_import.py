"""Importing the Annuaire de l'administration (DILA) and the CADA's list of PRADAs: counts
printed, no duplicates, nothing edited in Lanterne overwritten, found by search."""
import io
import json

import pytest
from sqlalchemy import func, select

from tests.helpers import page_text
from workflow.core.extensions import db
from workflow.directory import importing, sharing
from workflow.directory.authorities import seed_authorities
from workflow.models import Authority, AuthorityChange, AuthorityOverride


def _address(**fields):
    base = {"type_adresse": "Adresse postale", "complement1": "", "complement2": "", "numero_voie": "",
            "service_distribution": "", "code_postal": "", "nom_commune": "", "pays": "France"}
    return {**base, **fields}


# Records in the shape of the JSON export of `api-lannuaire-administration`; some nested
# lists JSON-encoded as strings, as the export gives them.
RECORDS = [
    {"id": "a1b2c3d4-0001", "nom": "Mairie - Saint-Avold", "siret": "21570606600019",
     "adresse_courriel": json.dumps(["mairie@saint-avold.example"]),
     "telephone": json.dumps([{"valeur": "03 87 91 10 07", "description": ""}]),
     "site_internet": json.dumps([{"valeur": "https://www.saint-avold.example", "libelle": ""}]),
     "adresse": json.dumps([_address(numero_voie="26 rue de la Mertzelle", service_distribution="BP 40209",
                                     code_postal="57503", nom_commune="Saint-Avold Cedex")]),
     "pivot": json.dumps([{"type_service_local": "mairie", "code_insee_commune": ["57606"]}]),
     "code_insee_commune": "57606", "url_service_public": "https://lannuaire.service-public.fr/grand-est/moselle/a1"},
    {"id": "a1b2c3d4-0002", "nom": "Mairie d'Épinal",
     "adresse_courriel": [{"valeur": "contact@epinal.example"}],
     "site_internet": [{"valeur": "https://www.epinal.example"}],
     "adresse": [_address(type_adresse="Adresse", numero_voie="9 rue du Général Leclerc", code_postal="88000",
                          nom_commune="Épinal")],
     "pivot": [{"type_service_local": "mairie", "code_insee_commune": ["88160"]}],
     "code_insee_commune": "88160"},
    {"id": "a1b2c3d4-0003", "nom": "Préfecture de la Moselle",
     "adresse_courriel": [{"valeur": "pref-courrier@moselle.gouv.example"}],
     "adresse": [_address(numero_voie="9 place de la Préfecture", service_distribution="BP 71014",
                          code_postal="57034", nom_commune="Metz Cedex 1")],
     "pivot": [{"type_service_local": "prefecture", "code_insee_commune": ["57463"]}], "code_insee_commune": "57463"},
    {"id": "a1b2c3d4-0004", "nom": "Tribunal administratif de Nancy",
     "adresse": [_address(numero_voie="5 place de la Carrière", service_distribution="CO n° 20038",
                          code_postal="54036", nom_commune="Nancy Cedex")],
     "pivot": [{"type_service_local": "ta", "code_insee_commune": ["54395"]}], "code_insee_commune": "54395"},
    {"id": "a1b2c3d4-0005", "nom": "", "adresse": "[]", "pivot": "[]"},            # no name: skipped
    {"id": "a1b2c3d4-0002", "nom": "Mairie d'Épinal (doublon)", "pivot": "[]"},   # same id again: skipped
]


@pytest.fixture
def annuaire(tmp_path):
    path = tmp_path / "api-lannuaire-administration.json"
    path.write_text(json.dumps(RECORDS, ensure_ascii=False, indent=1), encoding="utf-8")
    return path


def _run(app, *args):
    result = app.test_cli_runner().invoke(args=["authorities", "import", *map(str, args)])
    assert result.exit_code == 0, result.output
    return result.output


def _by_name(name):
    return db.session.scalar(select(Authority).where(Authority.name == name))


def test_import_then_import_again_without_duplicates(app, annuaire):
    seed_authorities()
    seeded = db.session.scalar(select(func.count()).select_from(Authority))
    assert "Ajoutées : 3. Mises à jour : 1. Inchangées : 0. Ignorées : 2." in _run(app, annuaire)
    assert db.session.scalar(select(func.count()).select_from(Authority)) == seeded + 3
    assert "Ajoutées : 0. Mises à jour : 0. Inchangées : 4. Ignorées : 2." in _run(app, annuaire)
    assert db.session.scalar(select(func.count()).select_from(Authority)) == seeded + 3

    avold = _by_name("Mairie - Saint-Avold")
    assert (avold.kind, avold.department_code, avold.email, avold.website) == (
        "commune", "57", "mairie@saint-avold.example", "https://www.saint-avold.example")
    assert avold.postal_address == ["26 rue de la Mertzelle", "BP 40209", "57503 Saint-Avold Cedex"]
    assert avold.source_id == "annuaire:a1b2c3d4-0001"
    assert _by_name("Mairie d'Épinal").department_code == "88"
    changes = db.session.scalars(select(AuthorityChange).where(AuthorityChange.authority_id == avold.id)).all()
    assert [(change.source, change.after["name"]) for change in changes] == [("import", "Mairie - Saint-Avold")]


def test_the_seeded_bodies_keep_their_notes_and_curated_fields(app, annuaire):
    seed_authorities()
    prefecture = db.session.scalar(select(Authority).where(Authority.slug == "prefecture-moselle"))
    notes, address = prefecture.notes, prefecture.address_lines
    assert notes.startswith("Boîte postale vérifiée")  # the seed's notes
    _run(app, annuaire)
    db.session.refresh(prefecture)
    assert prefecture.notes == notes and prefecture.address_lines == address
    assert prefecture.source_id == "annuaire:a1b2c3d4-0003"  # linked, not duplicated
    assert prefecture.email == "pref-courrier@moselle.gouv.example"  # empty in the seed: filled
    assert db.session.scalar(select(func.count()).select_from(Authority)
                             .where(Authority.name == "Préfecture de la Moselle")) == 1


def test_a_maintainers_edit_and_an_organisations_override_stay(app, annuaire, make_user):
    _run(app, annuaire)
    maintainer = make_user("maintainer@example.org")
    maintainer.directory_maintainer = True
    editor = make_user("bob@example.org")
    db.session.commit()
    epinal = _by_name("Mairie d'Épinal")
    sharing.update(maintainer, epinal, {"email": "acces-documents@epinal.example"}, "page")
    sharing.set_override(editor, epinal, {"prada_email": "prada@epinal.example"}, None, "page")

    changed = [dict(record) for record in RECORDS]
    changed[1] = {**changed[1], "adresse_courriel": [{"valeur": "nouveau@epinal.example"}],
                  "site_internet": [{"valeur": "https://epinal.example/nouveau"}]}
    annuaire.write_text(json.dumps(changed, ensure_ascii=False), encoding="utf-8")
    output = _run(app, annuaire)
    assert "Mises à jour : 1." in output and "Valeurs modifiées dans Lanterne et conservées : 1." in output
    db.session.refresh(epinal)
    assert epinal.email == "acces-documents@epinal.example"          # the maintainer's, kept
    assert epinal.website == "https://epinal.example/nouveau"        # not edited in Lanterne: updated
    assert db.session.scalar(select(AuthorityOverride)).fields == {"prada_email": "prada@epinal.example"}
    last = db.session.scalars(select(AuthorityChange).where(AuthorityChange.authority_id == epinal.id)
                              .order_by(AuthorityChange.id.desc())).first()
    assert (last.source, last.before, last.after) == (
        "import", {"website": "https://www.epinal.example"}, {"website": "https://epinal.example/nouveau"})


def test_imported_entries_are_found_without_accents(app, annuaire, client, auth):
    _run(app, annuaire)
    auth.signup()
    text = page_text(client.get("/autorites/?q=mairie+epinal"))
    assert "Mairie d'Épinal" in text and "Saint-Avold" not in text
    text = page_text(client.get("/autorites/?q=SAINT+AVOLD+57"))
    assert "Mairie - Saint-Avold" in text


def test_the_court_letter_finds_an_imported_tribunal(app, annuaire):
    from workflow.law.courts import court_for

    _run(app, annuaire)
    court = court_for("54")
    assert _by_name(court.name).kind == "juridiction"


@pytest.mark.parametrize("code, kind", [("sous-pref", "prefecture"), ("sous_pref", "prefecture"),
                                        ("paris_mairie_arrondissement", "commune"), ("paris_ppp", "police"),
                                        ("commissariat_police", "police"), ("caf", "autre")])
def test_the_service_types_as_the_dila_spells_them(code, kind):
    _source, fields = importing.annuaire_entry({"id": "x-1", "nom": "Service", "pivot": [{"type_service_local": code}]})
    assert fields["kind"] == kind


def test_the_stream_reader_takes_arrays_in_small_chunks_and_json_lines():
    text = json.dumps(RECORDS, ensure_ascii=False)
    read = []
    records = list(importing.iter_json_records(io.StringIO(text), chunk_size=7, on_read=read.append))
    assert [record["id"] for record in records] == [record["id"] for record in RECORDS]
    assert sum(read) == len(text)
    lines = "\n".join(json.dumps(record) for record in RECORDS[:2])
    assert [record["nom"] for record in importing.iter_json_records(io.StringIO(lines))] == [
        "Mairie - Saint-Avold", "Mairie d'Épinal"]
    with pytest.raises(importing.ImportFileError):
        list(importing.iter_json_records(io.StringIO('[{"id": 1, "nom": ')))


def test_pradas_from_the_cadas_csv(app, annuaire, tmp_path):
    seed_authorities()
    _run(app, annuaire)
    path = tmp_path / "prada.csv"
    path.write_text("Département;Administration;Nom de la PRADA;Courriel;Code postal\n"
                    "88;Mairie d'Épinal;Mme Claire Durand;prada@epinal.example;88000\n"
                    "57;Ville de Metz;M. Paul Martin;prada@metz.example;57036\n"
                    "75;Administration inconnue;X;x@example.org;75001\n", encoding="cp1252")
    assert "Ajoutées : 0. Mises à jour : 2. Inchangées : 0. Ignorées : 1." in _run(app, path)
    assert "Mises à jour : 0. Inchangées : 2. Ignorées : 1." in _run(app, path)
    epinal = _by_name("Mairie d'Épinal")
    assert (epinal.prada_name, epinal.prada_email) == ("Mme Claire Durand", "prada@epinal.example")


def test_unreadable_files_say_why(app, tmp_path):
    sheet = tmp_path / "prada.ods"
    sheet.write_bytes(b"PK")
    result = app.test_cli_runner().invoke(args=["authorities", "import", str(sheet)])
    assert result.exit_code == 1 and ".xlsx ou CSV" in result.output
    bad = tmp_path / "prada.csv"
    bad.write_text("a;b\n1;2\n", encoding="utf-8")
    result = app.test_cli_runner().invoke(args=["authorities", "import", str(bad)])
    assert result.exit_code == 1 and "Colonnes introuvables" in result.output


PRADA_ROWS = [
    ["Département", "Administration", "Nom de la PRADA", "Courriel", "Code postal"],
    [88, "Mairie d'Épinal", "Mme Claire Durand", "prada@epinal.example", 88000],
    [57, "Ville de Metz", "M. Paul Martin", "prada@metz.example", 57036],
    [75, "Administration inconnue", "X", "x@example.org", 75001],
]


def _workbook(path, rows, title=True):
    """A .xlsx file as the CADA publishes its list: a title line and a blank line above the
    header, numbers stored as numbers."""
    import openpyxl

    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "PRADA"
    if title:
        sheet.append(["Liste des personnes responsables de l'accès aux documents administratifs"])
        sheet.append([])
    for row in rows:
        sheet.append(row)
    workbook.save(path)
    return path


def _pradas():
    return dict(db.session.execute(select(Authority.name, Authority.prada_email).where(Authority.prada_email != "")).all())


def test_pradas_from_the_cadas_xlsx(app, annuaire, tmp_path):
    seed_authorities()
    _run(app, annuaire)
    path = _workbook(tmp_path / "liste-prada.xlsx", PRADA_ROWS)
    assert "Ajoutées : 0. Mises à jour : 2. Inchangées : 0. Ignorées : 1." in _run(app, path)
    assert "Mises à jour : 0. Inchangées : 2. Ignorées : 1." in _run(app, path)
    epinal = _by_name("Mairie d'Épinal")
    assert (epinal.prada_name, epinal.prada_email) == ("Mme Claire Durand", "prada@epinal.example")
    assert _by_name("Ville de Metz").prada_email == "prada@metz.example"


def test_the_csv_and_the_xlsx_go_through_one_mapping(tmp_path):
    rows = [PRADA_ROWS[0] + ["Commune"], ["1", "Mairie de Bourg-en-Bresse", "Service juridique", "", "1000", "Bourg"]]
    csv_path = tmp_path / "prada.csv"
    csv_path.write_text("\n".join(";".join(str(cell) for cell in row) for row in rows), encoding="utf-8")
    xlsx_path = _workbook(tmp_path / "prada.xlsx", [rows[0], [1, *rows[1][1:4], 1000, "Bourg"]])
    records = importing.read_prada_file(str(csv_path))
    assert records == importing.read_prada_file(str(xlsx_path)) == [{
        "department_code": "1", "authority": "Mairie de Bourg-en-Bresse", "prada_name": "Service juridique",
        "prada_email": "", "postal_code": "01000", "city": "Bourg"}]


def _zip(path, members):
    import zipfile

    with zipfile.ZipFile(path, "w") as archive:
        for name, content in members.items():
            archive.writestr(name, content)
    return path


def test_a_damaged_workbook_says_why_and_changes_nothing(app, annuaire, tmp_path, monkeypatch):
    """A workbook that fails halfway through its sheet: the rows before the damage would
    have been written (a batch per row here) had the file not been read whole first."""
    import zipfile

    seed_authorities()
    _run(app, annuaire)
    monkeypatch.setattr(importing, "BATCH_SIZE", 1)
    good = _workbook(tmp_path / "good.xlsx", PRADA_ROWS, title=False)
    with zipfile.ZipFile(good) as archive:
        members = {name: archive.read(name) for name in archive.namelist()}
    sheet = members["xl/worksheets/sheet1.xml"]
    cut = sheet.index(b"<row r=\"3\"")  # the header and the first PRADA are whole, then the XML ends
    members["xl/worksheets/sheet1.xml"] = sheet[:cut] + b"<row r=\"3\"><c r=\"A3\" t=\"n\"><v>5"
    damaged = _zip(tmp_path / "damaged.xlsx", members)
    changes = db.session.scalar(select(func.count()).select_from(AuthorityChange))
    cases = [
        (damaged, "Classeur illisible (damaged.xlsx) : le contenu d'une feuille est endommagé"),
        (_zip(tmp_path / "not-a-workbook.xlsx", {"readme.txt": "hello"}),
         "Classeur illisible (not-a-workbook.xlsx) : une partie du classeur manque"),
        (tmp_path / "truncated.xlsx", "Classeur illisible (truncated.xlsx) : ce n'est pas un classeur .xlsx"),
        (_workbook(tmp_path / "other.xlsx", [["Nom", "Ville"], ["x", "y"]]), "Colonnes introuvables"),
    ]
    (tmp_path / "truncated.xlsx").write_bytes(good.read_bytes()[:300])
    for path, message in cases:
        result = app.test_cli_runner().invoke(args=["authorities", "import", str(path)])
        assert result.exit_code == 1 and message in result.output, result.output
        assert "Traceback" not in result.output
    db.session.rollback()
    assert _pradas() == {} and db.session.scalar(select(func.count()).select_from(AuthorityChange)) == changes


def test_a_csv_unreadable_halfway_changes_nothing(app, annuaire, tmp_path, monkeypatch):
    seed_authorities()
    _run(app, annuaire)
    monkeypatch.setattr(importing, "BATCH_SIZE", 1)
    path = tmp_path / "prada.csv"
    rows = ["Département;Administration;Nom de la PRADA;Courriel",
            "88;Mairie d'Épinal;Mme Claire Durand;prada@epinal.example"]
    rows += [f"75;Administration {number};X;x@example.org" for number in range(3000)]  # past the first 64 KiB
    path.write_bytes("\n".join(rows).encode("utf-8") + "\n75;Société générale;X;x@example.org\n".encode("cp1252"))
    result = app.test_cli_runner().invoke(args=["authorities", "import", str(path)])
    assert result.exit_code == 1 and "Fichier CSV illisible" in result.output, result.output
    db.session.rollback()
    assert _pradas() == {}


def test_on_postgresql_an_import_leaves_the_directory_vacuumed_and_analysed(app, annuaire):
    """The searches are planned with the imported rows' statistics, and read the order's
    index without visiting the rows (index-only), from the first search after an import."""
    if db.engine.dialect.name != "postgresql":
        pytest.skip("PostgreSQL's VACUUM")
    from sqlalchemy import text

    def last_runs():
        db.session.rollback()
        return db.session.execute(text(
            "SELECT last_vacuum, last_analyze FROM pg_stat_user_tables "
            "WHERE relname = 'authorities' AND schemaname = current_schema()")).one()

    before = last_runs()
    _run(app, annuaire)
    vacuumed, analysed = last_runs()
    assert vacuumed is not None and vacuumed != before[0]
    assert analysed is not None and analysed != before[1]
