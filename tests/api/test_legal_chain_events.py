"""What an API client sees of the legal chain: the events that move the windows (crpa.md
§3), those that only record what happened, the court phase, and each deadline's state,
through POST /api/v1/requests/{id}/events and GET /api/v1/requests/{id}."""
from datetime import date

import pytest
from sqlalchemy import select

from workflow.accounts import users as accounts
from workflow.core import clock
from workflow.core.extensions import db
from workflow.directory.authorities import seed_authorities
from workflow.models import Authority, Event

REQUESTER = {"name": "Alice Martin", "address": "12 rue des Jardins\n57000 Metz", "email": "alice@example.org"}


class Today:
    """The day the application believes it is (workflow.core.clock.today)."""

    def __init__(self, monkeypatch):
        self.day = date(2026, 12, 1)
        monkeypatch.setattr(clock, "today", lambda: self.day)

    def set(self, day: date) -> None:
        self.day = day


@pytest.fixture
def today(monkeypatch):
    return Today(monkeypatch)


@pytest.fixture
def directory(app):
    seed_authorities()
    return {row.slug: row.id for row in db.session.scalars(select(Authority))}


@pytest.fixture
def headers(make_user):
    return {"Authorization": f"Bearer {accounts.issue_token(make_user('script@example.org'))}"}


@pytest.fixture
def api(client, headers, directory, today):
    """A request to the city of Metz (two documents, sent by e-mail), and helpers to record
    its events and read it as a client does."""

    class Api:
        def __init__(self):
            response = client.post("/api/v1/requests", headers=headers, json={
                "authority_ids": [directory["ville-de-metz"]], "subject": "Marchés de vidéoprotection",
                "items": ["Acte d'engagement du marché", "CCTP"], "channel": "email", "requester": REQUESTER})
            assert response.status_code == 201, response.json
            self.id = response.json["requests"][0]["id"]
            self.directory = directory

        def post(self, event_type: str, day: str, **data):
            return client.post(f"/api/v1/requests/{self.id}/events", headers=headers,
                               json={"type": event_type, "date": day, **data})

        def record(self, event_type: str, day: str, **data) -> dict:
            response = self.post(event_type, day, **data)
            assert response.status_code == 201, response.json
            return response.json

        def get(self) -> dict:
            response = client.get(f"/api/v1/requests/{self.id}", headers=headers)
            assert response.status_code == 200
            return response.json

        def deadlines(self) -> dict:
            return {deadline["kind"]: deadline for deadline in self.get()["deadlines"]}

    return Api()


def _refused_fields(response) -> dict:
    assert response.status_code == 422, response.json
    assert response.json["error"]["message"] == "Données invalides."
    return response.json["error"]["fields"]


# ------------------------------------------------------------ explicit decisions


def test_an_explicit_refusal_stating_the_appeal_routes_opens_the_cada_window(api, today):
    today.set(date(2026, 2, 1))
    api.record("sent", "2026-01-05")
    body = api.record("refused", "2026-01-20", appeal_routes_stated=True, grounds="Documents préparatoires.")
    assert body["status"] == "refused"
    assert body["events"][-1]["data"] == {"appeal_routes_stated": True, "grounds": "Documents préparatoires."}
    deadlines = api.deadlines()
    referral = deadlines["cada_referral"]
    assert (referral["safe_date"], referral["legal_date"]) == ("2026-03-20", "2026-03-23")  # 21 March: a Saturday
    assert "le refus explicite du 20 janvier 2026, jour de sa notification" in referral["explanation"]
    assert referral["enforceability"] == "enforceable" and referral["enforceable"] is True
    assert referral["state"] == "open"
    # The implicit refusal will not be born: the explicit one came first.
    assert deadlines["implicit_refusal"]["state"] == "superseded"
    assert "a précédé la naissance du refus implicite" in deadlines["implicit_refusal"]["state_note"]


def test_a_refusal_without_the_appeal_routes_is_not_enforceable(api):
    api.record("sent", "2026-01-05")
    api.record("refused", "2026-01-20", appeal_routes_stated=False)
    referral = api.deadlines()["cada_referral"]
    assert referral["safe_date"] == "2026-03-20"  # still the date Lanterne recommends
    assert referral["enforceability"] == "not_enforceable" and referral["enforceable"] is False
    assert "n'indique pas les voies et délais de recours" in referral["enforceability_note"]
    assert "L311-14" in referral["enforceability_note"] and "Czabaj" in referral["enforceability_note"]


