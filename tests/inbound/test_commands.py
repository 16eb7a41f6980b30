"""`flask mail receive` (a mail server's pipe) and `flask mail import` (.eml, mbox,
Maildir) on the embedded default; `flask user admin`."""
from __future__ import annotations

import mailbox
from datetime import date

import pytest
from sqlalchemy import func, select

from tests.helpers import make_request
from tests.inbound import mails
from workflow.core.extensions import db
from workflow.core.storage import file_store
from workflow.mail import addresses
from workflow.models import InboundMessage, User
from workflow.requests import lifecycle


@pytest.fixture
def sent_request(app, alice, metz, monkeypatch):
    monkeypatch.setitem(app.config, "INBOUND_ADDRESS", "demandes@asso.example")
    access_request = make_request(alice, metz, "LNT-2026-0042")
    lifecycle.record_event(access_request, "sent", date(2026, 11, 20), {"channel": "email"})
    return access_request


def _stored() -> list[InboundMessage]:
    return list(db.session.scalars(select(InboundMessage).order_by(InboundMessage.id)))


def test_receive_stores_the_message_from_standard_input(runner, sent_request):
    raw = mails.answer(to=addresses.reply_address(sent_request), subject="Réponse")
    result = runner.invoke(args=["mail", "receive"], input=raw)
    assert result.exit_code == 0, result.output
    [message] = _stored()
    assert f"Conservé (n° {message.id}) : classé." in result.output
    assert file_store().read(message.sha256) == raw and message.source == "pipe"
    again = runner.invoke(args=["mail", "receive"], input=raw)
    assert again.exit_code == 0 and "déjà là" in again.output
    assert len(_stored()) == 1


def test_receive_fails_when_nothing_can_be_stored(runner, app, monkeypatch):
    empty = runner.invoke(args=["mail", "receive"], input=b"")
    assert empty.exit_code == 65 and "Message refusé : Message vide" in empty.output
    monkeypatch.setitem(app.config, "INBOUND_MAX_BYTES", 100)
    large = runner.invoke(args=["mail", "receive"], input=mails.answer())
    assert large.exit_code == 65 and "au-delà de la limite" in large.output

    def broken(store, raw: bytes) -> str:
        raise OSError("disque plein")

    monkeypatch.setattr(type(file_store()), "put", broken)
    monkeypatch.setitem(app.config, "INBOUND_MAX_BYTES", 10**8)
    failed = runner.invoke(args=["mail", "receive"], input=mails.answer())
    assert failed.exit_code == 75 and "le serveur de messagerie réessaiera" in failed.output
    assert _stored() == []


def test_import_reads_an_eml_an_mbox_and_a_maildir(runner, sent_request, tmp_path):
    reply = addresses.reply_address(sent_request)
    first = mails.answer(to=reply, subject="Première")
    second = mails.answer(to="inconnu@ailleurs.example", sender="X <x@inconnu.example>", subject="Deuxième")
    third = mails.answer(to=reply, subject="Troisième")
    eml = tmp_path / "reponse.eml"
    eml.write_bytes(first)
    result = runner.invoke(args=["mail", "import", str(eml)])
    assert result.exit_code == 0 and result.output.strip() == "1 classé, 0 à classer, 0 déjà là, 0 refusé."

    box = mailbox.mbox(tmp_path / "boite.mbox")
    for raw in (first, second, third):
        box.add(raw)
    box.close()
    result = runner.invoke(args=["mail", "import", str(tmp_path / "boite.mbox")])
    assert result.output.strip() == "1 classé, 1 à classer, 1 déjà là, 0 refusé."

    maildir = mailbox.Maildir(tmp_path / "Maildir", create=True)
    for raw in (first, second, third, mails.answer(to=reply, subject="Quatrième")):
        maildir.add(raw)
    result = runner.invoke(args=["mail", "import", str(tmp_path / "Maildir")])
    assert result.output.strip() == "1 classé, 0 à classer, 3 déjà là, 0 refusé."
    assert sorted(message.subject for message in _stored()) == ["Deuxième", "Première", "Quatrième", "Troisième"]
    assert db.session.scalar(select(func.count()).select_from(InboundMessage).where(
        InboundMessage.request_id == sent_request.id)) == 3


def test_import_says_what_it_cannot_read(runner, tmp_path):
    (tmp_path / "dossier").mkdir()
    result = runner.invoke(args=["mail", "import", str(tmp_path / "dossier")])
    assert result.exit_code == 1 and "n'est pas un dossier Maildir" in result.output


def test_user_admin_grants_and_revokes(runner, make_user):
    user = make_user("root@example.org")
    result = runner.invoke(args=["user", "admin", "root@example.org"])
    assert result.exit_code == 0 and "root@example.org est administrateur du site." in result.output
    assert db.session.get(User, user.id).site_admin
    runner.invoke(args=["user", "admin", "root@example.org", "--revoke"])
    db.session.expire_all()
    assert not db.session.get(User, user.id).site_admin
    assert runner.invoke(args=["user", "admin", "nobody@example.org"]).exit_code == 1
