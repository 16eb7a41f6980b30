"""Tests of the CRPA deadline engine (CRPA R311-12 to R343-5, CJA R421-1, CPC 641-642)."""

from __future__ import annotations

import calendar
import json
from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from workflow.law.deadlines import (
    DEPARTMENTS,
    KINDS,
    Deadline,
    RequestFacts,
    UnknownDepartment,
    add_months,
    cli_payload,
    compute_deadlines,
    court_department,
    format_date_fr,
    franc_last_day,
    is_working_day,
    next_working_day,
    normalise_department,
)

D = date.fromisoformat


# ------------------------------------------------------------------- month arithmetic


@pytest.mark.parametrize(
    ("start", "months", "expected"),
    [
        ("2026-01-31", 1, "2026-02-28"),  # month end clamped
        ("2028-01-31", 1, "2028-02-29"),  # leap year
        ("2027-12-31", 2, "2028-02-29"),  # across the year, leap year
        ("2026-12-31", 2, "2027-02-28"),
        ("2026-03-31", 1, "2026-04-30"),
        ("2026-08-31", 1, "2026-09-30"),
        ("2028-02-29", 12, "2029-02-28"),
        ("2026-01-11", 1, "2026-02-11"),
        ("2026-11-30", 3, "2027-02-28"),
        ("2026-02-28", 1, "2026-03-28"),  # not "end of month to end of month"
    ],
)
def test_add_months(start: str, months: int, expected: str) -> None:
    assert add_months(D(start), months) == D(expected)


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        ("2026-02-11", "11 février 2026"),
        ("2026-03-01", "1er mars 2026"),
        ("2026-08-15", "15 août 2026"),
        ("2026-12-01", "1er décembre 2026"),
        ("2027-03-30", "30 mars 2027"),
    ],
)
def test_format_date_fr(day: str, expected: str) -> None:
    assert format_date_fr(D(day)) == expected


# ----------------------------------------------------------------------- departments


@pytest.mark.parametrize(
    ("code", "expected"),
    [("57", "57"), (" 67 ", "67"), ("1", "01"), ("01", "01"), ("2a", "2A"), ("2B", "2B"), ("974", "974"), ("976", "976"), ("95", "95")],
)
def test_normalise_department(code: str, expected: str) -> None:
    assert normalise_department(code) == expected


@pytest.mark.parametrize("code", ["20", "00", "96", "99", "975", "977", "2C", "", "Moselle", "0057"])
def test_unknown_department_raises_in_french(code: str) -> None:
    with pytest.raises(UnknownDepartment) as excinfo:
        normalise_department(code)
    assert isinstance(excinfo.value, ValueError)
    assert str(excinfo.value).startswith(f"Département inconnu : « {code} ».")
    assert "2A ou 2B pour la Corse" in str(excinfo.value)


def test_unknown_department_raises_from_compute() -> None:
    with pytest.raises(UnknownDepartment):
        compute_deadlines(RequestFacts(received=D("2026-01-11"), department="20"))
    with pytest.raises(UnknownDepartment):
        is_working_day(D("2026-01-12"), "99")


def test_department_list() -> None:
    assert len(DEPARTMENTS) == 101
    assert "20" not in DEPARTMENTS and "975" not in DEPARTMENTS


@pytest.mark.parametrize(("dep", "expected"), [("57", "57"), ("67", "67"), ("68", "68"), ("75", None), ("54", None), ("2A", None), ("971", None)])
def test_court_department(dep: str, expected: str | None) -> None:
    assert court_department(dep) == expected


# ------------------------------------------------------------------------- calendars


NATIONAL_2026 = {
    "2026-01-01", "2026-04-06", "2026-05-01", "2026-05-08", "2026-05-14", "2026-05-25",
    "2026-07-14", "2026-08-15", "2026-11-01", "2026-11-11", "2026-12-25",
}


