"""Request states, event checks and status derivation.

Pure module: the status of a request is never stored as the truth, it is derived from its
events (what happened, with dates) and today's date, because the administration's silence
changes the status on its own (implicit refusal, confirmed refusal).

The caller passes the *effective* events: if the database keeps corrections as new events
pointing at the corrected one, it resolves them before calling this module.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from types import MappingProxyType
from typing import Any, Callable, Iterable, Mapping, Sequence

from workflow.law.calendar import add_months, format_date_fr, normalise_department
from workflow.law.deadlines import ExplicitDecision, RequestFacts, compute_deadlines
# Re-exported: the event types, channels and outcomes, declared with their data in events.py.
from workflow.law.events import (  # noqa: F401
    ACCESS_FORMAT_LABELS, ACCESS_FORMATS, CHANNEL_LABELS, CHANNELS, EV_ACKNOWLEDGED, EV_ALREADY_PUBLISHED, EV_ANSWERED,
    EV_AUTHORITY_REPLY, EV_CADA_OPINION, EV_CADA_REFERRED, EV_CADA_REGISTERED, EV_CLOSED, EV_COURT_FILED,
    EV_COURT_WITHDRAWN, EV_DOCUMENTS_DURING_PROCEEDINGS, EV_DOCUMENTS_NOT_HELD, EV_FEES_PAID, EV_FEES_REQUESTED,
    EV_JUDGMENT, EV_NO_ACKNOWLEDGEMENT, EV_PARTIALLY_ANSWERED, EV_REASONS_GIVEN, EV_REASONS_REQUESTED, EV_RECEIVED,
    EV_REFUSED, EV_SENT, EV_TRANSFERRED,
    EVENT_LABELS, EVENT_TYPES, JUDGMENTS_OPEN_TO_CASSATION, OPINION_OUTCOMES, REPLY_OUTCOMES, as_date, data_problems,
)

__all__ = [
    "STATUSES", "STATUS_LABELS", "EVENT_TYPES", "EVENT_LABELS", "CHANNELS", "CHANNEL_LABELS", "ACCESS_FORMATS",
    "ACCESS_FORMAT_LABELS", "OPINION_OUTCOMES", "REPLY_OUTCOMES", "POSTAL_DELIVERY_DAYS", "EventFact", "TransitionError",
    "check_event", "possible_events", "derive_status", "facts_from_events", "next_action", "likely_next_event", "status_outcome",
    "receipt_date",
]

# ----------------------------------------------------------------------- statuses

DRAFT = "draft"
SENT = "sent"
AWAITING_RESPONSE = "awaiting_response"
ANSWERED = "answered"
PARTIALLY_ANSWERED = "partially_answered"
REFUSED = "refused"
IMPLICITLY_REFUSED = "implicitly_refused"
CADA_REFERRED = "cada_referred"
CADA_REGISTERED = "cada_registered"
OPINION_RECEIVED = "opinion_received"
CONFIRMED_REFUSAL = "confirmed_refusal"
BEFORE_COURT = "before_court"
CLOSED = "closed"
ANSWERED_WITH_REDACTIONS = "answered_with_redactions"
DOCUMENTS_NOT_HELD = "documents_not_held"
TRANSFERRED = "transferred"
FEES_REQUESTED = "fees_requested"
ALREADY_PUBLISHED = "already_published"
REFUSED_DURING_REVIEW = "refused_during_review"
DOCUMENTS_DURING_PROCEEDINGS = "documents_during_proceedings"
WITHDRAWN = "withdrawn"
JUDGED = "judged"

STATUSES: tuple[str, ...] = (
    DRAFT, SENT, AWAITING_RESPONSE, TRANSFERRED, FEES_REQUESTED, ANSWERED, ANSWERED_WITH_REDACTIONS,
    PARTIALLY_ANSWERED, REFUSED, IMPLICITLY_REFUSED, DOCUMENTS_NOT_HELD, ALREADY_PUBLISHED, CADA_REFERRED,
    CADA_REGISTERED, REFUSED_DURING_REVIEW, OPINION_RECEIVED, CONFIRMED_REFUSAL, BEFORE_COURT,
    DOCUMENTS_DURING_PROCEEDINGS, WITHDRAWN, JUDGED, CLOSED,
)

STATUS_LABELS: Mapping[str, str] = MappingProxyType({
    DRAFT: "Brouillon",
    SENT: "Envoyée",
    AWAITING_RESPONSE: "En attente de réponse",
    ANSWERED: "Documents communiqués",
    PARTIALLY_ANSWERED: "Réponse partielle",
    REFUSED: "Refus explicite",
    IMPLICITLY_REFUSED: "Refus implicite",
    CADA_REFERRED: "CADA saisie",
    CADA_REGISTERED: "Saisine enregistrée par la CADA",
    OPINION_RECEIVED: "Avis de la CADA rendu",
    CONFIRMED_REFUSAL: "Refus confirmé",
    BEFORE_COURT: "Devant le tribunal administratif",
    CLOSED: "Close",
    ANSWERED_WITH_REDACTIONS: "Communiqués avec occultations",
    DOCUMENTS_NOT_HELD: "Documents non détenus, selon l'administration",
    TRANSFERRED: "Transmise à une autre administration",
    FEES_REQUESTED: "Frais demandés : en attente de paiement",
    ALREADY_PUBLISHED: "Déjà publiés, selon l'administration",
    REFUSED_DURING_REVIEW: "Refus explicite pendant l'examen par la CADA",
    DOCUMENTS_DURING_PROCEEDINGS: "Documents communiqués pendant l'instance",
    WITHDRAWN: "Désistement",
    JUDGED: "Jugement rendu",
})

# Statuses that the mere passing of a deadline changes, by the deadline's kind: the day
# after it, the same events give another status (the daily sweep stores it).
TIME_DRIVEN: Mapping[str, tuple[str, ...]] = MappingProxyType({
    "implicit_refusal": (SENT, AWAITING_RESPONSE, TRANSFERRED),
    "confirmed_refusal": (CADA_REGISTERED, OPINION_RECEIVED),
})


def status_changes_after(status: str, deadline_dates: Mapping[str, date]) -> date | None:
    """The last day of `status` if nothing but time happens: the earliest deadline that
    ends it; None when no date will change it."""
    return min((day for kind, day in deadline_dates.items() if status in TIME_DRIVEN.get(kind, ())), default=None)

# ------------------------------------------------------------------------- events

# Estimated delivery of a registered letter until the receipt card is recorded.
POSTAL_DELIVERY_DAYS = 3

# Events that can only happen once in a request's life. Refusals, answers and replies
# may repeat (e.g. an explicit refusal again after the CADA opinion).
_ONE_OFF = frozenset({
    EV_SENT, EV_RECEIVED, EV_ACKNOWLEDGED, EV_NO_ACKNOWLEDGEMENT, EV_CADA_REFERRED, EV_CADA_REGISTERED,
    EV_CADA_OPINION, EV_COURT_FILED, EV_COURT_WITHDRAWN, EV_JUDGMENT, EV_CLOSED,
})

# Events of the first phase: they all need a sending, dated no later than them.
_AFTER_SENDING: Mapping[str, str] = MappingProxyType({
    EV_RECEIVED: "La réception",
    EV_ACKNOWLEDGED: "L'accusé de réception",
    EV_NO_ACKNOWLEDGEMENT: "Le constat d'absence d'accusé de réception",
    EV_ANSWERED: "La communication des documents",
    EV_PARTIALLY_ANSWERED: "La communication partielle",
    EV_REFUSED: "Le refus",
    EV_DOCUMENTS_NOT_HELD: "La réponse indiquant que les documents ne sont pas détenus",
    EV_TRANSFERRED: "La transmission à une autre administration",
    EV_FEES_REQUESTED: "La demande de frais",
    EV_ALREADY_PUBLISHED: "La réponse renvoyant à une publication",
})
_BEFORE_SENDING: Mapping[str, str] = MappingProxyType({
    EV_RECEIVED: "la réception",
    EV_ACKNOWLEDGED: "l'accusé de réception",
    EV_NO_ACKNOWLEDGEMENT: "l'absence d'accusé de réception",
    EV_ANSWERED: "la communication des documents",
    EV_PARTIALLY_ANSWERED: "la communication partielle",
    EV_REFUSED: "le refus",
    EV_DOCUMENTS_NOT_HELD: "la réponse indiquant que les documents ne sont pas détenus",
    EV_TRANSFERRED: "sa transmission à une autre administration",
    EV_FEES_REQUESTED: "la demande de frais",
    EV_ALREADY_PUBLISHED: "la réponse renvoyant à une publication",
})

_EMPTY: Mapping[str, Any] = MappingProxyType({})


class TransitionError(ValueError):
    """An event that makes no sense given the request's history (French message)."""


