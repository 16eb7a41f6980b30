"""`flask mail fetch` against a real IMAP server (Debian's dovecot, started by the test
fixture): new mail is stored and placed by each rule, the same mail twice is stored once,
a connection dropped mid-fetch loses and doubles nothing; RQ's cron enqueues the fetch."""
from __future__ import annotations

import socket
from datetime import date

import pytest
from sqlalchemy import select

from tests.helpers import make_request, run_worker
from tests.inbound import mails
from workflow.core.extensions import db
from workflow.core.storage import file_store
from workflow.inbound import imap, receiving
from workflow.mail import addresses
from workflow.models import AccessRequest, InboundMessage, OutgoingMail
from workflow.requests import lifecycle

TAKEN = {"$LanterneStored", "\\Seen"}


@pytest.fixture
def mailbox_url(app, imap_mailbox, monkeypatch):
    monkeypatch.setitem(app.config, "IMAP_URL", imap_mailbox.url())
    monkeypatch.setitem(app.config, "INBOUND_ADDRESS", "demandes@asso.example")
    return imap_mailbox


@pytest.fixture
def requests_sent(alice, metz):
    metz.prada_email = "prada@metz.example"
    made = []
    for number in (1, 2, 3):
        access_request = make_request(alice, metz, f"LNT-2026-000{number}")
        lifecycle.record_event(access_request, "sent", date(2026, 11, 20), {"channel": "email"})
        made.append(access_request)
    # Only the fourth request, to another administration, can be found by its sender.
    prefecture = db.session.scalar(select(type(metz)).where(type(metz).id != metz.id).limit(1))
    prefecture.email = "pref-courrier@moselle.gouv.fr"
    fourth = make_request(alice, prefecture, "LNT-2026-0004")
    lifecycle.record_event(fourth, "sent", date(2026, 11, 20), {"channel": "email"})
    db.session.add(OutgoingMail(dedupe_key="letter:2", purpose="request_letter", request_id=made[1].id,
                                to_address="prada@metz.example", subject="Demande", message_id="<req.2@asso.example>",
                                eml_sha256="0" * 64, status="sent"))
    db.session.commit()
    return made + [fourth]


def _placed() -> dict[str, tuple[str | None, str | None]]:
    rows = db.session.execute(select(InboundMessage.subject, AccessRequest.reference, InboundMessage.matched_by)
                              .outerjoin(AccessRequest, AccessRequest.id == InboundMessage.request_id))
    return {subject: (reference, rule) for subject, reference, rule in rows}


def test_fetch_stores_new_mail_and_places_it_by_each_rule(runner, mailbox_url, requests_sent):
    first, second, third, fourth = requests_sent
    appended = [
        mails.answer(to=addresses.reply_address(first), subject="par l'adresse"),
        mails.answer(to="alice@example.org", subject="RE: Demande", in_reply_to="<req.2@asso.example>",
                     sender="Autre <autre@ailleurs.example>"),
        mails.answer(to="alice@example.org", subject="Réf. LNT-2026-0003", sender="Autre <autre@ailleurs.example>"),
        mails.answer(to="alice@example.org", subject="par l'expéditeur", sender="Préfecture <pref-courrier@moselle.gouv.fr>"),
        mails.answer(to="alice@example.org", subject="inconnu", sender="X <x@inconnu.example>"),
    ]
    uids = [mailbox_url.append(raw) for raw in appended]
    result = runner.invoke(args=["mail", "fetch"])
    assert result.exit_code == 0, result.output
    assert result.output.strip() == "4 classé(s), 1 à classer, 0 déjà là."
    assert _placed() == {"par l'adresse": ("LNT-2026-0001", "tag"), "RE: Demande": ("LNT-2026-0002", "thread"),
                         "Réf. LNT-2026-0003": ("LNT-2026-0003", "reference"),
                         "par l'expéditeur": ("LNT-2026-0004", "sender"), "inconnu": (None, None)}
    stored = {message.subject: file_store().read(message.sha256) for message in db.session.scalars(select(InboundMessage))}
    assert sorted(stored.values()) == sorted(appended)  # the exact bytes
    flags = mailbox_url.flags()
    assert all(TAKEN <= flags[uid] for uid in uids)
    again = runner.invoke(args=["mail", "fetch"])
    assert again.output.strip() == "0 classé(s), 0 à classer, 0 déjà là."


def test_the_same_mail_delivered_twice_is_stored_once(runner, mailbox_url, requests_sent):
    raw = mails.answer(to=addresses.reply_address(requests_sent[0]), subject="deux fois")
    mailbox_url.append(raw)
    mailbox_url.append(raw)
    result = runner.invoke(args=["mail", "fetch"])
    assert result.output.strip() == "1 classé(s), 0 à classer, 1 déjà là."
    assert len(list(db.session.scalars(select(InboundMessage)))) == 1


def test_a_connection_dropped_mid_fetch_loses_and_doubles_nothing(runner, mailbox_url, requests_sent, monkeypatch):
    reply = addresses.reply_address(requests_sent[0])
    appended = [mails.answer(to=reply, subject=f"réponse {number}") for number in range(1, 6)]
    for raw in appended:
        mailbox_url.append(raw)
    clients: list = []
    original_init = imap.IMAPClient.__init__

    def recording_init(self, *args, **kwargs):
        original_init(self, *args, **kwargs)
        clients.append(self)

    monkeypatch.setattr(imap.IMAPClient, "__init__", recording_init)
    original_receive = receiving.receive
    calls = []

    def receive_then_drop(raw, source, max_bytes):
        receipt = original_receive(raw, source, max_bytes)
        calls.append(raw)
        if len(calls) == 2:
            clients[-1].socket().shutdown(socket.SHUT_RDWR)  # stored, not yet marked on the server
        return receipt

    monkeypatch.setattr(receiving, "receive", receive_then_drop)
    cut = runner.invoke(args=["mail", "fetch"])
    assert cut.exit_code != 0
    assert len(list(db.session.scalars(select(InboundMessage)))) == 2
    monkeypatch.setattr(receiving, "receive", original_receive)
    result = runner.invoke(args=["mail", "fetch"])
    assert result.exit_code == 0, result.output
    stored = [file_store().read(message.sha256) for message in db.session.scalars(select(InboundMessage))]
    assert sorted(stored) == sorted(appended)  # every one, once
    assert all(TAKEN <= flags for flags in mailbox_url.flags().values())


def test_rq_cron_enqueues_the_fetch_that_a_worker_runs(app, mailbox_url, requests_sent):
    from workflow.cli.mail import mail_poll_scheduler

    mailbox_url.append(mails.answer(to=addresses.reply_address(requests_sent[0]), subject="par le cron"))
    scheduler = mail_poll_scheduler(120)
    [job] = scheduler.get_jobs()
    assert (job.func_name, job.interval) == ("workflow.jobs.tasks.fetch_mail_job", 120)
    assert [queued.func_name for queued in scheduler.enqueue_jobs()] == ["workflow.jobs.tasks.fetch_mail_job"]
    assert scheduler.enqueue_jobs() == []  # not again before the interval
    run_worker()
    assert _placed() == {"par le cron": ("LNT-2026-0001", "tag")}


def test_fetch_without_a_mailbox_says_so(runner):
    result = runner.invoke(args=["mail", "fetch"])
    assert result.exit_code == 1 and "Aucune boîte IMAP n'est configurée (IMAP_URL)." in result.output
