"""After `flask cada import`, the opinions are put in the full-text index by a job: until
then they open by number but a search by words does not find them, and the pages say so;
a changed opinion is found by its new words; without Redis the command indexes them
itself."""
from datetime import date

from sqlalchemy import select

from tests.helpers import page_text, run_worker
from tests.precedents import samples
from workflow import precedents
from workflow.accounts import users as accounts
from workflow.core.extensions import db
from workflow.directory.importing import open_text
from workflow.jobs import sweep
from workflow.models.precedents import CadaOpinion


def numbers(query: str) -> list[str]:
    return sorted(hit.opinion.number for hit in precedents.search(query).hits)


def test_imported_opinions_are_found_by_their_words_once_the_job_has_indexed_them(runner, client, alice, tmp_path):
    path = samples.write(tmp_path / "cada.csv", [samples.CCTV, samples.PREFECT, samples.THERMAL])
    result = runner.invoke(args=["cada", "import", str(path)])
    assert result.exit_code == 0, result.output
    assert "3 avis seront cherchables par leurs mots dans quelques minutes : un worker les indexe" in result.output

    # Imported, not yet indexed: by number yes, by words no, and the pages say why.
    assert "Avis n° 20204505 du 10 décembre 2020" in page_text(client.get("/avis-cada/20204505"))
    waiting = precedents.search("vidéoprotection")
    assert (waiting.hits, waiting.awaiting_index) == ([], 3)
    text = page_text(client.get("/avis-cada/?q=videoprotection"))
    assert ("3 avis venant d'être importés ne sont pas encore indexés : la recherche par mots ne les trouve pas encore"
            in text)
    headers = {"Authorization": f"Bearer {accounts.issue_token(alice)}"}
    assert client.get("/api/v1/cada/opinions?q=videoprotection", headers=headers).json["awaiting_index"] == 3

    run_worker()
    assert numbers("vidéoprotection") == ["20204505", "20215065"]
    assert precedents.search("vidéoprotection").awaiting_index == 0
    assert "pas encore indexé" not in page_text(client.get("/avis-cada/?q=videoprotection"))


def test_a_changed_opinion_is_found_by_its_new_words_and_no_longer_by_the_old(runner, tmp_path):
    path = samples.write(tmp_path / "cada.csv", [samples.CCTV, samples.THERMAL])
    runner.invoke(args=["cada", "import", str(path)])
    run_worker()
    assert numbers("thermiques") == ["20226001"]

    changed = dict(samples.THERMAL, **{"Objet": "Contrat d'acquisition de drones de surveillance.",
                                       "Mots clés": "Drone", "Avis": "La commission déclare la demande sans objet."})
    samples.write(path, [samples.CCTV, changed])
    assert "Mis à jour : 1." in runner.invoke(args=["cada", "import", str(path)]).output
    run_worker()
    assert numbers("drones") == ["20226001"]
    assert numbers("thermiques") == []
    # Indexed once, whatever the backend: a second run of the job finds nothing to do.
    assert precedents.awaiting_count() == 0
    assert runner.invoke(args=["cada", "index"]).output.strip() == "Tous les avis sont déjà indexés."
    assert numbers("drones") == ["20226001"]


def test_without_redis_the_command_indexes_the_opinions_itself(runner, app, tmp_path, monkeypatch):
    monkeypatch.setitem(app.config, "REDIS_URL", "redis://127.0.0.1:1/0")  # nothing listens there
    monkeypatch.setitem(app.extensions, "lanterne_redis", None)
    path = samples.write(tmp_path / "cada.csv", [samples.CCTV, samples.PREFECT, samples.THERMAL])
    result = runner.invoke(args=["cada", "import", str(path)])
    assert result.exit_code == 0, result.output
    assert "La file des tâches (Redis) est indisponible : indexation ici." in result.output
    assert "Avis indexés pour la recherche : 3." in result.output
    assert numbers("caméras thermiques") == ["20226001"]


def test_the_sweep_queues_the_index_job_for_opinions_left_waiting(runner, app, tmp_path, monkeypatch):
    with monkeypatch.context() as redis_down:
        redis_down.setitem(app.config, "REDIS_URL", "redis://127.0.0.1:1/0")
        redis_down.setitem(app.extensions, "lanterne_redis", None)
        path = samples.write(tmp_path / "cada.csv", [samples.PREFECT])
        # Imported while Redis was down, and indexed by nobody (the command was stopped).
        with open_text(str(path)) as stream:
            precedents.import_opinions(stream)
    assert precedents.awaiting_count() == 1
    report = sweep.run(date.today())
    assert report.opinion_index_queued
    run_worker()
    assert numbers("préfectoral") == ["20215065"]
    assert db.session.scalar(select(CadaOpinion.awaiting_index)) is False