@pytest.mark.parametrize("dep", [None, "75", "54", "2A", "971"])
def test_national_calendar_has_the_eleven_holidays(dep: str | None) -> None:
    off = {
        d.isoformat()
        for d in (D("2026-01-01") + timedelta(days=i) for i in range(365))
        if d.weekday() < 5 and not is_working_day(d, dep)
    }
    weekday_holidays = {h for h in NATIONAL_2026 if D(h).weekday() < 5}
    assert off == weekday_holidays


@pytest.mark.parametrize("dep", ["57", "67", "68"])
def test_alsace_moselle_calendar_adds_good_friday_and_26_december(dep: str) -> None:
    off = {
        d.isoformat()
        for d in (D("2026-01-01") + timedelta(days=i) for i in range(365))
        if d.weekday() < 5 and not is_working_day(d, dep)
    }
    weekday_holidays = {h for h in NATIONAL_2026 if D(h).weekday() < 5}
    # 26 Dec 2026 is a Saturday; 3 Apr 2026 is Good Friday.
    assert off == weekday_holidays | {"2026-04-03"}
    assert not is_working_day(D("2025-12-26"), dep)  # a Friday
    assert not is_working_day(D("2027-03-26"), dep)  # Good Friday 2027


def test_weekend_is_never_working() -> None:
    assert not is_working_day(D("2026-03-07"), None)  # Saturday
    assert not is_working_day(D("2026-03-08"), "75")  # Sunday
    assert is_working_day(D("2026-03-09"), "57")  # Monday
    assert next_working_day(D("2026-03-07"), None) == D("2026-03-09")
    assert next_working_day(D("2026-03-09"), None) == D("2026-03-09")


# Délai franc: last day = D + n months + 1 day, moved past weekends and holidays.
# Columns: start, months, legal last day outside Alsace-Moselle, legal last day in 57/67/68.
FRANC_TABLE = [
    # plain weekday, no move
    ("2026-01-12", 2, "2026-03-13", "2026-03-13"),
    # nominal day on a Saturday, on a Sunday
    ("2026-01-06", 2, "2026-03-09", "2026-03-09"),
    ("2026-01-07", 2, "2026-03-09", "2026-03-09"),
    # each national holiday as the nominal day
    ("2025-10-31", 2, "2026-01-02", "2026-01-02"),  # Jour de l'an (Thu)
    ("2026-02-05", 2, "2026-04-07", "2026-04-07"),  # Lundi de Pâques
    ("2026-03-30", 1, "2026-05-04", "2026-05-04"),  # Fête du Travail (Fri) then weekend
    ("2026-03-07", 2, "2026-05-11", "2026-05-11"),  # 8 mai (Fri) then weekend
    ("2026-03-13", 2, "2026-05-15", "2026-05-15"),  # Ascension (Thu)
    ("2026-03-24", 2, "2026-05-26", "2026-05-26"),  # Lundi de Pentecôte
    ("2026-05-13", 2, "2026-07-15", "2026-07-15"),  # 14 juillet (Tue)
    ("2025-06-14", 2, "2025-08-18", "2025-08-18"),  # Assomption 2025 (Fri) then weekend
    ("2027-08-31", 2, "2027-11-02", "2027-11-02"),  # Toussaint 2027 (Mon)
    ("2026-09-10", 2, "2026-11-12", "2026-11-12"),  # 11 novembre (Wed)
    ("2026-10-24", 2, "2026-12-28", "2026-12-28"),  # Noël (Fri) then weekend
    # the two Alsace-Moselle holidays
    ("2026-02-02", 2, "2026-04-03", "2026-04-07"),  # Vendredi saint 2026, weekend, Easter Monday
    ("2025-10-25", 2, "2025-12-26", "2025-12-29"),  # Saint-Étienne 2025 (Fri), then weekend
    # the reference example (confirmed refusal born 25 Jan 2027)
    ("2027-01-25", 2, "2027-03-26", "2027-03-30"),
    # the Conseil d'État's example: notified 10 Feb 2023 -> 11 Apr 2023
    ("2023-02-10", 2, "2023-04-11", "2023-04-11"),
    # month end: 31 Dec + 2 months = 28/29 Feb, + 1 day
    ("2026-12-31", 2, "2027-03-01", "2027-03-01"),
    ("2027-12-31", 2, "2028-03-01", "2028-03-01"),
]


