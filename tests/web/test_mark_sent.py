"""Marking a letter as sent (workflow/web/letters.py, mark_sent) when it cannot be: the
user is sent back to the letter with the reason in French, and nothing is recorded: no
frozen letter, no event, the status as it was."""
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from tests.helpers import make_request, page_text
from workflow.core.extensions import db
from workflow.models import Event, Letter, AccessRequest
from workflow.requests import lifecycle as service

TODAY = date(2026, 3, 1)


@pytest.fixture(autouse=True)
def frozen_today(monkeypatch):
    monkeypatch.setattr("workflow.core.clock.today", lambda: TODAY)


@pytest.fixture
def access_request(alice, metz):
    return make_request(alice, metz, "LNT-2026-0801", channel="postal")


def mark_sent(client, access_request, kind, sent_on):
    return client.post(f"/demandes/{access_request.id}/courriers/{kind}/envoye", data={"sent_on": sent_on})


def assert_nothing_recorded(access_request, status="draft", events=0):
    db.session.expire_all()  # the request wrote in its own session
    assert db.session.scalar(select(func.count(Letter.id))) == 0
    assert db.session.scalar(select(func.count(Event.id))) == events
    assert db.session.get(AccessRequest, access_request.id).status == status


@pytest.mark.parametrize(("sent_on", "message"), [
    ("", "Indiquez la date d'envoi."),
    # Not "Date non valide" (FrenchDateField): DataRequired, finding no date, replaces it.
    ("09/01/2026", "Indiquez la date d'envoi."),
    ((TODAY + timedelta(days=1)).isoformat(), "La date d'envoi ne peut pas être dans le futur."),
])
def test_a_missing_malformed_or_future_date_is_refused(client, access_request, sent_on, message):
    response = mark_sent(client, access_request, "request", sent_on)
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/demandes/{access_request.id}/courriers/request")
    assert message in page_text(client.get(response.headers["Location"]))
    assert_nothing_recorded(access_request)


def test_a_letter_that_is_not_ready_is_not_frozen(client, access_request):
    access_request.requester_id = None  # no requester identity: no letter can be written
    db.session.commit()
    response = mark_sent(client, access_request, "request", "2026-01-09")
    assert response.status_code == 302
    text = page_text(client.get(response.headers["Location"]))
    assert "Choisissez l'identité du demandeur avant de préparer un courrier." in text
    assert "Le courrier est figé" not in text
    assert_nothing_recorded(access_request)


def test_an_event_the_request_refuses_freezes_nothing(client, access_request):
    service.record_event(access_request, "sent", date(2026, 1, 9), {"channel": "postal"})
    service.record_event(access_request, "closed", date(2026, 2, 1))
    # The CADA referral would record its referral after the request was closed.
    response = mark_sent(client, access_request, "cada_referral", "2026-02-15")
    assert response.status_code == 302
    text = page_text(client.get(response.headers["Location"]))
    assert ("La demande est close depuis le 1er février 2026 : aucun événement ne peut être ajouté après la clôture."
            in text)
    assert "Le courrier est figé" not in text
    assert_nothing_recorded(access_request, status="closed", events=2)


def test_an_unknown_kind_of_letter_is_a_404(client, access_request):
    response = mark_sent(client, access_request, "love_letter", "2026-01-09")
    assert response.status_code == 404
    assert "Ce type de courrier n'existe pas." in page_text(response)
    assert_nothing_recorded(access_request)


def test_a_viewer_cannot_mark_a_letter_as_sent(client_for, access_request, alice, make_user):
    from workflow.accounts import users as accounts

    make_user("bob@example.org")
    collective = accounts.create_organisation(alice, "Technopolice Metz")
    accounts.add_member(collective, "bob@example.org", "viewer")
    access_request.organisation_id = collective.id
    db.session.commit()
    response = mark_sent(client_for("bob@example.org"), access_request, "request", "2026-01-09")
    assert response.status_code == 403
    assert "Vous n'avez pas le droit d'effectuer cette action." in page_text(response)
    assert_nothing_recorded(access_request)
