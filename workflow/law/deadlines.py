"""Deadline engine for CRPA access-to-documents requests.

Pure module: no Flask, no database, no I/O. It implements the CRPA rules on delays
(R311-12, R311-13, R343-1 to R343-5), the CJA's (R421-1, R421-2) and the way French
law counts them (CPC art. 641-642 as applied by the Conseil d'État):

- the administration's silence (implicit refusal, confirmed refusal) is never extended;
- deadlines binding the user (CADA referral, court application) get a *safe date*
  (D + n months, never moved) and a *legal last day* (délai franc, D + n months + 1 day,
  then moved to the next working day of the applicable calendar, CPC art. 642);
- deadlines that cannot be held against the user (L112-6, L311-14) are flagged, with the
  "reasonable time" outer limit of the Czabaj case law explained in French.

The calendar it counts with (month arithmetic, departments, public holidays, working
days, the délai franc) is workflow/law/calendar.py; its public names are re-exported here.

Code and comments are in English; every string shown to a user is in French.
"""

from __future__ import annotations

from dataclasses import dataclass
import datetime as dt
from datetime import date, timedelta
from types import MappingProxyType
from typing import Literal, Mapping

from workflow.law.calendar import (  # noqa: F401  (re-exported: callers know them from here)
    DEPARTMENTS,
    UnknownDepartment,
    add_months,
    court_department,
    format_date_fr,
    format_long_fr,
    franc_last_day,
    is_working_day,
    next_working_day,
    non_working_reason,
    normalise_department,
)

__all__ = [
    "KINDS",
    "DEADLINE_LABELS",
    "DEPARTMENTS",
    "Deadline",
    "RequestFacts",
    "UnknownDepartment",
    "add_months",
    "cli_payload",
    "compute_deadlines",
    "court_department",
    "format_date_fr",
    "franc_last_day",
    "is_working_day",
    "next_working_day",
    "normalise_department",
]

KINDS: tuple[str, ...] = (
    "implicit_refusal",
    "cada_referral",
    "cada_opinion_expected",
    "authority_answer_expected",
    "confirmed_refusal",
    "court_appeal",
)

# What each deadline is, as the request page titles it.
DEADLINE_LABELS: Mapping[str, str] = MappingProxyType({
    "implicit_refusal": "Naissance du refus implicite",
    "cada_referral": "Saisir la CADA",
    "cada_opinion_expected": "Avis de la CADA attendu",
    "authority_answer_expected": "Réponse de l'administration à la CADA attendue",
    "confirmed_refusal": "Naissance du refus confirmé",
    "court_appeal": "Saisir le tribunal administratif",
})

@dataclass(frozen=True)
class RequestFacts:
    """What is known about one request; every date is optional."""

    received: date | None = None  # receipt by the administration
    received_is_estimate: bool = False  # postal sending without receipt card
    acknowledgement: Literal["none", "compliant", "non_compliant"] | None = None  # None = unknown
    refused: date | None = None  # notification of an explicit refusal
    refusal_states_appeal_routes: bool = True
    cada_referred: date | None = None
    cada_registered: date | None = None
    cada_opinion: date | None = None  # date of the opinion
    opinion_received_by_authority: date | None = None
    decision_after_opinion: date | None = None  # explicit (refusal) decision after the opinion
    department: str = "57"
    # Addition to the agreed contract: documents communicated in full (initial answer or
    # after the opinion). Nothing is left to contest, so no deadline is computed.
    answered_in_full: date | None = None


@dataclass(frozen=True)
class Deadline:
    kind: str  # one of KINDS
    # (dt.date: the field `date` shadows the type inside the class body)
    date: dt.date  # the date to show (binding deadlines: the safe date)
    safe_date: dt.date | None  # binding deadlines only
    legal_date: dt.date | None  # binding deadlines only: legal last day
    starts_from: dt.date
    articles: tuple[str, ...]
    explanation: str  # French
    binds_user: bool
    enforceable: bool = True
    enforceability_note: str | None = None  # French: why not enforceable + what to do
    estimated: bool = False  # derived from an estimated date
    # Addition to the agreed contract: one French sentence per date of a binding
    # deadline, used by the CLI payload and the request page.
    safe_explanation: str | None = None
    legal_explanation: str | None = None