@pytest.mark.parametrize(("start", "months", "national", "alsace_moselle"), FRANC_TABLE)
def test_franc_last_day(start: str, months: int, national: str, alsace_moselle: str) -> None:
    for dep in (None, "75", "13", "2B", "974"):
        assert franc_last_day(D(start), months, dep) == D(national)
    for dep in ("57", "67", "68"):
        assert franc_last_day(D(start), months, dep) == D(alsace_moselle)


# ------------------------------------------------------------------ implicit refusal


@pytest.mark.parametrize(
    ("received", "born"),
    [
        ("2026-01-11", "2026-02-11"),
        ("2026-01-31", "2026-02-28"),  # a Saturday: not extended
        ("2028-01-31", "2028-02-29"),  # leap year
        ("2026-02-15", "2026-03-15"),  # a Sunday: not extended
        ("2026-04-14", "2026-05-14"),  # Ascension: not extended
        ("2026-06-14", "2026-07-14"),  # 14 juillet: not extended
        ("2025-11-25", "2025-12-25"),  # Noël: not extended
    ],
)
def test_implicit_refusal_is_never_extended(received: str, born: str) -> None:
    deadlines = compute_deadlines(RequestFacts(received=D(received), department="57"))
    implicit = deadlines["implicit_refusal"]
    assert implicit.date == D(born)
    assert implicit.starts_from == D(received)
    assert implicit.binds_user is False
    assert implicit.safe_date is None and implicit.legal_date is None
    assert implicit.articles == ("CRPA, art. R311-12", "CRPA, art. R311-13")
    assert implicit.explanation.startswith(
        f"Sans réponse au {format_date_fr(D(born))}, la demande est implicitement rejetée "
        "(CRPA, art. R311-12 et R311-13)"
    )
    assert "n'est jamais prolongé" in implicit.explanation


def test_implicit_refusal_example_text() -> None:
    implicit = compute_deadlines(RequestFacts(received=D("2026-01-11")))["implicit_refusal"]
    assert implicit.explanation == (
        "Sans réponse au 11 février 2026, la demande est implicitement rejetée (CRPA, art. "
        "R311-12 et R311-13) : le silence gardé pendant un mois à compter de la réception de "
        "la demande, le 11 janvier 2026, vaut refus. Ce délai n'est jamais prolongé, même "
        "s'il se termine un samedi, un dimanche ou un jour férié."
    )


# ---------------------------------------------------------------------- CADA referral


def test_cada_referral_from_implicit_refusal() -> None:
    deadlines = compute_deadlines(RequestFacts(received=D("2026-01-11"), acknowledgement="compliant"))
    referral = deadlines["cada_referral"]
    assert referral.starts_from == D("2026-02-11")
    assert referral.safe_date == referral.date == D("2026-04-11")  # a Saturday, never moved
    assert referral.legal_date == D("2026-04-13")  # 12 Apr Sunday -> Monday 13
    assert referral.binds_user and referral.enforceable and referral.enforceability_note is None
    assert "CRPA, art. R343-1" in referral.articles and "CRPA, art. R311-15" in referral.articles
    assert "deux mois après la naissance du refus implicite, le 11 février 2026" in referral.safe_explanation
    assert referral.legal_explanation.startswith("Dernier jour légal pour saisir la CADA : le 13 avril 2026")
    assert "le 12 avril 2026 n'étant pas un jour ouvrable (dimanche), il est reporté au lundi 13 avril 2026" in referral.legal_explanation


