"""One declaration (workflow/law/events.py) drives the event form, the API's validation
of POST /requests/{id}/events and its OpenAPI schema: a field added there appears in all
three, and what it does not declare is refused."""
from datetime import date

import pytest
from sqlalchemy import select
from werkzeug.datastructures import MultiDict

from workflow.accounts import users as accounts
from workflow.api.openapi import SPEC, event_body_schema
from workflow.core.extensions import db
from workflow.directory.authorities import seed_authorities
from workflow.forms import EventForm, event_form_class
from workflow.law import events
from workflow.law.events import EVENT_DATA, EVENT_TYPES, EventField, input_fields
from workflow.models import Authority, Event, AccessRequest, RequesterIdentity, RequestItem
from workflow.requests import lifecycle

COURT = EventField("court", "choice", "Tribunal saisi", choices={"ta_strasbourg": "TA de Strasbourg",
                                                                 "ta_nancy": "TA de Nancy"},
                   noun="Tribunal", line="Devant le {value}")
WITH_COURT = {**EVENT_DATA, "court_filed": (COURT,)}


def _alternative(schema: dict, event_type: str) -> dict:
    for alternative in schema["oneOf"]:
        kind = alternative["properties"]["type"]
        if kind.get("const") == event_type or event_type in kind.get("enum", ()):
            return alternative
    raise AssertionError(f"no alternative for {event_type}")


def test_the_openapi_schema_is_the_declaration():
    schema = SPEC["paths"]["/requests/{request_id}/events"]["post"]["requestBody"]["content"]["application/json"]["schema"]
    assert schema == event_body_schema()
    for event_type in EVENT_TYPES:
        alternative = _alternative(schema, event_type)
        assert alternative["additionalProperties"] is False
        assert set(alternative["properties"]) == {"type", "date", "note", *(spec.name for spec in input_fields(event_type))}
    assert _alternative(schema, "sent")["properties"]["channel"]["enum"] == ["email", "postal", "online_form", "hand"]
    assert _alternative(schema, "sent")["properties"]["registered_number"]["maxLength"] == 40
    assert _alternative(schema, "acknowledged")["properties"]["r112_5"]["type"] == "boolean"
    assert _alternative(schema, "cada_opinion")["properties"]["received_by_authority"]["format"] == "date"
    assert set(_alternative(schema, "authority_reply")["properties"]["outcome"]["enum"]) == {
        "communicated", "partial", "refused"}


def test_the_form_is_the_declaration(app):
    names = {name for name, _ in EventForm.__dict__.items() if not name.startswith("_")}
    for event_type in EVENT_DATA:
        for spec in input_fields(event_type):
            assert spec.input_name in names
    with app.test_request_context():
        form = EventForm(formdata=MultiDict({"type": "cada_opinion", "occurred_on": "2026-03-02",
                                             "opinion_outcome": "favourable", "reply_outcome": "refused",
                                             "received_by_authority": "2026-03-05"}), meta={"csrf": False})
        assert form.validate()
        assert form.event_data() == {"outcome": "favourable", "received_by_authority": "2026-03-05"}
        legends = [legend for legend, _ in form.fieldsets()]
        assert legends[0] == "Envoi de la demande" and "Avis de la CADA" in legends
        form = EventForm(formdata=MultiDict({"type": "sent", "occurred_on": "2026-03-02", "registered_number": "9" * 41}),
                         meta={"csrf": False})
        assert not form.validate()
        assert form.registered_number.errors == ["40 caractères au plus."]
        assert 'maxlength="40"' in str(form.registered_number)


