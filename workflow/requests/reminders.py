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


def catch_up(deadlines: dict[str, date], offsets: dict[str, tuple[int, ...]], existing: set[tuple[str, date]],
             today: date) -> dict[str, PlannedReminder]:
    """Pure: for a request recorded late, the one reminder each deadline still calls for.

    For a deadline still ahead (or falling today) whose planned reminders have passed
    unsent, one reminder, due today, of the latest passed offset: the user hears of the
    deadline at once, and once. Nothing for a deadline already past (the page shows it as
    passed), nor when a reminder of that deadline is planned for today anyway.
    `existing` is the (kind, due_on) of the request's reminders, sent or not: one of the
    latest passed kind, due on or after its planned day, already covers it (sent on time,
    or caught up on an earlier day). Keyed by deadline kind; a covering reminder that is
    still unsent is returned as it stands, so that it is kept."""
    caught_up = {}
    for deadline_kind, day in deadlines.items():
        if day < today:
            continue
        planned = plan({deadline_kind: day}, offsets)
        if any(item.due_on == today for item in planned):
            continue
        passed = [item for item in planned if item.due_on < today]
        if not passed:
            continue
        latest = max(passed, key=lambda item: item.due_on)
        covering = sorted(due_on for kind, due_on in existing if kind == latest.kind and due_on >= latest.due_on)
        due_on = covering[0] if covering else today
        caught_up[deadline_kind] = PlannedReminder(latest.kind, deadline_kind, latest.offset, due_on)
    return caught_up


@dataclass
class ReminderChanges:
    """What `changes` found to do on a request's unsent reminders."""

    stale: list[Reminder]
    new: list[tuple[str, date]]  # (kind, due day)


def changes(access_request: AccessRequest, status: str, deadline_days: dict[str, date], today: date) -> ReminderChanges:
    """Reads only: how the request's unsent reminders must change to match its open
    deadlines (`deadline_days`: each open deadline's safe date, else its date) under
    `status`. Sent reminders stay as history and are never sent again. Reminders whose day
    has passed are not created as such: a deadline still ahead gets one reminder due
    today instead (`catch_up`), which the worker sends at once."""
    if status in OPEN_STATUSES_EXCLUDED:
        deadline_days = {}
    offsets = offsets_for(access_request.owner)
    existing = db.session.scalars(select(Reminder).where(Reminder.request_id == access_request.id)).all()
    have = {(reminder.kind, reminder.due_on) for reminder in existing}
    wanted = {(item.kind, item.due_on) for item in plan(deadline_days, offsets) if item.due_on >= today}
    wanted |= {(item.kind, item.due_on) for item in catch_up(deadline_days, offsets, have, today).values()}
    return ReminderChanges(
        stale=[reminder for reminder in existing if reminder.sent_at is None and (reminder.kind, reminder.due_on) not in wanted],
        new=sorted(wanted - have))


def apply(access_request: AccessRequest, found: ReminderChanges) -> None:
    """Writes what `changes` found, in the caller's transaction."""
    for reminder in found.stale:
        db.session.delete(reminder)
    for kind, due_on in found.new:
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
    """(title, body, path) of the notice, in French. The days left count from the day the
    reminder is due to the deadline's date (a reminder caught up for a request recorded
    late is due sooner than its offset says)."""
    deadline_kind, offset = parse_kind(reminder.kind)
    label = DEADLINE_LABELS.get(deadline_kind, deadline_kind)
    in_sentence = label[:1].lower() + label[1:]  # "saisir la CADA", not "saisir la cada"
    target = (deadline.safe_date or deadline.due_on) if deadline is not None else reminder.due_on - timedelta(days=offset)
    days = (target - reminder.due_on).days
    where = f"{access_request.reference} · {access_request.authority.name}"
    path = f"/demandes/{access_request.id}"
    letter = {"implicit_refusal": "reminder", "cada_referral": "cada_referral",
              "court_appeal": "court_application"}.get(deadline_kind)
    if deadline_kind == "implicit_refusal" and days == 0:
        title = f"Le refus implicite naît ce soir : préparez la saisine de la CADA ({where})"
        path = f"/demandes/{access_request.id}/courriers/cada_referral"
    elif deadline_kind == "cada_opinion_expected":
        title = f"L'avis de la CADA est en retard depuis le {format_date_fr(target)} ({where})"
    elif days > 0:
        title = f"Dans {days} jour{'s' if days > 1 else ''} : {in_sentence}, le {format_date_fr(target)} ({where})"
        if letter:
            path = f"/demandes/{access_request.id}/courriers/{letter}"
    elif days == 0 and letter:
        title = f"Aujourd'hui : {in_sentence}, le {format_date_fr(target)} ({where})"
        path = f"/demandes/{access_request.id}/courriers/{letter}"
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