@dataclass(frozen=True)
class EventFact:
    type: str
    date: date
    # Read-only copy of the event's data; left out of the hash (mappings are unhashable).
    data: Mapping[str, Any] = field(default_factory=lambda: _EMPTY, hash=False)

    def __post_init__(self) -> None:
        if not isinstance(self.data, MappingProxyType):
            object.__setattr__(self, "data", MappingProxyType(dict(self.data or {})))


# -------------------------------------------------------------------------- helpers


def _ordered(events: Iterable[EventFact]) -> list[EventFact]:
    # Stable: events of the same day keep the order in which they were recorded.
    return sorted(events, key=lambda e: e.date)


def _first(events: Iterable[EventFact], type_: str) -> EventFact | None:
    for event in events:
        if event.type == type_:
            return event
    return None


def _as_date(value: Any, what: str) -> date:
    try:
        return as_date(value)
    except ValueError:
        raise TransitionError(f"Date invalide pour {what} : « {value} » (format attendu AAAA-MM-JJ).") from None


def _channel(sent: EventFact, default_channel: str | None) -> str:
    # Unknown channel: treat as postal, so the receipt date is flagged as an estimate.
    return sent.data.get("channel") or default_channel or "postal"


def receipt_date(
    events: Sequence[EventFact], default_channel: str | None = None
) -> tuple[date | None, bool]:
    """(receipt date by the administration, is_estimate) from the events.

    Priority: the recorded receipt (receipt card), then the receipt date given by the
    administration's acknowledgement, then the channel rule: e-mail, online form and hand
    delivery count on the sending date; a postal sending gets an estimate.
    """
    events = _ordered(events)
    sent = _first(events, EV_SENT)
    if sent is None:
        return None, False
    received = _first(events, EV_RECEIVED)
    if received is not None:
        return received.date, False
    ack = _first(events, EV_ACKNOWLEDGED)
    if ack is not None and ack.data.get("received_on"):
        return _as_date(ack.data["received_on"], "la date de réception"), False
    if _channel(sent, default_channel) == "postal":
        return sent.date + timedelta(days=POSTAL_DELIVERY_DAYS), True
    return sent.date, False


