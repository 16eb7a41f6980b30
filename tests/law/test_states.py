"""Tests of request states: event checks, derived status, facts and next actions."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest

from workflow.law.deadlines import UnknownDepartment, compute_deadlines
from workflow.law.states import (
    EVENT_LABELS,
    EVENT_TYPES,
    STATUS_LABELS,
    STATUSES,
    EventFact,
    TransitionError,
    check_event,
    derive_status,
    facts_from_events,
    status_outcome,
    likely_next_event,
    next_action,
    receipt_date,
    status_changes_after,
)

D = date.fromisoformat


def ev(type_: str, day: str, **data: Any) -> EventFact:
    return EventFact(type_, D(day), data)


def replay(*events: EventFact) -> list[EventFact]:
    """Record events one by one through check_event, as the application does."""
    history: list[EventFact] = []
    for event in events:
        check_event(history, event)
        history.append(event)
    return history


def refused_with(history: list[EventFact], new: EventFact) -> str:
    with pytest.raises(TransitionError) as excinfo:
        check_event(history, new)
    assert isinstance(excinfo.value, ValueError)
    return str(excinfo.value)


SENT_3_MARCH = [ev("sent", "2026-03-03", channel="email")]


# ---------------------------------------------------------------------- labels


def test_every_status_and_event_has_a_french_label() -> None:
    assert set(STATUS_LABELS) == set(STATUSES) and len(STATUSES) == 22
    assert set(EVENT_LABELS) == set(EVENT_TYPES) and len(EVENT_TYPES) == 23
    assert STATUS_LABELS["implicitly_refused"] == "Refus implicite"
    assert EVENT_LABELS["cada_referred"] == "Saisine de la CADA"
    assert all(label.strip() for label in [*STATUS_LABELS.values(), *EVENT_LABELS.values()])


def test_event_fact_is_immutable_and_hashable() -> None:
    event = ev("sent", "2026-03-03", channel="email")
    with pytest.raises(TypeError):
        event.data["channel"] = "postal"  # type: ignore[index]
    assert hash(event) == hash(EventFact("sent", D("2026-03-03"), {"channel": "postal"}))
    assert EventFact("closed", D("2026-03-03")).data == {}
    source = {"channel": "email"}
    copy = EventFact("sent", D("2026-03-03"), source)
    source["channel"] = "hand"
    assert copy.data["channel"] == "email"


# -------------------------------------------------------------- allowed transitions


def test_full_postal_chain_to_court_is_allowed() -> None:
    replay(
        ev("sent", "2026-01-08", channel="postal"),
        ev("received", "2026-01-11"),
        ev("acknowledged", "2026-01-15", r112_5=True, received_on="2026-01-11"),
        ev("cada_referred", "2026-02-20"),
        ev("cada_registered", "2026-02-25"),
        ev("cada_opinion", "2026-03-20", outcome="favourable", received_by_authority="2026-03-24"),
        ev("authority_reply", "2026-04-10", outcome="refused"),
        ev("court_filed", "2026-05-01"),
        ev("closed", "2026-09-01"),
    )


def test_explicit_refusal_chain_is_allowed() -> None:
    replay(
        ev("sent", "2026-01-08", channel="email"),
        ev("refused", "2026-01-20", appeal_routes_stated=True),
        ev("cada_referred", "2026-01-20"),  # same day as the refusal
        ev("cada_registered", "2026-01-28"),
        ev("court_filed", "2026-03-28"),  # confirmed refusal born 28 Mar (lenient on the day)
    )


def test_court_after_explicit_refusal_after_opinion() -> None:
    replay(
        ev("sent", "2026-01-08", channel="hand"),
        ev("refused", "2026-01-10"),
        ev("cada_referred", "2026-01-12"),
        ev("cada_registered", "2026-01-15"),
        ev("cada_opinion", "2026-02-05", outcome="favourable"),
        ev("refused", "2026-02-10"),  # a refusal may repeat: here, after the opinion
        ev("court_filed", "2026-02-11"),
    )


def test_court_after_partial_reply() -> None:
    replay(
        ev("sent", "2026-01-08", channel="email"),
        ev("refused", "2026-01-10"),
        ev("cada_referred", "2026-01-12"),
        ev("cada_registered", "2026-01-15"),
        ev("cada_opinion", "2026-02-05"),
        ev("authority_reply", "2026-02-09", outcome="partial"),
        ev("court_filed", "2026-02-11"),
    )


def test_referral_after_partial_answer_and_repeated_answers() -> None:
    replay(
        ev("sent", "2026-01-08", channel="online_form"),
        ev("partially_answered", "2026-01-12"),
        ev("partially_answered", "2026-01-14"),
        ev("cada_referred", "2026-01-20"),
        ev("answered", "2026-02-01"),
        ev("answered", "2026-02-03"),
    )


@pytest.mark.parametrize("referral", ["2026-02-11", "2026-02-12", "2026-06-30"])
def test_referral_after_implicit_refusal(referral: str) -> None:
    # E-mail received on its sending date, 11 Jan: implicit refusal born on 11 Feb.
    replay(ev("sent", "2026-01-11", channel="email"), ev("cada_referred", referral))


def test_closing_a_draft_and_backfilling_before_closure() -> None:
    replay(ev("closed", "2026-01-01"))
    history = replay(ev("sent", "2026-01-08", channel="email"), ev("closed", "2026-05-01"))
    check_event(history, ev("answered", "2026-04-01"))  # recorded late, dated before closure


# --------------------------------------------------------------- refused transitions


def test_unknown_event_type() -> None:
    assert refused_with([], ev("appeal", "2026-03-03")) == "Type d'événement inconnu : « appeal »."


@pytest.mark.parametrize(
    ("type_", "label"),
    [
        ("sent", "Envoi de la demande"),
        ("received", "Réception par l'administration"),
        ("acknowledged", "Accusé de réception de l'administration"),
    ],
)
def test_duplicate_one_off_event(type_: str, label: str) -> None:
    history = SENT_3_MARCH + [ev("received", "2026-03-03"), ev("acknowledged", "2026-03-03")]
    assert refused_with(history, ev(type_, "2026-03-10")) == (
        f"L'événement « {label} » est déjà enregistré (le 3 mars 2026)."
    )


@pytest.mark.parametrize(
    ("type_", "noun"),
    [
        ("received", "la réception"),
        ("acknowledged", "l'accusé de réception"),
        ("answered", "la communication des documents"),
        ("partially_answered", "la communication partielle"),
        ("refused", "le refus"),
    ],
)
def test_first_phase_event_without_sending(type_: str, noun: str) -> None:
    assert refused_with([], ev(type_, "2026-03-03")) == (
        f"Aucun envoi n'est enregistré : enregistrez l'envoi de la demande avant {noun}."
    )


@pytest.mark.parametrize(
    ("type_", "message"),
    [
        ("received", "La réception ne peut pas précéder l'envoi (envoi le 3 mars 2026)."),
        ("acknowledged", "L'accusé de réception ne peut pas précéder l'envoi (envoi le 3 mars 2026)."),
        ("answered", "La communication des documents ne peut pas précéder l'envoi (envoi le 3 mars 2026)."),
        ("partially_answered", "La communication partielle ne peut pas précéder l'envoi (envoi le 3 mars 2026)."),
        ("refused", "Le refus ne peut pas précéder l'envoi (envoi le 3 mars 2026)."),
    ],
)
def test_first_phase_event_before_sending(type_: str, message: str) -> None:
    assert refused_with(SENT_3_MARCH, ev(type_, "2026-03-02")) == message


def test_acknowledged_receipt_date_before_sending() -> None:
    assert refused_with(SENT_3_MARCH, ev("acknowledged", "2026-03-05", received_on="2026-03-01")) == (
        "La date de réception indiquée par l'accusé de réception ne peut pas précéder l'envoi "
        "(envoi le 3 mars 2026)."
    )


def test_acknowledged_receipt_date_after_acknowledgement() -> None:
    assert refused_with(SENT_3_MARCH, ev("acknowledged", "2026-03-05", received_on="2026-03-06")) == (
        "La date de réception indiquée par l'accusé de réception ne peut pas être postérieure "
        "à l'accusé de réception lui-même (5 mars 2026)."
    )


def test_referral_before_implicit_refusal() -> None:
    history = [ev("sent", "2026-01-11", channel="email")]
    assert refused_with(history, ev("cada_referred", "2026-02-10")) == (
        "La CADA ne peut être saisie qu'après un refus : aucun refus explicite n'est enregistré "
        "et le refus implicite ne naîtra que le 11 février 2026, un mois après la réception de "
        "la demande (11 janvier 2026)."
    )


def test_referral_before_implicit_refusal_of_estimated_postal_receipt() -> None:
    # Postal sending 8 Jan, no receipt recorded: the refusal is born 8 Feb at the earliest
    # (a letter cannot arrive before it is sent), so a referral from then on is recorded.
    history = [ev("sent", "2026-01-08", channel="postal")]
    assert "ne naîtra que le 8 février 2026" in refused_with(history, ev("cada_referred", "2026-02-07"))
    check_event(history, ev("cada_referred", "2026-02-09"))


def test_referral_before_explicit_refusal_date() -> None:
    history = [ev("sent", "2026-01-11", channel="email"), ev("refused", "2026-01-25")]
    assert "ne naîtra que le 11 février 2026" in refused_with(history, ev("cada_referred", "2026-01-20"))


def test_referral_without_sending() -> None:
    assert refused_with([], ev("cada_referred", "2026-03-03")) == (
        "La CADA ne peut être saisie qu'après un refus, et aucun envoi de la demande n'est enregistré."
    )


def test_referral_after_full_answer() -> None:
    history = [ev("sent", "2026-01-11", channel="email"), ev("answered", "2026-01-20")]
    assert refused_with(history, ev("cada_referred", "2026-03-01")) == (
        "Les documents ont été communiqués le 20 janvier 2026 : il n'y a pas de refus à "
        "soumettre à la CADA. Si la communication est incomplète, enregistrez une "
        "communication partielle."
    )


REFERRED = [ev("sent", "2026-01-08", channel="email"), ev("refused", "2026-01-10"), ev("cada_referred", "2026-01-12")]
REGISTERED = REFERRED + [ev("cada_registered", "2026-01-15")]
OPINION = REGISTERED + [ev("cada_opinion", "2026-02-05", outcome="unfavourable")]


def test_registration_without_referral() -> None:
    history = [ev("sent", "2026-01-08", channel="email"), ev("refused", "2026-01-10")]
    assert refused_with(history, ev("cada_registered", "2026-01-15")) == (
        "L'enregistrement par la CADA ne peut pas être noté avant la saisine de la CADA."
    )


def test_registration_before_referral_date() -> None:
    assert refused_with(REFERRED, ev("cada_registered", "2026-01-11")) == (
        "L'enregistrement par la CADA ne peut pas précéder la saisine (saisine le 12 janvier 2026)."
    )


def test_opinion_without_referral() -> None:
    history = [ev("sent", "2026-01-08", channel="email"), ev("refused", "2026-01-10")]
    assert refused_with(history, ev("cada_opinion", "2026-02-05")) == (
        "Un avis de la CADA ne peut pas être enregistré avant la saisine de la CADA."
    )


def test_opinion_without_registration() -> None:
    assert refused_with(REFERRED, ev("cada_opinion", "2026-02-05")).startswith(
        "Un avis de la CADA ne peut pas être enregistré avant l'enregistrement de la saisine par la CADA"
    )


def test_opinion_before_registration_date() -> None:
    assert refused_with(REGISTERED, ev("cada_opinion", "2026-01-14")) == (
        "L'avis de la CADA ne peut pas précéder l'enregistrement de la saisine "
        "(enregistrement le 15 janvier 2026)."
    )


def test_authority_reply_without_opinion() -> None:
    assert refused_with(REGISTERED, ev("authority_reply", "2026-02-05", outcome="refused")) == (
        "La réponse de l'administration après l'avis ne peut pas être enregistrée avant l'avis de la CADA."
    )


def test_authority_reply_before_opinion_date() -> None:
    assert refused_with(OPINION, ev("authority_reply", "2026-02-04")) == (
        "La réponse de l'administration ne peut pas précéder l'avis de la CADA (avis du 5 février 2026)."
    )


def test_court_without_cada_referral() -> None:
    history = [ev("sent", "2026-01-08", channel="email"), ev("refused", "2026-01-10")]
    assert refused_with(history, ev("court_filed", "2026-06-01")) == (
        "Le tribunal administratif ne peut être saisi qu'après la saisine de la CADA, "
        "obligatoire avant tout recours (CRPA, art. L342-1)."
    )


def test_court_before_confirmed_refusal() -> None:
    assert refused_with(OPINION, ev("court_filed", "2026-03-14")) == (
        "Le tribunal administratif ne peut être saisi qu'après un refus confirmé : il naîtra le "
        "15 mars 2026, deux mois après l'enregistrement de la saisine par la CADA, sauf "
        "refus explicite de l'administration notifié depuis la saisine de la CADA."
    )
    check_event(OPINION, ev("court_filed", "2026-03-16"))


def test_court_without_registration() -> None:
    assert refused_with(REFERRED, ev("court_filed", "2026-06-01")).startswith(
        "Le tribunal administratif ne peut être saisi qu'après un refus confirmé : enregistrez "
        "la date d'enregistrement de la saisine par la CADA"
    )


def test_court_not_after_communicated_reply() -> None:
    history = OPINION + [ev("authority_reply", "2026-02-20", outcome="communicated")]
    assert "refus confirmé" in refused_with(history, ev("court_filed", "2026-02-21"))


def test_event_after_closure() -> None:
    history = SENT_3_MARCH + [ev("closed", "2026-04-01")]
    assert refused_with(history, ev("answered", "2026-04-02")) == (
        "La demande est close depuis le 1er avril 2026 : aucun événement ne peut être ajouté "
        "après la clôture."
    )
    assert refused_with(history, ev("closed", "2026-04-05")) == (
        "L'événement « Clôture de la demande » est déjà enregistré (le 1er avril 2026)."
    )


def test_closure_before_last_event() -> None:
    assert refused_with(REFERRED, ev("closed", "2026-01-11")) == (
        "La clôture ne peut pas précéder le dernier événement enregistré "
        "(Saisine de la CADA, le 12 janvier 2026)."
    )


def test_duplicate_referral() -> None:
    assert refused_with(REFERRED, ev("cada_referred", "2026-01-30")) == (
        "L'événement « Saisine de la CADA » est déjà enregistré (le 12 janvier 2026)."
    )


@pytest.mark.parametrize(
    ("history", "new", "message"),
    [
        ([], ev("sent", "2026-03-03", channel="pigeon"), "Canal d'envoi inconnu : « pigeon »."),
        (REGISTERED, ev("cada_opinion", "2026-02-05", outcome="maybe"), "Sens de l'avis de la CADA inconnu : « maybe »."),
        (OPINION, ev("authority_reply", "2026-02-06", outcome="later"), "Sens de la réponse de l'administration inconnu : « later »."),
        (
            REGISTERED,
            ev("cada_opinion", "2026-02-05", received_by_authority="2026-02-01"),
            "L'administration ne peut pas avoir reçu l'avis avant qu'il soit rendu (avis du 5 février 2026).",
        ),
        (
            SENT_3_MARCH,
            ev("acknowledged", "2026-03-05", received_on="5 mars"),
            "Date invalide pour la date de réception : « 5 mars » (format attendu AAAA-MM-JJ).",
        ),
    ],
)
def test_invalid_event_data(history: list[EventFact], new: EventFact, message: str) -> None:
    assert refused_with(history, new) == message


# -------------------------------------------------------------------- derive_status


def test_draft_without_events() -> None:
    assert derive_status([], D("2026-01-01")) == "draft"


@pytest.mark.parametrize(
    ("today", "status"),
    [
        ("2026-01-11", "awaiting_response"),
        ("2026-02-10", "awaiting_response"),
        ("2026-02-11", "awaiting_response"),  # the refusal is born at the end of that day
        ("2026-02-12", "implicitly_refused"),
        ("2026-12-31", "implicitly_refused"),
    ],
)
def test_email_boundary_days(today: str, status: str) -> None:
    events = [ev("sent", "2026-01-11", channel="email")]
    assert derive_status(events, D(today)) == status


@pytest.mark.parametrize(
    ("today", "status"),
    [
        ("2026-01-08", "sent"),
        ("2026-01-10", "sent"),  # not yet received (estimate: 11 Jan)
        ("2026-01-11", "awaiting_response"),
        ("2026-02-11", "awaiting_response"),
        ("2026-02-12", "implicitly_refused"),
    ],
)
def test_postal_estimated_receipt_boundary_days(today: str, status: str) -> None:
    events = [ev("sent", "2026-01-08", channel="postal")]
    assert derive_status(events, D(today)) == status


@pytest.mark.parametrize(
    ("today", "status"),
    [("2026-01-09", "awaiting_response"), ("2026-02-09", "awaiting_response"), ("2026-02-10", "implicitly_refused")],
)
def test_postal_receipt_card_boundary_days(today: str, status: str) -> None:
    events = [ev("sent", "2026-01-08", channel="postal"), ev("received", "2026-01-09")]
    assert derive_status(events, D(today)) == status


def test_month_end_boundary() -> None:
    events = [ev("sent", "2026-01-31", channel="email")]
    assert derive_status(events, D("2026-02-28")) == "awaiting_response"
    assert derive_status(events, D("2026-03-01")) == "implicitly_refused"


def test_acknowledgement_receipt_date_for_email() -> None:
    events = [ev("sent", "2026-01-11", channel="email"), ev("acknowledged", "2026-01-14", r112_5=True, received_on="2026-01-12")]
    assert derive_status(events, D("2026-02-12")) == "awaiting_response"
    assert derive_status(events, D("2026-02-13")) == "implicitly_refused"


def test_default_channel_when_sending_does_not_say() -> None:
    events = [ev("sent", "2026-01-11")]
    assert derive_status(events, D("2026-01-12")) == "sent"  # assumed postal, estimate 14 Jan
    assert derive_status(events, D("2026-01-12"), default_channel="email") == "awaiting_response"


@pytest.mark.parametrize(
    ("today", "status"),
    [("2026-11-25", "cada_registered"), ("2027-01-25", "cada_registered"), ("2027-01-26", "confirmed_refusal")],
)
def test_confirmed_refusal_boundary_days(today: str, status: str) -> None:
    events = [
        ev("sent", "2026-09-01", channel="email"),
        ev("refused", "2026-10-01"),
        ev("cada_referred", "2026-11-20"),
        ev("cada_registered", "2026-11-25"),
    ]
    assert derive_status(events, D(today)) == status


def test_opinion_then_confirmed_refusal() -> None:
    events = REGISTERED + [ev("cada_opinion", "2026-02-05", outcome="favourable")]
    assert derive_status(events, D("2026-02-05")) == "opinion_received"
    assert derive_status(events, D("2026-03-15")) == "opinion_received"
    assert derive_status(events, D("2026-03-16")) == "confirmed_refusal"


@pytest.mark.parametrize(
    ("events", "status"),
    [
        ([ev("sent", "2026-01-08", channel="email"), ev("answered", "2026-01-20")], "answered"),
        ([ev("sent", "2026-01-08", channel="email"), ev("partially_answered", "2026-01-20")], "partially_answered"),
        ([ev("sent", "2026-01-08", channel="email"), ev("refused", "2026-01-20")], "refused"),
        (REFERRED, "cada_referred"),
        (REFERRED + [ev("partially_answered", "2026-01-13")], "cada_referred"),
        (REGISTERED, "cada_registered"),
        (OPINION, "opinion_received"),
        (OPINION + [ev("authority_reply", "2026-02-10", outcome="communicated")], "answered"),
        (OPINION + [ev("authority_reply", "2026-02-10", outcome="partial")], "confirmed_refusal"),
        (OPINION + [ev("authority_reply", "2026-02-10", outcome="refused")], "confirmed_refusal"),
        (OPINION + [ev("refused", "2026-02-10")], "confirmed_refusal"),
        (OPINION + [ev("authority_reply", "2026-02-10", outcome="refused"), ev("court_filed", "2026-02-12")], "before_court"),
        (REFERRED + [ev("closed", "2026-02-01")], "closed"),
    ],
)
def test_status_from_events(events: list[EventFact], status: str) -> None:
    assert derive_status(events, D("2026-02-20")) == status


def test_future_events_are_not_counted() -> None:
    events = [ev("sent", "2026-01-11", channel="email"), ev("refused", "2026-01-25")]
    assert derive_status(events, D("2026-01-20")) == "awaiting_response"
    assert derive_status(events, D("2026-01-10")) == "draft"


# ----------------------------------------------------------------- facts_from_events


@pytest.mark.parametrize(
    ("channel", "received", "estimate"),
    [
        ("email", "2026-01-11", False),
        ("online_form", "2026-01-11", False),
        ("hand", "2026-01-11", False),
        ("postal", "2026-01-14", True),
    ],
)
def test_receipt_rule_by_channel(channel: str, received: str, estimate: bool) -> None:
    facts = facts_from_events([ev("sent", "2026-01-11", channel=channel)], "57")
    assert (facts.received, facts.received_is_estimate) == (D(received), estimate)


def test_receipt_card_replaces_postal_estimate() -> None:
    events = [ev("sent", "2026-01-11", channel="postal"), ev("received", "2026-01-13")]
    facts = facts_from_events(events, "57")
    assert (facts.received, facts.received_is_estimate) == (D("2026-01-13"), False)


def test_email_acknowledgement_gives_receipt_date() -> None:
    events = [ev("sent", "2026-01-11", channel="email"), ev("acknowledged", "2026-01-14", r112_5=True, received_on="2026-01-12")]
    facts = facts_from_events(events, "57")
    assert (facts.received, facts.received_is_estimate, facts.acknowledgement) == (D("2026-01-12"), False, "compliant")
    assert receipt_date(events) == (D("2026-01-12"), False)


def test_postal_acknowledgement_without_card_ends_the_estimate() -> None:
    events = [ev("sent", "2026-01-08", channel="postal"), ev("acknowledged", "2026-01-14", r112_5=False, received_on="2026-01-10")]
    facts = facts_from_events(events, "57")
    assert (facts.received, facts.received_is_estimate, facts.acknowledgement) == (D("2026-01-10"), False, "non_compliant")


def test_missing_acknowledgement() -> None:
    # "No acknowledgement recorded" is not "no acknowledgement received": only the user says.
    events = [ev("sent", "2026-01-11", channel="email")]
    assert facts_from_events(events, "57").acknowledgement is None
    assert facts_from_events(events, "57", D("2026-06-12")).acknowledgement is None
    with_referral = events + [ev("cada_referred", "2026-02-12")]
    assert facts_from_events(with_referral, "57").acknowledgement is None
    stated = events + [ev("no_acknowledgement", "2026-02-20")]
    assert facts_from_events(stated, "57").acknowledgement == "none"
    # An acknowledgement that arrives after all replaces the statement.
    late = stated + [ev("acknowledged", "2026-02-25", r112_5=True)]
    assert facts_from_events(late, "57").acknowledgement == "compliant"


def test_facts_of_a_full_chain() -> None:
    events = [
        ev("sent", "2026-01-08", channel="email"),
        ev("refused", "2026-01-10", appeal_routes_stated=False),
        ev("cada_referred", "2026-01-12"),
        ev("cada_registered", "2026-01-15"),
        ev("cada_opinion", "2026-02-05", outcome="favourable", received_by_authority="2026-02-09"),
        ev("authority_reply", "2026-02-20", outcome="refused"),
    ]
    facts = facts_from_events(events, "2a")
    assert facts.department == "2A"
    assert [(d.day, d.appeal_routes_stated) for d in facts.decisions] == [
        (D("2026-01-10"), False), (D("2026-02-20"), True)]
    assert (facts.cada_referred, facts.cada_registered, facts.cada_opinion) == (D("2026-01-12"), D("2026-01-15"), D("2026-02-05"))
    assert facts.opinion_received_by_authority == D("2026-02-09")
    assert facts.authority_replied == D("2026-02-20")
    assert facts.answered_in_full is None
    deadlines = compute_deadlines(facts)
    assert deadlines["court_appeal"].starts_from == D("2026-02-20")
    assert deadlines["authority_answer_expected"].date == D("2026-03-09")


def test_refusal_after_opinion_is_the_decision_after_opinion() -> None:
    facts = facts_from_events(OPINION + [ev("refused", "2026-02-10")], "75")
    assert [(d.day, d.what) for d in facts.decisions] == [
        (D("2026-01-10"), "le refus explicite"), (D("2026-02-10"), "le refus explicite pris après l'avis de la CADA")]
    court = compute_deadlines(facts)["court_appeal"]
    assert court.starts_from == D("2026-02-10")
    assert compute_deadlines(facts)["confirmed_refusal"].state == "superseded"


def test_full_answer_leaves_nothing_to_compute() -> None:
    events = [ev("sent", "2026-01-11", channel="email"), ev("answered", "2026-01-20")]
    facts = facts_from_events(events, "57")
    assert facts.answered_in_full == D("2026-01-20")
    assert {deadline.state for deadline in compute_deadlines(facts).values()} == {"superseded"}
    partial_later = events + [ev("partially_answered", "2026-01-25")]
    assert facts_from_events(partial_later, "57").answered_in_full is None


def test_facts_ignore_future_events_with_today() -> None:
    events = [ev("sent", "2026-01-11", channel="email"), ev("refused", "2026-01-25")]
    assert facts_from_events(events, "57", D("2026-01-20")).decisions == ()
    assert [d.day for d in facts_from_events(events, "57").decisions] == [D("2026-01-25")]


def test_facts_unknown_department() -> None:
    with pytest.raises(UnknownDepartment):
        facts_from_events([], "20")


def test_email_request_deadlines_end_to_end() -> None:
    facts = facts_from_events([ev("sent", "2026-01-11", channel="email")], "57", D("2026-01-12"))
    deadlines = compute_deadlines(facts)
    assert deadlines["implicit_refusal"].date == D("2026-02-11")
    assert not deadlines["implicit_refusal"].estimated
    assert deadlines["cada_referral"].safe_date == D("2026-04-11")


def test_postal_request_deadlines_are_estimated() -> None:
    facts = facts_from_events([ev("sent", "2026-01-08", channel="postal")], "57")
    deadlines = compute_deadlines(facts)
    assert deadlines["implicit_refusal"].date == D("2026-02-11")
    assert deadlines["implicit_refusal"].estimated and deadlines["cada_referral"].estimated


# ------------------------------------------------------------------------ next_action


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        ("draft", ("send", "Envoyer la demande")),
        ("awaiting_response", ("reminder", "Envoyer une relance")),
        ("implicitly_refused", ("cada_referral", "Rédiger la saisine de la CADA")),
        ("refused", ("cada_referral", "Rédiger la saisine de la CADA")),
        ("partially_answered", ("cada_referral", "Rédiger la saisine de la CADA pour les documents manquants")),
        ("opinion_received", ("after_opinion", "Écrire à l'administration après l'avis")),
        ("confirmed_refusal", ("court_application", "Préparer la requête au tribunal administratif")),
        ("cada_registered", ("await_opinion", "Attendre l'avis de la CADA")),
        ("closed", ("none", "Aucune action : la demande est close")),
    ],
)
def test_next_action(status: str, expected: tuple[str, str]) -> None:
    assert next_action(status) == expected


def test_next_action_covers_every_status() -> None:
    for status in STATUSES:
        key, label = next_action(status)
        assert key and label


@pytest.mark.parametrize(
    ("outcome", "key"),
    [("favourable", "after_opinion"), ("unfavourable", "await_confirmed_refusal"), ("moot", "check_documents"), ("inadmissible", "review_opinion"), (None, "after_opinion")],
)
def test_next_action_after_opinion(outcome: str | None, key: str) -> None:
    assert next_action("opinion_received", outcome)[0] == key


def test_next_action_unknown_status() -> None:
    with pytest.raises(ValueError, match="Statut inconnu : « lost »."):
        next_action("lost")


def test_status_outcome() -> None:
    assert status_outcome(OPINION, "opinion_received") == "unfavourable"
    assert status_outcome(REFERRED, "opinion_received") is None


@pytest.mark.parametrize("events, today", [
    ([ev("sent", "2026-01-05", channel="email")], "2026-01-10"),
    ([ev("sent", "2026-01-05", channel="postal"), ev("received", "2026-01-09")], "2026-01-10"),
    ([ev("sent", "2026-01-05", channel="email"), ev("refused", "2026-01-20", appeal_routes_stated=True),
      ev("cada_referred", "2026-01-25"), ev("cada_registered", "2026-01-28", case_number="20260001")], "2026-02-01"),
])
def test_status_changes_after_is_the_last_day_of_the_status(events: list[EventFact], today: str) -> None:
    status = derive_status(events, D(today))
    deadlines = compute_deadlines(facts_from_events(events, "57", D(today)))
    last_day = status_changes_after(status, {kind: computed.date for kind, computed in deadlines.items()})
    assert last_day is not None and last_day >= D(today)
    assert derive_status(events, last_day) == status
    assert derive_status(events, last_day + timedelta(days=1)) != status


def test_no_date_changes_an_answered_or_refused_request() -> None:
    events = [ev("sent", "2026-01-05", channel="email"), ev("refused", "2026-01-20", appeal_routes_stated=True)]
    deadlines = compute_deadlines(facts_from_events(events, "57", D("2026-01-21")))
    assert status_changes_after("refused", {kind: computed.date for kind, computed in deadlines.items()}) is None
    assert status_changes_after("answered", {"implicit_refusal": D("2026-02-05")}) is None


def test_likely_next_event() -> None:
    assert likely_next_event("draft") == "sent"
    assert likely_next_event("implicitly_refused") == "cada_referred"
    assert likely_next_event("opinion_received") == "authority_reply"
    assert likely_next_event("closed") == "sent"  # nothing follows a closure: the form's first choice
    assert all(likely_next_event(status) in EVENT_TYPES for status in STATUSES)


def test_a_judgment_is_not_notified_before_it_is_given() -> None:
    history = OPINION + [ev("court_filed", "2026-03-20")]
    assert refused_with(history, ev("judgment", "2026-09-01", outcome="rejected", notified_on="2026-08-30")) == (
        "Le jugement ne peut pas avoir été notifié avant d'être rendu (jugement du 1er septembre 2026).")
    check_event(history, ev("judgment", "2026-09-01", outcome="rejected", notified_on="2026-09-04"))
