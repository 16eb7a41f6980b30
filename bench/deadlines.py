"""Deadlines: computing every deadline of many requests, and the daily sweep.

1. Compute: `facts_from_events` + `compute_deadlines` for every request (100,000; quick
   10,000), caches cold then warm, as a ratio to the baseline of storing the same
   deadline rows in the database (Core executemany): computing must not cost more than
   writing what it computes.
2. Sweep: `sweep.run(today)` over open requests of which the same number are due (a
   status the calendar changed and a reminder to fire), at two table sizes (10,000 and
   100,000; quick 1,000 and 10,000), and again with four times as much due. Its cost
   must follow what is due, not the table size: ratio large/small ≈ 1.

    .venv/bin/python bench/deadlines.py [--quick] [--database-url URL] [--redis-url URL]
"""
from __future__ import annotations

import random
import statistics
import sys
import time
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import common  # noqa: E402
from common import Backend, PlannedEvent, PlannedRequest, Seeder, Summary, table  # noqa: E402

COMPUTE_TARGET = 1.0   # compute time / time to store the rows it computes
SWEEP_TARGET = 1.5     # sweep time at the large size / at the small size, same number due


def clear_engine_caches() -> None:
    from workflow.law import calendar

    for function in (calendar.add_months, calendar.franc_last_day, calendar._holidays_for,
                     calendar._normalise_str):
        function.cache_clear()


def bench_compute(backend: Backend, count: int, summary: Summary) -> None:
    from workflow.law.deadlines import compute_deadlines
    from workflow.law.states import EventFact, facts_from_events

    today = common.today_paris()
    planned = common.plan_requests(count, 0, today, seed=11)
    inputs = [([EventFact(e.type, e.occurred_on, e.data) for e in common.effective(p.events)], p.department, p.channel)
              for p in planned]

    def compute():
        out = []
        for facts, department, channel in inputs:
            out.append(compute_deadlines(facts_from_events(facts, department, today, default_channel=channel)))
        return out

    def facts_only():
        for facts, department, channel in inputs:
            facts_from_events(facts, department, today, default_channel=channel)

    clear_engine_caches()
    start = time.perf_counter()
    results = compute()
    cold = time.perf_counter() - start
    warm = min(common.timed(compute, 3))
    facts_time = min(common.timed(facts_only, 3))
    deadline_count = sum(len(r) for r in results)

    # Baseline: storing those rows (what a recompute of every request writes anyway), in
    # a table shaped like `deadlines` without its keys, so the same rows can be written
    # again and again.
    from sqlalchemy import Boolean, Column, Date, Integer, MetaData, String, Table, Text, delete, insert

    rows = [{"kind": kind, "due_on": computed.date, "safe_date": computed.safe_date,
             "legal_date": computed.legal_date, "explanation": computed.explanation,
             "enforceable": computed.enforceable, "estimated": computed.estimated}
            for result in results for kind, computed in result.items()]
    app = backend.make_app()
    with app.app_context():
        from workflow.core.extensions import db

        twin = Table("bench_deadline_rows", MetaData(), Column("id", Integer, primary_key=True),
                     Column("kind", String(40)), Column("due_on", Date), Column("safe_date", Date),
                     Column("legal_date", Date), Column("explanation", Text), Column("enforceable", Boolean),
                     Column("estimated", Boolean))
        twin.create(db.engine)

        def store():
            for start_row in range(0, len(rows), Seeder.BATCH):
                db.session.execute(insert(twin), rows[start_row:start_row + Seeder.BATCH])
            db.session.commit()
            db.session.execute(delete(twin))
            db.session.commit()

        store_time = min(common.timed(store, 3))
        db.session.remove()
        twin.drop(db.engine)
        db.engine.dispose()

    per_request = warm / count * 1e6
    table(f"Deadlines of {count:,} requests ({deadline_count:,} deadlines) — {backend.label}",
          ["what", "time", "per request", "vs storing the rows"],
          [["compute, caches cold", common.fmt_ms(cold), f"{cold / count * 1e6:.1f} µs", common.fmt_ratio(cold / store_time)],
           ["compute, caches warm", common.fmt_ms(warm), f"{per_request:.1f} µs", common.fmt_ratio(warm / store_time)],
           ["  of which facts_from_events", common.fmt_ms(facts_time), f"{facts_time / count * 1e6:.1f} µs",
            common.fmt_ratio(facts_time / store_time)],
           ["baseline: INSERT the rows", common.fmt_ms(store_time), f"{store_time / count * 1e6:.1f} µs", "1.00x"]])
    ratio = cold / store_time
    summary.add(f"deadlines.compute[{backend.label}]", f"{ratio:.2f}x the time to store the rows "
                f"({cold / count * 1e6:.0f} µs/request, {count:,} requests, cold)",
                f"<= {COMPUTE_TARGET:.1f}x", ratio <= COMPUTE_TARGET)


# ------------------------------------------------------------------------ sweep