def test_a_partial_communication_refusing_the_rest_opens_the_window_from_its_notification(api):
    api.record("sent", "2026-01-05")
    body = api.record("partially_answered", "2026-01-20", refuses_rest=True, appeal_routes_stated=True,
                      grounds="Secret des affaires.")
    assert body["status"] == "partially_answered"
    assert body["events"][-1]["data"] == {"refuses_rest": True, "appeal_routes_stated": True,
                                          "grounds": "Secret des affaires."}
    deadlines = api.deadlines()
    referral = deadlines["cada_referral"]
    assert (referral["safe_date"], referral["legal_date"]) == ("2026-03-20", "2026-03-23")
    assert "la communication partielle refusant le reste du 20 janvier 2026" in referral["explanation"]
    assert deadlines["implicit_refusal"]["state"] == "superseded"


def test_a_partial_communication_silent_on_the_rest_leaves_the_implicit_refusal(api):
    api.record("sent", "2026-01-05")
    api.record("partially_answered", "2026-01-20", refuses_rest=False)
    deadlines = api.deadlines()
    assert deadlines["implicit_refusal"]["date"] == "2026-02-05"
    assert deadlines["implicit_refusal"]["state"] == "passed"  # born (today is 1 December 2026)
    referral = deadlines["cada_referral"]
    # 6 April 2026 is Easter Monday: the legal last day moves to the 7th.
    assert (referral["safe_date"], referral["legal_date"]) == ("2026-04-05", "2026-04-07")
    assert "la naissance du refus implicite, le 5 février 2026" in referral["explanation"]
    assert "refusant le reste" not in referral["explanation"]


def test_documents_not_held(api):
    api.record("sent", "2026-01-05")
    body = api.record("documents_not_held", "2026-01-15", appeal_routes_stated=True, holder="Metz Métropole")
    assert body["status"] == "documents_not_held"
    assert body["events"][-1]["data"] == {"appeal_routes_stated": True, "holder": "Metz Métropole"}
    referral = api.deadlines()["cada_referral"]
    assert referral["safe_date"] == "2026-03-15"
    assert "la réponse indiquant que les documents ne sont pas détenus du 15 janvier 2026" in referral["explanation"]


# ------------------------------------------------------ what the answer says


def test_transferred_to_an_authority_of_the_directory_keeps_its_name_and_id(api, today):
    today.set(date(2026, 1, 20))
    api.record("sent", "2026-01-05")
    prefecture = api.directory["prefecture-moselle"]
    body = api.record("transferred", "2026-01-12", to=prefecture)
    assert body["status"] == "transferred"
    assert body["events"][-1]["data"] == {"to": "Préfecture de la Moselle", "to_authority_id": prefecture}
    assert db.session.scalar(select(Event).where(Event.type == "transferred")).data["to_authority_id"] == prefecture
    # The implicit refusal still runs from the receipt by the first authority (L114-3).
    assert api.deadlines()["implicit_refusal"]["date"] == "2026-02-05"


def test_transferred_to_an_authority_named_in_words(api):
    api.record("sent", "2026-01-05")
    body = api.record("transferred", "2026-01-12", to="Syndicat des eaux de la vallée")
    assert body["events"][-1]["data"] == {"to": "Syndicat des eaux de la vallée"}


def test_transferred_to_an_unknown_authority_id_is_refused_in_french(api):
    api.record("sent", "2026-01-05")
    assert _refused_fields(api.post("transferred", "2026-01-12", to=999999)) == {
        "to": ["Aucune autorité n° 999999 dans l'annuaire."]}
    # The id is Lanterne's to write, not the client's.
    response = api.post("transferred", "2026-01-12", to="Préfecture", to_authority_id=1)
    assert response.status_code == 400
    assert response.json["error"]["message"] == "Champs inconnus pour « transferred » : to_authority_id."
    assert _refused_fields(api.post("transferred", "2026-01-12")) == {
        "to": ["Administration à laquelle la demande a été transmise : ce champ est obligatoire."]}
    assert db.session.scalar(select(Event).where(Event.type == "transferred")) is None


def test_fees_requested_takes_a_number_of_euros(api):
    api.record("sent", "2026-01-05")
    body = api.record("fees_requested", "2026-01-12", amount_eur=12.5)
    assert body["status"] == "fees_requested"
    assert body["events"][-1]["data"] == {"amount_eur": 12.5}


