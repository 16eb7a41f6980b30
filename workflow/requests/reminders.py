"""Reminders: database rows derived from a request's deadlines, fired once each.

The offsets are days relative to a deadline's date (its safe date for the deadlines that
bind the user). A user can change them; these are the defaults."""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone

from sqlalchemy import select

from workflow.mail import notify
from workflow.core.clock import PARIS
from workflow.law.deadlines import DEADLINE_LABELS, format_date_fr
from workflow.core.extensions import db
from workflow.models import Deadline, Membership, Reminder, AccessRequest, User
from workflow.models.base import utcnow
from workflow.models.users import WRITE_ROLES

DEFAULT_OFFSETS: dict[str, tuple[int, ...]] = {
    "implicit_refusal": (-7, -1, 0),      # a week and a day before, and the day it is born
    "cada_referral": (-15, -3),           # before the end of the CADA referral window
    "cada_opinion_expected": (1,),        # the day after the opinion was due: it is late
    "court_appeal": (-15, -3),            # before the court deadline
}
SEND_AT = time(8, 0)  # reminders go out at 8:00, Paris time
OPEN_STATUSES_EXCLUDED = ("closed", "answered", "draft")


@dataclass(frozen=True)
class PlannedReminder:
    kind: str            # e.g. "implicit_refusal-7"
    deadline_kind: str
    offset: int
    due_on: date


def reminder_kind(deadline_kind: str, offset: int) -> str:
    return f"{deadline_kind}{offset:+d}"


def offsets_for(user: User | None) -> dict[str, tuple[int, ...]]:
    custom = (user.reminder_offsets or {}) if user else {}
    return {kind: tuple(custom.get(kind, default)) for kind, default in DEFAULT_OFFSETS.items()}


def plan(deadlines: dict[str, date], offsets: dict[str, tuple[int, ...]]) -> list[PlannedReminder]:
    """Pure: the reminders a set of deadline dates calls for."""
    planned = []
    for deadline_kind, day in deadlines.items():
        for offset in offsets.get(deadline_kind, ()):
            planned.append(PlannedReminder(reminder_kind(deadline_kind, offset), deadline_kind, offset,
                                           day + timedelta(days=offset)))
    return sorted(planned, key=lambda reminder: (reminder.due_on, reminder.kind))


def sync(access_request: AccessRequest, today: date) -> None:
    """Make the request's unsent reminders match its stored deadlines (in the caller's
    transaction). Sent reminders stay as history; reminders already past are not created."""
    # Only what is still to come: a met or superseded deadline calls for no reminder.
    rows = db.session.scalars(select(Deadline).where(Deadline.request_id == access_request.id,
                                                     Deadline.state == "open")).all()
    deadline_days = {row.kind: (row.safe_date or row.due_on) for row in rows}
    if access_request.status in OPEN_STATUSES_EXCLUDED:
        deadline_days = {}
    wanted = {(item.kind, item.due_on) for item in plan(deadline_days, offsets_for(access_request.owner))}
    existing = db.session.scalars(select(Reminder).where(Reminder.request_id == access_request.id)).all()
    have = {(reminder.kind, reminder.due_on) for reminder in existing}
    for reminder in existing:
        if reminder.sent_at is None and (reminder.kind, reminder.due_on) not in wanted:
            db.session.delete(reminder)
    for kind, due_on in sorted(wanted - have):
        if due_on >= today:
            db.session.add(Reminder(request_id=access_request.id, kind=kind, due_on=due_on))
    db.session.flush()


def parse_kind(kind: str) -> tuple[str, int]:
    """"implicit_refusal-7" -> ("implicit_refusal", -7)."""
    match = re.fullmatch(r"(.+?)([+-]\d+)", kind)
    if match is None:
        raise ValueError(kind)
    return match.group(1), int(match.group(2))


