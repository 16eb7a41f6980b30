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

from dataclasses import dataclass, replace
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
    "DEADLINE_STATES",
    "DEADLINE_STATE_LABELS",
    "Deadline",
    "ExplicitDecision",
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
    "cassation_appeal",
)

# What each deadline is, as the request page titles it.
DEADLINE_LABELS: Mapping[str, str] = MappingProxyType({
    "implicit_refusal": "Naissance du refus implicite",
    "cada_referral": "Saisir la CADA",
    "cada_opinion_expected": "Avis de la CADA attendu",
    "authority_answer_expected": "Réponse de l'administration à la CADA attendue",
    "confirmed_refusal": "Naissance du refus confirmé",
    "court_appeal": "Saisir le tribunal administratif",
    "cassation_appeal": "Se pourvoir en cassation devant le Conseil d'État",
})

# Where a deadline stands: still to come; done in time (the act it calls for is recorded,
# or the administration did what it had to); its day went by; replaced by a decision that
# made it moot (an explicit refusal before the implicit one is born...).
OPEN, MET, PASSED, SUPERSEDED = "open", "met", "passed", "superseded"
DEADLINE_STATES: tuple[str, ...] = (OPEN, MET, PASSED, SUPERSEDED)
DEADLINE_STATE_LABELS: Mapping[str, str] = MappingProxyType({
    OPEN: "À venir", MET: "Respecté", PASSED: "Échu", SUPERSEDED: "Sans objet",
})

# Whether a deadline binding the user can be held against them: it runs; it does not
# (L112-6, L311-14); or Lanterne does not know (no acknowledgement recorded: ask).
ENFORCEABLE, NOT_ENFORCEABLE, TO_CHECK = "enforceable", "not_enforceable", "to_check"


@dataclass(frozen=True)
class ExplicitDecision:
    """A written decision refusing all or part of the request, as notified to the requester:
    a refusal, a partial communication that expressly refuses the rest, a communication
    with redactions, a statement that the documents are not held or already published."""

    day: date
    appeal_routes_stated: bool = True  # the decision states the appeal routes and delays (L311-14)
    what: str = "le refus explicite"   # how the explanations name it (French)
    # What kind of answer it is, for the letters: refusal | abusive | partial_refusal |
    # partial_refusal_redacted | partial_redacted | redactions | not_held | published | after_opinion
    cause: str = "refusal"


@dataclass(frozen=True)
class RequestFacts:
    """What is known about one request; every date is optional."""

    received: date | None = None  # receipt by the administration
    received_is_estimate: bool = False  # postal sending without receipt card
    # The sending date: a letter cannot arrive before it is sent, so while the receipt is
    # an estimate the dates the user must meet are counted from it (crpa.md §3.1).
    sent: date | None = None
    acknowledgement: Literal["none", "compliant", "non_compliant"] | None = None  # None = unknown: ask
    refused: date | None = None  # notification of an explicit refusal (shorthand for `decisions`)
    refusal_states_appeal_routes: bool = True
    cada_referred: date | None = None
    cada_registered: date | None = None
    cada_opinion: date | None = None  # date of the opinion
    opinion_received_by_authority: date | None = None
    decision_after_opinion: date | None = None  # explicit (refusal) decision after the opinion (shorthand)
    department: str = "57"
    # Addition to the agreed contract: documents communicated in full (initial answer or
    # after the opinion). Nothing is left to contest: every deadline still open is moot.
    answered_in_full: date | None = None
    # Every explicit decision refusing all or part of the request, whatever its date.
    decisions: tuple[ExplicitDecision, ...] = ()
    authority_replied: date | None = None  # the administration's answer after the opinion
    court_filed: date | None = None
    # Answers that are not refusals and move no date (crpa.md §7): the request forwarded to
    # another authority (L114-2), reproduction fees asked (R311-11).
    transferred: date | None = None
    fees_requested: date | None = None
    # The reasons of the implicit decision contested were asked (CRPA L232-4), and given.
    reasons_requested: date | None = None
    reasons_given: date | None = None
    # The referral was made for the whole series this request belongs to (L342-1), on the
    # request with this reference.
    referral_of_series: str = ""
    judgment: date | None = None  # notification of a judgment open to cassation (a rejection)
    # With a day, deadlines whose day went by without being met are "passed".
    today: date | None = None


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
    enforceability_note: str | None = None  # French: why not enforceable (or to check) + what to do
    estimated: bool = False  # derived from an estimated date
    # Addition to the agreed contract: one French sentence per date of a binding
    # deadline, used by the CLI payload and the request page.
    safe_explanation: str | None = None
    legal_explanation: str | None = None
    state: str = OPEN  # one of DEADLINE_STATES
    state_note: str = ""  # French: why met, passed or superseded
    enforceability: str = ENFORCEABLE
    legal_date_probable: bool = False  # the legal last day rests on a rule that is not settled
    # The explicit decision a window runs from ("le refus explicite"...), "" when it runs
    # from an implicit one: what a letter names as the refusal referred or contested.
    decision: str = ""
    decision_cause: str = ""  # its ExplicitDecision.cause


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
        "Le juge exige néanmoins d'agir dans un délai raisonnable, qui ne dépasse pas en "
        f"principe un an à compter du jour où vous avez eu connaissance de la décision ({cases}) ; "
        "il l'apprécie au cas par cas : ne comptez pas sur cette limite. "
        f"Par prudence, agissez avant la date sûre du {format_date_fr(safe)}."
    )