@pytest.mark.parametrize("amount", ["12,50", "12.50", -1, True])
def test_fees_requested_refuses_what_is_not_a_positive_number(api, amount):
    api.record("sent", "2026-01-05")
    fields = _refused_fields(api.post("fees_requested", "2026-01-12", amount_eur=amount))
    assert list(fields) == ["amount_eur"]
    assert fields["amount_eur"][0].startswith("Montant invalide pour le montant demandé")


def test_already_published_takes_a_web_address(api):
    api.record("sent", "2026-01-05")
    body = api.record("already_published", "2026-01-12", url="https://www.metz.fr/marches/videoprotection.pdf")
    assert body["status"] == "already_published"
    assert body["events"][-1]["data"] == {"url": "https://www.metz.fr/marches/videoprotection.pdf"}
    assert api.deadlines()["cada_referral"]["safe_date"] == "2026-03-12"


@pytest.mark.parametrize("url", ["ftp://metz.fr/marches.pdf", "www.metz.fr/marches.pdf", "javascript:alert(1)"])
def test_already_published_refuses_other_addresses(api, url):
    api.record("sent", "2026-01-05")
    assert _refused_fields(api.post("already_published", "2026-01-12", url=url)) == {
        "url": ["L'adresse de la publication : une adresse commençant par https:// ou http:// est attendue."]}


def test_no_acknowledgement_makes_the_deadlines_not_enforceable(api):
    api.record("sent", "2026-01-05")
    referral = api.deadlines()["cada_referral"]
    assert referral["enforceability"] == "to_check" and referral["enforceable"] is True
    assert referral["enforceability_note"].startswith("À vérifier")
    api.record("no_acknowledgement", "2026-01-20")
    referral = api.deadlines()["cada_referral"]
    assert referral["enforceability"] == "not_enforceable" and referral["enforceable"] is False
    assert "aucun accusé de réception" in referral["enforceability_note"]
    assert referral["safe_date"] == "2026-04-05"  # the safe date stays what Lanterne recommends


# ------------------------------------------------------------------ the court


def _refused_during_review(api):
    """The Metz scenario (crpa.md §3.1): an explicit refusal while the CADA examines the referral."""
    api.record("sent", "2026-09-01")
    api.record("cada_referred", "2026-10-05")
    api.record("cada_registered", "2026-10-09")
    return api.record("refused", "2026-10-15")


def test_a_refusal_during_the_cada_review_is_the_decision_to_take_to_court(api):
    body = _refused_during_review(api)
    assert body["status"] == "refused_during_review"
    deadlines = api.deadlines()
    court = deadlines["court_appeal"]
    assert (court["safe_date"], court["legal_date"]) == ("2026-12-15", "2026-12-16")
    assert court["state"] == "open"
    assert deadlines["confirmed_refusal"]["state"] == "superseded"
    assert deadlines["cada_referral"]["state"] == "met"


def test_court_filed_then_documents_during_the_proceedings_then_withdrawal(api, today):
    _refused_during_review(api)
    body = api.record("court_filed", "2026-11-02")
    assert body["status"] == "before_court"
    court = api.deadlines()["court_appeal"]
    assert court["state"] == "met"
    assert court["state_note"] == "Requête déposée le 2 novembre 2026."
    today.set(date(2027, 1, 15))
    assert api.record("documents_during_proceedings", "2026-12-10")["status"] == "documents_during_proceedings"
    body = api.record("court_withdrawn", "2027-01-05")
    assert body["status"] == "withdrawn"
    assert [event["type"] for event in body["events"]][-2:] == ["documents_during_proceedings", "court_withdrawn"]


def test_the_court_phase_needs_a_filed_application(api):
    _refused_during_review(api)
    response = api.post("judgment", "2026-11-20", outcome="rejected")
    assert response.status_code == 409
    assert "Enregistrez d'abord « Requête au tribunal administratif »" in response.json["error"]["message"]
    assert api.post("court_withdrawn", "2026-11-20").status_code == 409
    assert api.post("documents_during_proceedings", "2026-11-20").status_code == 409