def _validate_data(new: EventFact, declared: bool) -> None:
    """The declared data (workflow/law/events.py) if asked, then what depends on the date."""
    problems = data_problems(new.type, new.data) if declared else {}
    if problems:
        raise TransitionError(next(iter(problems.values())))
    notified_on = new.data.get("notified_on")
    if new.type == EV_JUDGMENT and notified_on and _as_date(notified_on, "la notification du jugement") < new.date:
        raise TransitionError(
            f"Le jugement ne peut pas avoir été notifié avant d'être rendu (jugement du {format_date_fr(new.date)}).")
    received_by_authority = new.data.get("received_by_authority")
    if new.type == EV_CADA_OPINION and received_by_authority:
        if _as_date(received_by_authority, "la réception de l'avis") < new.date:
            raise TransitionError(
                "L'administration ne peut pas avoir reçu l'avis avant qu'il soit rendu "
                f"(avis du {format_date_fr(new.date)})."
            )


# ---------------------------------------------------------------------- check_event


def check_event(events: Sequence[EventFact], new: EventFact, *, check_data: bool = True) -> None:
    """Raise TransitionError if `new` makes no sense given the recorded `events`.

    `check_data=False` leaves out the checks of the declared data, not those of its dates:
    for replaying a history whose data was accepted when it was recorded."""
    if new.type not in EVENT_TYPES:
        raise TransitionError(f"Type d'événement inconnu : « {new.type} ».")
    _validate_data(new, check_data)
    events = _ordered(events)

    if new.type in _ONE_OFF:
        previous = _first(events, new.type)
        if previous is not None:
            raise TransitionError(
                f"L'événement « {EVENT_LABELS[new.type]} » est déjà enregistré "
                f"(le {format_date_fr(previous.date)})."
            )

    closed = _first(events, EV_CLOSED)
    if closed is not None and new.date >= closed.date:
        raise TransitionError(
            f"La demande est close depuis le {format_date_fr(closed.date)} : aucun événement "
            "ne peut être ajouté après la clôture."
        )

    if new.type in _AFTER_SENDING:
        _check_after_sending(events, new)
    elif new.type in _CHECKS:
        _CHECKS[new.type](events, new)


def possible_events(events: Sequence[EventFact], today: date) -> list[str]:
    """The types of event that `check_event` would accept dated `today`, their data aside,
    in EVENT_TYPES' order: what the request page offers to record (a draft: its sending)."""
    possible = []
    for type_ in EVENT_TYPES:
        try:
            check_event(events, EventFact(type_, today), check_data=False)
        except TransitionError:
            continue
        possible.append(type_)
    return possible


def _check_after_sending(events: list[EventFact], new: EventFact) -> None:
    sent = _first(events, EV_SENT)
    if sent is None:
        raise TransitionError(
            "Aucun envoi n'est enregistré : enregistrez l'envoi de la demande avant "
            f"{_BEFORE_SENDING[new.type]}."
        )
    if new.date < sent.date:
        raise TransitionError(
            f"{_AFTER_SENDING[new.type]} ne peut pas précéder l'envoi "
            f"(envoi le {format_date_fr(sent.date)})."
        )
    if new.type == EV_NO_ACKNOWLEDGEMENT:
        ack = _first(events, EV_ACKNOWLEDGED)
        if ack is not None:
            raise TransitionError(
                f"Un accusé de réception est enregistré (le {format_date_fr(ack.date)}) : corrigez-le "
                "plutôt que de constater son absence.")
    if new.type == EV_ACKNOWLEDGED and new.data.get("received_on"):
        received_on = _as_date(new.data["received_on"], "la date de réception")
        if received_on < sent.date:
            raise TransitionError(
                "La date de réception indiquée par l'accusé de réception ne peut pas "
                f"précéder l'envoi (envoi le {format_date_fr(sent.date)})."
            )
        if received_on > new.date:
            raise TransitionError(
                "La date de réception indiquée par l'accusé de réception ne peut pas être "
                f"postérieure à l'accusé de réception lui-même ({format_date_fr(new.date)})."
            )


