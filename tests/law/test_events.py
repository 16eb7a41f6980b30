"""The declaration of each event type's data (workflow/law/events.py) and what the law
derives from it: the checks of check_event and the timeline's lines."""

from __future__ import annotations

from datetime import date

import pytest

from workflow.law import events
from workflow.law.events import (EVENT_DATA, EVENT_TYPES, EventField, data_problems, event_lines, field_problem,
                                 input_fields)
from workflow.law.states import EventFact, TransitionError, check_event


def test_the_declaration_names_known_types_and_distinct_inputs() -> None:
    assert set(EVENT_DATA) <= set(EVENT_TYPES)
    inputs: dict[str, EventField] = {}
    for event_type in EVENT_DATA:
        for spec in EVENT_DATA[event_type]:
            assert spec.kind in ("date", "text", "longtext", "choice", "bool", "amount", "url", "item_outcomes")
            assert spec.label.strip()
            assert (spec.kind in ("choice", "item_outcomes")) == bool(spec.choices)
        for spec in input_fields(event_type):
            assert inputs.setdefault(spec.input_name, spec) == spec
    # Lanterne's own data is shown but never asked for.
    assert "message_id" not in {spec.name for spec in input_fields("sent")}
    assert [spec.name for spec in input_fields("sent")] == ["channel", "registered_number"]
    assert input_fields("received") == ()


@pytest.mark.parametrize(("event_type", "data", "problems"), [
    ("sent", {"channel": "pigeon"}, {"channel": "Canal d'envoi inconnu : « pigeon »."}),
    ("sent", {"registered_number": "1" * 41}, {"registered_number": "Numéro du recommandé : 40 caractères au plus."}),
    ("sent", {"registered_number": 12}, {"registered_number": "Numéro du recommandé : du texte est attendu."}),
    ("acknowledged", {"r112_5": "oui", "received_on": "2026-02-30"}, {
        "r112_5": "La conformité de l'accusé de réception (R112-5) : vrai ou faux (true ou false) attendu, pas « oui ».",
        "received_on": "Date invalide pour la date de réception : « 2026-02-30 » (format attendu AAAA-MM-JJ)."}),
    ("cada_referred", {"how": "fax"}, {"how": "Mode de saisine de la CADA inconnu : « fax »."}),
    ("cada_opinion", {"outcome": "refused"}, {"outcome": "Sens de l'avis de la CADA inconnu : « refused »."}),
    ("authority_reply", {"outcome": "refused"}, {}),
    ("sent", {"channel": "postal", "message_id": "<x@lanterne>", "anything": 1}, {}),
    # Lanterne's own data is not the user's to get right: the directory id of a transfer is a number.
    ("transferred", {"to": "Préfecture de la Moselle", "to_authority_id": 12}, {}),
])
def test_data_problems(event_type: str, data: dict, problems: dict) -> None:
    assert data_problems(event_type, data) == problems


def test_check_event_refuses_what_the_declaration_refuses() -> None:
    with pytest.raises(TransitionError, match="Mode de saisine de la CADA inconnu : « fax »."):
        check_event([EventFact("sent", date(2026, 1, 5)), EventFact("refused", date(2026, 1, 20))],
                    EventFact("cada_referred", date(2026, 1, 25), {"how": "fax"}))


def test_a_required_field_is_asked_for() -> None:
    spec = EventField("court", "text", "Tribunal", required=True)
    assert field_problem(spec, "") == "Tribunal : ce champ est obligatoire."
    assert field_problem(spec, None) == "Tribunal : ce champ est obligatoire."
    assert field_problem(spec, "TA de Strasbourg") is None


def test_timeline_lines_follow_the_declaration() -> None:
    assert event_lines("sent", {"channel": "postal", "registered_number": "1A 2", "message_id": "<m@x>"}) == [
        "Canal : Lettre recommandée avec accusé de réception", "Recommandé n° 1A 2",
        "Envoyé par Lanterne, Message-ID <m@x>"]
    assert event_lines("acknowledged", {"r112_5": False, "received_on": "2026-01-12"}) == [
        "Accusé de réception sans les mentions de l'article R112-5",
        "Réception indiquée par l'administration : 12 janvier 2026"]
    assert event_lines("cada_opinion", {"outcome": "unfavourable", "received_by_authority": "2026-03-02"}) == [
        "Avis défavorable", "Avis reçu par l'administration le 2 mars 2026"]
    assert event_lines("authority_reply", {"outcome": "partial"}) == ["Communication partielle"]
    assert event_lines("cada_referred", {"how": "online_form"}) == ["Saisine par le formulaire en ligne"]
    assert event_lines("refused", {"appeal_routes_stated": True, "grounds": ""}) == [
        "Voies et délais de recours indiqués"]
    assert event_lines("closed", {"proof_document_id": 3}) == []


def test_a_redaction_ground_keeps_its_article_in_capitals() -> None:
    assert event_lines("partially_answered", {"refuses_rest": True, "redactions": "public_security"}) == [
        "Refus exprès des autres documents",
        "Documents communiqués avec des occultations : sécurité publique, sûreté des personnes ou des systèmes "
        "d'information (L311-5, 2°)"]
    assert event_lines("answered", {"redactions": "business_secrecy"}) == [
        "Documents communiqués avec des occultations : secret des affaires (L311-6)"]


def test_a_declared_field_is_checked_and_shown(monkeypatch) -> None:
    court = EventField("court", "choice", "Tribunal saisi", choices={"ta_strasbourg": "TA de Strasbourg"},
                       noun="Tribunal", line="Devant le {value}")
    monkeypatch.setattr(events, "EVENT_DATA", {**EVENT_DATA, "court_filed": (court,)})
    assert event_lines("court_filed", {"court": "ta_strasbourg"}) == ["Devant le TA de Strasbourg"]
    with pytest.raises(TransitionError, match="Tribunal inconnu : « ta_paris »."):
        check_event([], EventFact("court_filed", date(2026, 1, 5), {"court": "ta_paris"}))


def test_a_replayed_history_keeps_the_data_it_was_accepted_with() -> None:
    old = EventFact("refused", date(2026, 1, 20), {"appeal_routes_stated": "yes", "grounds": "x" * 3000})
    history = [EventFact("sent", date(2026, 1, 5))]
    with pytest.raises(TransitionError, match="vrai ou faux"):
        check_event(history, old)
    check_event(history, old, check_data=False)  # dates only
    late = EventFact("cada_opinion", date(2026, 3, 1), {"received_by_authority": "2026-02-01"})
    registered = [*history, old, EventFact("cada_referred", date(2026, 1, 25)),
                  EventFact("cada_registered", date(2026, 1, 28))]
    with pytest.raises(TransitionError, match="avant qu'il soit rendu"):
        check_event(registered, late, check_data=False)
