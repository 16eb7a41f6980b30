"""RGPD art. 17 reaches the files: once an account is deleted, the files only its rows
named leave the store; files another row still names (another person's document with the
same bytes, a deleted document's history entry, an e-mail waiting to be sent) stay."""
import os
import time
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select, update

from tests.helpers import PASSWORD, make_request, run_worker
from workflow.core.extensions import db
from workflow.core.storage import file_store
from workflow.documents.deletion import delete_document
from workflow.jobs import files as file_jobs
from workflow.jobs import sweep
from workflow.jobs.schedule import is_live
from workflow.models import Document, FileStoreOwner, HistoryEntry, InboundMessage, Letter, OutgoingMail
from workflow.models.base import utcnow
from workflow.models.stored_files import file_columns, referenced_files


@pytest.fixture
def store(app, tmp_path, monkeypatch):
    """A store of this test's own: the session's is shared by every test."""
    monkeypatch.setitem(app.config, "FILE_STORE_PATH", str(tmp_path / "files"))
    return file_store()


def _age_everything(store, days=2):
    old = time.time() - days * 86400
    for path in store.root.glob("??/*"):
        os.utime(path, (old, old))


def _document(access_request, content, filename="reponse.pdf"):
    document = Document(request_id=access_request.id, sha256=file_store().put(content), filename=filename,
                        media_type="application/pdf", size=len(content))
    db.session.add(document)
    db.session.commit()
    return document


def test_the_columns_that_name_a_file_are_found_from_the_schema():
    # A new column naming a file is found by its name; this list is here to be read again
    # when it changes, since the collector removes what none of them names.
    assert sorted(f"{column.table.name}.{column.name}" for column in file_columns()) == [
        "documents.sha256", "documents.thumbnail_sha256", "inbound_messages.sha256", "job_runs.result_sha256",
        "letters.docx_sha256", "letters.pdf_sha256", "letters.text_sha256", "outgoing_mails.eml_sha256"]


def test_deleting_an_account_removes_the_files_only_it_named(client, alice, metz, make_user, store):
    bob = make_user("bob@example.org")
    alice_request = make_request(alice, metz, "LNT-2026-0001")
    bob_request = make_request(bob, metz, "LNT-2026-0002")
    private = _document(alice_request, b"%PDF-1.4 arrete de videoprotection, demande d'Alice")
    shared = _document(alice_request, b"%PDF-1.4 deliberation publique")
    bobs = _document(bob_request, b"%PDF-1.4 deliberation publique")
    letter = Letter(request_id=alice_request.id, kind="request", version=1,
                    pdf_sha256=store.put(b"%PDF-1.4 courrier d'Alice"), text_sha256=store.put(b"Objet : demande"))
    answer = InboundMessage(sha256=store.put(b"From: mairie@metz.fr\r\nSubject: Re: demande\r\n\r\nVoici"),
                            source="imap", arrived_at=utcnow(), request_id=alice_request.id, subject="Re: demande")
    db.session.add_all([letter, answer])
    db.session.commit()
    alice_files = [private.sha256, letter.pdf_sha256, letter.text_sha256, answer.sha256]
    shared_sha256 = shared.sha256
    _age_everything(store)

    response = client.post("/compte/supprimer", data={"password": PASSWORD})
    assert response.status_code == 302
    assert is_live(file_jobs.COLLECT_JOB_ID)
    run_worker()

    # The answer received for her request goes with it, not back to the administrators' inbox.
    assert db.session.scalar(select(func.count()).select_from(InboundMessage)) == 0
    assert [store.exists(sha256) for sha256 in alice_files] == [False, False, False, False]
    assert store.read(bobs.sha256) == b"%PDF-1.4 deliberation publique" and bobs.sha256 == shared_sha256
    assert not list(store.root.glob(".staged-*"))