def _check_registration(events: list[EventFact], new: EventFact) -> None:
    referred = _first(events, EV_CADA_REFERRED)
    if referred is None:
        raise TransitionError(
            "L'enregistrement par la CADA ne peut pas être noté avant la saisine de la CADA."
        )
    if new.date < referred.date:
        raise TransitionError(
            "L'enregistrement par la CADA ne peut pas précéder la saisine "
            f"(saisine le {format_date_fr(referred.date)})."
        )


def _check_opinion(events: list[EventFact], new: EventFact) -> None:
    if _first(events, EV_CADA_REFERRED) is None:
        raise TransitionError(
            "Un avis de la CADA ne peut pas être enregistré avant la saisine de la CADA."
        )
    registered = _first(events, EV_CADA_REGISTERED)
    if registered is None:
        raise TransitionError(
            "Un avis de la CADA ne peut pas être enregistré avant l'enregistrement de la "
            "saisine par la CADA : indiquez d'abord la date figurant sur son accusé de "
            "réception."
        )
    if new.date < registered.date:
        raise TransitionError(
            "L'avis de la CADA ne peut pas précéder l'enregistrement de la saisine "
            f"(enregistrement le {format_date_fr(registered.date)})."
        )


def _check_reply(events: list[EventFact], new: EventFact) -> None:
    opinion = _first(events, EV_CADA_OPINION)
    if opinion is None:
        raise TransitionError(
            "La réponse de l'administration après l'avis ne peut pas être enregistrée "
            "avant l'avis de la CADA."
        )
    if new.date < opinion.date:
        raise TransitionError(
            "La réponse de l'administration ne peut pas précéder l'avis de la CADA "
            f"(avis du {format_date_fr(opinion.date)})."
        )


def _check_closure(events: list[EventFact], new: EventFact) -> None:
    if not events:
        return
    last = events[-1]
    if new.date < last.date:
        raise TransitionError(
            "La clôture ne peut pas précéder le dernier événement enregistré "
            f"({EVENT_LABELS.get(last.type, last.type)}, le {format_date_fr(last.date)})."
        )


def _check_referral(events: list[EventFact], new: EventFact) -> None:
    before = [e for e in events if e.date <= new.date]
    if any(e.type in _ANSWERS_OPEN_TO_REFERRAL or (e.type == EV_ANSWERED and e.data.get("redactions"))
           for e in before):
        return  # an explicit (possibly partial) refusal, or an answer the requester may contest
    if _first(events, EV_SENT) is None:
        raise TransitionError(
            "La CADA ne peut être saisie qu'après un refus, et aucun envoi de la demande "
            "n'est enregistré."
        )
    answered = _first(before, EV_ANSWERED)
    if answered is not None:
        raise TransitionError(
            f"Les documents ont été communiqués le {format_date_fr(answered.date)} : il n'y a "
            "pas de refus à soumettre à la CADA. Si la communication est incomplète, "
            "enregistrez une communication partielle."
        )
    received, estimate = receipt_date(events)
    assert received is not None
    if estimate:  # lenient: the earliest the refusal can be born is a month after the sending
        received = _first(events, EV_SENT).date  # type: ignore[union-attr]
    born = add_months(received, 1)
    # Lenient on the birth day itself, as agreed: a referral sent that day reaches the
    # CADA once the refusal exists.
    if born <= new.date:
        return
    raise TransitionError(
        "La CADA ne peut être saisie qu'après un refus : aucun refus explicite n'est "
        f"enregistré et le refus implicite ne naîtra que le {format_date_fr(born)}, un mois "
        f"après la réception de la demande ({format_date_fr(received)})."
    )


def _check_court(events: list[EventFact], new: EventFact) -> None:
    if _first(events, EV_CADA_REFERRED) is None:
        raise TransitionError(
            "Le tribunal administratif ne peut être saisi qu'après la saisine de la CADA, "
            "obligatoire avant tout recours (CRPA, art. L342-1)."
        )
    # The court window opens with the decision to contest: an explicit refusal notified
    # since the referral, or the confirmed refusal born of silence (the deadline engine).
    court = compute_deadlines(facts_from_events([e for e in events if e.date <= new.date], "75")).get("court_appeal")
    if court is not None and court.starts_from <= new.date:
        return
    registered = _first(events, EV_CADA_REGISTERED)
    if registered is None:
        raise TransitionError(
            "Le tribunal administratif ne peut être saisi qu'après un refus confirmé : "
            "enregistrez la date d'enregistrement de la saisine par la CADA ou la décision de "
            "l'administration après l'avis."
        )
    born = add_months(registered.date, 2)
    if born <= new.date:
        return
    raise TransitionError(
        "Le tribunal administratif ne peut être saisi qu'après un refus confirmé : il naîtra "
        f"le {format_date_fr(born)}, deux mois après l'enregistrement de la saisine par la "
        "CADA, sauf refus explicite de l'administration notifié depuis la saisine de la CADA."
    )