def _to_check_note(what: str, safe: date) -> str:
    return (
        f"À vérifier : {what} ne vous est opposable que si l'administration vous a adressé un "
        "accusé de réception portant les mentions de l'article R112-5 du CRPA (date de "
        "réception, date de naissance du refus implicite, service chargé du dossier, voies et "
        f"délais de recours) ({_ACK_LAW}). Aucun accusé de réception n'est enregistré : "
        "indiquez si vous en avez reçu un, ou constatez qu'il n'y en a pas. En attendant, "
        f"comptez sur la date sûre du {format_date_fr(safe)}."
    )


def _enforceability_problem(facts: RequestFacts, decision: ExplicitDecision | None) -> str | None:
    """French reason why the deadlines of this chain cannot be held against the user; None
    when they run or when Lanterne does not know (see `_ack_unknown`)."""
    if decision is not None:
        # A regularly notified explicit decision makes the delays run even without an
        # acknowledgement (L112-6, 2nd paragraph); what matters is L311-14.
        if decision.appeal_routes_stated:
            return None
        return (
            f"{_named(decision)} n'indique pas les voies et "
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
    return None


def _estimate_sentence(facts: RequestFacts) -> str:
    received = facts.received
    assert received is not None
    if facts.sent is None:
        return (
            f" Attention : la date de réception du {format_date_fr(received)} est estimée (envoi "
            "postal sans avis de réception enregistré) ; enregistrez la date de l'avis de "
            "réception dès que vous l'avez."
        )
    return (
        f" Attention : aucune date de réception n'est enregistrée pour cet envoi postal. Une lettre "
        f"ne pouvant pas arriver avant d'être envoyée, les dates que vous devez tenir sont "
        f"comptées à partir de l'envoi, le {format_date_fr(facts.sent)} (réception la plus "
        f"précoce possible) ; la réception est estimée au {format_date_fr(received)}. "
        "Enregistrez la date de l'avis de réception dès que vous l'avez : les dates seront recalculées."
    )


def _state(done: date | None, last_day: date, today: date | None, what_done: str) -> tuple[str, str]:
    """(state, note) of a deadline that `done` (the day the act was recorded) meets."""
    if done is not None:
        if done <= last_day:
            return MET, f"{what_done} le {format_date_fr(done)}."
        return PASSED, f"{what_done} le {format_date_fr(done)}, après le dernier jour ({format_date_fr(last_day)})."
    if today is not None and today > last_day:
        return PASSED, ""
    return OPEN, ""


def _birth_state(born: date, today: date | None) -> tuple[str, str]:
    """A decision the administration's silence gives birth to: to come, or born."""
    if today is not None and today > born:
        return PASSED, f"Né le {format_date_fr(born)} au soir."
    return OPEN, ""


def _named(decision: ExplicitDecision) -> str:
    """"le refus explicite du 15 octobre 2026"."""
    return f"{decision.what} du {format_date_fr(decision.day)}"


def _capitalised(text: str) -> str:
    return text[:1].upper() + text[1:]


def _decisions(facts: RequestFacts) -> list[ExplicitDecision]:
    """Every explicit decision, the shorthands included, in date order."""
    decisions = list(facts.decisions)
    days = {decision.day for decision in decisions}
    if facts.refused is not None and facts.refused not in days:
        decisions.append(ExplicitDecision(facts.refused, facts.refusal_states_appeal_routes))
    if facts.decision_after_opinion is not None and facts.decision_after_opinion not in days:
        decisions.append(ExplicitDecision(facts.decision_after_opinion, True, "la décision prise après l'avis de la CADA",
                                          "after_opinion"))
    return sorted(decisions, key=lambda decision: decision.day)


@dataclass(frozen=True)
class _Window:
    """A two-month window the user must act in (the CADA referral, the court application)."""

    start: date
    safe: date
    legal: date
    origin: str           # French: "la naissance du refus implicite, le 1er octobre 2026"
    decision: ExplicitDecision | None  # the explicit decision it runs from, if any
    probable_from: ExplicitDecision | None = None  # a later decision the legal day rests on
    later: tuple[str, ...] = ()   # French sentences on later decisions


def _window(start: date, origin: str, decision: ExplicitDecision | None, department: str | None) -> _Window:
    return _Window(start, add_months(start, 2), franc_last_day(start, 2, department), origin, decision)


def _later_decisions(window: _Window, later: list[ExplicitDecision], department: str | None,
                     restart_settled: bool, what: str) -> _Window:
    """Apply the decisions notified after the window opened (crpa.md §3.1): while the window
    runs, a new refusal restarts it where the rule is settled (CJA R421-2) — the safe date
    moves only when it came before the safe date; otherwise only a later legal last day is
    shown, as probable. After the window closed, it merely confirms: nothing reopens."""
    for decision in later:
        named = _named(decision)
        if decision.day <= window.legal:
            new_safe = add_months(decision.day, 2)
            new_legal = franc_last_day(decision.day, 2, department)
            if restart_settled and decision.day <= window.safe:
                window = replace(
                    window, start=decision.day, safe=new_safe, legal=new_legal, decision=decision,
                    origin=f"{named}, jour de sa notification", probable_from=None,
                    later=window.later + (
                        f"Pendant le délai, {named} l'a fait courir à nouveau : « lorsqu'une décision "
                        "explicite de rejet intervient avant l'expiration de cette période, elle fait à "
                        "nouveau courir le délai de recours » (CJA, art. R421-2).",),
                )
            elif new_legal > window.legal:
                window = replace(
                    window, legal=new_legal, probable_from=decision,
                    later=window.later + (
                        f"Pendant le délai, {named} pourrait avoir ouvert un nouveau délai de deux mois, "
                        f"jusqu'au {format_date_fr(new_legal)} : ce point n'est pas tranché ({what}). Ce "
                        "dernier jour est probable, pas certain : la date sûre reste le "
                        f"{format_date_fr(window.safe)}.",),
                )
        else:
            window = replace(window, later=window.later + (
                f"Après la fin du délai, {named} ne fait que confirmer le refus antérieur et ne rouvre "
                "aucun délai (décision confirmative).",))
    return window


# ------------------------------------------------------------------- the deadlines


def _implicit_refusal(facts: RequestFacts, received: date) -> Deadline:
    born = add_months(received, 1)
    text = (
        f"Sans réponse au {format_date_fr(born)}, la demande est implicitement rejetée "
        "(CRPA, art. R311-12 et R311-13) : le silence gardé pendant un mois à compter de la "
        f"réception de la demande, le {format_date_fr(received)}, vaut refus. "
        + _SILENCE_NOT_EXTENDED
    )
    if facts.transferred is not None:
        text += (
            f" La demande a été transmise le {format_date_fr(facts.transferred)} à une autre administration "
            "(CRPA, art. L114-2) : le délai au terme duquel naît le refus implicite court toujours de la réception "
            "par l'administration saisie la première (CRPA, art. L114-3)."
        )
    if facts.received_is_estimate:
        text += _estimate_sentence(facts)
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


def _enforceability(facts: RequestFacts, window: _Window, what: str,
                    chain_start: ExplicitDecision | None) -> tuple[str, str | None]:
    """(enforceability, note) of a window. A window that runs from an implicit decision
    inherits how the chain began (`chain_start`: the explicit decision the CADA window
    ran from, if any): a defect that kept the first delay from running is inherited."""
    decision = window.decision or chain_start
    problem = _enforceability_problem(facts, decision)
    if problem:
        return NOT_ENFORCEABLE, _czabaj_note(what, problem, window.decision is None, window.safe)
    if decision is None and facts.acknowledgement is None:
        return TO_CHECK, _to_check_note(what[:1].lower() + what[1:], window.safe)
    return ENFORCEABLE, None


def _cada_referral(facts: RequestFacts, window: _Window, estimated: bool) -> Deadline:
    safe, legal, origin = window.safe, window.legal, window.origin
    enforceability, note = _enforceability(facts, window, "Le délai de saisine de la CADA", window.decision)
    shift = _shift_detail(add_months(window.probable_from.day, 2) + timedelta(days=1) if window.probable_from
                          else safe + timedelta(days=1), legal, None)
    not_binding = " Ce délai ne vous est toutefois pas opposable : voir l'avertissement." if enforceability == NOT_ENFORCEABLE else ""
    estimate = _estimate_sentence(facts) if estimated else ""
    later = "".join(" " + sentence for sentence in window.later)
    if facts.fees_requested is not None and window.decision is None:
        later += (
            f" L'administration vous a demandé le {format_date_fr(facts.fees_requested)} des frais de reproduction "
            "(CRPA, art. R311-11) : ce n'est pas un refus, mais par prudence Lanterne continue de compter ce délai "
            "comme si elle n'avait pas répondu."
        )
    settled = ("Ce dernier jour est probable, pas certain : préférez la date sûre." if window.probable_from else
               "C'est la lecture de la doctrine courante, mais la jurisprudence ne l'a pas tranchée "
               "pour la saisine de la CADA : préférez la date sûre.")

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
        + settled + not_binding + later
    )
    text = (
        f"Saisissez la CADA au plus tard le {format_date_fr(safe)} : c'est la date sûre, deux "
        f"mois après {origin} (CRPA, art. R343-1 et R311-15). Le dernier jour légal serait le "
        f"{format_date_fr(legal)} en comptant un délai franc reporté au premier jour ouvrable "
        "(CPC, art. 642) ; c'est la lecture de la doctrine courante, mais la jurisprudence ne "
        "l'a pas tranchée pour la saisine de la CADA. La saisine de la CADA est obligatoire "
        "avant tout recours devant le tribunal administratif (CRPA, art. L342-1)."
        + not_binding + later + estimate
    )
    deadline = _window_deadline(
        "cada_referral", window, ("CRPA, art. R343-1", "CRPA, art. R311-15", "CRPA, art. L342-1", "CPC, art. 642"),
        (text, safe_text, legal_text), (enforceability, note), _state(facts.cada_referred, legal, facts.today, "CADA saisie"),
        estimated)
    if facts.referral_of_series and deadline.state == MET:
        deadline = replace(deadline, state_note=deadline.state_note.rstrip(".") + (
            f" pour toute la série de demandes ayant le même objet, par la demande {facts.referral_of_series} "
            "(CRPA, art. L342-1)."))
    return deadline


