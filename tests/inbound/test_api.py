"""The API: a request's reply address and messages; confirming a proposal; the inbox of
unmatched mail and its assignment, for site administrators only."""
from __future__ import annotations

from datetime import date

import pytest

from tests.helpers import make_request
from tests.inbound import mails
from workflow.accounts import users as accounts
from workflow.inbound import receiving
from workflow.mail import addresses
from workflow.requests import lifecycle

MAX = 60 * 1024 * 1024


@pytest.fixture
def setup(app, alice, metz, make_user, monkeypatch):
    monkeypatch.setitem(app.config, "INBOUND_ADDRESS", "demandes@asso.example")
    access_request = make_request(alice, metz, "LNT-2026-0042")
    lifecycle.record_event(access_request, "sent", date(2026, 11, 20), {"channel": "email"})
    admin = make_user("root@example.org")
    accounts.set_site_admin(admin, True)
    return access_request, accounts.issue_token(alice, "t"), accounts.issue_token(admin, "t")


def _get(client, path, token):
    return client.get(path, headers={"Authorization": f"Bearer {token}"})


def _post(client, path, token, json=None):
    return client.post(path, headers={"Authorization": f"Bearer {token}"}, json=json if json is not None else {})


def test_a_request_gives_its_reply_address_and_messages(client, setup):
    access_request, token, _admin = setup
    reply = addresses.reply_address(access_request)
    message = receiving.receive(mails.answer(to=reply, subject="Accusé de réception",
                                             body="Nous accusons réception."), "pipe", MAX).message
    body = _get(client, f"/api/v1/requests/{access_request.id}", token).json
    assert body["reply_address"] == reply and reply.startswith("demandes+") and reply.endswith("@asso.example")
    [received] = body["messages"]
    assert received["direction"] == "in" and received["from"] == "PRADA Ville de Metz <prada@metz.example>"
    assert received["matched_by"] == "tag" and received["document_id"] == message.document_id
    assert received["proposed_event"] == {"type": "acknowledged", "date": "2026-12-01", "status": "proposed",
                                          "event_id": None,
                                          "why": "Le courriel se présente comme un accusé de réception."}
    confirmed = _post(client, f"/api/v1/requests/{access_request.id}/messages/{message.id}/confirm", token)
    assert confirmed.status_code == 200 and confirmed.json["proposed_event"]["status"] == "confirmed"
    again = _post(client, f"/api/v1/requests/{access_request.id}/messages/{message.id}/confirm", token)
    assert again.status_code == 409
    events = _get(client, f"/api/v1/requests/{access_request.id}", token).json["events"]
    assert [(event["type"], event["date"]) for event in events][-1] == ("acknowledged", "2026-12-01")


def test_a_letter_e_mailed_is_listed_as_sent(client, setup, mailbox):
    from tests.helpers import run_worker

    access_request, token, _admin = setup
    access_request.authority.prada_email = "prada@metz.example"
    from workflow.core.extensions import db

    db.session.commit()
    client.post("/connexion", data={"email": "alice@example.org", "password": "correct horse battery"})
    client.post(f"/demandes/{access_request.id}/courriers/reminder/courriel", data={"recipient": "prada@metz.example"})
    run_worker()
    [sent] = _get(client, f"/api/v1/requests/{access_request.id}", token).json["messages"]
    assert (sent["direction"], sent["from"], sent["to"], sent["status"]) == (
        "out", "lanterne@lanterne.test", "prada@metz.example", "sent")
    assert sent["subject"].startswith("Relance") and "LNT-2026-0042" in sent["subject"]


def test_without_a_mailbox_the_reply_address_is_null(client, setup, app, monkeypatch):
    access_request, token, _admin = setup
    monkeypatch.setitem(app.config, "INBOUND_ADDRESS", "")
    assert _get(client, f"/api/v1/requests/{access_request.id}", token).json["reply_address"] is None


def test_the_inbox_is_for_administrators(client, setup):
    access_request, token, admin_token = setup
    message = receiving.receive(mails.answer(to="x@ailleurs.example", sender="X <x@inconnu.example>"), "pipe",
                                MAX).message
    assert _get(client, "/api/v1/inbox", token).status_code == 403
    assert _post(client, f"/api/v1/inbox/{message.id}/assign", token,
                 {"request_id": access_request.id}).status_code == 403
    listed = _get(client, "/api/v1/inbox", admin_token).json["messages"]
    assert [entry["id"] for entry in listed] == [message.id]
    assert _post(client, f"/api/v1/inbox/{message.id}/assign", admin_token, {"request_id": "x"}).status_code == 422
    assigned = _post(client, f"/api/v1/inbox/{message.id}/assign", admin_token, {"request_id": access_request.id})
    assert assigned.status_code == 200 and assigned.json["matched_by"] == "assigned"
    assert _get(client, "/api/v1/inbox", admin_token).json["messages"] == []
    assert _post(client, f"/api/v1/inbox/{message.id}/assign", admin_token,
                 {"request_id": access_request.id}).status_code == 409