def test_explicit_refusal_replaces_implicit_one() -> None:
    deadlines = compute_deadlines(
        RequestFacts(received=D("2026-01-11"), refused=D("2026-01-20"), acknowledgement="none")
    )
    # The implicit refusal is never born: the explicit one came first.
    assert deadlines["implicit_refusal"].state == "superseded"
    assert "a précédé la naissance du refus implicite" in deadlines["implicit_refusal"].state_note
    referral = deadlines["cada_referral"]
    assert referral.state == "open"
    assert referral.starts_from == D("2026-01-20")
    assert referral.safe_date == D("2026-03-20")
    assert referral.legal_date == D("2026-03-23")  # 21 Mar is a Saturday
    # A regularly notified explicit refusal makes the delay run without acknowledgement.
    assert referral.enforceable
    assert "deux mois après le refus explicite du 20 janvier 2026, jour de sa notification" in referral.explanation


def test_cada_referral_explains_doctrine_is_not_settled() -> None:
    referral = compute_deadlines(RequestFacts(refused=D("2023-02-10"), department="75"))["cada_referral"]
    assert (referral.safe_date, referral.legal_date) == (D("2023-04-10"), D("2023-04-11"))
    for text in (referral.explanation, referral.legal_explanation):
        assert "doctrine courante" in text
        assert "la jurisprudence ne l'a pas tranchée pour la saisine de la CADA" in text


def test_cada_referral_uses_national_calendar_even_in_moselle() -> None:
    # Nominal day on Good Friday 2026: a working day for the CADA in Paris.
    referral = compute_deadlines(RequestFacts(refused=D("2026-02-02"), department="57"))["cada_referral"]
    assert referral.legal_date == D("2026-04-03")


# ------------------------------------------------------------------ CADA and after


def test_cada_opinion_and_confirmed_refusal() -> None:
    deadlines = compute_deadlines(RequestFacts(refused=D("2027-11-01"), cada_referred=D("2027-11-25"), cada_registered=D("2027-12-31")))
    opinion = deadlines["cada_opinion_expected"]
    assert opinion.date == D("2028-01-31")
    assert opinion.articles == ("CRPA, art. R343-3",)
    assert "Un avis rendu en retard ne fait naître aucune décision" in opinion.explanation
    confirmed = deadlines["confirmed_refusal"]
    assert confirmed.date == D("2028-02-29")
    assert confirmed.articles == ("CRPA, art. R343-4", "CRPA, art. R343-5")
    assert not confirmed.binds_user
    assert confirmed.explanation.startswith(
        "Si l'administration n'a pas communiqué les documents au 29 février 2028, deux mois "
        "après l'enregistrement de votre saisine par la CADA le 31 décembre 2027, son silence "
        "vaut refus confirmé (CRPA, art. R343-4 et R343-5)."
    )


def test_confirmed_refusal_is_never_extended() -> None:
    deadlines = compute_deadlines(RequestFacts(cada_registered=D("2026-03-01")))
    assert deadlines["confirmed_refusal"].date == D("2026-05-01")  # Fête du Travail
    assert deadlines["court_appeal"].starts_from == D("2026-05-01")


def test_authority_answer_expected() -> None:
    known = compute_deadlines(RequestFacts(cada_opinion=D("2026-03-10"), opinion_received_by_authority=D("2026-03-14")))
    answer = known["authority_answer_expected"]
    assert (answer.date, answer.starts_from, answer.estimated) == (D("2026-04-14"), D("2026-03-14"), False)
    assert "(CRPA, art. R343-3)" in answer.explanation
    unknown = compute_deadlines(RequestFacts(cada_opinion=D("2026-03-10")))["authority_answer_expected"]
    assert (unknown.date, unknown.estimated) == (D("2026-04-10"), True)
    assert "calculé à partir de la date de l'avis, le 10 mars 2026" in unknown.explanation


