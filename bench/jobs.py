"""Jobs: reminders scheduled and delivered per second by one worker against a real Redis.

- Scheduling: `schedule.schedule_reminder` (an RQ `enqueue_at` under a job id derived
  from the row, after checking that job is not already live) against RQ's bare
  `enqueue_at` of the same job, in the same process.
- Delivery: one forking worker (`workflow.jobs.worker.LanterneWorker`, what `flask worker`
  runs), in burst mode in a subprocess, works through N reminders due now: each is a
  `send_reminder` job (notice in the application, e-mail to the outbox) then a
  `send_mail` job (SMTP to a local aiosmtpd sink on 127.0.0.1). Baseline: the same
  worker running 2N jobs that do nothing (RQ's and the fork's own cost per job).

    .venv/bin/python bench/jobs.py [--quick] [--database-url URL] [--redis-url URL]
"""
from __future__ import annotations

import json
import socket
import subprocess
import sys
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import common  # noqa: E402
from common import Backend, PlannedEvent, PlannedRequest, Seeder, Summary, table  # noqa: E402

SCHEDULE_TARGET = 1.5   # schedule_reminder / bare enqueue_at
DELIVERY_TARGET = 2.0   # worker time per reminder / per pair of no-op jobs


def worker_main() -> int:
    """Subprocess: one LanterneWorker in burst mode on this instance; prints its time."""
    from app import create_app
    from workflow.jobs.queues import queue
    from workflow.jobs.worker import LanterneWorker

    app = create_app()
    with app.app_context(), common.quiet_logs():
        queues = [queue()]
        worker = LanterneWorker(queues, connection=queues[0].connection)
        start = time.perf_counter()
        worker.work(burst=True, logging_level="WARNING")
        elapsed = time.perf_counter() - start
    print(json.dumps({"elapsed": elapsed}))
    return 0


def run_worker(backend: Backend, mail_port: int) -> float:
    completed = subprocess.run(
        [sys.executable, str(Path(__file__).resolve()), "--worker"], cwd=str(common.ROOT),
        env=backend.environment(MAIL_SERVER="127.0.0.1", MAIL_PORT=mail_port, MAIL_FROM="lanterne@example.org"),
        capture_output=True, text=True, timeout=900)
    if completed.returncode != 0:
        raise RuntimeError("worker failed: " + completed.stderr[-3000:])
    return json.loads(completed.stdout.strip().splitlines()[-1])["elapsed"]


class Sink:
    def __init__(self):
        self.count = 0

    async def handle_DATA(self, server, session, envelope):
        self.count += 1
        return "250 OK"


def start_smtp():
    from aiosmtpd.controller import Controller

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    sink = Sink()
    controller = Controller(sink, hostname="127.0.0.1", port=port)
    controller.start()
    return controller, sink, port


def seed_due_reminders(app, count: int) -> tuple[list[tuple[int, object]], list[tuple[int, object]]]:
    """`count` requests whose implicit refusal is born today: each has one reminder due
    today, unsent (and reminders to come). Returns (due, future) as (id, due_on)."""
    from sqlalchemy import select

    from workflow.law.deadlines import add_months
    from workflow.core.extensions import db
    from workflow.models import Reminder

    today = common.today_paris()
    received = today - timedelta(days=27)
    while add_months(received, 1) > today:
        received -= timedelta(days=1)
    assert add_months(received, 1) == today
    with app.app_context():
        seeder = Seeder(app)
        base = seeder.base(authorities=10)
        planned = [PlannedRequest("email", "75", [PlannedEvent("sent", received, {"channel": "email"})])
                   for _ in range(count)]
        seeder.requests(base, planned, today)
        rows = db.session.execute(select(Reminder.id, Reminder.due_on).where(Reminder.sent_at.is_(None))).all()
        db.session.remove()
    due = [(r.id, r.due_on) for r in rows if r.due_on <= today]
    future = [(r.id, r.due_on) for r in rows if r.due_on > today]
    assert len(due) == count, (len(due), count)
    return due, future