def test_a_field_added_to_the_declaration_appears_in_the_form_and_the_schema(app):
    court_form = event_form_class(WITH_COURT)
    with app.test_request_context():
        form = court_form(formdata=MultiDict({"type": "court_filed", "occurred_on": "2026-03-02", "court": "ta_nancy"}),
                          meta={"csrf": False})
        assert form.validate() and form.event_data() == {"court": "ta_nancy"}
        assert form.court.label.text == "Tribunal saisi"
        assert ("Requête au tribunal administratif", [form.court]) in form.fieldsets()
        required = event_form_class({"court_filed": (EventField("court", "text", "Tribunal saisi", required=True),)})
        form = required(formdata=MultiDict({"type": "court_filed", "occurred_on": "2026-03-02"}), meta={"csrf": False})
        assert not form.validate() and form.court.errors == ["Ce champ est obligatoire."]
    court = _alternative(event_body_schema(WITH_COURT), "court_filed")
    assert court["properties"]["court"] == {"description": "Tribunal saisi", "type": "string",
                                           "enum": ["ta_strasbourg", "ta_nancy"]}
    assert "court_filed" not in _alternative(event_body_schema(WITH_COURT), "closed")["properties"]["type"].get("const", "")


def test_a_field_with_a_shared_name_needs_a_form_name():
    clash = {"sent": (EventField("outcome", "text", "A"),), "closed": (EventField("outcome", "text", "B"),)}
    with pytest.raises(ValueError, match="form_name"):
        event_form_class(clash)


@pytest.fixture
def before_court(app, make_user):
    """A request with a confirmed refusal, and a token of its owner."""
    seed_authorities()
    owner = make_user("script@example.org")
    metz = db.session.scalar(select(Authority).where(Authority.slug == "ville-de-metz"))
    identity = RequesterIdentity(owner_id=owner.id, name="Alice Martin", address="1 rue X\n57000 Metz",
                                 email="alice@example.org")
    access_request = AccessRequest(reference="LNT-2026-0901", owner_id=owner.id, authority_id=metz.id, channel="email",
                    subject="Marchés", requester=identity, items=[RequestItem(position=1, description="CCTP")])
    db.session.add(access_request)
    db.session.commit()
    for kind, day, data in (("sent", date(2025, 9, 1), {}), ("refused", date(2025, 9, 10), {}),
                            ("cada_referred", date(2025, 9, 15), {}), ("cada_registered", date(2025, 9, 20), {})):
        lifecycle.record_event(access_request, kind, day, data)
    return access_request, {"Authorization": f"Bearer {accounts.issue_token(owner)}"}


def test_the_api_takes_what_the_declaration_says(client, before_court, monkeypatch):
    access_request, headers = before_court
    url = f"/api/v1/requests/{access_request.id}/events"
    response = client.post(url, json={"type": "court_filed", "date": "2025-12-01", "court": "ta_nancy"}, headers=headers)
    assert response.status_code == 400
    assert response.json["error"]["message"] == "Champs inconnus pour « court_filed » : court."

    monkeypatch.setattr(events, "EVENT_DATA", WITH_COURT)
    response = client.post(url, json={"type": "court_filed", "date": "2025-12-01", "court": "ta_paris"}, headers=headers)
    assert response.status_code == 422
    assert response.json["error"]["fields"] == {"court": ["Tribunal inconnu : « ta_paris »."]}
    response = client.post(url, json={"type": "court_filed", "date": "2025-12-01", "court": "ta_nancy"}, headers=headers)
    assert response.status_code == 201, response.json
    assert response.json["events"][-1]["data"] == {"court": "ta_nancy"}
    assert db.session.scalar(select(Event).where(Event.type == "court_filed")).data == {"court": "ta_nancy"}


@pytest.mark.parametrize(("payload", "fields"), [
    ({"type": "refused", "appeal_routes_stated": "yes"},
     {"appeal_routes_stated": ["La mention des voies et délais de recours : vrai ou faux (true ou false) attendu, "
                               "pas « yes »."]}),
    ({"type": "refused", "grounds": "x" * 2001}, {"grounds": ["Motifs invoqués : 2000 caractères au plus."]}),
])
def test_the_api_refuses_values_the_declaration_refuses(client, before_court, payload, fields):
    access_request, headers = before_court
    response = client.post(f"/api/v1/requests/{access_request.id}/events", json={"date": "2025-12-01", **payload},
                           headers=headers)
    assert response.status_code == 422 and response.json["error"]["fields"] == fields
    assert response.json["error"]["message"] == "Données invalides."