@pytest.mark.parametrize(
    ("dep", "legal", "court"),
    [
        ("57", "2027-03-30", "le tribunal administratif de Strasbourg"),
        ("67", "2027-03-30", "le tribunal administratif de Strasbourg"),
        ("68", "2027-03-30", "le tribunal administratif de Strasbourg"),
        ("75", "2027-03-26", "le tribunal administratif"),
        ("54", "2027-03-26", "le tribunal administratif"),
        ("971", "2027-03-26", "le tribunal administratif"),
    ],
)
def test_court_appeal_reference_example(dep: str, legal: str, court: str) -> None:
    # Confirmed refusal born 25 Jan 2027 (registration 25 Nov 2026).
    deadlines = compute_deadlines(RequestFacts(cada_registered=D("2026-11-25"), department=dep))
    assert deadlines["confirmed_refusal"].date == D("2027-01-25")
    court_appeal = deadlines["court_appeal"]
    assert court_appeal.starts_from == D("2027-01-25")
    assert court_appeal.safe_date == court_appeal.date == D("2027-03-25")
    assert court_appeal.legal_date == D(legal)
    assert court_appeal.articles[:2] == ("CJA, art. R421-1", "CJA, art. R421-2")
    assert court_appeal.safe_explanation.startswith(f"Date sûre pour saisir {court} : le 25 mars 2027")
    assert court_appeal.legal_explanation.startswith(
        f"Dernier jour légal pour saisir {court} : le {format_date_fr(D(legal))}, jusqu'à minuit."
    )


def test_court_appeal_moselle_text_explains_the_move() -> None:
    court_appeal = compute_deadlines(RequestFacts(cada_registered=D("2026-11-25"), department="57"))["court_appeal"]
    assert "le Vendredi saint et le 26 décembre (Saint-Étienne) sont aussi fériés" in court_appeal.legal_explanation
    assert (
        "le 26 mars 2027 et les jours suivants n'étant pas ouvrables (Vendredi saint, samedi, "
        "dimanche, Lundi de Pâques), il est reporté au mardi 30 mars 2027"
    ) in court_appeal.legal_explanation


def test_court_appeal_from_explicit_decision_after_opinion() -> None:
    # The Conseil d'État's example: notified 10 Feb 2023 -> until 11 Apr 2023 at midnight.
    deadlines = compute_deadlines(
        RequestFacts(cada_registered=D("2023-01-05"), cada_opinion=D("2023-01-30"), decision_after_opinion=D("2023-02-10"), department="75")
    )
    assert deadlines["confirmed_refusal"].state == "superseded"  # the explicit decision came first
    court_appeal = deadlines["court_appeal"]
    assert court_appeal.starts_from == D("2023-02-10")
    assert (court_appeal.safe_date, court_appeal.legal_date) == (D("2023-04-10"), D("2023-04-11"))
    assert "deux mois après la décision prise après l'avis de la CADA du 10 février 2023, jour de sa notification" in court_appeal.explanation


def test_late_explicit_decision_keeps_confirmed_refusal() -> None:
    deadlines = compute_deadlines(RequestFacts(cada_registered=D("2026-01-05"), decision_after_opinion=D("2026-03-20")))
    assert deadlines["confirmed_refusal"].date == D("2026-03-05")
    assert deadlines["court_appeal"].starts_from == D("2026-03-20")


def test_nothing_to_compute() -> None:
    assert compute_deadlines(RequestFacts()) == {}
    # Documents communicated in full: every deadline still to come is moot.
    deadlines = compute_deadlines(RequestFacts(received=D("2026-01-11"), answered_in_full=D("2026-02-01")))
    assert {kind: deadline.state for kind, deadline in deadlines.items()} == {
        "implicit_refusal": "superseded", "cada_referral": "superseded"}
    assert deadlines["cada_referral"].state_note == "Documents communiqués le 1er février 2026."