# ---------------------------------------------------------------- French sentences

_SILENCE_NOT_EXTENDED = (
    "Ce délai n'est jamais prolongé, même s'il se termine un samedi, un dimanche ou un jour férié."
)

_ACK_LAW = "CRPA, art. L112-6 ; pour une demande par courriel, art. L112-11 et R112-11-1"


def _shift_detail(nominal: date, legal: date, department: str | None) -> str:
    """Why the legal last day moved, e.g. '; le 26 mars 2027 et les jours suivants ...'."""
    if nominal == legal:
        return ""
    reasons = []
    day = nominal
    while day < legal:
        reasons.append(non_working_reason(day, department) or "")
        day += timedelta(days=1)
    listed = ", ".join(r for r in reasons if r)
    if len(reasons) == 1:
        subject = f"le {format_date_fr(nominal)} n'étant pas un jour ouvrable ({listed})"
    else:
        subject = (
            f"le {format_date_fr(nominal)} et les jours suivants n'étant pas ouvrables ({listed})"
        )
    return f" ; {subject}, il est reporté au {format_long_fr(legal)}"


def _czabaj_note(what: str, reason: str, implicit: bool, safe: date) -> str:
    cases = "CE, Ass., 13 juillet 2016, Czabaj, n° 387763"
    if implicit:
        cases += " ; CE, 18 mars 2019, n° 417270, pour les décisions implicites"
    return (
        f"{what} ne vous est pas opposable : {reason}. "
        "Vous devez néanmoins agir dans un délai raisonnable, en principe un an à compter "
        f"du jour où vous avez eu connaissance de la décision ({cases}). "
        f"Par prudence, agissez quand même avant la date sûre du {format_date_fr(safe)}."
    )


def _enforceability_problem(facts: RequestFacts, basis: Literal["explicit", "implicit"]) -> str | None:
    """French reason why the deadlines of this chain cannot be held against the user."""
    if basis == "explicit":
        # A regularly notified explicit decision makes the delays run even without an
        # acknowledgement (L112-6, 2nd paragraph); what matters is L311-14.
        if facts.refusal_states_appeal_routes:
            return None
        assert facts.refused is not None
        return (
            f"le refus notifié le {format_date_fr(facts.refused)} n'indique pas les voies et "
            "délais de recours, dont la saisine obligatoire de la CADA (CRPA, art. L311-14), "
            "si bien que le délai de deux mois ne court pas"
        )
    if facts.acknowledgement == "none":
        return f"l'administration ne vous a adressé aucun accusé de réception ({_ACK_LAW})"
    if facts.acknowledgement == "non_compliant":
        return (
            "l'accusé de réception de l'administration ne comporte pas les mentions exigées "
            "par l'article R112-5 du CRPA (date de réception, date de naissance de la décision "
            f"implicite, service chargé du dossier, voies et délais de recours) ({_ACK_LAW})"
        )
    # Unknown acknowledgement: assume the deadline runs (the safe side for the user).
    return None


def _estimate_sentence(received: date) -> str:
    return (
        f" Attention : la date de réception du {format_date_fr(received)} est estimée (envoi "
        "postal sans avis de réception enregistré) ; enregistrez la date de l'avis de "
        "réception dès que vous l'avez."
    )


# ------------------------------------------------------------------- the deadlines


def _implicit_refusal(facts: RequestFacts, received: date) -> Deadline:
    born = add_months(received, 1)
    text = (
        f"Sans réponse au {format_date_fr(born)}, la demande est implicitement rejetée "
        "(CRPA, art. R311-12 et R311-13) : le silence gardé pendant un mois à compter de la "
        f"réception de la demande, le {format_date_fr(received)}, vaut refus. "
        + _SILENCE_NOT_EXTENDED
    )
    if facts.received_is_estimate:
        text += _estimate_sentence(received)
    return Deadline(
        kind="implicit_refusal",
        date=born,
        safe_date=None,
        legal_date=None,
        starts_from=received,
        articles=("CRPA, art. R311-12", "CRPA, art. R311-13"),
        explanation=text,
        binds_user=False,
        estimated=facts.received_is_estimate,
    )


