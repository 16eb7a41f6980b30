"""What runs when: the periodic jobs (declared as data) and the scheduling of reminders
and e-mails in RQ. Job ids derive from the database rows or the run date, so scheduling
twice is harmless; Redis only schedules, and the sweep rebuilds whatever it lost."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone

import redis
from flask import current_app
from rq import Retry
from rq.exceptions import NoSuchJobError
from rq.job import Job, JobStatus
from sqlalchemy import select

from workflow.core import clock
from workflow.core.clock import PARIS
from workflow.core.extensions import db
from workflow.models import Reminder
from workflow.mail.notify import RETRY_DELAYS
from workflow.jobs.queues import queue
from workflow.requests.reminders import send_time

LIVE = {JobStatus.QUEUED, JobStatus.SCHEDULED, JobStatus.STARTED, JobStatus.DEFERRED}


@dataclass(frozen=True)
class PeriodicJob:
    name: str
    function: str      # dotted path, so this module imports no job code
    at: time           # Paris time, every day


PERIODIC_JOBS = (PeriodicJob("sweep", "workflow.jobs.tasks.sweep_job", time(6, 0)),)


def is_live(job_id: str) -> bool:
    """Whether the job with this id is waiting, scheduled or running in RQ."""
    try:
        return Job.fetch(job_id, connection=queue().connection).get_status() in LIVE
    except NoSuchJobError:
        return False


def enqueue_unless_live(function, job_id: str, **kwargs) -> bool:
    """Queue a job that works on whatever the database says is waiting (so one run at a
    time is enough), unless it is already waiting or running; False if Redis is down."""
    try:
        if not is_live(job_id):
            queue().enqueue(function, job_id=job_id, **kwargs)
    except redis.exceptions.RedisError:
        current_app.logger.warning("Redis unavailable: job %s not queued", job_id)
        return False
    return True


def next_run(job: PeriodicJob, now: datetime) -> datetime:
    local = now.astimezone(PARIS)
    candidate = datetime.combine(local.date(), job.at, tzinfo=PARIS)
    if candidate <= local:
        candidate = datetime.combine(local.date() + timedelta(days=1), job.at, tzinfo=PARIS)
    return candidate.astimezone(timezone.utc)


def periodic_job_id(job: PeriodicJob, when: datetime) -> str:
    return f"periodic-{job.name}-{when.astimezone(PARIS).date().isoformat()}"


def schedule_periodic(now: datetime | None = None) -> list[str]:
    """Schedule each periodic job's next run once; returns the ids scheduled now."""
    now = now or datetime.now(timezone.utc)
    scheduled = []
    for job in PERIODIC_JOBS:
        when = next_run(job, now)
        job_id = periodic_job_id(job, when)
        if not is_live(job_id):
            queue().enqueue_at(when, job.function, job_id=job_id)
            scheduled.append(job_id)
    return scheduled


def schedule_reminders(reminders: list[tuple[int, date]], now: datetime | None = None) -> int:
    """Put reminders' jobs, given as (reminder id, due day), in RQ's scheduler (at once if
    their time has come), those whose job is not already live: one round trip to Redis to
    read, one to write. Returns how many were scheduled."""
    if not reminders:
        return 0
    rq_queue, now = queue(), now or clock.now()
    job_ids = [f"reminder-{reminder_id}" for reminder_id, _due_on in reminders]
    found = Job.fetch_many(job_ids, connection=rq_queue.connection)
    due_now, scheduled = [], 0
    with rq_queue.connection.pipeline() as pipeline:
        for (reminder_id, due_on), job_id, job in zip(reminders, job_ids, found):
            if job is not None and job.get_status(refresh=False) in LIVE:
                continue
            scheduled += 1
            job = rq_queue.create_job("workflow.jobs.tasks.send_reminder", args=(reminder_id,), job_id=job_id)
            when = send_time(due_on)
            if when <= now:
                due_now.append(job)
            else:
                rq_queue.schedule_job(job, when, pipeline=pipeline)
        pipeline.execute()
    for job in due_now:  # rare (a reminder caught up today); RQ's enqueue opens its own transaction
        rq_queue.enqueue_job(job)
    return scheduled


def enqueue_mail(outgoing_id: int) -> bool:
    job_id = f"mail-{outgoing_id}"
    if is_live(job_id):
        return False
    queue().enqueue("workflow.jobs.tasks.send_mail", outgoing_id, job_id=job_id,
                    retry=Retry(max=len(RETRY_DELAYS), interval=list(RETRY_DELAYS)))
    return True


def schedule_request_reminders(request_id: int) -> None:
    """After a request's events changed: schedule its pending reminders. If Redis is down,
    nothing is lost: the rows are in the database and the sweep schedules them."""
    try:
        schedule_reminders([(reminder.id, reminder.due_on) for reminder in db.session.execute(
            select(Reminder.id, Reminder.due_on).where(Reminder.request_id == request_id, Reminder.sent_at.is_(None)))])
    except redis.exceptions.RedisError:
        current_app.logger.warning("Redis unavailable: reminders of request %s left to the sweep", request_id)