def _background(count: int, today: date, seed: int) -> list[PlannedRequest]:
    """Open requests at every stage whose time-driven changes are done and whose next
    reminder is after the sweep's scheduling horizon: nothing of theirs is due."""
    from workflow.requests.reminders import OPEN_STATUSES_EXCLUDED
    from workflow.jobs.sweep import SCHEDULING_HORIZON_DAYS

    rng = random.Random(seed)
    horizon = today + timedelta(days=SCHEDULING_HORIZON_DAYS)
    out: list[PlannedRequest] = []
    while len(out) < count:
        channel = rng.choice(common.CHANNELS)
        sent_on = today - timedelta(days=rng.randint(3, 720))
        p = PlannedRequest(channel, rng.choice(common.DEPARTMENTS), common.plan_chain(rng, today, sent_on, channel))
        derived = common.derive(p, today)
        if derived.status in OPEN_STATUSES_EXCLUDED:
            continue
        if any(not sent and due_on <= horizon for _kind, due_on, sent in common.planned_reminders(derived, today)):
            continue
        out.append(p)
    return out


def _born_yesterday_received_on(today: date) -> date:
    from workflow.law.deadlines import add_months

    day = today - timedelta(days=27)
    while add_months(day, 1) >= today:
        day -= timedelta(days=1)
    assert add_months(day, 1) == today - timedelta(days=1), day
    return day


def _seed_due(seeder: Seeder, base: dict, count: int, today: date, prefix: str) -> None:
    """`count` requests whose implicit refusal was born yesterday, stored as a sweep left
    them the day before (still awaiting a response), with that day's reminder unsent:
    each is one status change and one reminder for the sweep."""
    received = _born_yesterday_received_on(today)
    planned = [PlannedRequest("email", "75", [PlannedEvent("sent", received, {"channel": "email"})])
               for _ in range(count)]
    stored_as_of = today - timedelta(days=2)
    ids = seeder.requests(base, planned, stored_as_of, reference_prefix=prefix)
    # Reminders as the sweep of two days ago left them: due before then, sent.
    from sqlalchemy import update

    from workflow.models import Reminder

    seeder.db.session.execute(update(Reminder).where(Reminder.request_id.in_(ids), Reminder.due_on <= stored_as_of)
                              .values(sent_at=datetime.now(timezone.utc)))
    seeder.db.session.commit()


def _sweep_once(today: date) -> tuple[float, object]:
    from workflow.jobs import sweep
    from workflow.core.extensions import db

    db.session.remove()
    start = time.perf_counter()
    report = sweep.run(today)
    elapsed = time.perf_counter() - start
    db.session.remove()
    return elapsed, report


def bench_sweep(backend: Backend, sizes: tuple[int, int], due: int, rounds: int, summary: Summary) -> None:
    today = common.today_paris()
    app = backend.make_app()
    common.migrate(app)
    rows = []
    results: dict[str, float] = {}
    with app.app_context(), common.quiet_logs():
        seeder = Seeder(app)
        base = seeder.base()
        present = 0
        for size in sizes:
            start = time.perf_counter()
            seeder.requests(base, _background(size - present, today, seed=size), today, reference_prefix=f"LNT-S{size}")
            present = size
            seeder.analyze()
            seed_time = time.perf_counter() - start
            _sweep_once(today)  # warm-up: connections, imports, tomorrow's periodic job
            idle = statistics.median(_sweep_once(today)[0] for _ in range(3))
            rows.append([f"{size:,}", "0", common.fmt_ms(idle), "", f"seeded in {seed_time:.1f} s"])
            for label, count in (("due", due), ("due4", 4 * due)) if size == sizes[-1] else (("due", due),):
                times = []
                for round_ in range(rounds):
                    _seed_due(seeder, base, count, today, prefix=f"LNT-D{size}-{label}-{round_}")
                    elapsed, report = _sweep_once(today)
                    assert len(report.status_changes) == count, (len(report.status_changes), count)
                    assert report.reminders_fired == count, (report.reminders_fired, count)
                    times.append(elapsed)
                results[f"{size}-{label}"] = statistics.median(times)
                rows.append([f"{size:,}", f"{count:,}", common.fmt_ms(results[f'{size}-{label}']),
                             f"{results[f'{size}-{label}'] / count * 1000:.2f} ms", f"median of {rounds}"])
        from workflow.core.extensions import db

        db.session.remove()
        db.engine.dispose()
    small, large = sizes
    ratio = results[f"{large}-due"] / results[f"{small}-due"]
    growth = results[f"{large}-due4"] / results[f"{large}-due"]
    table(f"Sweep — {backend.label} (due: a status the calendar changed + a reminder to fire, per request)",
          ["open requests", "due", "sweep time", "per due request", "note"], rows)
    print(f"  table {large // small}x larger, same number due: {ratio:.2f}x the time; "
          f"4x as much due: {growth:.2f}x the time")
    summary.add(f"deadlines.sweep[{backend.label}]",
                f"{ratio:.2f}x the time at {large:,} open requests as at {small:,}, {due} due in both "
                f"(4x due: {growth:.2f}x)", f"<= {SWEEP_TARGET:.1f}x", ratio <= SWEEP_TARGET)


def main() -> int:
    args = common.parser(__doc__.splitlines()[0]).parse_args()
    summary = Summary()
    print(f"bench/deadlines.py — {common.machine()}")
    with Backend(args.database_url, args.redis_url) as backend:
        bench_compute(backend, 10_000 if args.quick else 100_000, summary)
    with Backend(args.database_url, args.redis_url) as backend:
        if args.quick:
            bench_sweep(backend, (1_000, 10_000), due=25, rounds=3, summary=summary)
        else:
            bench_sweep(backend, (10_000, 100_000), due=100, rounds=3, summary=summary)
    summary.print()
    return 0


if __name__ == "__main__":
    sys.exit(main())