def _cada_referral(facts: RequestFacts, start: date, basis: Literal["explicit", "implicit"]) -> Deadline:
    safe = add_months(start, 2)
    legal = franc_last_day(start, 2, None)  # the CADA is national: national calendar
    if basis == "explicit":
        origin = f"la notification du refus explicite, le {format_date_fr(start)}"
    else:
        origin = f"la naissance du refus implicite, le {format_date_fr(start)}"
    problem = _enforceability_problem(facts, basis)
    note = (
        _czabaj_note("Le délai de saisine de la CADA", problem, basis == "implicit", safe)
        if problem
        else None
    )
    estimated = basis == "implicit" and facts.received_is_estimate
    shift = _shift_detail(safe + timedelta(days=1), legal, None)
    not_binding = " Ce délai ne vous est toutefois pas opposable : voir l'avertissement." if note else ""
    estimate = _estimate_sentence(facts.received) if estimated and facts.received else ""

    safe_text = (
        f"Date sûre pour saisir la CADA : le {format_date_fr(safe)}, deux mois après {origin} "
        "(CRPA, art. R343-1 et R311-15). Une saisine envoyée au plus tard ce jour-là ne peut "
        "pas être contestée. La saisine de la CADA est obligatoire avant tout recours devant "
        "le tribunal administratif (CRPA, art. L342-1)." + estimate
    )
    legal_text = (
        f"Dernier jour légal pour saisir la CADA : le {format_date_fr(legal)}, en comptant le "
        "délai de deux mois comme un délai franc, reporté au premier jour ouvrable suivant "
        f"s'il se termine un samedi, un dimanche ou un jour férié (CPC, art. 642){shift}. "
        "C'est la lecture de la doctrine courante, mais la jurisprudence ne l'a pas tranchée "
        "pour la saisine de la CADA : préférez la date sûre." + not_binding
    )
    text = (
        f"Saisissez la CADA au plus tard le {format_date_fr(safe)} : c'est la date sûre, deux "
        f"mois après {origin} (CRPA, art. R343-1 et R311-15). Le dernier jour légal serait le "
        f"{format_date_fr(legal)} en comptant un délai franc reporté au premier jour ouvrable "
        "(CPC, art. 642) ; c'est la lecture de la doctrine courante, mais la jurisprudence ne "
        "l'a pas tranchée pour la saisine de la CADA. La saisine de la CADA est obligatoire "
        "avant tout recours devant le tribunal administratif (CRPA, art. L342-1)."
        + not_binding
        + estimate
    )
    return Deadline(
        kind="cada_referral",
        date=safe,
        safe_date=safe,
        legal_date=legal,
        starts_from=start,
        articles=("CRPA, art. R343-1", "CRPA, art. R311-15", "CRPA, art. L342-1", "CPC, art. 642"),
        explanation=text,
        binds_user=True,
        enforceable=note is None,
        enforceability_note=note,
        estimated=estimated,
        safe_explanation=safe_text,
        legal_explanation=legal_text,
    )


def _cada_opinion_expected(registered: date) -> Deadline:
    expected = add_months(registered, 1)
    return Deadline(
        kind="cada_opinion_expected",
        date=expected,
        safe_date=None,
        legal_date=None,
        starts_from=registered,
        articles=("CRPA, art. R343-3",),
        explanation=(
            "La CADA doit rendre son avis dans un délai d'un mois à compter de l'enregistrement "
            f"de votre saisine, le {format_date_fr(registered)}, soit au plus tard le "
            f"{format_date_fr(expected)} (CRPA, art. R343-3). Un avis rendu en retard ne fait "
            "naître aucune décision : vous n'avez rien à faire."
        ),
        binds_user=False,
    )


def _authority_answer_expected(facts: RequestFacts) -> Deadline | None:
    start = facts.opinion_received_by_authority or facts.cada_opinion
    if start is None:
        return None
    expected = add_months(start, 1)
    # Without the authority's receipt date, the opinion date is a (slightly early) proxy.
    estimated = facts.opinion_received_by_authority is None
    text = (
        "L'administration doit faire connaître à la CADA la suite qu'elle donne à son avis "
        "dans un délai d'un mois à compter de la réception de l'avis, soit au plus tard le "
        f"{format_date_fr(expected)} (CRPA, art. R343-3). Si l'avis vous est favorable, "
        "écrivez-lui de nouveau en joignant l'avis."
    )
    if estimated:
        text += (
            " La date à laquelle l'administration a reçu l'avis n'étant pas connue, ce délai "
            f"est calculé à partir de la date de l'avis, le {format_date_fr(start)}."
        )
    return Deadline(
        kind="authority_answer_expected",
        date=expected,
        safe_date=None,
        legal_date=None,
        starts_from=start,
        articles=("CRPA, art. R343-3",),
        explanation=text,
        binds_user=False,
        estimated=estimated,
    )