def _window_deadline(kind: str, window: _Window, articles: tuple[str, ...], texts: tuple[str, str, str],
                     enforceability: tuple[str, str | None], state: tuple[str, str], estimated: bool = False) -> Deadline:
    """A deadline binding the user: its window's safe date and legal last day, its
    sentences (the whole, the safe date's, the legal day's), whether it can be held against
    the user, and where it stands."""
    text, safe_text, legal_text = texts
    return Deadline(
        kind=kind, date=window.safe, safe_date=window.safe, legal_date=window.legal, starts_from=window.start,
        articles=articles, explanation=text, binds_user=True,
        enforceable=enforceability[0] != NOT_ENFORCEABLE, enforceability_note=enforceability[1],
        estimated=estimated, safe_explanation=safe_text, legal_explanation=legal_text,
        state=state[0], state_note=state[1], enforceability=enforceability[0],
        legal_date_probable=window.probable_from is not None,
        decision=window.decision.what if window.decision else "",
        decision_cause=window.decision.cause if window.decision else "",
    )


def _cada_opinion_expected(facts: RequestFacts, registered: date) -> Deadline:
    expected = add_months(registered, 1)
    state, note = _state(facts.cada_opinion, expected, facts.today, "Avis rendu")
    if state == PASSED and facts.cada_opinion is None:
        note = "L'avis n'est pas encore enregistré : un avis en retard ne fait naître aucune décision."
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
        state=state,
        state_note=note,
    )


