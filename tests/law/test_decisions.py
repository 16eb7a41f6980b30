"""The decisions that move the windows (crpa.md §3), one row per rule, each checked with
its article in the explanation the user reads; and properties that hold for all of them."""
from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from workflow.law.calendar import add_months
from workflow.law.deadlines import compute_deadlines
from workflow.law.states import EventFact, derive_status, facts_from_events, next_action, status_outcome

D = date.fromisoformat


def ev(type_: str, day: str, **data) -> EventFact:
    return EventFact(type_, D(day), data)


def deadlines_of(events: list[EventFact], department: str = "57", today: str | None = None):
    return compute_deadlines(facts_from_events(events, department, D(today) if today else None))


EMAIL_1_SEPT = [ev("sent", "2026-09-01", channel="email")]
REFERRED = EMAIL_1_SEPT + [ev("cada_referred", "2026-10-05"), ev("cada_registered", "2026-10-09")]
EMAIL_11_JAN = [ev("sent", "2026-01-11", channel="email")]
CONFIRMED = EMAIL_11_JAN + [ev("cada_referred", "2026-02-20"), ev("cada_registered", "2026-03-05")]  # born 5 May

# (rule, events, deadline kind, safe date, legal last day, state, what the explanation cites and says)
RULES = [
    ("§3.1 explicit refusal while the CADA examines the referral: the court window runs from it (Metz)",
     REFERRED + [ev("refused", "2026-10-15", appeal_routes_stated=True)],
     "court_appeal", "2026-12-15", "2026-12-16", "open",
     ["CJA, art. R421-1", "le refus explicite du 15 octobre 2026, jour de sa notification"]),
    ("§3.1 ... and no confirmed refusal is born after it",
     REFERRED + [ev("refused", "2026-10-15")],
     "confirmed_refusal", None, None, "superseded",
     ["CRPA, art. R343-4"]),
    ("§3.1 an explicit refusal inside the court window restarts it (CJA R421-2)",
     CONFIRMED + [ev("refused", "2026-05-20")],
     "court_appeal", "2026-07-20", "2026-07-21", "open",
     ["CJA, art. R421-2", "l'a fait courir à nouveau"]),
    ("§3.1 an explicit refusal after the court window closed only confirms",
     CONFIRMED + [ev("refused", "2026-08-01")],
     "court_appeal", "2026-07-05", "2026-07-06", "open",
     ["décision confirmative", "ne rouvre aucun délai"]),
    ("§3.1 an explicit refusal inside the CADA window: safe date kept, later legal day only probable",
     EMAIL_11_JAN + [ev("refused", "2026-03-01")],
     "cada_referral", "2026-04-11", "2026-05-04", "open",
     ["CRPA, art. R343-1", "n'est pas tranché", "la date sûre reste le 11 avril 2026"]),
    ("§3.1 an explicit refusal after the CADA window closed opens nothing",
     EMAIL_11_JAN + [ev("refused", "2026-05-10")],
     "cada_referral", "2026-04-11", "2026-04-13", "open",
     ["décision confirmative"]),
    ("§3.1 a partial communication that expressly refuses the rest is an explicit refusal of the rest",
     EMAIL_11_JAN + [ev("partially_answered", "2026-01-20", refuses_rest=True)],
     "cada_referral", "2026-03-20", "2026-03-23", "open",
     ["la communication partielle refusant le reste du 20 janvier 2026", "CRPA, art. R343-1"]),
    ("§3.1 a partial communication that says nothing of the rest: implicit refusal at the month's end",
     EMAIL_11_JAN + [ev("partially_answered", "2026-01-20")],
     "cada_referral", "2026-04-11", "2026-04-13", "open",
     ["la naissance du refus implicite, le 11 février 2026"]),
    ("§3.1 a communication with redactions refuses the redacted parts (L311-7)",
     EMAIL_11_JAN + [ev("answered", "2026-01-20", redactions="public_security")],
     "cada_referral", "2026-03-20", "2026-03-23", "open",
     ["la communication avec occultations du 20 janvier 2026"]),
    ("§3.1 a postal request without receipt: the user's dates count from the sending",
     [ev("sent", "2026-01-08", channel="postal")],
     "cada_referral", "2026-04-08", "2026-04-09", "open",
     ["comptées à partir de l'envoi, le 8 janvier 2026", "la réception est estimée au 11 janvier 2026"]),
    ("§3.1 ... recomputed once the receipt is recorded",
     [ev("sent", "2026-01-08", channel="postal"), ev("received", "2026-01-12")],
     "cada_referral", "2026-04-12", "2026-04-13", "open",
     ["la naissance du refus implicite, le 12 février 2026"]),
    ("§3.1 a transfer (L114-2) leaves the dates counted from the first receipt (L114-3)",
     EMAIL_11_JAN + [ev("transferred", "2026-01-25", to="Préfecture de la Moselle")],
     "cada_referral", "2026-04-11", "2026-04-13", "open",
     ["la naissance du refus implicite, le 11 février 2026"]),
    ("§3.1 ... and the implicit refusal says so (L114-3)",
     EMAIL_11_JAN + [ev("transferred", "2026-01-25", to="Préfecture de la Moselle")],
     "implicit_refusal", None, None, "open",
     ["transmise le 25 janvier 2026", "CRPA, art. L114-3"]),
    ("R311-11 fees asked: not a refusal, the safe dates keep running",
     EMAIL_11_JAN + [ev("fees_requested", "2026-01-25", amount_eur=12.6)],
     "cada_referral", "2026-04-11", "2026-04-13", "open",
     ["CRPA, art. R311-11", "ce n'est pas un refus"]),
    ("§3.2 no acknowledgement stated by the user: not enforceable, the one-year limit never certain",
     EMAIL_11_JAN + [ev("no_acknowledgement", "2026-02-20")],
     "cada_referral", "2026-04-11", "2026-04-13", "open",
     ["ne vous est toutefois pas opposable"]),
    ("§3.2 an explicit refusal without the appeal routes (L311-14): the delay does not run against it",
     EMAIL_11_JAN + [ev("refused", "2026-01-20", appeal_routes_stated=False)],
     "cada_referral", "2026-03-20", "2026-03-23", "open",
     ["CRPA, art. L311-14", "ne vous est toutefois pas opposable", "CE, Ass., 13 juillet 2016, Czabaj"]),
    ("§3.2 ... and a court window run from such a decision neither (CE 11 Jul 2016 n° 391899)",
     REFERRED + [ev("refused", "2026-10-15", appeal_routes_stated=False)],
     "court_appeal", "2026-12-15", "2026-12-16", "open",
     ["n° 391899", "ne vous est toutefois pas opposable"]),
    ("R421-1 the referral recorded in time meets its deadline",
     EMAIL_11_JAN + [ev("cada_referred", "2026-03-01")],
     "cada_referral", "2026-04-11", "2026-04-13", "met",
     ["CRPA, art. R343-1"]),
    ("§3.3 asking the reasons of the implicit decision (L232-4) prolongs the delay, not the safe date",
     CONFIRMED + [ev("reasons_requested", "2026-05-10"), ev("reasons_given", "2026-06-01")],
     "court_appeal", "2026-07-05", "2026-07-06", "open",
     ["CRPA, art. L232-4 ; CE, avis, 2 octobre 2025, n° 504677", "ce serait jusqu'au 3 août 2026",
      "Lanterne garde néanmoins la date sûre du 5 juillet 2026"]),
    ("R811-1 a rejected application: cassation only, two months from the notification (R821-1)",
     CONFIRMED + [ev("court_filed", "2026-06-01"),
                  ev("judgment", "2027-03-01", outcome="rejected", notified_on="2027-03-04")],
     "cassation_appeal", "2027-05-04", "2027-05-05", "open",
     ["CJA, art. R811-1", "CJA, art. R821-1", "avocat au Conseil d'État"]),
]


