"""Shared by the benchmarks: options, backends, timing, tables, summary lines, and fast
seeding of requests and events.

Every benchmark prints a table, then one summary line per figure:

    NAME: <figure> (target <target>) OK|MISS

Figures are ratios to a baseline measured in the same process or the same run, so they
mean the same thing on a faster or a slower machine.
"""
from __future__ import annotations

import argparse
import math
import os
import platform
import random
import shutil
import statistics
import sys
import tempfile
import time
import uuid
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

PASSWORD = "banc d'essai lanterne"
BENCH_EMAIL = "bench@example.org"


# ----------------------------------------------------------------------- options


def parser(description: str) -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(description=description)
    p.add_argument("--quick", action="store_true", help="small sizes, for `make bench` (a few minutes in all)")
    p.add_argument("--database-url", default="",
                   help="PostgreSQL URL (a schema is created and dropped); default: a SQLite file")
    p.add_argument("--redis-url", default="",
                   help="Redis URL (its database is emptied before and after); default: an embedded Redis")
    return p


def backend_label(database_url: str, redis_url: str) -> str:
    db_part = "postgresql" if database_url else "sqlite"
    redis_part = "redis" if redis_url else "embedded-redis"
    return f"{db_part}+{redis_part}"


def machine() -> str:
    model = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{os.cpu_count()} cores, {model}, Python {platform.python_version()}"


# ------------------------------------------------------------------ measurement


