"""Request services: record and correct events, derive the status, recompute the
deadlines. The law itself lives in the pure modules `deadlines` and `states`."""
from __future__ import annotations

import random
import time
from dataclasses import dataclass
from datetime import date, timezone
from typing import Any

from blinker import Namespace
from sqlalchemy import delete, func, select, text
from sqlalchemy.exc import IntegrityError

from workflow.accounts.access import draft_problem
from workflow.core import clock
from workflow.requests import reminders
from workflow.requests.history import effective_events
from workflow.requests.series import series_referral_of
from workflow.law.deadlines import Deadline as ComputedDeadline
from workflow.law.deadlines import DEADLINE_LABELS, DEADLINE_STATE_LABELS, DEPARTMENTS, OPEN, compute_deadlines, format_date_fr
from workflow.core.extensions import db
from workflow.models import Authority, Campaign, Deadline, Event, AccessRequest, RequesterIdentity, RequestItem, User
from workflow.law.events import event_lines
from workflow.law.states import (
    EVENT_LABELS,
    EventFact,
    TransitionError,
    check_event,
    derive_status,
    facts_from_events,
    status_outcome,
    next_action,
    receipt_date,
    status_changes_after,
)
from workflow.law.states import possible_events as states_possible_events

# Sent with a request's id once a change to its events is committed, for its reminders to be scheduled.
events_committed = Namespace().signal("events-committed")


class DraftError(ValueError):
    """A draft that cannot be saved as asked; the message is shown to the user."""


@dataclass(frozen=True)
class Draft:
    """What the drafting form (or the API) says a request should be."""

    subject: str
    items: list[str]
    requester: RequesterIdentity
    channel: str = "email"
    access_format: str = "email"
    legal_grounds: list[str] | None = None
    organisation_id: int | None = None


def clean_lines(text: str | list[str] | None) -> list[str]:
    """One entry per non-empty line (or list element), stripped."""
    if text is None:
        return []
    lines = text.splitlines() if isinstance(text, str) else text
    return [line.strip() for line in lines if str(line).strip()]


# Any constant: the key of the PostgreSQL lock that numbers requests one transaction at a time.
_NUMBERING_LOCK = 0x4C4E54  # "LNT"


NUMBERING_ATTEMPTS = 8


def _lock_numbering() -> None:
    """Drafts are numbered one transaction at a time: a transaction-level advisory lock on
    PostgreSQL, the write lock on SQLite, released by the commit or the rollback. Without
    it, concurrent drafts read the same last number, collide at the commit and retry in
    step: with threaded web workers, a campaign (two numbers) failed five times running.
    The retries in create_requests, each after a random while, cover what remains."""
    dialect = db.session.get_bind().dialect.name
    if dialect == "postgresql":
        db.session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _NUMBERING_LOCK})
    elif dialect == "sqlite":
        # The database's write lock, taken before the last number is read: end the read
        # transaction the request opened (nothing is pending in it), then begin by writing
        # (a statement that changes no row still takes the lock; others wait, busy_timeout).
        db.session.commit()
        db.session.execute(text("UPDATE data_versions SET value = value WHERE 0"))


def _next_reference(year: int) -> str:
    prefix = f"LNT-{year}-"
    last = db.session.scalar(select(func.max(AccessRequest.reference)).where(AccessRequest.reference.like(f"{prefix}%")))
    number = int(last.removeprefix(prefix)) + 1 if last else 1
    return f"{prefix}{number:04d}"


def _apply(access_request: AccessRequest, draft: Draft, authority: Authority) -> None:
    access_request.authority_id = authority.id
    access_request.subject = draft.subject.strip()
    access_request.legal_grounds = "\n".join(clean_lines(draft.legal_grounds))
    access_request.channel = draft.channel
    access_request.access_format = draft.access_format
    access_request.requester_id = draft.requester.id
    access_request.organisation_id = draft.organisation_id
    access_request.items = [RequestItem(position=position, description=text)
                   for position, text in enumerate(clean_lines(draft.items), start=1)]