@pytest.mark.parametrize(("rule", "events", "kind", "safe", "legal", "state", "says"), RULES,
                         ids=[row[0][:60] for row in RULES])
def test_rule(rule, events, kind, safe, legal, state, says) -> None:
    deadline = deadlines_of(events)[kind]
    if safe is not None:
        assert (deadline.safe_date, deadline.legal_date) == (D(safe), D(legal))
    assert deadline.state == state
    text = " ".join(filter(None, [deadline.explanation, deadline.legal_explanation, deadline.state_note,
                                  deadline.enforceability_note, " ".join(deadline.articles)]))
    for words in says:
        assert words in text


def test_the_metz_scenario_dates_statuses_and_next_steps() -> None:
    # crpa.md §7: e-mail 1 Sept 2026, implicit refusal 1 Oct; referral 5 Oct, registered 9 Oct;
    # explicit refusal 15 Oct with appeal routes.
    events = REFERRED + [ev("refused", "2026-10-15", appeal_routes_stated=True)]
    deadlines = deadlines_of(events, today="2026-12-01")
    assert deadlines["implicit_refusal"].date == D("2026-10-01")
    assert deadlines["cada_referral"].state == "met"
    assert deadlines["confirmed_refusal"].date == D("2026-12-09")
    assert deadlines["confirmed_refusal"].state == "superseded"
    court = deadlines["court_appeal"]
    assert (court.safe_date, court.legal_date, court.state) == (D("2026-12-15"), D("2026-12-16"), "open")
    assert "tribunal administratif de Strasbourg" in court.explanation
    status = derive_status(events, D("2026-12-01"))
    assert status == "refused_during_review"
    assert next_action(status, status_outcome(events, status))[0] == "court_application"


def test_a_late_opinion_creates_no_decision() -> None:
    # crpa.md §3.3: the opinion is late on 9 Nov; the confirmed refusal is still born of silence.
    deadlines = deadlines_of(REFERRED, today="2026-11-20")
    late = deadlines["cada_opinion_expected"]
    assert (late.date, late.state) == (D("2026-11-09"), "passed")
    assert "un avis en retard ne fait naître aucune décision" in late.state_note
    assert "CRPA, art. R343-3" in late.articles
    assert (deadlines["confirmed_refusal"].date, deadlines["confirmed_refusal"].state) == (D("2026-12-09"), "open")


