"""/api/v1/requests: drafting by script and reading status and deadlines."""
from datetime import date

import pytest
from sqlalchemy import select

from workflow.accounts import users as accounts
from workflow.requests import lifecycle as service
from workflow.directory.authorities import seed_authorities
from workflow.core.extensions import db
from workflow.models import Authority, Campaign, AccessRequest, RequesterIdentity


@pytest.fixture
def directory(app):
    seed_authorities()
    return {row.slug: row.id for row in db.session.scalars(select(Authority))}


@pytest.fixture
def headers(make_user):
    return {"Authorization": f"Bearer {accounts.issue_token(make_user('script@example.org'))}"}


REQUESTER = {"name": "Alice Martin", "address": "12 rue des Jardins\n57000 Metz", "email": "alice@example.org"}


def body(authority_ids, **overrides):
    return {"authority_ids": authority_ids, "subject": "Marchés de vidéoprotection",
            "items": ["Acte d'engagement du marché", "CCTP"], "channel": "postal", "requester": REQUESTER, **overrides}


def test_create_one_request_and_read_it(client, headers, directory):
    response = client.post("/api/v1/requests", json=body([directory["ville-de-metz"]]), headers=headers)
    assert response.status_code == 201
    created = response.json["requests"]
    assert len(created) == 1 and created[0]["status"] == "draft" and created[0]["reference"].startswith("LNT-")
    assert response.json["campaign"] is None
    access_request = client.get(f"/api/v1/requests/{created[0]['id']}", headers=headers).json
    assert access_request["authority"]["name"] == "Ville de Metz"
    assert [item["description"] for item in access_request["items"]] == ["Acte d'engagement du marché", "CCTP"]
    assert access_request["channel"] == "postal"
    assert access_request["deadlines"] == [] and access_request["events"] == []
    assert access_request["next_action"]["label"] == "Envoyer la demande"
    identity = db.session.scalar(select(RequesterIdentity))
    assert (identity.name, identity.email) == ("Alice Martin", "alice@example.org")


def test_several_authorities_make_a_campaign(client, headers, directory):
    ids = [directory["ville-de-metz"], directory["prefecture-moselle"]]
    response = client.post("/api/v1/requests", json=body(ids, campaign_title="Caméras 2026"), headers=headers)
    assert response.status_code == 201
    assert len(response.json["requests"]) == 2
    campaign = db.session.get(Campaign, response.json["campaign"]["id"])
    assert campaign.title == "Caméras 2026"
    assert [access_request.authority_id for access_request in sorted(campaign.requests, key=lambda r: r.reference)] == ids
    # The same requester is reused, not duplicated.
    client.post("/api/v1/requests", json=body([directory["cnil"]]), headers=headers)
    assert len(db.session.scalars(select(RequesterIdentity)).all()) == 1


def test_deadlines_appear_once_events_are_recorded(client, headers, directory):
    request_id = client.post("/api/v1/requests", json=body([directory["ville-de-metz"]], channel="email"),
                             headers=headers).json["requests"][0]["id"]
    access_request = db.session.get(AccessRequest, request_id)
    service.record_event(access_request, "sent", date(2026, 1, 11))
    payload = client.get(f"/api/v1/requests/{request_id}", headers=headers).json
    deadlines = {deadline["kind"]: deadline for deadline in payload["deadlines"]}
    assert deadlines["implicit_refusal"]["date"] == "2026-02-11"
    assert deadlines["cada_referral"]["safe_date"] == "2026-04-11"
    assert deadlines["cada_referral"]["legal_date"] == "2026-04-13"
    assert deadlines["implicit_refusal"]["explanation"].startswith("Sans réponse au 11 février 2026")
    assert payload["events"][0]["type"] == "sent"


@pytest.mark.parametrize(("overrides", "field"), [
    ({"authority_ids": []}, "authority_ids"),
    ({"authority_ids": [99999]}, "authority_ids"),
    ({"authority_ids": ["1"]}, "authority_ids"),
    ({"subject": ""}, "subject"),
    ({"items": []}, "items"),
    ({"items": "not a list"}, "items"),
    ({"channel": "fax"}, "channel"),
    ({"requester": {"name": "Alice"}}, "requester.address"),
    ({"requester": "Alice"}, "requester"),
])
def test_invalid_drafts_get_field_errors_and_create_nothing(client, headers, directory, overrides, field):
    response = client.post("/api/v1/requests", json={**body([directory["ville-de-metz"]]), **overrides}, headers=headers)
    assert response.status_code == 422
    assert field in response.json["error"]["fields"]
    assert db.session.scalar(select(AccessRequest)) is None


def test_another_users_request_is_a_404(client, headers, directory, make_user):
    request_id = client.post("/api/v1/requests", json=body([directory["ville-de-metz"]]), headers=headers).json["requests"][0]["id"]
    other = {"Authorization": f"Bearer {accounts.issue_token(make_user('other@example.org'))}"}
    response = client.get(f"/api/v1/requests/{request_id}", headers=other)
    assert response.status_code == 404
    assert response.is_json and "Marchés" not in response.get_data(as_text=True)