def test_a_rejection_opens_the_cassation_window_on_the_national_calendar(api, today):
    _refused_during_review(api)
    api.record("court_filed", "2026-11-02")
    today.set(date(2027, 2, 1))
    body = api.record("judgment", "2027-01-20", outcome="rejected", notified_on="2027-01-25")
    assert body["status"] == "judged"
    assert body["events"][-1]["data"] == {"outcome": "rejected", "notified_on": "2027-01-25"}
    cassation = api.deadlines()["cassation_appeal"]
    assert cassation["safe_date"] == "2027-03-25"  # two months from the notification
    # 26 March 2027 is Good Friday, a holiday in Moselle only: the Conseil d'État sits in Paris.
    assert cassation["legal_date"] == "2027-03-26"
    assert cassation["state"] == "open"
    assert "pourvoi en cassation devant le Conseil d'État" in cassation["explanation"]
    assert "R821-1" in cassation["explanation"]


def test_a_judgment_without_its_notification_counts_from_its_own_date(api, today):
    _refused_during_review(api)
    api.record("court_filed", "2026-11-02")
    today.set(date(2027, 2, 1))
    api.record("judgment", "2027-01-20", outcome="partially_annulled")
    assert api.deadlines()["cassation_appeal"]["safe_date"] == "2027-03-20"


def test_an_annulment_opens_no_cassation_window(api, today):
    _refused_during_review(api)
    api.record("court_filed", "2026-11-02")
    today.set(date(2027, 2, 1))
    body = api.record("judgment", "2027-01-20", outcome="annulled", notified_on="2027-01-25")
    assert body["status"] == "judged"
    assert "cassation_appeal" not in api.deadlines()


# ------------------------------------------------------------ the CADA opinion


def _opinion_stage(api):
    api.record("sent", "2026-09-01")
    api.record("cada_referred", "2026-10-05")
    api.record("cada_registered", "2026-10-09")


def test_a_partially_favourable_opinion_by_document(api):
    _opinion_stage(api)
    body = api.record("cada_opinion", "2026-11-05", outcome="partially_favourable",
                      item_outcomes={"1": "favourable", "2": "unfavourable"})
    assert body["status"] == "opinion_received"
    assert body["events"][-1]["data"] == {"outcome": "partially_favourable",
                                          "item_outcomes": {"1": "favourable", "2": "unfavourable"}}
    assert api.deadlines()["cada_opinion_expected"]["state"] == "met"


def test_an_incompetent_cada(api):
    _opinion_stage(api)
    body = api.record("cada_opinion", "2026-11-05", outcome="incompetent")
    assert body["events"][-1]["data"] == {"outcome": "incompetent"}


def test_item_outcomes_must_name_documents_of_the_request(api):
    _opinion_stage(api)
    fields = _refused_fields(api.post("cada_opinion", "2026-11-05", outcome="partially_favourable",
                                      item_outcomes={"1": "favourable", "3": "unfavourable"}))
    assert fields == {"item_outcomes": [
        "Le sens de l'avis par document : la demande ne compte pas de document n° 3 (elle porte sur 2 documents)."]}
    fields = _refused_fields(api.post("cada_opinion", "2026-11-05", outcome="partially_favourable",
                                      item_outcomes={"4": "moot", "12": "favourable"}))
    assert "pas de document n° 4 ni n° 12" in fields["item_outcomes"][0]
    # The law's own checks come first: a number that is no number, an unknown outcome.
    fields = _refused_fields(api.post("cada_opinion", "2026-11-05", outcome="partially_favourable",
                                      item_outcomes={"0": "favourable"}))
    assert fields["item_outcomes"] == ["Le sens de l'avis par document : « 0 » n'est pas un numéro de document."]
    assert db.session.scalar(select(Event).where(Event.type == "cada_opinion")) is None


# ------------------------------------------------------------ deadline states


def test_every_deadline_has_a_state(api):
    _opinion_stage(api)
    for deadline in api.get()["deadlines"]:
        assert deadline["state"] in {"open", "met", "passed", "superseded"}


def test_the_referral_deadline_is_met_once_the_referral_is_recorded(api, today):
    today.set(date(2026, 2, 20))
    api.record("sent", "2026-01-05")
    assert api.deadlines()["cada_referral"]["state"] == "open"
    api.record("cada_referred", "2026-02-10")
    referral = api.deadlines()["cada_referral"]
    assert referral["state"] == "met"
    assert referral["state_note"] == "CADA saisie le 10 février 2026."


