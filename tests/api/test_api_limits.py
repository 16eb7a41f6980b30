"""The API applies the drafting form's limits (workflow/requests/limits.py), and a letter
refuses a request larger than them, whatever wrote it (issue 18, finding 3)."""
import time

import pytest
from sqlalchemy import select

from tests.helpers import make_request, page_text
from workflow.accounts import users as accounts
from workflow.core.extensions import db
from workflow.models import AccessRequest, RequestItem
from workflow.requests import limits


@pytest.fixture
def headers(make_user):
    return {"Authorization": f"Bearer {accounts.issue_token(make_user('alice@example.org'))}"}


REQUESTER = {"name": "Alice Martin", "address": "12 rue des Jardins\n57000 Metz", "email": "alice@example.org"}


def body(authority_id, **overrides):
    return {"authority_ids": [authority_id], "subject": "Marchés de vidéoprotection", "items": ["CCTP"],
            "requester": REQUESTER, **overrides}


@pytest.mark.parametrize("overrides, field", [
    ({"items": ["x" * 500] * 12_000}, "items"),
    ({"items": ["CCTP"] * (limits.ITEMS_MAX + 1)}, "items"),
    ({"items": ["x" * (limits.ITEM_MAX_LENGTH + 1)]}, "items"),
    ({"subject": "x" * (limits.SUBJECT_MAX_LENGTH + 1)}, "subject"),
    ({"legal_grounds": ["CGCT, art. L2121-26"] * 200}, "legal_grounds"),
    ({"legal_grounds": "CRPA"}, "legal_grounds"),
    ({"campaign_title": "x" * (limits.CAMPAIGN_TITLE_MAX_LENGTH + 1)}, "campaign_title"),
    ({"requester": {**REQUESTER, "name": "x" * 201}}, "requester.name"),
    ({"requester": {**REQUESTER, "address": "x" * 501}}, "requester.address"),
], ids=["12000-items", "101-items", "long-item", "subject", "legal-grounds", "legal-grounds-not-a-list",
        "campaign-title", "requester-name", "requester-address"])
def test_the_api_refuses_what_the_form_refuses(client, headers, metz, overrides, field):
    started = time.perf_counter()
    response = client.post("/api/v1/requests", json=body(metz.id, **overrides), headers=headers)
    assert response.status_code == 422, response.json
    assert field in response.json["error"]["fields"]
    assert time.perf_counter() - started < 5
    assert db.session.scalar(select(AccessRequest)) is None


def test_the_largest_request_the_form_allows_passes(client, headers, metz):
    items = [f"{n} " + "x" * (limits.ITEM_MAX_LENGTH - 5) for n in range(limits.ITEMS_MAX)]
    response = client.post("/api/v1/requests", json=body(metz.id, items=items), headers=headers)
    assert response.status_code == 201


def test_a_campaign_is_bounded_too(client, headers):
    response = client.post("/api/v1/requests", headers=headers, json={
        **body(1), "authority_ids": list(range(1, limits.AUTHORITIES_MAX + 2))})
    assert response.status_code == 422
    assert "au plus 200 autorités" in response.json["error"]["fields"]["authority_ids"][0]


def test_an_event_note_is_bounded(client, headers, metz):
    access_request = make_request(accounts.find_user("alice@example.org"), metz, "LNT-2026-0001")
    response = client.post(f"/api/v1/requests/{access_request.id}/events", headers=headers,
                           json={"type": "sent", "date": "2026-01-05", "note": "x" * (limits.EVENT_NOTE_MAX_LENGTH + 1)})
    assert response.status_code == 422 and "note" in response.json["error"]["fields"]


def test_a_letter_refuses_a_request_too_large(client_for, headers, metz):
    """Written before the limits (or by any other way in): no PDF of 12 000 items."""
    alice = accounts.find_user("alice@example.org")
    access_request = make_request(alice, metz, "LNT-2026-0001")
    access_request.items = [RequestItem(position=n, description="x" * 500) for n in range(1, 12_001)]
    db.session.commit()

    started = time.perf_counter()
    response = client_for("alice@example.org").get(f"/demandes/{access_request.id}/courriers/request.pdf")
    assert response.status_code == 409
    assert "Cette demande est trop longue pour un courrier : Une demande compte au plus 100 documents" in page_text(response)
    response = client_for("alice@example.org").get(f"/api/v1/requests/{access_request.id}/letters/request.pdf",
                                                   headers=headers)
    assert response.status_code == 409 and "trop longue" in response.json["error"]["message"]
    assert time.perf_counter() - started < 10


def test_the_largest_letter_renders(client, headers, metz):
    items = [f"{n} " + "x" * (limits.ITEM_MAX_LENGTH - 5) for n in range(limits.ITEMS_MAX)]
    created = client.post("/api/v1/requests", json=body(metz.id, items=items), headers=headers).json["requests"][0]
    started = time.perf_counter()
    response = client.get(f"/api/v1/requests/{created['id']}/letters/request.pdf", headers=headers)
    assert response.status_code == 200
    assert time.perf_counter() - started < 20  # about 1 s on this machine