def test_the_court_application_is_recorded_after_a_refusal_during_the_review() -> None:
    from workflow.law.states import check_event

    events = REFERRED + [ev("refused", "2026-10-15")]
    check_event(events, ev("court_filed", "2026-11-02"))  # before 9 Dec: accepted now


def test_the_acknowledgement_is_to_check_until_the_user_says() -> None:
    unknown = deadlines_of(EMAIL_11_JAN)["cada_referral"]
    assert unknown.enforceability == "to_check" and unknown.enforceable
    assert unknown.enforceability_note.startswith("À vérifier : ")
    stated = deadlines_of(EMAIL_11_JAN + [ev("no_acknowledgement", "2026-02-20")])["cada_referral"]
    assert stated.enforceability == "not_enforceable"
    assert "ne comptez pas sur cette limite" in stated.enforceability_note
    compliant = deadlines_of(EMAIL_11_JAN + [ev("acknowledged", "2026-01-12", r112_5=True)])["cada_referral"]
    assert compliant.enforceability == "enforceable" and compliant.enforceability_note is None


def test_a_deadline_gone_by_is_passed_and_an_answer_supersedes_the_rest() -> None:
    assert deadlines_of(EMAIL_11_JAN, today="2026-04-14")["cada_referral"].state == "passed"
    assert deadlines_of(EMAIL_11_JAN, today="2026-04-13")["cada_referral"].state == "open"
    answered = deadlines_of(EMAIL_11_JAN + [ev("answered", "2026-02-01")])
    assert {d.state for d in answered.values()} == {"superseded"}


# ---------------------------------------------------------------------------- properties

DAYS = st.integers(min_value=0, max_value=400)
START = D("2026-01-01")


@st.composite
def chains(draw):
    """A plausible history: sending, maybe a receipt, decisions and a CADA referral."""
    sent = START + timedelta(days=draw(st.integers(0, 365)))
    channel = draw(st.sampled_from(["email", "postal"]))
    events = [ev("sent", sent.isoformat(), channel=channel)]
    if channel == "postal" and draw(st.booleans()):
        events.append(EventFact("received", sent + timedelta(days=draw(st.integers(0, 10)))))
    if draw(st.booleans()):
        events.append(EventFact("refused", sent + timedelta(days=draw(DAYS)),
                                {"appeal_routes_stated": draw(st.booleans())}))
    if draw(st.booleans()):
        referred = sent + timedelta(days=draw(st.integers(31, 120)))
        events += [EventFact("cada_referred", referred),
                   EventFact("cada_registered", referred + timedelta(days=draw(st.integers(0, 10))))]
        if draw(st.booleans()):
            events.append(EventFact("refused", referred + timedelta(days=draw(st.integers(1, 200)))))
    return sorted(events, key=lambda e: e.date)


@settings(max_examples=300, deadline=None)
@given(events=chains())
def test_a_safe_date_is_never_after_the_legal_last_day(events) -> None:
    for deadline in deadlines_of(events).values():
        if deadline.binds_user:
            assert deadline.safe_date is not None and deadline.legal_date is not None
            assert deadline.safe_date < deadline.legal_date
            assert deadline.safe_date == add_months(deadline.starts_from, 2)


@settings(max_examples=300, deadline=None)
@given(events=chains(), extra=st.integers(1, 400))
def test_a_later_refusal_moves_a_safe_date_only_as_far_as_the_rule_allows(events, extra) -> None:
    """A refusal recorded after the others never moves the CADA referral's safe date, and
    moves the court's only when notified on or before its safe date (CJA R421-2), to two
    months after it."""
    before = deadlines_of(events)
    refusal = EventFact("refused", max(e.date for e in events) + timedelta(days=extra))
    after = deadlines_of(events + [refusal])
    if "cada_referral" in before and any(e.type == "cada_referred" for e in events):
        assert after["cada_referral"].safe_date == before["cada_referral"].safe_date
    if "court_appeal" in before:
        old, new = before["court_appeal"], after["court_appeal"]
        if refusal.date <= old.safe_date:
            assert new.safe_date == add_months(refusal.date, 2)
        else:
            assert new.safe_date == old.safe_date


@settings(max_examples=200, deadline=None)
@given(sent=st.integers(0, 365), delay=st.integers(0, 20))
def test_the_estimated_receipt_never_makes_a_date_later_than_the_real_one(sent, delay) -> None:
    sending = START + timedelta(days=sent)
    estimated = deadlines_of([EventFact("sent", sending, {"channel": "postal"})])["cada_referral"]
    known = deadlines_of([EventFact("sent", sending, {"channel": "postal"}),
                          EventFact("received", sending + timedelta(days=delay))])["cada_referral"]
    assert estimated.safe_date <= known.safe_date
    assert estimated.legal_date <= known.legal_date