def _needs(earlier: str, what: str) -> Callable[[list[EventFact], EventFact], None]:
    """A check that `earlier` was recorded on or before the new event's date."""
    def check(events: list[EventFact], new: EventFact) -> None:
        previous = _first(events, earlier)
        if previous is None:
            raise TransitionError(f"Enregistrez d'abord « {EVENT_LABELS[earlier]} » : {what.lower()} ne peut pas "
                                  "venir avant.")
        if new.date < previous.date:
            raise TransitionError(
                f"{what} ne peut pas précéder « {EVENT_LABELS[earlier]} » (le {format_date_fr(previous.date)}).")
    return check


# Answers that a referral to the CADA may contest (an answer with redactions, too).
_ANSWERS_OPEN_TO_REFERRAL = frozenset({
    EV_REFUSED, EV_PARTIALLY_ANSWERED, EV_DOCUMENTS_NOT_HELD, EV_ALREADY_PUBLISHED, EV_FEES_REQUESTED,
})


# What each later event needs before it (the first phase's events: _check_after_sending).
_CHECKS: Mapping[str, Callable[[list[EventFact], EventFact], None]] = MappingProxyType({
    EV_CADA_REFERRED: _check_referral,
    EV_CADA_REGISTERED: _check_registration,
    EV_CADA_OPINION: _check_opinion,
    EV_AUTHORITY_REPLY: _check_reply,
    EV_COURT_FILED: _check_court,
    EV_CLOSED: _check_closure,
    EV_FEES_PAID: _needs(EV_FEES_REQUESTED, "Le paiement des frais"),
    EV_DOCUMENTS_DURING_PROCEEDINGS: _needs(EV_COURT_FILED, "Une communication pendant l'instance"),
    EV_COURT_WITHDRAWN: _needs(EV_COURT_FILED, "Le désistement"),
    EV_JUDGMENT: _needs(EV_COURT_FILED, "Le jugement"),
    EV_REASONS_REQUESTED: _needs(EV_SENT, "La demande des motifs"),
    EV_REASONS_GIVEN: _needs(EV_REASONS_REQUESTED, "La communication des motifs"),
})


# -------------------------------------------------------------------- derive_status

_CADA_STAGE = frozenset({CADA_REFERRED, CADA_REGISTERED, OPINION_RECEIVED})
_BEFORE_CADA = frozenset({SENT, AWAITING_RESPONSE, TRANSFERRED, FEES_REQUESTED, PARTIALLY_ANSWERED, REFUSED,
                          IMPLICITLY_REFUSED, DOCUMENTS_NOT_HELD, ALREADY_PUBLISHED, ANSWERED_WITH_REDACTIONS})
# Once the decision to take to court is known, a later opinion or refusal leaves the status.
_COURT_DECIDED = frozenset({REFUSED_DURING_REVIEW, CONFIRMED_REFUSAL, BEFORE_COURT, DOCUMENTS_DURING_PROCEEDINGS})


def _refusal_status(status: str, opinion_seen: bool, before_cada: str) -> str:
    """The status after an explicit (possibly partial) refusal."""
    if status in _COURT_DECIDED:
        return status
    if opinion_seen:
        return CONFIRMED_REFUSAL  # the decision after the opinion
    if status in _CADA_STAGE:
        return REFUSED_DURING_REVIEW  # the decision to take to court (crpa.md §3.1)
    return before_cada


def derive_status(
    events: Sequence[EventFact], today: date, *, default_channel: str | None = None
) -> str:
    """Status of the request on `today` (events dated after today are not yet counted).

    `default_channel` is used when the sending event does not carry its channel.
    """
    events = [e for e in _ordered(events) if e.date <= today]
    status = DRAFT
    opinion_seen = False
    for event in events:
        kind = event.type
        if kind == EV_SENT:
            status = SENT
        elif kind in (EV_RECEIVED, EV_ACKNOWLEDGED, EV_NO_ACKNOWLEDGEMENT, EV_REASONS_REQUESTED, EV_REASONS_GIVEN):
            pass  # they only fix the receipt date and whether the delays run; the clock does the rest
        elif kind == EV_ANSWERED:
            status = ANSWERED_WITH_REDACTIONS if event.data.get("redactions") else ANSWERED
        elif kind == EV_PARTIALLY_ANSWERED:
            if event.data.get("refuses_rest"):
                status = _refusal_status(status, opinion_seen, PARTIALLY_ANSWERED)
            elif status not in _CADA_STAGE and status not in _COURT_DECIDED:  # a partial release while the CADA examines
                status = PARTIALLY_ANSWERED
        elif kind == EV_REFUSED:
            status = _refusal_status(status, opinion_seen, REFUSED)
        elif kind == EV_DOCUMENTS_NOT_HELD:
            status = _refusal_status(status, opinion_seen, DOCUMENTS_NOT_HELD)
        elif kind == EV_ALREADY_PUBLISHED:
            status = _refusal_status(status, opinion_seen, ALREADY_PUBLISHED)
        elif kind == EV_TRANSFERRED:
            if status in (SENT, AWAITING_RESPONSE, FEES_REQUESTED):
                status = TRANSFERRED
        elif kind == EV_FEES_REQUESTED:
            if status in _BEFORE_CADA:
                status = FEES_REQUESTED
        elif kind == EV_FEES_PAID:
            if status == FEES_REQUESTED:
                status = SENT  # waiting for the documents again; the clock does the rest
        elif kind == EV_CADA_REFERRED:
            status = CADA_REFERRED
        elif kind == EV_CADA_REGISTERED:
            if status == CADA_REFERRED:
                status = CADA_REGISTERED
        elif kind == EV_CADA_OPINION:
            opinion_seen = True
            if status not in _COURT_DECIDED:
                status = OPINION_RECEIVED
        elif kind == EV_AUTHORITY_REPLY:
            outcome = event.data.get("outcome")
            if outcome == "communicated":
                status = ANSWERED
            elif outcome in ("partial", "refused") and status not in (BEFORE_COURT, DOCUMENTS_DURING_PROCEEDINGS):
                status = CONFIRMED_REFUSAL
        elif kind == EV_COURT_FILED:
            status = BEFORE_COURT
        elif kind == EV_DOCUMENTS_DURING_PROCEEDINGS:
            status = DOCUMENTS_DURING_PROCEEDINGS
        elif kind == EV_COURT_WITHDRAWN:
            status = WITHDRAWN
        elif kind == EV_JUDGMENT:
            status = JUDGED
        elif kind == EV_CLOSED:
            return CLOSED

    # The administration's silence changes the status by itself; each refusal is born at
    # the end of its day, so on that day the request is still waiting.
    if status in (SENT, TRANSFERRED):
        received, _ = receipt_date(events, default_channel)
        if received is not None and today >= received:
            if today > add_months(received, 1):
                status = IMPLICITLY_REFUSED
            elif status == SENT:
                status = AWAITING_RESPONSE
    elif status in (CADA_REGISTERED, OPINION_RECEIVED):
        registered = _first(events, EV_CADA_REGISTERED)
        if registered is not None and today > add_months(registered.date, 2):
            status = CONFIRMED_REFUSAL
    return status


