"""Request services: record and correct events, derive the status, recompute the
deadlines. The law itself lives in the pure modules `deadlines` and `states`."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import delete

from workflow import clock
from workflow.deadlines import Deadline as ComputedDeadline
from workflow.deadlines import DEPARTMENTS, compute_deadlines
from workflow.extensions import db
from workflow.models import Deadline, Event, Request, User
from workflow.states import (
    EventFact,
    TransitionError,
    check_event,
    derive_status,
    facts_from_events,
    latest_opinion_outcome,
    next_action,
    receipt_date,
)

# When the authority's department is unknown, count on the national calendar: it has the
# fewest holidays, so its legal last days are never later than a local calendar's.
NATIONAL_CALENDAR_DEPARTMENT = "75"


def department_of(found: Request) -> str:
    code = (found.authority.department_code or "").strip().upper()
    return code if code in DEPARTMENTS else NATIONAL_CALENDAR_DEPARTMENT


def effective_events(found: Request) -> list[Event]:
    """The events that count: a corrected event gives way to its latest correction."""
    corrected_ids = {event.corrects_id for event in found.events if event.corrects_id}
    return [event for event in found.events if event.id not in corrected_ids]


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


def situation(found: Request, today: date | None = None) -> Situation:
    today = today or clock.today()
    facts = event_facts(effective_events(found))
    status = derive_status(facts, today, default_channel=found.channel)
    received_on, estimate = receipt_date(facts, found.channel)
    deadlines = compute_deadlines(
        facts_from_events(facts, department_of(found), today, default_channel=found.channel)
    )
    return Situation(
        status=status,
        deadlines=deadlines,
        next_action=next_action(status, latest_opinion_outcome(facts)),
        received_on=received_on,
        received_is_estimate=estimate,
        today=today,
    )


def recompute(found: Request, today: date | None = None) -> Situation:
    """Store the derived status and deadlines (read by the dashboard and the sweep)."""
    current = situation(found, today)
    found.status = current.status
    db.session.execute(delete(Deadline).where(Deadline.request_id == found.id))
    for kind, computed in current.deadlines.items():
        db.session.add(Deadline(
            request_id=found.id, kind=kind, due_on=computed.date, safe_date=computed.safe_date,
            legal_date=computed.legal_date, explanation=computed.explanation,
            enforceable=computed.enforceable, estimated=computed.estimated,
        ))
    return current


def _refuse_future(occurred_on: date, today: date) -> None:
    if occurred_on > today:
        raise TransitionError("Cette date est dans le futur : enregistrez l'événement le jour où il a lieu.")


def record_event(found: Request, type_: str, occurred_on: date, data: dict[str, Any] | None = None,
                 author: User | None = None, note: str = "", today: date | None = None) -> Event:
    """Append an event if the history allows it; raise TransitionError (French) if not."""
    today = today or clock.today()
    _refuse_future(occurred_on, today)
    new = EventFact(type_, occurred_on, data or {})
    check_event(event_facts(effective_events(found)), new)
    event = Event(type=type_, occurred_on=occurred_on, data=dict(data or {}), note=note.strip(),
                  author_id=author.id if author else None)
    found.events.append(event)
    db.session.flush()
    recompute(found, today)
    db.session.commit()
    return event


def correct_event(found: Request, event_id: int, occurred_on: date, data: dict[str, Any] | None = None,
                  author: User | None = None, note: str = "", today: date | None = None) -> Event:
    """Record a correction of an event: the original stays in the history, the correction
    replaces it in every computation. The whole corrected history must still make sense."""
    today = today or clock.today()
    _refuse_future(occurred_on, today)
    events = effective_events(found)
    original = next((event for event in events if event.id == event_id), None)
    if original is None:
        raise TransitionError("Cet événement n'existe pas ou a déjà été corrigé.")
    merged_data = {**(original.data or {}), **(data or {})}
    corrected = [EventFact(original.type, occurred_on, merged_data) if event is original else _fact(event)
                 for event in events]
    _check_history(sorted(corrected, key=lambda fact: fact.date))
    correction = Event(type=original.type, occurred_on=occurred_on, data=merged_data, corrects_id=original.id,
                       note=note.strip(), author_id=author.id if author else None)
    found.events.append(correction)
    db.session.flush()
    recompute(found, today)
    db.session.commit()
    return correction


def _check_history(facts: list[EventFact]) -> None:
    """Replay a whole history through the transition rules."""
    for position, fact in enumerate(facts):
        check_event(facts[:position], fact)