def test_an_implicit_refusal_after_an_explicit_one_is_superseded(api, today):
    today.set(date(2026, 1, 25))
    api.record("sent", "2026-01-05")
    assert api.deadlines()["implicit_refusal"]["state"] == "open"
    api.record("refused", "2026-01-20")
    assert api.deadlines()["implicit_refusal"]["state"] == "superseded"


def test_a_deadline_whose_day_went_by_is_passed(api, today):
    today.set(date(2026, 4, 7))
    api.record("sent", "2026-01-05")
    deadlines = api.deadlines()
    assert deadlines["cada_referral"]["legal_date"] == "2026-04-07"
    assert deadlines["cada_referral"]["state"] == "open"  # its last day is today
    today.set(date(2026, 4, 8))
    deadlines = api.deadlines()
    assert deadlines["cada_referral"]["state"] == "passed"
    assert deadlines["implicit_refusal"]["state"] == "passed"
    assert deadlines["implicit_refusal"]["state_note"] == "Né le 5 février 2026 au soir."


# ------------------------------------------------------------------ the page


def test_the_page_refuses_an_opinion_on_a_document_the_request_does_not_list(client, alice, metz):
    from tests.helpers import make_request, page_text
    from workflow.requests import lifecycle

    access_request = make_request(alice, metz, "LNT-2026-0950")  # one document
    for kind, day in (("sent", date(2026, 9, 1)), ("cada_referred", date(2026, 10, 5)),
                      ("cada_registered", date(2026, 10, 9))):
        lifecycle.record_event(access_request, kind, day, {}, author=alice)
    response = client.post(f"/demandes/{access_request.id}/evenements", data={
        "type": "cada_opinion", "occurred_on": "2026-11-05", "opinion_outcome": "partially_favourable",
        "item_outcomes": "1 : favorable\n2 : défavorable"})
    assert response.status_code == 422
    assert ("Le sens de l'avis par document : la demande ne compte pas de document n° 2 "
            "(elle porte sur un seul document).") in page_text(response)
    assert db.session.scalar(select(Event).where(Event.type == "cada_opinion")) is None
    response = client.post(f"/demandes/{access_request.id}/evenements", data={
        "type": "cada_opinion", "occurred_on": "2026-11-05", "opinion_outcome": "partially_favourable",
        "item_outcomes": "1 : favorable"})
    assert response.status_code == 302
    assert db.session.scalar(select(Event).where(Event.type == "cada_opinion")).data["item_outcomes"] == {
        "1": "favourable"}


# ------------------------------------------------------------------ OpenAPI


def test_the_openapi_description_names_the_new_events_kinds_and_states(client):
    spec = client.get("/api/v1/openapi.json").json
    body = spec["paths"]["/requests/{request_id}/events"]["post"]["requestBody"]["content"]["application/json"]["schema"]
    types = set()
    for alternative in body["oneOf"]:
        kind = alternative["properties"]["type"]
        types |= {kind["const"]} if "const" in kind else set(kind["enum"])
    assert types >= {"no_acknowledgement", "documents_not_held", "transferred", "fees_requested", "fees_paid",
                     "already_published", "documents_during_proceedings", "court_withdrawn", "judgment"}
    by_type = {alternative["properties"]["type"].get("const"): alternative for alternative in body["oneOf"]}
    assert by_type["fees_requested"]["properties"]["amount_eur"]["type"] == "number"
    assert by_type["fees_requested"]["required"] == ["type", "date", "amount_eur"]
    assert by_type["already_published"]["properties"]["url"]["format"] == "uri"
    assert set(by_type["cada_opinion"]["properties"]["outcome"]["enum"]) >= {"partially_favourable", "incompetent"}
    assert by_type["cada_opinion"]["properties"]["item_outcomes"]["additionalProperties"]["enum"] == [
        "favourable", "unfavourable", "moot"]
    assert set(by_type["judgment"]["properties"]["outcome"]["enum"]) == {
        "annulled", "partially_annulled", "rejected", "moot"}
    assert "to_authority_id" not in by_type["transferred"]["properties"]

    request = spec["paths"]["/requests/{request_id}"]["get"]["responses"]["200"]["content"]["application/json"]
    deadline = request["schema"]["allOf"][1]["properties"]["deadlines"]["items"]["properties"]
    assert "cassation_appeal" in deadline["kind"]["enum"]
    assert deadline["state"]["enum"] == ["open", "met", "passed", "superseded"]
    assert deadline["enforceability"]["enum"] == ["enforceable", "not_enforceable", "to_check"]
