"""A large upload does not stop the others: filing and indexing a ZIP of much text take
the database's write lock in short transactions only (on SQLite, one writer at a time),
and a client who still finds the database busy gets a French "réessayez" page (503 with
Retry-After), never a 500."""
import io
import os
import random
import threading
import time

import pytest
from sqlalchemy import select, update
from sqlalchemy.exc import OperationalError

from tests.documents.helpers import make_request, upload
from tests.documents.samples import make_zip
from tests.helpers import page_text, run_worker
from workflow.core.extensions import db
from workflow.documents import extraction as extracting
from workflow.models import Document, User
from workflow.models.documents import DocumentPage

LOCK_BOUND = 2.0  # seconds another client's small write may wait, at most, while filing runs

WORDS = ("arrêté préfectoral vidéoprotection caméra enregistrement conservation voie publique commune délibération "
         "conseil municipal marché titulaire maintenance contrat annexe bordereau prix article alinéa décision "
         "recours gracieux tribunal administratif communication document administratif demande réponse").split()


def compressible_text(megabytes: float, seed: int) -> bytes:
    """French-looking text of `megabytes` MB that compresses about 4 times, as minutes,
    registers and exports do."""
    rng = random.Random(seed)
    line_words = [" ".join(rng.choice(WORDS) for _ in range(12)) for _ in range(400)]
    lines, size, number = [], 0, 0
    while size < megabytes * 1_000_000:
        line = f"{number:07d} {rng.choice(line_words)} {rng.randint(0, 99999)} €\n"
        lines.append(line)
        size += len(line.encode())
        number += 1
    return "".join(lines).encode()


class Writer(threading.Thread):
    """Another client: a small write (one row updated, committed) every 50 ms, each timed,
    on a connection of its own."""

    def __init__(self, engine, user_id: int):
        super().__init__(daemon=True)
        self.engine, self.user_id = engine, user_id
        self.stop, self.longest, self.writes, self.errors = threading.Event(), 0.0, 0, []

    def run(self):
        while not self.stop.is_set():
            start = time.perf_counter()
            try:
                with self.engine.begin() as connection:
                    connection.execute(update(User).where(User.id == self.user_id)
                                       .values(display_name=f"Alice {self.writes}"))
            except OperationalError as error:  # "database is locked": waited past the busy timeout
                self.errors.append(str(error.orig))
            self.longest = max(self.longest, time.perf_counter() - start)
            self.writes += 1
            time.sleep(0.05)


def test_a_big_zip_of_text_never_holds_the_write_lock_long(app, client, alice):
    access_request = make_request(alice)
    archive = make_zip({f"registre-{number}.txt": compressible_text(3, number) for number in range(4)})
    writer = Writer(db.engine, alice.id)
    writer.start()
    try:
        started = time.perf_counter()
        response = upload(client, access_request, [("registres.zip", archive)])
        filing = time.perf_counter() - started
        assert response.status_code == 200 and "5 documents classés" in page_text(response)
        started = time.perf_counter()
        run_worker()
        indexing = time.perf_counter() - started
    finally:
        writer.stop.set()
        writer.join()
    print(f"\n{len(archive) / 1e6:.1f} MB ZIP: filing {filing:.1f} s, indexing {indexing:.1f} s; "
          f"longest concurrent write {writer.longest * 1000:.0f} ms over {writer.writes} writes")
    assert writer.errors == []
    assert writer.writes > 10 and writer.longest < LOCK_BOUND
    registers = db.session.scalars(select(Document).where(Document.media_type == "text/plain")).all()
    assert [document.text_status for document in registers] == ["done"] * 4
    assert all("seuls ses 2\u202f000\u202f000 premiers caractères" in document.text_note for document in registers)
    kept_chars = sum(len(text) for text in db.session.scalars(
        select(DocumentPage.text).where(DocumentPage.document_id == registers[0].id)))
    assert extracting.MAX_TEXT_CHARS - extracting.PAGE_CHARS < kept_chars <= extracting.MAX_TEXT_CHARS
    kept = db.session.scalar(select(DocumentPage.text).where(DocumentPage.document_id == registers[0].id,
                                                             DocumentPage.page == 1))
    assert "vidéoprotection" in kept


@pytest.mark.skipif(bool(os.environ.get("TEST_DATABASE_URL")), reason="SQLite's database-wide write lock")
def test_a_database_held_by_another_writer_answers_retry_not_500(app, client, alice):
    """Another process holds SQLite's write lock past the busy timeout: the upload is
    answered 503 with Retry-After and a French "réessayez", and nothing is filed."""
    import sqlite3

    access_request = make_request(alice)
    blocker = sqlite3.connect(db.engine.url.database, isolation_level=None)
    blocker.execute("BEGIN IMMEDIATE")  # the write lock, held
    try:
        response = upload(client, access_request, [("lettre.txt", b"Lettre de la mairie")], follow=False)
    finally:
        blocker.execute("ROLLBACK")
        blocker.close()
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "5"
    assert "Réessayez dans quelques secondes" in page_text(response) and "rien n'a été enregistré" in page_text(response)
    assert db.session.scalar(select(Document)) is None
    response = upload(client, access_request, [("lettre.txt", b"Lettre de la mairie")])
    assert "1 document classé" in page_text(response)  # the lock gone, the same upload goes through


def test_the_api_answers_database_busy_in_json(app, client, make_user, monkeypatch):
    from workflow import documents
    from workflow.accounts import users as accounts

    user = make_user("script@example.org")
    access_request = make_request(user)
    token = accounts.issue_token(user, "tests")

    def locked(*_args, **_kwargs):
        raise OperationalError("INSERT INTO documents ...", {}, Exception("database is locked"))

    monkeypatch.setattr(documents, "file_documents", locked)
    response = client.post(f"/api/v1/requests/{access_request.id}/documents", headers={"Authorization": f"Bearer {token}"},
                           data={"files": [(io.BytesIO(b"Lettre"), "lettre.txt")]}, content_type="multipart/form-data")
    assert response.status_code == 503 and response.headers["Retry-After"] == "5"
    assert response.get_json()["error"]["code"] == 503
    assert "Réessayez" in response.get_json()["error"]["message"]
    monkeypatch.setattr(documents, "file_documents", lambda *_a, **_k: (_ for _ in ()).throw(
        OperationalError("SELECT 1", {}, Exception("no such table: documents"))))
    response = client.post(f"/api/v1/requests/{access_request.id}/documents", headers={"Authorization": f"Bearer {token}"},
                           data={"files": [(io.BytesIO(b"Lettre"), "lettre.txt")]}, content_type="multipart/form-data")
    assert response.status_code == 500  # another database error stays what it is