def test_kinds_order() -> None:
    deadlines = compute_deadlines(
        RequestFacts(received=D("2026-01-11"), cada_registered=D("2026-03-01"), cada_opinion=D("2026-03-20"),
                     judgment=D("2026-12-01"))
    )
    assert tuple(deadlines) == KINDS
    assert all(deadline.kind == kind for kind, deadline in deadlines.items())


# -------------------------------------------------------------------- enforceability


@pytest.mark.parametrize(
    ("ack", "reason"),
    [
        ("none", "l'administration ne vous a adressé aucun accusé de réception (CRPA, art. L112-6 ; pour une demande par courriel, art. L112-11 et R112-11-1)"),
        ("non_compliant", "ne comporte pas les mentions exigées par l'article R112-5 du CRPA"),
    ],
)
def test_no_compliant_acknowledgement_makes_deadlines_not_enforceable(ack: str, reason: str) -> None:
    deadlines = compute_deadlines(
        RequestFacts(received=D("2026-01-11"), acknowledgement=ack, cada_registered=D("2026-04-01"))  # type: ignore[arg-type]
    )
    referral = deadlines["cada_referral"]
    assert referral.enforceable is False
    note = referral.enforceability_note
    assert note is not None
    assert note.startswith("Le délai de saisine de la CADA ne vous est pas opposable : ")
    assert reason in note
    assert ("délai raisonnable, qui ne dépasse pas en principe un an à compter du jour où vous avez eu "
            "connaissance de la décision") in note
    # Never presented as certain.
    assert "il l'apprécie au cas par cas : ne comptez pas sur cette limite" in note
    assert "CE, Ass., 13 juillet 2016, Czabaj, n° 387763" in note
    assert "CE, 18 mars 2019, n° 417270" in note
    assert note.endswith("Par prudence, agissez avant la date sûre du 11 avril 2026.")
    # The safe date is still the one shown.
    assert referral.date == referral.safe_date == D("2026-04-11")
    assert "voir l'avertissement" in referral.legal_explanation
    # The court deadline inherits the defect of the chain.
    court_appeal = deadlines["court_appeal"]
    assert court_appeal.enforceable is False
    assert court_appeal.enforceability_note.startswith(
        "Le délai de recours devant le tribunal administratif ne vous est pas opposable : "
    )
    # The implicit refusal itself binds nobody: it is simply born.
    assert deadlines["implicit_refusal"].enforceable is True


def test_compliant_acknowledgement_is_enforceable() -> None:
    referral = compute_deadlines(RequestFacts(received=D("2026-01-11"), acknowledgement="compliant"))["cada_referral"]
    assert referral.enforceable and referral.enforceability_note is None
    assert referral.enforceability == "enforceable"


def test_unknown_acknowledgement_is_to_check() -> None:
    # "No acknowledgement recorded" is not "no acknowledgement received": ask, and count on
    # the safe date meanwhile (crpa.md §3.2).
    deadlines = compute_deadlines(RequestFacts(received=D("2026-01-11"), cada_registered=D("2026-04-01")))
    for kind in ("cada_referral", "court_appeal"):
        deadline = deadlines[kind]
        assert deadline.enforceable and deadline.enforceability == "to_check"
        assert deadline.enforceability_note is not None
        assert deadline.enforceability_note.startswith("À vérifier : ")
        assert "R112-5" in deadline.enforceability_note and "un an" not in deadline.enforceability_note
    assert "comptez sur la date sûre du 11 avril 2026" in deadlines["cada_referral"].enforceability_note or ""


def test_refusal_without_appeal_routes_is_not_enforceable() -> None:
    deadlines = compute_deadlines(
        RequestFacts(refused=D("2026-01-20"), refusal_states_appeal_routes=False, acknowledgement="compliant", cada_registered=D("2026-02-10"))
    )
    referral = deadlines["cada_referral"]
    assert not referral.enforceable
    note = referral.enforceability_note
    assert (
        "le refus explicite du 20 janvier 2026 n'indique pas les voies et délais de recours, dont "
        "la saisine obligatoire de la CADA (CRPA, art. L311-14), si bien que le délai de deux "
        "mois ne court pas"
    ) in note
    assert "Czabaj, n° 387763" in note
    assert "n° 417270" not in note  # explicit decision: the implicit-decision case law is not cited
    assert note.endswith("avant la date sûre du 20 mars 2026.")
    assert not deadlines["court_appeal"].enforceable