def _authority_answer_expected(facts: RequestFacts, answered: date | None) -> Deadline | None:
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
    state, note = _state(answered, expected, facts.today, "Réponse de l'administration")
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
        state=state,
        state_note=note,
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
            "et R343-5). Si elle vous notifie d'ici là un refus explicite, c'est ce refus qu'il "
            "faudra contester, et le refus confirmé ne naîtra pas. " + _SILENCE_NOT_EXTENDED
        ),
        binds_user=False,
    )


def _court_appeal(facts: RequestFacts, department: str, window: _Window,
                  chain_start: ExplicitDecision | None) -> Deadline:
    court_dep = court_department(department)
    safe, legal, origin = window.safe, window.legal, window.origin
    if court_dep is not None:
        court = "le tribunal administratif de Strasbourg"
        calendar = (
            " du calendrier d'Alsace-Moselle, où le Vendredi saint et le 26 décembre "
            "(Saint-Étienne) sont aussi fériés"
        )
    else:
        court = "le tribunal administratif"
        calendar = ""
    enforceability, note = _enforceability(facts, window, "Le délai de recours devant le tribunal administratif",
                                           chain_start)
    if window.decision is not None and note is not None:
        note += (" (CE, 11 juillet 2016, n° 391899 : faute de mention des voies et délais de recours, le "
                 "délai ne court pas contre cette décision.)")
    nominal = add_months(window.probable_from.day, 2) if window.probable_from else safe
    shift = _shift_detail(nominal + timedelta(days=1), legal, court_dep)
    not_binding = " Ce délai ne vous est toutefois pas opposable : voir l'avertissement." if enforceability == NOT_ENFORCEABLE else ""
    later = "".join(" " + sentence for sentence in window.later) + _reasons_sentence(facts, window)
    probable = " Ce dernier jour est probable, pas certain : préférez la date sûre." if window.probable_from else ""

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
        "tard ce jour-là." + probable + not_binding + later
    )
    text = (
        f"Déposez votre requête devant {court} au plus tard le {format_date_fr(safe)} : c'est "
        f"la date sûre, deux mois après {origin} (CJA, art. R421-1 et R421-2). Le dernier jour "
        f"légal est le {format_date_fr(legal)}, jusqu'à minuit : le délai est un délai franc, reporté "
        "au premier jour ouvrable suivant s'il se termine un samedi, un dimanche ou un jour "
        f"férié{calendar} (CPC, art. 642 ; CE, 13 mai 2015, n° 368892)." + probable + not_binding + later
    )
    return _window_deadline(
        "court_appeal", window, ("CJA, art. R421-1", "CJA, art. R421-2", "CPC, art. 642"),
        (text, safe_text, legal_text), (enforceability, note),
        _state(facts.court_filed, legal, facts.today, "Requête déposée"))