def status_outcome(events: Sequence[EventFact], status: str) -> str | None:
    """What refines the next step of a status: the CADA opinion's outcome, the judgment's,
    or "abusive" for a refusal on that ground."""
    events = _ordered(events)
    if status == OPINION_RECEIVED:
        opinion = _first(events, EV_CADA_OPINION)
        return opinion.data.get("outcome") if opinion is not None else None
    if status == JUDGED:
        judgment = _first(events, EV_JUDGMENT)
        return judgment.data.get("outcome") if judgment is not None else None
    if status == REFUSED:
        refusals = [e for e in events if e.type == EV_REFUSED]
        return "abusive" if refusals and refusals[-1].data.get("abusive") else None
    return None


# ----------------------------------------------------------------------- next_action

_NEXT_ACTIONS: Mapping[str, tuple[str, str]] = MappingProxyType({
    DRAFT: ("send", "Envoyer la demande"),
    SENT: ("keep_proof", "Conserver la preuve d'envoi et attendre la réception"),
    AWAITING_RESPONSE: ("reminder", "Envoyer une relance"),
    TRANSFERRED: ("follow_transfer", "Suivre la demande auprès de l'administration à laquelle elle a été transmise : "
                                     "le délai court depuis la réception par la première (CRPA, art. L114-3)"),
    FEES_REQUESTED: ("pay_fees", "Payer les frais demandés, ou en contester le montant : ce n'est pas un refus "
                                 "(CRPA, art. R311-11)"),
    ANSWERED: ("check_documents", "Vérifier les documents reçus, puis clore la demande"),
    ANSWERED_WITH_REDACTIONS: ("cada_referral", "Vérifier les occultations ; saisir la CADA pour contester celles "
                                                "qui ne sont pas justifiées (CRPA, art. L311-7)"),
    PARTIALLY_ANSWERED: ("cada_referral", "Rédiger la saisine de la CADA pour les documents manquants"),
    REFUSED: ("cada_referral", "Rédiger la saisine de la CADA"),
    IMPLICITLY_REFUSED: ("cada_referral", "Rédiger la saisine de la CADA"),
    DOCUMENTS_NOT_HELD: ("cada_referral", "Vérifier la réponse : clore la demande, ou saisir la CADA si vous pensez "
                                          "que l'administration détient les documents"),
    ALREADY_PUBLISHED: ("check_publication", "Vérifier la publication indiquée : clore la demande, ou saisir la CADA "
                                             "si elle ne contient pas les documents demandés (CRPA, art. L311-2)"),
    CADA_REFERRED: ("await_registration", "Attendre l'accusé d'enregistrement de la CADA"),
    CADA_REGISTERED: ("await_opinion", "Attendre l'avis de la CADA"),
    REFUSED_DURING_REVIEW: ("court_application", "Préparer la requête au tribunal administratif contre le refus "
                                                 "explicite : c'est lui qu'il faut contester"),
    OPINION_RECEIVED: ("after_opinion", "Écrire à l'administration après l'avis"),
    CONFIRMED_REFUSAL: ("court_application", "Préparer la requête au tribunal administratif"),
    BEFORE_COURT: ("follow_court", "Suivre l'instance devant le tribunal administratif"),
    DOCUMENTS_DURING_PROCEEDINGS: ("court_withdrawal", "Vérifier les documents reçus ; s'ils sont complets, se "
                                                       "désister de l'instance"),
    WITHDRAWN: ("close", "Clore la demande"),
    JUDGED: ("read_judgment", "Lire le jugement"),
    CLOSED: ("none", "Aucune action : la demande est close"),
})

