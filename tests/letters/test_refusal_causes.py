"""The letters tell an explicit answer as what it was (crpa.md §3.1, §7): a partial
communication refusing the rest, redactions, documents said not to be held, an answer by a
link, a refusal for an abusive request; and they name the refusal the CADA window runs from,
not a later one."""
from datetime import date

import pytest

from tests.helpers import PASSWORD, make_request
from workflow.requests import lifecycle

TODAY = date(2026, 3, 1)


@pytest.fixture(autouse=True)
def frozen_today(monkeypatch):
    monkeypatch.setattr("workflow.core.clock.today", lambda: TODAY)


@pytest.fixture
def sent_request(client, make_user, metz):
    user = make_user("alice@example.org")
    client.post("/connexion", data={"email": "alice@example.org", "password": PASSWORD})
    access_request = make_request(user, metz, "LNT-2026-0042")
    lifecycle.record_event(access_request, "sent", date(2026, 1, 11), {"channel": "email"})
    return access_request


def referral_text(client, access_request) -> str:
    response = client.get(f"/demandes/{access_request.id}/courriers/cada_referral.txt")
    assert response.status_code == 200, response.get_data(as_text=True)
    return " ".join(response.get_data(as_text=True).split())


@pytest.mark.parametrize(("event", "data", "sentence"), [
    ("partially_answered", {"refuses_rest": True},
     "Par une décision du 20 janvier 2026, l'administration ne m'a communiqué qu'une partie de ces documents et a "
     "refusé de communiquer les autres."),
    ("partially_answered", {"redactions": "privacy"},
     "Par une décision du 20 janvier 2026, l'administration ne m'a communiqué qu'une partie de ces documents, en "
     "occultant certaines de leurs mentions, sans se prononcer sur les autres."),
    ("answered", {"redactions": "public_security"},
     "Par une décision du 20 janvier 2026, l'administration m'a communiqué ces documents en occultant certaines de "
     "leurs mentions."),
    ("documents_not_held", {},
     "Par une décision du 20 janvier 2026, l'administration m'a indiqué ne pas détenir ces documents."),
    ("already_published", {"url": "https://metz.fr/deliberations"},
     "Par une décision du 20 janvier 2026, l'administration m'a renvoyé à une publication de ces documents au lieu "
     "de me les communiquer."),
    ("refused", {"abusive": True},
     "Par une décision du 20 janvier 2026, l'administration a refusé de communiquer ces documents, au motif que ma "
     "demande serait abusive."),
])
def test_the_referral_tells_the_answer_as_it_was(client, sent_request, event, data, sentence) -> None:
    lifecycle.record_event(sent_request, event, date(2026, 1, 20), data)
    assert sentence in referral_text(client, sent_request)


def test_a_partial_communication_silent_on_the_rest_leaves_the_implicit_refusal(client, sent_request) -> None:
    lifecycle.record_event(sent_request, "partially_answered", date(2026, 1, 20), {})
    text = referral_text(client, sent_request)
    assert "une décision implicite de refus est née le 11 février 2026" in text


def test_a_refusal_after_the_implicit_one_is_not_the_one_referred(client, sent_request) -> None:
    lifecycle.record_event(sent_request, "refused", date(2026, 2, 20), {})
    text = referral_text(client, sent_request)
    assert "une décision implicite de refus est née le 11 février 2026" in text
    assert "Par une décision du 20 février 2026" not in text