def _reasons_sentence(facts: RequestFacts, window: _Window) -> str:
    """What asking the reasons of the contested implicit decision does (crpa.md §3.3): it
    prolongs the court delay, but Lanterne's safe date stays where it was."""
    asked = facts.reasons_requested
    if window.decision is not None or asked is None or asked < window.start or asked > window.legal:
        return ""
    until = ""
    if facts.reasons_given is not None:
        until = (f" ; les motifs ayant été communiqués le {format_date_fr(facts.reasons_given)}, ce serait jusqu'au "
                 f"{format_date_fr(franc_last_day(facts.reasons_given, 2, court_department(normalise_department(facts.department))))}")
    return (
        f" Vous avez demandé les motifs de ce refus implicite le {format_date_fr(asked)}, dans le délai de "
        "recours : le délai est alors « prorogé jusqu'à l'expiration de deux mois suivant le jour où les motifs "
        f"[vous] auront été communiqués » (CRPA, art. L232-4 ; CE, avis, 2 octobre 2025, n° 504677){until}, dans "
        "la limite d'un an à compter de la demande. Lanterne garde néanmoins la date sûre du "
        f"{format_date_fr(window.safe)} : déposez votre requête d'ici là si vous le pouvez."
    )


def _cassation_appeal(facts: RequestFacts, judgment: date) -> Deadline:
    safe = add_months(judgment, 2)
    legal = franc_last_day(judgment, 2, None)  # the Conseil d'État sits in Paris: national calendar
    text = (
        "Le jugement d'un tribunal administratif sur un refus de communiquer des documents "
        "administratifs est rendu en premier et dernier ressort : il ne peut pas faire l'objet "
        "d'un appel, seulement d'un pourvoi en cassation devant le Conseil d'État (CJA, art. "
        "R811-1, 2°), formé par un avocat au Conseil d'État et à la Cour de cassation, dans les "
        f"deux mois de la notification du jugement, le {format_date_fr(judgment)} (CJA, art. "
        f"R821-1). Date sûre : le {format_date_fr(safe)} ; dernier jour légal, en comptant un "
        f"délai franc reporté au premier jour ouvrable (CPC, art. 642) : le {format_date_fr(legal)}."
    )
    state, note = _state(None, legal, facts.today, "")
    return Deadline(
        kind="cassation_appeal", date=safe, safe_date=safe, legal_date=legal, starts_from=judgment,
        articles=("CJA, art. R811-1", "CJA, art. R821-1", "CPC, art. 642"), explanation=text, binds_user=True,
        safe_explanation=f"Date sûre pour se pourvoir en cassation : le {format_date_fr(safe)}, deux mois après la "
                         f"notification du jugement (CJA, art. R821-1).",
        legal_explanation=f"Dernier jour légal pour se pourvoir en cassation : le {format_date_fr(legal)}, en "
                          "comptant un délai franc reporté au premier jour ouvrable (CPC, art. 642).",
        state=state, state_note=note,
    )