def _confirmed_refusal(registered: date) -> Deadline:
    born = add_months(registered, 2)
    return Deadline(
        kind="confirmed_refusal",
        date=born,
        safe_date=None,
        legal_date=None,
        starts_from=registered,
        articles=("CRPA, art. R343-4", "CRPA, art. R343-5"),
        explanation=(
            f"Si l'administration n'a pas communiqué les documents au {format_date_fr(born)}, "
            "deux mois après l'enregistrement de votre saisine par la CADA le "
            f"{format_date_fr(registered)}, son silence vaut refus confirmé (CRPA, art. R343-4 "
            "et R343-5). " + _SILENCE_NOT_EXTENDED
        ),
        binds_user=False,
    )


def _court_appeal(
    facts: RequestFacts,
    department: str,
    start: date,
    explicit: bool,
    chain_problem: tuple[str, bool] | None,
) -> Deadline:
    court_dep = court_department(department)
    safe = add_months(start, 2)
    legal = franc_last_day(start, 2, court_dep)
    if explicit:
        origin = (
            "la notification de la décision prise par l'administration après l'avis de la "
            f"CADA, le {format_date_fr(start)}"
        )
    else:
        origin = f"la naissance du refus confirmé, le {format_date_fr(start)}"
    if court_dep is not None:
        court = "le tribunal administratif de Strasbourg"
        calendar = (
            " du calendrier d'Alsace-Moselle, où le Vendredi saint et le 26 décembre "
            "(Saint-Étienne) sont aussi fériés"
        )
    else:
        court = "le tribunal administratif"
        calendar = ""
    note = None
    if chain_problem is not None:
        reason, implicit = chain_problem
        note = _czabaj_note(
            "Le délai de recours devant le tribunal administratif", reason, implicit, safe
        )
    shift = _shift_detail(safe + timedelta(days=1), legal, court_dep)
    not_binding = " Ce délai ne vous est toutefois pas opposable : voir l'avertissement." if note else ""

    safe_text = (
        f"Date sûre pour saisir {court} : le {format_date_fr(safe)}, deux mois après {origin} "
        "(CJA, art. R421-1 et R421-2). Une requête enregistrée au greffe au plus tard ce "
        "jour-là ne peut pas être jugée tardive."
    )
    legal_text = (
        f"Dernier jour légal pour saisir {court} : le {format_date_fr(legal)}, jusqu'à minuit. Le "
        "délai de deux mois est un délai franc, reporté au premier jour ouvrable suivant s'il "
        f"se termine un samedi, un dimanche ou un jour férié{calendar} (CPC, art. 642 ; CE, "
        f"13 mai 2015, n° 368892){shift}. La requête doit être enregistrée au greffe au plus "
        "tard ce jour-là." + not_binding
    )
    text = (
        f"Déposez votre requête devant {court} au plus tard le {format_date_fr(safe)} : c'est "
        f"la date sûre, deux mois après {origin} (CJA, art. R421-1 et R421-2). Le dernier jour "
        f"légal est le {format_date_fr(legal)}, jusqu'à minuit : le délai est un délai franc, reporté "
        "au premier jour ouvrable suivant s'il se termine un samedi, un dimanche ou un jour "
        f"férié{calendar} (CPC, art. 642 ; CE, 13 mai 2015, n° 368892)." + not_binding
    )
    return Deadline(
        kind="court_appeal",
        date=safe,
        safe_date=safe,
        legal_date=legal,
        starts_from=start,
        articles=("CJA, art. R421-1", "CJA, art. R421-2", "CPC, art. 642"),
        explanation=text,
        binds_user=True,
        enforceable=note is None,
        enforceability_note=note,
        safe_explanation=safe_text,
        legal_explanation=legal_text,
    )