def main() -> int:
    if "--worker" in sys.argv:
        return worker_main()
    args = common.parser(__doc__.splitlines()[0]).parse_args()
    count = 100 if args.quick else 1000
    summary = Summary()
    print(f"bench/jobs.py — {common.machine()}")
    controller, sink, mail_port = start_smtp()
    try:
        with Backend(args.database_url, args.redis_url) as backend:
            app = backend.make_app(MAIL_SERVER="127.0.0.1", MAIL_PORT=mail_port, MAIL_FROM="lanterne@example.org")
            common.migrate(app)
            due, future = seed_due_reminders(app, count)
            from workflow.jobs import schedule
            from workflow.jobs.queues import queue

            # 1. Scheduling, interleaved in halves so that neither side gets a quieter moment.
            with app.app_context():
                q = queue()
                far = datetime.now(timezone.utc) + timedelta(days=30)
                ids = [reminder_id for reminder_id, _ in future]
                half = len(ids) // 2
                by_id = dict(future)
                times = {"lanterne": [], "bare": []}
                for part in (ids[:half], ids[half:]):
                    start = time.perf_counter()
                    for reminder_id in part:
                        q.enqueue_at(far, "workflow.jobs.tasks.send_reminder", reminder_id, job_id=f"bare-{reminder_id}")
                    times["bare"].append(time.perf_counter() - start)
                    start = time.perf_counter()
                    for reminder_id in part:
                        schedule.schedule_reminder(reminder_id, by_id[reminder_id])
                    times["lanterne"].append(time.perf_counter() - start)
                scheduled = len(ids)
                lanterne_rate = scheduled / sum(times["lanterne"])
                bare_rate = scheduled / sum(times["bare"])
                backend.flush_redis()

                # 2. Delivery: the due reminders, queued now (their time has come).
                now = datetime.now(timezone.utc) + timedelta(days=1)
                for reminder_id, due_on in due:
                    schedule.schedule_reminder(reminder_id, due_on, now=now)
            elapsed = run_worker(backend, mail_port)
            delivered = sink.count
            from sqlalchemy import func, select

            from workflow.core.extensions import db
            from workflow.models import OutgoingMail, Reminder

            with app.app_context():
                sent_rows = db.session.scalar(select(func.count()).select_from(OutgoingMail)
                                              .where(OutgoingMail.status == "sent"))
                fired = db.session.scalar(select(func.count()).select_from(Reminder)
                                          .where(Reminder.sent_at.is_not(None), Reminder.id.in_([i for i, _ in due])))
                db.session.remove()
                q = queue()
                for number in range(2 * count):
                    q.enqueue("common.noop", job_id=f"noop-{number}")
            baseline = run_worker(backend, mail_port)
            with app.app_context():
                from workflow.core.extensions import db

                db.session.remove()
                db.engine.dispose()
            label = backend.label
    finally:
        controller.stop()
    if delivered != count or sent_rows != count or fired != count:
        raise RuntimeError(f"delivered {delivered}, outbox sent {sent_rows}, fired {fired}, expected {count}")
    per_reminder = elapsed / count
    per_pair = baseline / count
    table(f"Jobs — {label}, one LanterneWorker (forking), SMTP sink on 127.0.0.1",
          ["what", "count", "time", "per item", "rate"],
          [["bare RQ enqueue_at", scheduled, common.fmt_ms(sum(times["bare"])),
            f"{sum(times['bare']) / scheduled * 1e6:.0f} µs", f"{bare_rate:,.0f}/s"],
           ["schedule_reminder", scheduled, common.fmt_ms(sum(times["lanterne"])),
            f"{sum(times['lanterne']) / scheduled * 1e6:.0f} µs", f"{lanterne_rate:,.0f}/s"],
           ["2 no-op jobs per item", count, common.fmt_ms(baseline), common.fmt_ms(per_pair), f"{count / baseline:,.1f}/s"],
           ["reminder fired + e-mail delivered", count, common.fmt_ms(elapsed), common.fmt_ms(per_reminder),
            f"{count / elapsed:,.1f}/s"]])
    schedule_ratio = bare_rate / lanterne_rate
    summary.add(f"jobs.schedule[{label}]", f"{schedule_ratio:.2f}x a bare RQ enqueue_at "
                f"({lanterne_rate:,.0f} reminders scheduled/s)", f"<= {SCHEDULE_TARGET}x", schedule_ratio <= SCHEDULE_TARGET)
    delivery_ratio = per_reminder / per_pair
    summary.add(f"jobs.deliver[{label}]", f"{delivery_ratio:.2f}x two no-op jobs per reminder "
                f"({count / elapsed:,.1f} reminders delivered/s, {count} by one worker)",
                f"<= {DELIVERY_TARGET}x", delivery_ratio <= DELIVERY_TARGET)
    summary.print()
    return 0


if __name__ == "__main__":
    sys.exit(main())