def test_decision_after_opinion_is_enforceable() -> None:
    deadlines = compute_deadlines(RequestFacts(received=D("2026-01-11"), acknowledgement="none", cada_registered=D("2026-03-01"), decision_after_opinion=D("2026-04-02")))
    assert not deadlines["cada_referral"].enforceable
    assert deadlines["court_appeal"].enforceable


# ----------------------------------------------------------------- estimated receipt


def test_estimated_receipt_is_marked() -> None:
    deadlines = compute_deadlines(RequestFacts(received=D("2026-01-11"), received_is_estimate=True))
    assert deadlines["implicit_refusal"].estimated
    assert deadlines["cada_referral"].estimated
    assert "la date de réception du 11 janvier 2026 est estimée (envoi postal sans avis de réception enregistré)" in deadlines["implicit_refusal"].explanation
    payload = cli_payload(RequestFacts(received=D("2026-01-11"), received_is_estimate=True))
    assert any("est estimée" in warning for warning in payload["warnings"])


def test_explicit_refusal_is_not_estimated() -> None:
    deadlines = compute_deadlines(RequestFacts(received=D("2026-01-11"), received_is_estimate=True, refused=D("2026-01-25")))
    assert not deadlines["cada_referral"].estimated


# ----------------------------------------------------------------------------- CLI


def test_cli_payload_full() -> None:
    facts = RequestFacts(
        received=D("2026-10-02"),
        acknowledgement="compliant",
        cada_referred=D("2026-11-10"),
        cada_registered=D("2026-11-25"),
        department="57",
    )
    payload = cli_payload(facts)
    assert list(payload) == [
        "department", "implicit_refusal", "cada_referral_safe", "cada_referral_legal",
        "cada_opinion_expected", "confirmed_refusal", "court_appeal_safe", "court_appeal_legal",
        "explanations",
    ]
    assert payload["department"] == "57"
    assert payload["implicit_refusal"] == "2026-11-02"
    assert payload["cada_referral_safe"] == "2027-01-02"
    assert payload["cada_referral_legal"] == "2027-01-04"  # 3 Jan 2027 is a Sunday
    assert payload["cada_opinion_expected"] == "2026-12-25"  # silence of the CADA: not moved
    assert payload["confirmed_refusal"] == "2027-01-25"
    assert payload["court_appeal_safe"] == "2027-03-25"
    assert payload["court_appeal_legal"] == "2027-03-30"
    assert list(payload["explanations"]) == [k for k in payload if k not in ("department", "explanations")]
    assert payload["explanations"]["court_appeal_safe"].startswith(
        "Date sûre pour saisir le tribunal administratif de Strasbourg : le 25 mars 2027"
    )
    assert "warnings" not in payload
    assert json.dumps(payload, ensure_ascii=False) == json.dumps(cli_payload(facts), ensure_ascii=False)


def test_cli_payload_warnings() -> None:
    payload = cli_payload(RequestFacts(received=D("2026-01-11"), acknowledgement="none", department="1"))
    assert payload["department"] == "01"
    assert set(payload) == {"department", "implicit_refusal", "cada_referral_safe", "cada_referral_legal", "explanations", "warnings"}
    assert len(payload["warnings"]) == 1
    assert payload["warnings"][0].startswith("Le délai de saisine de la CADA ne vous est pas opposable")


def test_cli_payload_empty() -> None:
    assert cli_payload(RequestFacts(department="75")) == {"department": "75", "explanations": {}}


# ---------------------------------------------------------------- property tests