def send_time(due_on: date) -> datetime:
    """When a reminder due on a day goes out, as the aware UTC time RQ wants."""
    return datetime.combine(due_on, SEND_AT, tzinfo=PARIS).astimezone(timezone.utc)


def recipients(access_request: AccessRequest) -> list[User]:
    """The owner and the organisation's owners and editors: those who act on the request."""
    people = {access_request.owner_id: access_request.owner}
    if access_request.organisation_id:
        for membership in db.session.scalars(select(Membership).where(
                Membership.organisation_id == access_request.organisation_id, Membership.role.in_(WRITE_ROLES))):
            people[membership.user_id] = membership.user
    return [user for user in people.values() if user.active]


def _wording(reminder: Reminder, access_request: AccessRequest, deadline: Deadline | None) -> tuple[str, str, str]:
    """(title, body, path) of the notice, in French."""
    deadline_kind, offset = parse_kind(reminder.kind)
    label = DEADLINE_LABELS.get(deadline_kind, deadline_kind)
    target = reminder.due_on - timedelta(days=offset)
    where = f"{access_request.reference} · {access_request.authority.name}"
    path = f"/demandes/{access_request.id}"
    if deadline_kind == "implicit_refusal" and offset == 0:
        title = f"Le refus implicite naît ce soir : préparez la saisine de la CADA ({where})"
        path = f"/demandes/{access_request.id}/courriers/cada_referral"
    elif deadline_kind == "cada_opinion_expected":
        title = f"L'avis de la CADA est en retard depuis le {format_date_fr(target)} ({where})"
    elif offset < 0:
        days = -offset
        title = f"Dans {days} jour{'s' if days > 1 else ''} : {label.lower()}, le {format_date_fr(target)} ({where})"
        if deadline_kind == "implicit_refusal":
            path = f"/demandes/{access_request.id}/courriers/reminder"
        elif deadline_kind == "cada_referral":
            path = f"/demandes/{access_request.id}/courriers/cada_referral"
        elif deadline_kind == "court_appeal":
            path = f"/demandes/{access_request.id}/courriers/court_application"
    else:
        title = f"{label} : {format_date_fr(target)} ({where})"
    body = deadline.explanation if deadline is not None else ""
    return title, body, path


def fire(reminder_id: int, base_url: str) -> list[int]:
    """Send a reminder once: notices in the application, e-mails to the outbox. Returns
    the outbox ids to deliver. Safe to call twice: the second call does nothing."""
    reminder = db.session.get(Reminder, reminder_id)
    if reminder is None or reminder.sent_at is not None:
        return []
    access_request = reminder.request
    deadline_kind, _offset = parse_kind(reminder.kind)
    deadline = db.session.scalar(select(Deadline).where(Deadline.request_id == access_request.id, Deadline.kind == deadline_kind))
    title, body, path = _wording(reminder, access_request, deadline)
    outbox = []
    for user in recipients(access_request):
        notify.notify(user, f"reminder:{reminder.id}", "reminder", title, body, path, request_id=access_request.id)
        if user.email_notifications and notify.mail_enabled():
            message = notify.build_message(user.email, f"[Lanterne] {title}", f"{title}\n\n{body}\n\n{base_url}{path}\n")
            outgoing = notify.queue_mail(f"reminder:{reminder.id}:{user.id}", "reminder", message, user_id=user.id,
                                         request_id=access_request.id)
            if outgoing is not None:
                db.session.flush()
                outbox.append(outgoing.id)
    reminder.sent_at = utcnow()
    db.session.commit()
    return outbox


def pending_between(start: date, end: date) -> list[Reminder]:
    return list(db.session.scalars(select(Reminder).where(
        Reminder.sent_at.is_(None), Reminder.due_on >= start, Reminder.due_on <= end).order_by(Reminder.due_on)))


def due(today: date) -> list[Reminder]:
    return list(db.session.scalars(select(Reminder).where(
        Reminder.sent_at.is_(None), Reminder.due_on <= today).order_by(Reminder.due_on, Reminder.id)))