def create_requests(owner: User, authorities: list[Authority], draft: Draft,
                    campaign_title: str = "") -> tuple[list[AccessRequest], Campaign | None]:
    """One draft request per authority; several authorities make a campaign."""
    if not authorities:
        raise DraftError("Choisissez au moins une autorité.")
    if not clean_lines(draft.items):
        raise DraftError("Indiquez au moins un document demandé.")
    problem = draft_problem(owner, draft.requester, draft.organisation_id)
    if problem:
        raise DraftError(problem)
    for attempt in range(NUMBERING_ATTEMPTS):
        year = clock.today().year
        _lock_numbering()
        first = int(_next_reference(year).rsplit("-", 1)[1])
        try:
            # Nothing is written before the commit: a number another user took meanwhile
            # fails there, inside this try, and not in an autoflush halfway through.
            with db.session.no_autoflush:
                campaign = None
                if len(authorities) > 1:
                    campaign = Campaign(owner_id=owner.id, organisation_id=draft.organisation_id,
                                        title=(campaign_title or draft.subject).strip()[:200],
                                        subject=draft.subject.strip())
                    db.session.add(campaign)
                created = []
                for offset, authority in enumerate(authorities):
                    access_request = AccessRequest(owner_id=owner.id, campaign=campaign, status="draft",
                                    reference=f"LNT-{year}-{first + offset:04d}")
                    _apply(access_request, draft, authority)
                    db.session.add(access_request)
                    created.append(access_request)
            db.session.commit()
            break
        except IntegrityError:  # another request took the same number meanwhile: count again
            db.session.rollback()
            if attempt == NUMBERING_ATTEMPTS - 1:
                raise
            # After a random while: drafts that collided would otherwise count again in step and
            # collide again (SQLite, where no lock orders them; threads of one web worker).
            time.sleep(random.uniform(0, 0.01 * 2 ** attempt))
    return created, campaign


def update_draft(access_request: AccessRequest, authority: Authority, draft: Draft, user: User) -> AccessRequest:
    """Change a draft as `user` asks (they may change the request: the caller checked)."""
    if access_request.status != "draft" or access_request.events:
        raise DraftError("Cette demande est déjà envoyée : elle ne peut plus être modifiée.")
    if not clean_lines(draft.items):
        raise DraftError("Indiquez au moins un document demandé.")
    problem = draft_problem(user, draft.requester, draft.organisation_id, access_request)
    if problem:
        raise DraftError(problem)
    _apply(access_request, draft, authority)
    db.session.commit()
    return access_request


# When the authority's department is unknown, count on the national calendar: it has the
# fewest holidays, so its legal last days are never later than a local calendar's.
NATIONAL_CALENDAR_DEPARTMENT = "75"


def department_of(access_request: AccessRequest) -> str:
    code = (access_request.authority.department_code or "").strip().upper()
    return code if code in DEPARTMENTS else NATIONAL_CALENDAR_DEPARTMENT


def _fact(event: Event) -> EventFact:
    return EventFact(event.type, event.occurred_on, event.data or {})


def event_facts(events: list[Event]) -> list[EventFact]:
    return [_fact(event) for event in events]


@dataclass(frozen=True)
class Situation:
    """Where a request stands today: what the request page and the API show."""

    status: str
    deadlines: dict[str, ComputedDeadline]
    next_action: tuple[str, str]
    received_on: date | None
    received_is_estimate: bool
    today: date


def series_facts(access_request: AccessRequest, facts: list[EventFact]) -> list[EventFact]:
    """For a request of a series (L342-1) whose one CADA referral was recorded on another of
    its requests: that referral and its registration, which cover this request too. They
    are the user's own records, read where the law module counts from them; the request's
    history keeps only its own events."""
    if any(fact.type == "cada_referred" for fact in facts):
        return []
    covering = series_referral_of(access_request)
    if covering is None:
        return []
    added = [EventFact("cada_referred", covering.referred_on, {"series_of": covering.request.reference})]
    if covering.registered_on is not None and not any(fact.type == "cada_registered" for fact in facts):
        added.append(EventFact("cada_registered", covering.registered_on,
                               {"series_of": covering.request.reference, "case_number": covering.case_number}))
    return added


def situation(access_request: AccessRequest, today: date | None = None) -> Situation:
    today = today or clock.today()
    facts = event_facts(effective_events(access_request))
    facts += series_facts(access_request, facts)
    status = derive_status(facts, today, default_channel=access_request.channel)
    received_on, estimate = receipt_date(facts, access_request.channel)
    deadlines = compute_deadlines(
        facts_from_events(facts, department_of(access_request), today, default_channel=access_request.channel)
    )
    return Situation(
        status=status,
        deadlines=deadlines,
        next_action=next_action(status, status_outcome(facts, status)),
        received_on=received_on,
        received_is_estimate=estimate,
        today=today,
    )