dates = st.dates(min_value=date(2000, 1, 1), max_value=date(2098, 12, 31))
calendars = st.sampled_from([None, "75", "57", "67", "68", "2A", "971", "13"])


@settings(max_examples=300, deadline=None)
@given(start=dates, months=st.integers(min_value=1, max_value=3), dep=calendars)
def test_property_legal_last_day(start: date, months: int, dep: str | None) -> None:
    safe = add_months(start, months)
    legal = franc_last_day(start, months, dep)
    assert legal >= safe + timedelta(days=1)
    assert is_working_day(legal, dep)
    assert legal <= safe + timedelta(days=1 + 10)
    # Every day skipped was indeed not a working day.
    day = safe + timedelta(days=1)
    while day < legal:
        assert not is_working_day(day, dep)
        day += timedelta(days=1)


@settings(max_examples=300, deadline=None)
@given(start=dates, months=st.integers(min_value=0, max_value=24))
def test_property_add_months_valid(start: date, months: int) -> None:
    result = add_months(start, months)
    assert (result.year * 12 + result.month) - (start.year * 12 + start.month) == months
    last = calendar.monthrange(result.year, result.month)[1]
    assert result.day == min(start.day, last)


@settings(max_examples=300, deadline=None)
@given(a=dates, b=dates, n=st.integers(min_value=0, max_value=24), m=st.integers(min_value=0, max_value=24))
def test_property_add_months_monotonic(a: date, b: date, n: int, m: int) -> None:
    first, second = sorted((a, b))
    assert add_months(first, n) <= add_months(second, n)
    small, big = sorted((n, m))
    assert add_months(a, small) <= add_months(a, big)


@st.composite
def consistent_facts(draw: st.DrawFn) -> RequestFacts:
    def after(day: date | None, max_days: int = 90) -> date:
        base = day or draw(dates)
        return base + timedelta(days=draw(st.integers(min_value=0, max_value=max_days)))

    received = draw(st.one_of(st.none(), dates))
    refused = after(received, 60) if draw(st.booleans()) else None
    cada_referred = cada_registered = cada_opinion = by_authority = decision = None
    if draw(st.booleans()):
        cada_referred = after(refused or received)
        cada_registered = after(cada_referred, 20)
        if draw(st.booleans()):
            cada_opinion = after(cada_registered, 60)
            by_authority = after(cada_opinion, 10) if draw(st.booleans()) else None
            decision = after(cada_opinion, 60) if draw(st.booleans()) else None
    return RequestFacts(
        received=received,
        received_is_estimate=draw(st.booleans()) and received is not None,
        acknowledgement=draw(st.sampled_from([None, "none", "compliant", "non_compliant"])),
        refused=refused,
        refusal_states_appeal_routes=draw(st.booleans()),
        cada_referred=cada_referred,
        cada_registered=cada_registered,
        cada_opinion=cada_opinion,
        opinion_received_by_authority=by_authority,
        decision_after_opinion=decision,
        department=draw(st.sampled_from(sorted(DEPARTMENTS))),
    )


@settings(max_examples=300, deadline=None)
@given(facts=consistent_facts())
def test_property_compute_never_raises(facts: RequestFacts) -> None:
    deadlines = compute_deadlines(facts)
    for kind, deadline in deadlines.items():
        assert isinstance(deadline, Deadline) and deadline.kind == kind and kind in KINDS
        assert deadline.articles and deadline.explanation
        assert deadline.date >= deadline.starts_from
        if deadline.binds_user:
            assert deadline.date == deadline.safe_date
            assert deadline.legal_date is not None and deadline.legal_date > deadline.safe_date
            assert deadline.enforceable == (deadline.enforceability != "not_enforceable")
            assert (deadline.enforceability == "enforceable") == (deadline.enforceability_note is None)
        else:
            assert deadline.safe_date is None and deadline.legal_date is None
    json.dumps(cli_payload(facts), ensure_ascii=False)