def test_files_of_the_last_day_wait_for_the_grace_period(client, alice, metz, store):
    access_request = make_request(alice, metz, "LNT-2026-0001")
    recent = _document(access_request, b"%PDF-1.4 recu ce matin").sha256
    _document(make_request(alice, metz, "LNT-2026-0002"), b"%PDF-1.4 autre demande")
    db.session.delete(access_request)
    db.session.commit()
    report = file_jobs.collect_stored_files()
    assert report["recent"] == 1 and report["removed"] == 0
    assert store.exists(recent)
    assert file_jobs.collect_stored_files(grace=timedelta(0))["removed"] == 1
    assert not store.exists(recent)


def test_a_deleted_documents_bytes_stay_while_its_request_does(client, alice, metz, store):
    """Deleting a document keeps its bytes: the history names them so a wrong deletion can
    be undone by hand. They go with the request."""
    access_request = make_request(alice, metz, "LNT-2026-0001")
    document = _document(access_request, b"%PDF-1.4 classe par erreur")
    sha256 = document.sha256
    delete_document(document, alice)
    db.session.commit()
    assert db.session.get(Document, document.id) is None
    assert sha256 in referenced_files()
    _age_everything(store)
    assert file_jobs.collect_stored_files()["kept"] == 1
    assert store.exists(sha256)
    entry = db.session.query(HistoryEntry).one()
    assert entry.data["files"][0]["sha256"] == sha256


def test_an_email_waiting_to_be_sent_keeps_the_letter_it_will_freeze(client, alice, metz, store):
    access_request = make_request(alice, metz, "LNT-2026-0001")
    payload = {"kind": "request", "pdf_sha256": store.put(b"%PDF-1.4 lettre en attente"),
               "docx_sha256": store.put(b"PK docx en attente"), "text_sha256": store.put(b"Objet : en attente")}
    db.session.add(OutgoingMail(dedupe_key="letter:1:request:1", purpose="request_letter", user_id=alice.id,
                                request_id=access_request.id, to_address="mairie@example.org", subject="Demande",
                                message_id="<1@lanterne>", eml_sha256=store.put(b"From: alice\r\n\r\nbody"),
                                payload=payload))
    db.session.commit()
    _age_everything(store)
    assert file_jobs.collect_stored_files()["removed"] == 0
    assert all(store.exists(sha256) for sha256 in payload.values() if sha256 != "request")


def test_the_daily_sweep_queues_the_collection(app, store):
    report = sweep.run(date(2026, 3, 2))
    assert report.files_collection_queued and is_live(file_jobs.COLLECT_JOB_ID)


def test_the_only_account_of_an_instance_takes_its_files_with_it(client, alice, metz, store):
    document = _document(make_request(alice, metz, "LNT-2026-0001"), b"%PDF-1.4 la seule piece")
    sha256 = document.sha256
    file_jobs.collect_stored_files()  # a daily sweep before: the store is this database's
    _age_everything(store)
    client.post("/compte/supprimer", data={"password": PASSWORD})
    run_worker()
    assert not store.exists(sha256) and not list(store.root.glob("??/*"))


def test_the_command_collects_and_refuses_a_store_of_another_database(runner, alice, metz, store):
    kept = _document(make_request(alice, metz, "LNT-2026-0001"), b"%PDF-1.4 garde")
    orphan = store.put(b"%PDF-1.4 orphelin")
    _age_everything(store)
    result = runner.invoke(args=["files", "collect"])
    assert result.exit_code == 0, result.output
    assert "Fichiers supprimés : 1 (0.0 Mo) ; conservés : 1 ; récents, gardés encore un jour : 0." in result.output
    assert not store.exists(orphan) and store.exists(kept.sha256)
    # The same folder, another database (DATABASE_URL changed): its token differs.
    db.session.execute(update(FileStoreOwner).values(token="f" * 32))
    db.session.commit()
    refused = runner.invoke(args=["files", "collect"])
    assert refused.exit_code == 1
    assert "Rien n'est supprimé : la base de données et le dossier des fichiers ne correspondent pas" in refused.output
    assert store.exists(kept.sha256)