def recompute(access_request: AccessRequest, today: date | None = None) -> Situation:
    """Store the derived status, the deadlines (read by the dashboard and the sweep) and
    the reminders they call for, in the caller's transaction. Everything is read and
    computed before the first write: on SQLite a transaction holds the database's one
    turn to write from its first write to its commit (workflow/core/sqlite_writes.py)."""
    with db.session.no_autoflush:
        current = situation(access_request, today)
        # Only what is still to come: a met or superseded deadline calls for no reminder.
        reminder_changes = reminders.changes(access_request, current.status, {
            kind: computed.safe_date or computed.date
            for kind, computed in current.deadlines.items() if computed.state == OPEN}, current.today)
    access_request.status = current.status
    access_request.status_changes_after = status_changes_after(
        current.status, {kind: computed.date for kind, computed in current.deadlines.items()})
    db.session.execute(delete(Deadline).where(Deadline.request_id == access_request.id))
    for kind, computed in current.deadlines.items():
        db.session.add(Deadline(
            request_id=access_request.id, kind=kind, due_on=computed.date, safe_date=computed.safe_date,
            legal_date=computed.legal_date, explanation=computed.explanation,
            enforceable=computed.enforceable, estimated=computed.estimated, state=computed.state,
        ))
    db.session.flush()
    reminders.apply(access_request, reminder_changes)
    return current


def possible_events(access_request: AccessRequest, today: date | None = None) -> list[str]:
    """The events that make sense next for the request, dated today (see states.possible_events)."""
    return states_possible_events(event_facts(effective_events(access_request)), today or clock.today())


def _refuse_future(occurred_on: date, today: date) -> None:
    if occurred_on > today:
        raise TransitionError("Cette date est dans le futur : enregistrez l'événement le jour où il a lieu.")


def item_outcomes_problem(access_request: AccessRequest, data: dict[str, Any] | None) -> str | None:
    """What is wrong (French) with a CADA opinion's `item_outcomes` given the request's list
    of documents, or None. The law checks the shape (workflow/law/events.py); only the
    request knows how many documents it asks for."""
    outcomes = (data or {}).get("item_outcomes")
    if not isinstance(outcomes, dict):
        return None
    positions = {item.position for item in access_request.items}
    beyond = sorted(int(key) for key in map(str, outcomes) if key.isdigit() and int(key) not in positions)
    if not beyond:
        return None
    documents = "un seul document" if len(positions) == 1 else f"{len(positions)} documents"
    listed = " ni ".join(f"n° {number}" for number in beyond)
    return (f"Le sens de l'avis par document : la demande ne compte pas de document {listed} "
            f"(elle porte sur {documents}).")


def check_new_event(access_request: AccessRequest, type_: str, occurred_on: date, data: dict[str, Any] | None = None,
                    today: date | None = None) -> None:
    """Raise TransitionError (French) unless the history allows this event."""
    _refuse_future(occurred_on, today or clock.today())
    problem = item_outcomes_problem(access_request, data)
    if problem is not None:
        raise TransitionError(problem)
    check_event(event_facts(effective_events(access_request)), EventFact(type_, occurred_on, data or {}))


def record_event(access_request: AccessRequest, type_: str, occurred_on: date, data: dict[str, Any] | None = None,
                 author: User | None = None, note: str = "", today: date | None = None) -> Event:
    """Append an event if the history allows it; raise TransitionError (French) if not."""
    today = today or clock.today()
    check_new_event(access_request, type_, occurred_on, data, today)
    return _append(access_request, Event(type=type_, occurred_on=occurred_on, data=dict(data or {}), note=note.strip(),
                                author_id=author.id if author else None), today)


def correct_event(access_request: AccessRequest, event_id: int, occurred_on: date, data: dict[str, Any] | None = None,
                  author: User | None = None, note: str = "", today: date | None = None) -> Event:
    """Record a correction of an event: the original stays in the history, the correction
    replaces it in every computation. The whole corrected history must still make sense."""
    today = today or clock.today()
    _refuse_future(occurred_on, today)
    events = effective_events(access_request)
    original = next((event for event in events if event.id == event_id), None)
    if original is None:
        raise TransitionError("Cet événement n'existe pas ou a déjà été corrigé.")
    merged_data = {**(original.data or {}), **(data or {})}
    corrected = [EventFact(original.type, occurred_on, merged_data) if event is original else _fact(event)
                 for event in events]
    _check_history(sorted(corrected, key=lambda fact: fact.date))
    return _append(access_request, Event(type=original.type, occurred_on=occurred_on, data=merged_data,
                                corrects_id=original.id, note=note.strip(), author_id=author.id if author else None),
                   today)


