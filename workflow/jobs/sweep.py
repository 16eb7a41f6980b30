"""The daily sweep: it does what the calendar made true, sends what is due and unsent,
and reschedules what Redis lost. Its cost follows what is due, not the size of the tables:
every query below reads an index on a date or a status."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone

import redis
from flask import current_app
from sqlalchemy import select, text

from workflow.accounts import users as accounts
from workflow.jobs import documents as document_jobs
from workflow.jobs import files as file_jobs
from workflow.jobs import precedents as precedent_jobs
from workflow.mail import notify
from workflow.requests import reminders
from workflow.jobs import schedule
from workflow.requests import lifecycle as request_service
from workflow.requests.digest import queue_weekly_digests
from workflow.core.extensions import db
from workflow.models import OutgoingMail, AccessRequest

# Reminders due within this many days are (re)scheduled in Redis by each sweep; later
# ones by a later sweep, so a sweep never walks every future reminder.
SCHEDULING_HORIZON_DAYS = 2


@dataclass
class SweepReport:
    status_changes: dict[str, str] = field(default_factory=dict)   # reference -> new status
    reminders_fired: int = 0
    reminders_rescheduled: int = 0
    mails_requeued: int = 0
    mails_uncertain: int = 0
    digests_queued: int = 0
    extractions_requeued: int = 0
    opinion_index_queued: bool = False
    files_collection_queued: bool = False
    redis_unavailable: bool = False


def _time_driven_requests(today: date) -> list[AccessRequest]:
    return list(db.session.scalars(select(AccessRequest).where(AccessRequest.status_changes_after < today)
                                   .order_by(AccessRequest.id)))


def refresh_planner_statistics() -> None:
    """SQLite has no autovacuum to keep its planner's statistics: without them it reads a
    user's whole history where an index on a date would read a few rows (the dashboard).
    analysis_limit bounds the work per index, so this stays cheap at any size."""
    if db.engine.dialect.name != "sqlite":
        return
    db.session.commit()
    db.session.execute(text("PRAGMA analysis_limit=1000"))
    db.session.execute(text("ANALYZE"))
    db.session.commit()


def run(today: date, now: datetime | None = None) -> SweepReport:
    now = now or datetime.now(timezone.utc)
    report = SweepReport()
    base_url = current_app.config["BASE_URL"]

    for access_request in _time_driven_requests(today):
        before = access_request.status
        request_service.recompute(access_request, today)
        db.session.commit()
        if access_request.status != before:
            report.status_changes[access_request.reference] = access_request.status

    outbox: list[int] = []
    for reminder in reminders.due(today):
        outbox.extend(reminders.fire(reminder.id, base_url))
        report.reminders_fired += 1

    digests = queue_weekly_digests(today, base_url)
    report.digests_queued = len(digests)
    outbox.extend(digests)
    report.mails_uncertain = notify.mark_stalled_as_uncertain(now=now)
    accounts.forget_old_login_attempts(now)

    # Redis only schedules: without it the work above is done and recorded, and the next
    # sweep hands the e-mails and the coming reminders to the workers.
    try:
        schedule.schedule_periodic(now)  # tomorrow's sweep, if Redis lost it
        report.extractions_requeued = document_jobs.requeue_pending()
        report.opinion_index_queued = precedent_jobs.requeue_if_waiting()
        report.files_collection_queued = file_jobs.enqueue_collection()
        horizon = today + timedelta(days=SCHEDULING_HORIZON_DAYS)
        report.reminders_rescheduled = schedule.schedule_reminders(
            [(reminder.id, reminder.due_on) for reminder in reminders.pending_between(today + timedelta(days=1), horizon)], now)
        # Everything still to send: what this sweep queued, and what Redis may have lost.
        waiting = db.session.scalars(select(OutgoingMail.id).where(
            OutgoingMail.status == "queued", OutgoingMail.next_attempt_at <= now)).all()
        for outgoing_id in sorted(set(outbox) | set(waiting)):
            if schedule.enqueue_mail(outgoing_id):
                report.mails_requeued += 1
    except redis.exceptions.RedisError:
        current_app.logger.warning("Redis unavailable during the sweep: scheduling left to the next one")
        report.redis_unavailable = True
    refresh_planner_statistics()
    return report