_REFINED: Mapping[tuple[str, str], tuple[str, str]] = MappingProxyType({
    (OPINION_RECEIVED, "favourable"): ("after_opinion", "Écrire à l'administration après l'avis"),
    (OPINION_RECEIVED, "partially_favourable"): (
        "after_opinion", "Écrire à l'administration après l'avis partiellement favorable"),
    (OPINION_RECEIVED, "unfavourable"): (
        "await_confirmed_refusal", "Lire l'avis défavorable et décider s'il faut saisir le tribunal administratif"),
    (OPINION_RECEIVED, "moot"): ("check_documents", "Vérifier l'avis (demande sans objet), puis clore la demande"),
    (OPINION_RECEIVED, "incompetent"): (
        "review_opinion", "Lire l'avis : la CADA s'est déclarée incompétente (documents qui ne seraient pas "
                          "administratifs) ; clore la demande ou demander conseil"),
    (OPINION_RECEIVED, "inadmissible"): ("review_opinion", "Lire l'avis d'irrecevabilité et corriger la saisine"),
    (JUDGED, "annulled"): (
        "enforce_judgment", "Veiller à l'exécution du jugement ; à défaut de communication, demander au tribunal "
                            "d'en assurer l'exécution (CJA, art. L911-4)"),
    (JUDGED, "partially_annulled"): (
        "cassation", "Veiller à l'exécution du jugement ; un pourvoi en cassation devant le Conseil d'État "
                     "(avocat obligatoire) est possible pour le reste"),
    (JUDGED, "rejected"): (
        "cassation", "Décider d'un pourvoi en cassation devant le Conseil d'État (avocat obligatoire) : aucun "
                     "appel n'est possible (CJA, art. R811-1, 2°)"),
    (JUDGED, "moot"): ("close", "Clore la demande (non-lieu à statuer)"),
    (REFUSED, "abusive"): (
        "cada_referral", "Rédiger la saisine de la CADA : elle apprécie si la demande est abusive"),
})


def next_action(status: str, outcome: str | None = None) -> tuple[str, str]:
    """(action key, French label) suggested for a status; `outcome` (see `status_outcome`)
    refines it: the CADA opinion's outcome (default: favourable), the judgment's..."""
    if status not in _NEXT_ACTIONS:
        raise ValueError(f"Statut inconnu : « {status} ».")
    return _REFINED.get((status, outcome or ""), _NEXT_ACTIONS[status])


# The event a user most likely records next, by status: the event form offers it first.
_LIKELY_NEXT_EVENT: Mapping[str, str] = MappingProxyType({
    DRAFT: EV_SENT, SENT: EV_RECEIVED, AWAITING_RESPONSE: EV_ANSWERED, IMPLICITLY_REFUSED: EV_CADA_REFERRED,
    REFUSED: EV_CADA_REFERRED, PARTIALLY_ANSWERED: EV_CADA_REFERRED, CADA_REFERRED: EV_CADA_REGISTERED,
    CADA_REGISTERED: EV_CADA_OPINION, OPINION_RECEIVED: EV_AUTHORITY_REPLY, CONFIRMED_REFUSAL: EV_COURT_FILED,
    BEFORE_COURT: EV_JUDGMENT, ANSWERED: EV_CLOSED, TRANSFERRED: EV_ANSWERED, FEES_REQUESTED: EV_FEES_PAID,
    ANSWERED_WITH_REDACTIONS: EV_CADA_REFERRED, DOCUMENTS_NOT_HELD: EV_CLOSED, ALREADY_PUBLISHED: EV_CLOSED,
    REFUSED_DURING_REVIEW: EV_COURT_FILED, DOCUMENTS_DURING_PROCEEDINGS: EV_COURT_WITHDRAWN, WITHDRAWN: EV_CLOSED,
    JUDGED: EV_CLOSED,
})


def likely_next_event(status: str) -> str:
    """The type of event a request in `status` most likely sees next (a sending if unsure)."""
    return _LIKELY_NEXT_EVENT.get(status, EV_SENT)


# ---------------------------------------------------------------- facts_from_events

# Events after which nothing is left to contest, when they are the last decisive one.
_DECISIVE = frozenset({
    EV_ANSWERED, EV_PARTIALLY_ANSWERED, EV_REFUSED, EV_CADA_REFERRED, EV_CADA_REGISTERED, EV_CADA_OPINION,
    EV_AUTHORITY_REPLY, EV_COURT_FILED, EV_DOCUMENTS_NOT_HELD, EV_ALREADY_PUBLISHED,
})


