"""RQ jobs. Each takes ids, re-reads the database, is safe to run twice, and lets a
failure raise so that RQ records it (the row the user watches says so too)."""
from __future__ import annotations

import io
import zipfile
from datetime import date

from flask import current_app

from workflow.core import clock
from workflow.inbound import fetching
from workflow.mail import notify
from workflow.requests import reminders
from workflow.letters import request_letters
from workflow.jobs import schedule
from workflow.jobs import sweep
from workflow.core.extensions import db
from workflow.models import Campaign, JobRun, Reminder
from workflow.jobs.runs import report_progress, run_tracked
from workflow.core.storage import file_store


def render_campaign_letters(run_id: int, kind: str) -> str | None:
    """One PDF per request of a campaign, in a ZIP kept in the file store."""

    def work(run: JobRun) -> tuple[str, str]:
        campaign = db.session.get(Campaign, run.campaign_id)
        requests = sorted(campaign.requests, key=lambda access_request: access_request.reference)
        report_progress(run, 0, len(requests))
        archive = io.BytesIO()
        skipped = []
        with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as bundle:
            for position, access_request in enumerate(requests, start=1):
                try:
                    rendered = request_letters.render(request_letters.build_context(access_request, kind), "pdf")
                except request_letters.LetterNotReady as error:
                    skipped.append(f"{access_request.reference} ({access_request.authority.name}) : {error}")
                else:
                    bundle.writestr(rendered.filename, rendered.content)
                report_progress(run, position)
            if skipped:
                bundle.writestr("non-prets.txt", "Courriers non préparés :\n" + "\n".join(skipped) + "\n")
        return file_store().put(archive.getvalue()), f"campagne-{campaign.id}-{kind}.zip"

    return run_tracked(run_id, work)


def send_mail(outgoing_id: int) -> str:
    """Hand one outbox message to the SMTP server (RQ retries it with back-off)."""
    return notify.deliver(outgoing_id, after_sent=request_letters.record_emailed_letter)


def send_reminder(reminder_id: int) -> int:
    """Fire a reminder once and queue its e-mails; returns how many were queued."""
    reminder = db.session.get(Reminder, reminder_id)
    if reminder is None or reminder.due_on > clock.today():
        return 0  # gone, or run early: its own day (or the sweep) will fire it
    outbox = reminders.fire(reminder_id, current_app.config["BASE_URL"])
    for outgoing_id in outbox:
        schedule.enqueue_mail(outgoing_id)
    return len(outbox)


def sweep_job(today: str | None = None) -> dict:
    """The daily sweep; it also schedules the next day's run (once, by its date)."""
    report = sweep.run(date.fromisoformat(today) if today else clock.today())
    return {"status_changes": report.status_changes, "reminders_fired": report.reminders_fired,
            "mails_requeued": report.mails_requeued}


def fetch_mail_job() -> str:
    """Poll the IMAP mailbox once (RQ's cron enqueues it every IMAP_POLL_SECONDS). Each
    message is stored before it is marked on the server, so a run cut short, or two runs
    at once, lose and double nothing."""
    return fetching.fetch_once()