def _append(access_request: AccessRequest, event: Event, today: date) -> Event:
    """Store an accepted event, recompute, commit, then say so (the jobs layer schedules
    the reminders: Redis comes after the database, a worker never sees reminders that are
    not committed)."""
    access_request.events.append(event)  # written with the rest, after recompute's reads
    recompute(access_request, today)
    db.session.commit()
    events_committed.send(access_request.id)
    return event


def _check_history(facts: list[EventFact]) -> None:
    """Replay a whole corrected history through the transition rules. Only dates change:
    the data stays as it was accepted (the declaration may have grown stricter since)."""
    for position, fact in enumerate(facts):
        try:
            check_event(facts[:position], fact, check_data=False)
        except TransitionError as error:
            raise TransitionError(f"avec cette date, l'historique ne serait plus cohérent. {error}") from error


@dataclass(frozen=True)
class TimelineEntry:
    """One mark on the request's timeline: something that happened, or a date to come."""

    day: date
    title: str
    kind: str                      # "event" | "history" (not a legal event) | "deadline"
    past: bool
    detail: str = ""
    lines: tuple[str, ...] = ()    # safe and legal dates, corrections...
    warning: str = ""              # not enforceable, estimated...
    corrected_from: tuple[date, ...] = ()
    event_id: int | None = None
    proof_document_id: int | None = None
    state: str = ""                # deadlines: open | met | passed | superseded
    enforceability: str = ""       # deadlines binding the user: enforceable | not_enforceable | to_check

    @property
    def state_label(self) -> str:
        return DEADLINE_STATE_LABELS.get(self.state, "")


def timeline(access_request: AccessRequest, current: Situation) -> list[TimelineEntry]:
    """Past events and dates to come, in date order (events before deadlines on a day)."""
    entries: list[TimelineEntry] = []
    originals = {event.id: event for event in access_request.events}
    for event in effective_events(access_request):
        corrected_from = []
        source = event
        while source.corrects_id:
            source = originals[source.corrects_id]
            corrected_from.append(source.occurred_on)
        entries.append(TimelineEntry(
            day=event.occurred_on, title=EVENT_LABELS.get(event.type, event.type), kind="event", past=True,
            detail=event.note, lines=tuple(event_lines(event.type, event.data)), corrected_from=tuple(corrected_from),
            event_id=event.id, proof_document_id=(event.data or {}).get("proof_document_id"),
        ))
    for done in access_request.history:
        who = (done.author.display_name or done.author.email) if done.author else "?"
        recorded = done.recorded_at if done.recorded_at.tzinfo else done.recorded_at.replace(tzinfo=timezone.utc)
        when = recorded.astimezone(clock.PARIS)  # SQLite gives back UTC without its zone
        entries.append(TimelineEntry(
            day=when.date(), title=done.summary, kind="history", past=True,
            detail=f"Par {who}, le {format_date_fr(when.date())} à {when:%H:%M}.",
        ))
    if current.received_on and current.received_is_estimate:
        entries.append(TimelineEntry(
            day=current.received_on, title="Réception estimée par l'administration", kind="deadline",
            past=current.received_on <= current.today,
            warning="Date estimée : enregistrez la date de l'avis de réception dès que vous l'avez.",
        ))
    for kind, computed in current.deadlines.items():
        lines = []
        if computed.state_note:
            lines.append(computed.state_note)
        if computed.safe_date and computed.legal_date:
            probable = " (probable, non tranché)" if computed.legal_date_probable else ""
            lines += [f"Date sûre : {format_date_fr(computed.safe_date)}",
                      f"Dernier jour légal : {format_date_fr(computed.legal_date)}{probable}"]
        # What may keep a deadline from being held against the user matters while it is to meet.
        warning = (computed.enforceability_note or "") if computed.state == OPEN else ""
        if computed.estimated:
            warning = (warning + " " if warning else "") + "Calculé à partir d'une date de réception estimée."
        entries.append(TimelineEntry(
            day=computed.date, title=DEADLINE_LABELS.get(kind, kind), kind="deadline",
            past=computed.date < current.today, detail=computed.explanation, lines=tuple(lines), warning=warning,
            state=computed.state, enforceability=computed.enforceability if computed.binds_user else "",
        ))
    return sorted(entries, key=lambda entry: (entry.day, entry.kind != "event"))