def _explicit_decision(event: EventFact, after_opinion: bool) -> ExplicitDecision | None:
    """The explicit decision an event notifies, if it refuses all or part of the request
    (crpa.md §3.1). Unless the user said otherwise, the decision is taken to state the
    appeal routes: the delays then run, which is the safe side for the user."""
    routes = bool(event.data.get("appeal_routes_stated", True))
    if event.type == EV_REFUSED:
        if after_opinion:
            return ExplicitDecision(event.date, routes, "le refus explicite pris après l'avis de la CADA", "after_opinion")
        if event.data.get("abusive"):
            return ExplicitDecision(event.date, routes, "le refus pour demande abusive", "abusive")
        return ExplicitDecision(event.date, routes, "le refus explicite", "refusal")
    if event.type == EV_PARTIALLY_ANSWERED:
        redacted = "_redacted" if event.data.get("redactions") else ""
        if event.data.get("refuses_rest"):
            return ExplicitDecision(event.date, routes, "la communication partielle refusant le reste",
                                    "partial_refusal" + redacted)
        if redacted:
            return ExplicitDecision(event.date, routes, "la communication avec occultations", "partial_redacted")
        return None  # the rest is refused implicitly when the month ends
    if event.type == EV_ANSWERED and event.data.get("redactions"):
        return ExplicitDecision(event.date, routes, "la communication avec occultations", "redactions")
    if event.type == EV_DOCUMENTS_NOT_HELD:
        return ExplicitDecision(event.date, routes, "la réponse indiquant que les documents ne sont pas détenus",
                                "not_held")
    if event.type == EV_ALREADY_PUBLISHED:
        return ExplicitDecision(event.date, True, "la réponse renvoyant à une publication", "published")
    if event.type == EV_AUTHORITY_REPLY and event.data.get("outcome") in ("refused", "partial"):
        return ExplicitDecision(event.date, True, "la décision prise après l'avis de la CADA", "after_opinion")
    return None


def facts_from_events(
    events: Sequence[EventFact],
    department: str,
    today: date | None = None,
    *,
    default_channel: str | None = None,
) -> RequestFacts:
    """Deadline facts of a request. With `today`, later-dated events are ignored and the
    deadlines' states count the days gone by."""
    department = normalise_department(department)
    events = _ordered(events)
    if today is not None:
        events = [e for e in events if e.date <= today]

    received, estimate = receipt_date(events, default_channel)
    sent = _first(events, EV_SENT)

    # Only what the user said: "no acknowledgement recorded" is not "none received" (§3.2).
    acknowledgement: str | None = None
    for event in events:
        if event.type == EV_ACKNOWLEDGED:
            acknowledgement = {True: "compliant", False: "non_compliant"}.get(event.data.get("r112_5"))
        elif event.type == EV_NO_ACKNOWLEDGEMENT:
            acknowledgement = "none"

    opinion = _first(events, EV_CADA_OPINION)
    decisions = []
    for event in events:
        decision = _explicit_decision(event, opinion is not None and event.date >= opinion.date)
        if decision is not None:
            decisions.append(decision)

    answered_in_full: date | None = None
    decisive = [e for e in events if e.type in _DECISIVE]
    if decisive:
        last = decisive[-1]
        if (last.type == EV_ANSWERED and not last.data.get("redactions")) or (
            last.type == EV_AUTHORITY_REPLY and last.data.get("outcome") == "communicated"
        ):
            answered_in_full = last.date

    def _date_of(type_: str) -> date | None:
        event = _first(events, type_)
        return event.date if event is not None else None

    opinion_received = None
    if opinion is not None and opinion.data.get("received_by_authority"):
        opinion_received = _as_date(opinion.data["received_by_authority"], "la réception de l'avis")

    referred = _first(events, EV_CADA_REFERRED)
    judgment = _first(events, EV_JUDGMENT)
    judgment_notified = None
    if judgment is not None and judgment.data.get("outcome") in JUDGMENTS_OPEN_TO_CASSATION:
        # Without the notification's date, count from the judgment's: never later than the law.
        judgment_notified = (_as_date(judgment.data["notified_on"], "la notification du jugement")
                             if judgment.data.get("notified_on") else judgment.date)

    return RequestFacts(
        received=received,
        received_is_estimate=estimate,
        sent=sent.date if sent is not None else None,
        acknowledgement=acknowledgement,  # type: ignore[arg-type]
        cada_referred=_date_of(EV_CADA_REFERRED),
        cada_registered=_date_of(EV_CADA_REGISTERED),
        cada_opinion=opinion.date if opinion is not None else None,
        opinion_received_by_authority=opinion_received,
        department=department,
        answered_in_full=answered_in_full,
        decisions=tuple(decisions),
        authority_replied=_date_of(EV_AUTHORITY_REPLY),
        court_filed=_date_of(EV_COURT_FILED),
        reasons_requested=_date_of(EV_REASONS_REQUESTED),
        transferred=_date_of(EV_TRANSFERRED),
        fees_requested=_date_of(EV_FEES_REQUESTED),
        reasons_given=_date_of(EV_REASONS_GIVEN),
        referral_of_series=str(referred.data.get("series_of") or "") if referred is not None else "",
        judgment=judgment_notified,
        today=today,
    )