def percentile(values: list[float], q: float) -> float:
    """Linear interpolation between closest ranks (numpy's default), q in [0, 100]."""
    if not values:
        return math.nan
    ordered = sorted(values)
    if len(ordered) == 1:
        return ordered[0]
    position = (len(ordered) - 1) * q / 100.0
    low = math.floor(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def timed(function: Callable[[], Any], repeat: int = 1) -> list[float]:
    """Seconds per call, `repeat` calls."""
    out = []
    for _ in range(repeat):
        start = time.perf_counter()
        function()
        out.append(time.perf_counter() - start)
    return out


def best_of(function: Callable[[], Any], repeat: int = 3) -> float:
    return min(timed(function, repeat))


def fmt_ms(seconds: float) -> str:
    return f"{seconds * 1000:.2f} ms" if seconds < 10 else f"{seconds:.1f} s"


def fmt_ratio(value: float) -> str:
    return f"{value:.2f}x"


def table(title: str, headers: list[str], rows: Iterable[Iterable[Any]]) -> None:
    rows = [[str(cell) for cell in row] for row in rows]
    widths = [max(len(headers[i]), *(len(row[i]) for row in rows)) if rows else len(headers[i])
              for i in range(len(headers))]
    print()
    print(title)
    print("  ".join(h.ljust(w) for h, w in zip(headers, widths)))
    print("  ".join("-" * w for w in widths))
    for row in rows:
        print("  ".join(cell.rjust(w) if i else cell.ljust(w) for i, (cell, w) in enumerate(zip(row, widths))))
    sys.stdout.flush()


@dataclass
class Summary:
    lines: list[str] = field(default_factory=list)

    def add(self, name: str, figure: str, target: str, ok: bool) -> bool:
        self.lines.append(f"{name}: {figure} (target {target}) {'OK' if ok else 'MISS'}")
        return ok

    def note(self, name: str, figure: str) -> None:
        """A figure reported beside the targets, with none of its own."""
        self.lines.append(f"{name}: {figure} (for information, no target)")

    def print(self) -> None:
        print()
        for line in self.lines:
            print(line)
        sys.stdout.flush()


# --------------------------------------------------------------------- backends


class Backend:
    """Where a benchmark runs: a throwaway instance folder, with either the embedded
    default (SQLite file + embedded Redis, as `make run` without settings) or the servers
    given (a PostgreSQL schema of our own, a Redis database emptied before and after)."""

    def __init__(self, database_url: str = "", redis_url: str = ""):
        from workflow.core.config import normalise_database_url

        self.database_url = normalise_database_url(database_url) if database_url else ""
        self.given_redis_url = redis_url
        self.label = backend_label(database_url, redis_url)
        self.instance = Path(tempfile.mkdtemp(prefix="lanterne-bench-"))
        self.schema = f"lanterne_bench_{uuid.uuid4().hex[:10]}" if self.database_url else ""
        self.redis_url = redis_url
        self._redis_process = None
        self.secret_key = uuid.uuid4().hex * 2

    # -- life cycle
    def __enter__(self) -> "Backend":
        os.environ["LANTERNE_INSTANCE_PATH"] = str(self.instance)
        if self.schema:
            from sqlalchemy import create_engine, text

            admin = create_engine(self.database_url, isolation_level="AUTOCOMMIT")
            with admin.connect() as connection:
                connection.execute(text(f'CREATE SCHEMA "{self.schema}"'))
            admin.dispose()
            # Read by every create_app on this instance, in this process and in the servers.
            (self.instance / "config.py").write_text(
                "SQLALCHEMY_ENGINE_OPTIONS = " + repr(self.engine_options()) + "\n")
        if not self.redis_url:
            from workflow.core import embedded_redis
            from workflow.core.config import embedded_redis_dir

            self.redis_url, self._redis_process = embedded_redis.start(embedded_redis_dir(self.instance))
        self.flush_redis()
        return self

    def __exit__(self, *exc) -> None:
        try:
            self.flush_redis()
        except Exception:  # noqa: BLE001 - best effort on the way out
            pass
        if self._redis_process is not None:
            from workflow.core import embedded_redis

            embedded_redis.stop(self._redis_process)
        if self.schema:
            from sqlalchemy import create_engine, text

            admin = create_engine(self.database_url, isolation_level="AUTOCOMMIT")
            with admin.connect() as connection:
                connection.execute(text(f'DROP SCHEMA IF EXISTS "{self.schema}" CASCADE'))
            admin.dispose()
        shutil.rmtree(self.instance, ignore_errors=True)

    def flush_redis(self) -> None:
        import redis

        redis.Redis.from_url(self.redis_url).flushdb()

    # -- settings
    def engine_options(self) -> dict:
        options: dict[str, Any] = {}
        if self.schema:
            options["connect_args"] = {"options": f"-csearch_path={self.schema}"}
        return options

    def config(self, **extra) -> dict:
        """Configuration for create_app in this process."""
        settings = {
            "SECRET_KEY": self.secret_key,
            "REDIS_URL": self.redis_url,
            "REDIS_EMBEDDED": not self.given_redis_url,
            "SQLALCHEMY_ENGINE_OPTIONS": self.engine_options(),
            "MAIL_SERVER": "",
        }
        if self.database_url:
            settings["SQLALCHEMY_DATABASE_URI"] = self.database_url
        settings.update(extra)
        return settings

    def environment(self, **extra) -> dict:
        """Environment of a server started in a subprocess on this instance."""
        env = dict(os.environ, LANTERNE_INSTANCE_PATH=str(self.instance), SECRET_KEY=self.secret_key,
                   REDIS_URL=self.redis_url, PYTHONPATH=str(ROOT))
        env.pop("DATABASE_URL", None)
        if self.database_url:
            env["DATABASE_URL"] = self.database_url
        env.update({key: str(value) for key, value in extra.items()})
        return env

    def make_app(self, **extra):
        from app import create_app

        return create_app(self.config(**extra))


def migrate(app) -> None:
    from flask_migrate import upgrade

    with app.app_context(), quiet_logs():
        upgrade()


@contextmanager
def quiet_logs() -> Iterator[None]:
    import logging

    previous = logging.root.manager.disable
    logging.disable(logging.WARNING)
    try:
        yield
    finally:
        logging.disable(previous)


# ----------------------------------------------------------------- request chains

CHANNELS = ("email", "email", "email", "postal", "online_form")


@dataclass
class PlannedEvent:
    type: str
    occurred_on: date
    data: dict
    corrects: int | None = None  # index, in the request's list, of the event it corrects


@dataclass
class PlannedRequest:
    channel: str
    department: str
    events: list[PlannedEvent]


def _month_after(day: date) -> date:
    from workflow.law.deadlines import add_months

    return add_months(day, 1)


def plan_chain(rng: random.Random, today: date, sent_on: date | None, channel: str) -> list[PlannedEvent]:
    """A plausible, valid history: each step happens after the one before it and only if
    its day has come; the requester may stop at any step."""
    if sent_on is None:
        return []
    events = [PlannedEvent("sent", sent_on, {"channel": channel})]
    received = sent_on
    if channel == "postal":
        received = sent_on + timedelta(days=rng.randint(1, 4))
        if received > today:
            return events
        events.append(PlannedEvent("received", received, {}))
    ack_on = received + timedelta(days=rng.randint(2, 12))
    if ack_on <= today and rng.random() < 0.6:
        events.append(PlannedEvent("acknowledged", ack_on, {"r112_5": rng.random() < 0.7}))
    last = events[-1].occurred_on
    roll = rng.random()
    if roll < 0.2:  # documents communicated
        answered = received + timedelta(days=rng.randint(5, 40))
        if answered > today or answered < last:
            return events
        events.append(PlannedEvent("answered", answered, {}))
        closed = answered + timedelta(days=rng.randint(1, 30))
        if closed <= today and rng.random() < 0.7:
            events.append(PlannedEvent("closed", closed, {}))
        return events
    if roll < 0.45:  # explicit refusal
        refusal = max(last, received + timedelta(days=rng.randint(5, 28)))
        if refusal > today:
            return events
        events.append(PlannedEvent("refused", refusal, {"appeal_routes_stated": rng.random() < 0.8}))
        start = refusal
    else:  # silence: the implicit refusal is born a month after receipt
        start = _month_after(received)
    if rng.random() < 0.25:
        return events  # the requester stops here
    referred = max(start, events[-1].occurred_on) + timedelta(days=rng.randint(1, 50))
    if referred > today:
        return events
    events.append(PlannedEvent("cada_referred", referred, {"how": rng.choice(("online_form", "email", "postal"))}))
    registered = referred + timedelta(days=rng.randint(3, 15))
    if registered > today:
        return events
    events.append(PlannedEvent("cada_registered", registered, {"case_number": f"2026{rng.randint(1000, 9999)}"}))
    opinion = registered + timedelta(days=rng.randint(20, 70))
    if opinion > today:
        return events
    events.append(PlannedEvent("cada_opinion", opinion, {"outcome": rng.choice(
        ("favourable", "favourable", "favourable", "unfavourable", "moot"))}))
    reply = opinion + timedelta(days=rng.randint(5, 45))
    if reply > today or rng.random() < 0.3:
        return events
    outcome = rng.choice(("communicated", "refused", "partial"))
    events.append(PlannedEvent("authority_reply", reply, {"outcome": outcome}))
    if outcome == "communicated":
        closed = reply + timedelta(days=rng.randint(1, 30))
        if closed <= today:
            events.append(PlannedEvent("closed", closed, {}))
        return events
    court = reply + timedelta(days=rng.randint(5, 55))
    if court <= today and rng.random() < 0.5:
        events.append(PlannedEvent("court_filed", court, {}))
    return events


def add_corrections(rng: random.Random, events: list[PlannedEvent], count: int) -> None:
    """`count` corrections that keep every date (a corrected note or data), each correcting
    the latest version of one of the original events: the effective history is unchanged,
    the stored history grows."""
    originals = len(events)
    if not originals:
        return
    latest = list(range(originals))
    for _ in range(count):
        which = rng.randrange(originals)
        source = events[latest[which]]
        events.append(PlannedEvent(source.type, source.occurred_on, dict(source.data), corrects=latest[which]))
        latest[which] = len(events) - 1


def effective(events: list[PlannedEvent]) -> list[PlannedEvent]:
    corrected = {event.corrects for event in events if event.corrects is not None}
    out = [event for index, event in enumerate(events) if index not in corrected]
    return sorted(out, key=lambda event: event.occurred_on)


DEPARTMENTS = ("57", "67", "75", "13", "69", "33", "59", "2A", "971", "35")


def plan_requests(count: int, events_total: int, today: date, seed: int = 8,
                  span_days: int = 720, draft_share: float = 0.03) -> list[PlannedRequest]:
    """`count` requests sent over the last `span_days`, with `events_total` events in all
    (the chain's events, then date-keeping corrections spread over the sent requests)."""
    rng = random.Random(seed)
    planned = []
    for _ in range(count):
        channel = rng.choice(CHANNELS)
        sent_on = None if rng.random() < draft_share else today - timedelta(days=rng.randint(0, span_days))
        planned.append(PlannedRequest(channel, rng.choice(DEPARTMENTS), plan_chain(rng, today, sent_on, channel)))
    chain_events = sum(len(p.events) for p in planned)
    extra = max(0, events_total - chain_events)
    sent = [p for p in planned if p.events]
    if extra and sent:
        base, remainder = divmod(extra, len(sent))
        for position, p in enumerate(sent):
            add_corrections(rng, p.events, base + (1 if position < remainder else 0))
    return planned


# ---------------------------------------------------------------- derived rows


@dataclass
class Derived:
    status: str
    deadlines: dict  # kind -> workflow.law.deadlines.Deadline


def derive(planned: PlannedRequest, today: date) -> Derived:
    """What `requests.recompute` stores, computed by the pure engine."""
    from workflow.law.states import EventFact, derive_status, facts_from_events
    from workflow.law.deadlines import compute_deadlines

    facts = [EventFact(e.type, e.occurred_on, e.data) for e in effective(planned.events)]
    status = derive_status(facts, today, default_channel=planned.channel)
    deadlines = compute_deadlines(facts_from_events(facts, planned.department, today, default_channel=planned.channel))
    return Derived(status, deadlines)


def planned_reminders(derived: Derived, today: date) -> list[tuple[str, date, bool]]:
    """(kind, due_on, sent) rows as `reminders.sync` and past sweeps leave them: the past
    ones sent, the future ones waiting; none for a request no longer open."""
    from workflow.requests.reminders import DEFAULT_OFFSETS, OPEN_STATUSES_EXCLUDED, plan

    if derived.status in OPEN_STATUSES_EXCLUDED:
        return []
    days = {kind: (d.safe_date or d.date) for kind, d in derived.deadlines.items()}
    return [(r.kind, r.due_on, r.due_on < today) for r in plan(days, DEFAULT_OFFSETS)]


# ---------------------------------------------------------------------- seeding


class Seeder:
    """Bulk rows with SQLAlchemy Core (executemany in batches) and explicit ids, so that
    corrections can point at the events they correct; sequences are moved past them."""

    BATCH = 5000

    def __init__(self, app):
        self.app = app
        from workflow.core.extensions import db

        self.db = db
        self.tables = db.metadata.tables
        self.next_ids: dict[str, int] = {}
        self.counts: dict[str, int] = {}

    def _next_id(self, table: str) -> int:
        if table not in self.next_ids:
            from sqlalchemy import func, select

            current = self.db.session.scalar(select(func.max(self.tables[table].c.id))) or 0
            self.next_ids[table] = current + 1
        value = self.next_ids[table]
        self.next_ids[table] += 1
        return value

    def insert(self, table: str, rows: list[dict]) -> None:
        from sqlalchemy import insert

        statement = insert(self.tables[table])
        for start in range(0, len(rows), self.BATCH):
            self.db.session.execute(statement, rows[start:start + self.BATCH])
        self.counts[table] = self.counts.get(table, 0) + len(rows)

    def fix_sequences(self) -> None:
        from sqlalchemy import text

        if self.db.engine.dialect.name != "postgresql":
            return
        for table in self.next_ids:
            self.db.session.execute(text(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                f"(SELECT COALESCE(MAX(id), 1) FROM \"{table}\"))"))

    def base(self, authorities: int = 200) -> dict:
        """The bench user (real password hash, through the service), an identity and
        `authorities` authorities in the directory."""
        from workflow.accounts import users as accounts
        from workflow.models import RequesterIdentity

        user = accounts.create_user(BENCH_EMAIL, PASSWORD, "Banc d'essai")
        identity = RequesterIdentity(owner_id=user.id, kind="person", name="Camille Durand",
                                     address="3 rue Serpenoise\n57000 Metz", email="camille@example.org")
        self.db.session.add(identity)
        self.db.session.commit()
        now = datetime.now(timezone.utc)
        rows = []
        authority_ids = []
        for index in range(authorities):
            department = DEPARTMENTS[index % len(DEPARTMENTS)]
            authority_id = self._next_id("authorities")
            authority_ids.append((authority_id, department))
            rows.append({
                "id": authority_id, "slug": f"bench-{index}", "name": f"Commune de Banc-{index:04d}", "kind": "commune",
                "address_lines": "Hôtel de ville\n1 place de la Mairie", "postal_code": f"{department[:2]}000",
                "city": f"Banc-{index:04d}", "email": f"mairie{index}@example.org", "prada_name": "",
                "prada_email": "", "website": "", "online_request_url": "", "department_code": department,
                "verified": True, "notes": "", "created_at": now, "updated_at": now,
            })
        self.insert("authorities", rows)
        self.db.session.commit()
        return {"user_id": user.id, "identity_id": identity.id, "authorities": authority_ids}

    def requests(self, base: dict, planned: list[PlannedRequest], today: date, reference_prefix: str = "LNT-B",
                 items_per_request: int = 2) -> list[int]:
        """Insert the planned requests with their items, events, stored status, deadlines
        and reminders; returns their ids."""
        from workflow.law.states import status_changes_after

        rng = random.Random(len(planned))
        now = datetime.now(timezone.utc)
        self.next_ids = {}  # the application may have added rows since the last call
        requests, items, events, deadlines, reminder_rows = [], [], [], [], []
        ids = []
        by_department: dict[str, list[int]] = {}
        for authority_id, department in base["authorities"]:
            by_department.setdefault(department, []).append(authority_id)
        start_number = self.counts.get("requests", 0)
        for position, p in enumerate(planned):
            request_id = self._next_id("requests")
            ids.append(request_id)
            derived = derive(p, today)
            requests.append({
                "id": request_id, "reference": f"{reference_prefix}-{start_number + position + 1:06d}",
                "owner_id": base["user_id"], "organisation_id": None,
                "authority_id": rng.choice(by_department[p.department]), "requester_id": base["identity_id"],
                "campaign_id": None, "subject": f"Marchés publics de vidéoprotection n° {position + 1}",
                "legal_grounds": "", "channel": p.channel, "access_format": "email", "status": derived.status,
                "status_changes_after": status_changes_after(
                    derived.status, {kind: computed.date for kind, computed in derived.deadlines.items()}),
                "created_at": now, "updated_at": now - timedelta(seconds=position),
            })
            for index in range(items_per_request):
                items.append({"id": self._next_id("request_items"), "request_id": request_id, "position": index + 1,
                              "description": f"Document demandé n° {index + 1} : le marché et ses annexes"})
            event_ids: list[int] = []
            for event in p.events:
                event_id = self._next_id("events")
                event_ids.append(event_id)
                events.append({
                    "id": event_id, "request_id": request_id, "type": event.type, "occurred_on": event.occurred_on,
                    "data": event.data, "corrects_id": event_ids[event.corrects] if event.corrects is not None else None,
                    "author_id": base["user_id"], "recorded_at": now,
                    "note": "correction" if event.corrects is not None else "",
                })
            for kind, computed in derived.deadlines.items():
                deadlines.append({
                    "id": self._next_id("deadlines"), "request_id": request_id, "kind": kind, "due_on": computed.date,
                    "safe_date": computed.safe_date, "legal_date": computed.legal_date,
                    "explanation": computed.explanation, "enforceable": computed.enforceable,
                    "estimated": computed.estimated,
                })
            for kind, due_on, sent in planned_reminders(derived, today):
                reminder_rows.append({
                    "id": self._next_id("reminders"), "request_id": request_id, "kind": kind, "due_on": due_on,
                    "sent_at": datetime.combine(due_on, datetime.min.time(), tzinfo=timezone.utc) if sent else None,
                    "last_error": "",
                })
        for name, rows in (("requests", requests), ("request_items", items), ("events", events),
                           ("deadlines", deadlines), ("reminders", reminder_rows)):
            self.insert(name, rows)
        self.fix_sequences()
        self.db.session.commit()
        return ids

    def analyze(self) -> None:
        """Planner statistics as production has them after such a load: PostgreSQL's
        autovacuum; on SQLite, what the daily sweep refreshes."""
        from sqlalchemy import text

        self.db.session.commit()
        if self.db.engine.dialect.name == "postgresql":
            with self.db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
                connection.execute(text("ANALYZE"))
        else:
            from workflow.jobs.sweep import refresh_planner_statistics

            refresh_planner_statistics()


def today_paris() -> date:
    from workflow.core import clock

    return clock.today()


def median(values: list[float]) -> float:
    return statistics.median(values) if values else math.nan


def noop() -> None:
    """A job that does nothing: the baseline of what a worker costs per job."""
    return None