def _supersede(deadline: Deadline, note: str) -> Deadline:
    if deadline.state != OPEN:
        return deadline
    return replace(deadline, state=SUPERSEDED, state_note=note)


def compute_deadlines(facts: RequestFacts) -> dict[str, Deadline]:
    """Every deadline of the request, keyed by kind (in KINDS order), each with its state."""
    department = normalise_department(facts.department)
    out: dict[str, Deadline] = {}
    decisions = _decisions(facts)
    # The CADA stage begins with the referral (or, when only its registration is known,
    # with the registration). A decision notified on the day of the referral is the one
    # referred; a decision after the opinion always belongs to the CADA stage.
    referred = facts.cada_referred or facts.cada_registered
    after_opinion_day = facts.decision_after_opinion
    before_referral = [d for d in decisions if (referred is None or d.day <= referred) and d.day != after_opinion_day]
    after_referral = [d for d in decisions if d not in before_referral]

    # Steps 2-3: the implicit refusal, or an explicit decision notified before it is born.
    # While the receipt of a postal request is only estimated, the user's window counts
    # from its earliest possible day, the sending (crpa.md §3.1).
    implicit: Deadline | None = None
    earliest_receipt = facts.received
    if facts.received is not None:
        implicit = _implicit_refusal(facts, facts.received)
        if facts.received_is_estimate and facts.sent is not None:
            earliest_receipt = min(facts.sent, facts.received)
    cada_window: _Window | None = None
    estimated = False
    first = before_referral[0] if before_referral else None
    if first is not None and (implicit is None or first.day <= add_months(earliest_receipt or first.day, 1)):
        cada_window = _window(first.day, f"{_named(first)}, jour de sa notification", first, None)
        later = before_referral[1:]
        if implicit is not None:
            implicit = replace(implicit, state=SUPERSEDED, state_note=(
                f"{_capitalised(_named(first))} a précédé la naissance du refus implicite : c'est cette "
                "décision qui fait courir le délai de saisine de la CADA."))
    elif implicit is not None:
        assert earliest_receipt is not None
        born = add_months(earliest_receipt, 1)
        state, note = _birth_state(implicit.date, facts.today)
        implicit = replace(implicit, state=state, state_note=note)
        estimated = facts.received_is_estimate
        cada_window = _window(born, f"la naissance du refus implicite, le {format_date_fr(born)}", None, None)
        later = before_referral
    if implicit is not None:
        out["implicit_refusal"] = implicit
    chain_start: ExplicitDecision | None = None
    if cada_window is not None:
        cada_window = _later_decisions(cada_window, later, None, False,
                                       "CRPA, art. R343-1 : aucune décision de justice trouvée")
        out["cada_referral"] = _cada_referral(facts, cada_window, estimated)
        chain_start = cada_window.decision

    # Steps 4-6: CADA registration and what follows.
    opinion = facts.cada_opinion
    if facts.cada_registered is not None:
        out["cada_opinion_expected"] = _cada_opinion_expected(facts, facts.cada_registered)
    after_opinion = [d for d in after_referral if opinion is not None and d.day >= opinion]
    answer = _authority_answer_expected(
        facts, min([day for day in (facts.authority_replied, after_opinion[0].day if after_opinion else None)
                    if day is not None], default=None))
    if answer is not None:
        out["authority_answer_expected"] = answer

    # Step 7: the court application runs from an explicit refusal notified while the CADA
    # examines the referral (or after its opinion), else from the confirmed refusal.
    court_window: _Window | None = None
    confirmed: Deadline | None = None
    if facts.cada_registered is not None:
        confirmed = _confirmed_refusal(facts.cada_registered)
    explicit = after_referral[0] if after_referral else None
    if explicit is not None and (confirmed is None or explicit.day <= confirmed.date):
        court_window = _window(explicit.day, f"{_named(explicit)}, jour de sa notification", explicit,
                               court_department(department))
        later_court = after_referral[1:]
        if confirmed is not None:
            confirmed = replace(confirmed, state=SUPERSEDED, state_note=(
                f"{_capitalised(_named(explicit))}, pendant l'examen de votre saisine, est la décision à "
                "contester devant le tribunal : aucun refus confirmé ne naît après elle (CJA, art. R421-1)."))
    elif confirmed is not None:
        state, note = _birth_state(confirmed.date, facts.today)
        confirmed = replace(confirmed, state=state, state_note=note)
        court_window = _window(confirmed.date, f"la naissance du refus confirmé, le {format_date_fr(confirmed.date)}",
                               None, court_department(department))
        later_court = after_referral
    if confirmed is not None:
        out["confirmed_refusal"] = confirmed
    if court_window is not None:
        court_window = _later_decisions(court_window, later_court, court_department(department), True,
                                        "CJA, art. R421-2")
        out["court_appeal"] = _court_appeal(facts, department, court_window, chain_start)

    if facts.judgment is not None:
        out["cassation_appeal"] = _cassation_appeal(facts, facts.judgment)

    if facts.answered_in_full is not None:
        # Documents communicated: nothing left to contest.
        note = f"Documents communiqués le {format_date_fr(facts.answered_in_full)}."
        out = {kind: _supersede(deadline, note) for kind, deadline in out.items()}
    return {kind: out[kind] for kind in KINDS if kind in out}



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
        if deadline is None or deadline.state == SUPERSEDED:
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