def compute_deadlines(facts: RequestFacts) -> dict[str, Deadline]:
    """Every computable deadline of the request, keyed by kind (in KINDS order)."""
    department = normalise_department(facts.department)
    out: dict[str, Deadline] = {}
    if facts.answered_in_full is not None:
        return out  # documents communicated: nothing left to contest

    # Steps 2-3: an explicit refusal replaces the implicit one as the CADA window start.
    basis: Literal["explicit", "implicit"] | None = None
    cada_start: date | None = None
    if facts.refused is not None:
        basis, cada_start = "explicit", facts.refused
    elif facts.received is not None:
        implicit = _implicit_refusal(facts, facts.received)
        out["implicit_refusal"] = implicit
        basis, cada_start = "implicit", implicit.date
    chain_problem: tuple[str, bool] | None = None
    if basis is not None and cada_start is not None:
        referral = _cada_referral(facts, cada_start, basis)
        out["cada_referral"] = referral
        problem = _enforceability_problem(facts, basis)
        if problem is not None:
            chain_problem = (problem, basis == "implicit")

    # Steps 4-6: CADA registration and what follows.
    confirmed: Deadline | None = None
    if facts.cada_registered is not None:
        out["cada_opinion_expected"] = _cada_opinion_expected(facts.cada_registered)
    answer = _authority_answer_expected(facts)
    if answer is not None:
        out["authority_answer_expected"] = answer
    if facts.cada_registered is not None:
        confirmed = _confirmed_refusal(facts.cada_registered)
        # An explicit decision before the end of the two months prevents the silence.
        if facts.decision_after_opinion is None or facts.decision_after_opinion > confirmed.date:
            out["confirmed_refusal"] = confirmed

    # Step 7: the court application.
    if facts.decision_after_opinion is not None:
        # No field tells whether that decision stated the appeal routes: assume it did.
        out["court_appeal"] = _court_appeal(facts, department, facts.decision_after_opinion, True, None)
    elif confirmed is not None:
        # The confirmed refusal is a further implicit decision on the same request: a defect
        # that kept the first delay from running (no compliant acknowledgement, no appeal
        # routes) is inherited.
        out["court_appeal"] = _court_appeal(facts, department, confirmed.date, False, chain_problem)
    return out


# ------------------------------------------------------------------------------ CLI

_CLI_ORDER = (
    ("implicit_refusal", None),
    ("cada_referral", "safe"),
    ("cada_referral", "legal"),
    ("cada_opinion_expected", None),
    ("confirmed_refusal", None),
    ("court_appeal", "safe"),
    ("court_appeal", "legal"),
)


def cli_payload(facts: RequestFacts) -> dict:
    """The public CLI JSON: ISO dates, one French sentence per date, warnings if any.

    authority_answer_expected is not part of the agreed CLI keys and is left out.
    """
    deadlines = compute_deadlines(facts)
    payload: dict = {"department": normalise_department(facts.department)}
    explanations: dict[str, str] = {}
    for kind, which in _CLI_ORDER:
        deadline = deadlines.get(kind)
        if deadline is None:
            continue
        if which is None:
            key, day, sentence = kind, deadline.date, deadline.explanation
        elif which == "safe":
            key, day, sentence = f"{kind}_safe", deadline.safe_date, deadline.safe_explanation
        else:
            key, day, sentence = f"{kind}_legal", deadline.legal_date, deadline.legal_explanation
        assert day is not None and sentence is not None
        payload[key] = day.isoformat()
        explanations[key] = sentence
    payload["explanations"] = explanations

    warnings: list[str] = []
    for kind in KINDS:
        deadline = deadlines.get(kind)
        if deadline is not None and deadline.enforceability_note and deadline.enforceability_note not in warnings:
            warnings.append(deadline.enforceability_note)
    if facts.received_is_estimate and facts.received is not None and "implicit_refusal" in deadlines:
        warnings.append(
            f"La date de réception de la demande, le {format_date_fr(facts.received)}, est "
            "estimée (envoi postal sans avis de réception enregistré) : les dates qui en "
            "découlent sont indicatives. Enregistrez la date de l'avis de réception dès que "
            "vous l'avez."
        )
    if warnings:
        payload["warnings"] = warnings
    return payload
