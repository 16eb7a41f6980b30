"""`flask backup` / `flask restore`: everything comes back, files included, in a new
database (SQLite, and PostgreSQL when the suite runs on it)."""
import hashlib
import io
import uuid
from datetime import date

import pytest
from sqlalchemy import create_engine, select, text

from tests.helpers import PASSWORD, page_text, run_worker
from workflow.accounts import users as accounts
from workflow.web import page_cache
from workflow.requests import lifecycle as service
from workflow.directory.authorities import seed_authorities
from workflow.documents.filing import FilingMeta, Upload, file_documents
from workflow.core.extensions import db
from workflow.models.stored_files import database_token
from workflow.models import Authority, Letter, AccessRequest, RequesterIdentity, RequestItem, User
from workflow.letters.request_letters import freeze


@pytest.fixture
def populated(app, make_user):
    seed_authorities()
    alice = make_user("alice@example.org")
    metz = db.session.scalar(select(Authority).where(Authority.slug == "ville-de-metz"))
    identity = RequesterIdentity(owner_id=alice.id, name="Alice Martin", address="1 rue X\n57000 Metz",
                                 email="alice@example.org")
    access_request = AccessRequest(reference="LNT-2026-0900", owner_id=alice.id, authority_id=metz.id, channel="email",
                    subject="Contrats de vidéoprotection", requester=identity,
                    items=[RequestItem(position=1, description="Acte d'engagement")])
    db.session.add(access_request)
    db.session.commit()
    letter = freeze(access_request, "request", date(2026, 1, 9), alice)
    service.record_event(access_request, "received", date(2026, 1, 12))
    file_documents(access_request, [Upload("reponse.txt", io.BytesIO("Le contrat des caméras est joint.".encode()))],
                   FilingMeta(received_on=date(2026, 2, 1)), alice)
    run_worker()  # text extraction and indexing
    accounts.issue_token(alice)
    return access_request, letter


@pytest.fixture
def fresh_targets(tmp_path, database_settings):
    """Empty databases to restore into: SQLite always, PostgreSQL (a new schema) when in use."""
    targets = [{"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'restored.sqlite3'}"}]
    schema = None
    if "TEST_SCHEMA" in database_settings:
        url = database_settings["SQLALCHEMY_DATABASE_URI"]
        schema = f"lanterne_restore_{uuid.uuid4().hex[:10]}"
        admin = create_engine(url, isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            connection.execute(text(f'CREATE SCHEMA "{schema}"'))
        targets.append({"SQLALCHEMY_DATABASE_URI": url, "SQLALCHEMY_ENGINE_OPTIONS": {
            "connect_args": {"options": f"-csearch_path={schema}"}}})
    yield targets
    if schema:
        with admin.connect() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def restored_app(settings, files_dir, redis_url):
    from flask_migrate import upgrade

    from app import create_app

    restored = create_app({"TESTING": True, "WTF_CSRF_ENABLED": False, "REDIS_URL": redis_url, "REDIS_EMBEDDED": False,
                           "FILE_STORE_PATH": str(files_dir), **settings})
    with restored.app_context():
        upgrade()
    return restored


def test_backup_then_restore_into_a_new_database(runner, populated, tmp_path, fresh_targets, redis_url):
    access_request, letter = populated
    archive = tmp_path / "lanterne.tar.gz"
    result = runner.invoke(args=["backup", "--output", str(archive)])
    assert result.exit_code == 0, result.output
    assert "Sauvegarde écrite" in result.output and archive.exists()

    for number, settings in enumerate(fresh_targets):
        restored = restored_app(settings, tmp_path / f"files-{number}", redis_url)
        with restored.app_context():  # flask commands run in the current app context
            result = restored.test_cli_runner().invoke(args=["restore", str(archive)])
            assert result.exit_code == 0, result.output
            again = db.session.scalar(select(AccessRequest).where(AccessRequest.reference == "LNT-2026-0900"))
            assert [event.type for event in again.events] == ["sent", "received"]
            assert again.status == access_request.status
            # The counter behind cached dashboards is not data: the restore raises it.
            assert page_cache.version(page_cache.DASHBOARD) == page_cache.version(page_cache.REQUEST_PAGE) == 1
            frozen = db.session.scalar(select(Letter))
            stored = (tmp_path / f"files-{number}" / frozen.pdf_sha256[:2] / frozen.pdf_sha256).read_bytes()
            assert hashlib.sha256(stored).hexdigest() == letter.pdf_sha256
            # The files are this database's now: its collector may remove what it no longer names.
            assert (tmp_path / f"files-{number}" / ".owner").read_text() == database_token()
            # New rows continue after the restored ids.
            accounts.create_user("new@example.org", PASSWORD)
            assert db.session.scalar(select(User.id).where(User.email == "new@example.org")) > access_request.owner_id
        client = restored.test_client()
        client.post("/connexion", data={"email": "alice@example.org", "password": PASSWORD})
        search_page = page_text(client.get("/documents/recherche?q=camera"))
        assert "reponse.txt" in search_page and "LNT-2026-0900" in search_page
        text_ = page_text(client.get(f"/demandes/{access_request.id}"))
        assert "Contrats de vidéoprotection" in text_ and "Sans réponse au 12 février 2026" in text_
        assert client.get(f"/demandes/{access_request.id}/courriers/request.pdf?version=1").data == stored
        with restored.app_context():
            db.session.remove()
            db.engine.dispose()

        # A second restore into the now populated base is refused.
        with restored.app_context():
            result = restored.test_cli_runner().invoke(args=["restore", str(archive)])
            assert result.exit_code == 2
            assert "La base de données n'est pas vide" in result.stderr
            db.session.remove()
            db.engine.dispose()


def test_restore_refuses_a_file_that_is_not_a_backup(runner, tmp_path):
    bogus = tmp_path / "bogus.tar.gz"
    bogus.write_bytes(b"not a tarball")
    result = runner.invoke(args=["restore", str(bogus)])
    assert result.exit_code == 2
    assert "n'est pas une sauvegarde Lanterne lisible" in result.stderr
