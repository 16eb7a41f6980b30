"""Pages: what a user waits for on the dashboard and on a request page, under concurrent
load over loopback, as ratios to the minimal route (/healthz) of the same server in the
same run.

The database holds 10,000 requests and 200,000 events (quick: 2,000 and 40,000), all
visible to the user who logs in (the worst case for the dashboard). The server is the one
`flask serve` starts: gunicorn, 2 sync workers, in a subprocess, on 127.0.0.1. The load
is a closed loop of 8 clients (threads, http.client), each route on its own in turn,
bounded by a count and a time limit.

Each page is measured twice: as most visits find it, its content reused because nothing
changed (workflow/web/page_cache.py), and as the first visit after a change finds it, on a
second server started with PAGE_CACHE_SIZE=0 so that every visit renders.

    .venv/bin/python bench/pages.py [--quick] [--database-url URL] [--redis-url URL]
"""
from __future__ import annotations

import http.client
import re
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from urllib.parse import urlencode

sys.path.insert(0, str(Path(__file__).resolve().parent))

import common  # noqa: E402
from common import Backend, Seeder, Summary, percentile, table  # noqa: E402
from workflow.cli import web_server_command  # noqa: E402  (the command `flask serve` runs)

CLIENTS = 8
WEB_WORKERS = 2
WEB_THREADS = 8  # as `flask serve`: gthread workers
DASHBOARD_TARGET = 3.0  # dashboard p95 / healthz p95
REQUEST_PAGE_TARGET = 3.0
AFTER_CHANGE = ", after a change (no cache)"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Session:
    """One keep-alive connection (reopened when the server closes it) with the cookie."""

    def __init__(self, port: int, cookie: str = ""):
        self.port = port
        self.cookie = cookie
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)

    def request(self, method: str, path: str, body: str | None = None, headers: dict | None = None):
        headers = dict(headers or {})
        if self.cookie:
            headers["Cookie"] = self.cookie
        for attempt in range(2):
            try:
                self.connection.request(method, path, body=body, headers=headers)
                response = self.connection.getresponse()
                data = response.read()
                break
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
                self.connection.close()
                if attempt:
                    raise
        if response.getheader("Connection", "").lower() == "close":
            self.connection.close()
        for header, value in response.getheaders():
            if header.lower() == "set-cookie" and value.startswith("session="):
                self.cookie = value.split(";", 1)[0]
        return response.status, response, data

    def close(self) -> None:
        self.connection.close()


def log_in(port: int) -> str:
    session = Session(port)
    status, _response, body = session.request("GET", "/connexion")
    assert status == 200, status
    token = re.search(rb'name="csrf_token"[^>]*value="([^"]+)"', body) or \
        re.search(rb'value="([^"]+)"[^>]*name="csrf_token"', body)
    assert token, "no csrf_token on the log-in page"
    form = urlencode({"csrf_token": token.group(1).decode(), "email": common.BENCH_EMAIL,
                      "password": common.PASSWORD})
    status, response, _ = session.request("POST", "/connexion", form,
                                          {"Content-Type": "application/x-www-form-urlencoded"})
    assert status == 302, f"log-in failed: {status}"
    session.close()
    return session.cookie


def load(port: int, cookie: str, path: str, count: int, time_limit: float, check: bytes) -> list[float]:
    """A closed loop of CLIENTS clients sending `count` requests in all (or until the time
    limit), each waiting for its answer before the next; seconds per request."""
    latencies: list[float] = []
    errors: list[str] = []
    lock = threading.Lock()
    remaining = [count]
    deadline = time.monotonic() + time_limit

    def client():
        session = Session(port, cookie)
        try:
            while time.monotonic() < deadline:
                with lock:
                    if remaining[0] <= 0:
                        return
                    remaining[0] -= 1
                start = time.perf_counter()
                status, _response, body = session.request("GET", path)
                elapsed = time.perf_counter() - start
                if status != 200 or check not in body:
                    errors.append(f"{path}: {status}")
                    return
                with lock:
                    latencies.append(elapsed)
        finally:
            session.close()

    threads = [threading.Thread(target=client) for _ in range(CLIENTS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if errors:
        raise RuntimeError(f"errors under load: {errors[:3]}")
    return latencies


def server_log(backend: Backend) -> Path:
    """What the server wrote (warnings and errors, with their tracebacks)."""
    return backend.instance / "server.log"


def start_server(backend: Backend, port: int, **environment) -> subprocess.Popen:
    # The log goes to a file: a pipe nobody reads would block the server once full.
    log = server_log(backend).open("ab")
    process = subprocess.Popen(
        [*web_server_command("127.0.0.1", port, WEB_WORKERS, WEB_THREADS), "--log-level", "warning"],
        cwd=str(common.ROOT), env=backend.environment(**environment), stdout=subprocess.DEVNULL, stderr=log,
        start_new_session=True)
    log.close()
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError("gunicorn stopped: " + server_log(backend).read_text(errors="replace")[-2000:])
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            connection.request("GET", "/healthz")
            if connection.getresponse().status == 200:
                connection.close()
                return process
        except OSError:
            time.sleep(0.1)
    process.kill()
    raise RuntimeError("gunicorn did not answer within 60 s")


def stop_server(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(20)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def seed(backend: Backend, requests: int, events: int) -> tuple[int, str]:
    """Returns the id and reference of the request page to load: the one with the longest
    history (most events, then the furthest along the chain)."""
    app = backend.make_app()
    common.migrate(app)
    today = common.today_paris()
    with app.app_context(), common.quiet_logs():
        seeder = Seeder(app)
        base = seeder.base()
        planned = common.plan_requests(requests, events, today)
        ids = seeder.requests(base, planned, today)
        seeder.analyze()
        best = max(range(len(planned)), key=lambda i: (len(common.effective(planned[i].events)), len(planned[i].events)))
        from workflow.core.extensions import db
        from workflow.models import AccessRequest

        reference = db.session.get(AccessRequest, ids[best]).reference
        db.session.remove()
        db.engine.dispose()
        return ids[best], reference, seeder.counts


def main() -> int:
    args = common.parser(__doc__.splitlines()[0]).parse_args()
    requests, events = (2_000, 40_000) if args.quick else (10_000, 200_000)
    per_route, time_limit = (400, 45.0) if args.quick else (2_000, 120.0)
    summary = Summary()
    print(f"bench/pages.py — {common.machine()}")
    with Backend(args.database_url, args.redis_url) as backend:
        start = time.perf_counter()
        request_id, reference, counts = seed(backend, requests, events)
        print(f"seeded {counts} in {time.perf_counter() - start:.1f} s; request page: {reference}")
        port = free_port()
        server = start_server(backend, port)
        try:
            cookie = log_in(port)
            routes = [("/healthz", "/healthz", b'"ok"'), ("dashboard /", "/", b"Tableau de bord"),
                      (f"request page /demandes/{request_id}", f"/demandes/{request_id}", reference.encode())]
            results = {}
            for label, path, check in routes:
                load(port, cookie, path, 4 * CLIENTS, 30.0, check)  # warm-up: both workers, caches
                results[label] = load(port, cookie, path, per_route, time_limit, check)
        finally:
            stop_server(server)
        # The pages as the first visit after a change sees them: the same server with its
        # cache of rendered parts turned off, so that every visit renders.
        server = start_server(backend, port, PAGE_CACHE_SIZE=0)
        try:
            cookie = log_in(port)
            for label, path, check in routes[1:]:
                load(port, cookie, path, 4 * CLIENTS, 30.0, check)
                results[label + AFTER_CHANGE] = load(port, cookie, path, per_route, time_limit, check)
        finally:
            stop_server(server)
    base = results["/healthz"]
    rows = []
    for label, latencies in results.items():
        row = [label, str(len(latencies))]
        for q in (50, 95, 99):
            value = percentile(latencies, q)
            row.append(f"{value * 1000:.1f} ms ({value / percentile(base, q):.1f}x)")
        rows.append(row)
    table(f"Pages under {CLIENTS} concurrent clients, gunicorn {WEB_WORKERS} workers × {WEB_THREADS} threads — {backend.label} "
          f"({counts['requests']:,} requests, {counts['events']:,} events)",
          ["route", "requests", "p50 (vs /healthz)", "p95 (vs /healthz)", "p99 (vs /healthz)"], rows)
    labels = list(results)

    def p95_ratio(label: str) -> float:
        return percentile(results[label], 95) / percentile(base, 95)

    for label, name, target in ((labels[1], "dashboard", DASHBOARD_TARGET), (labels[2], "request", REQUEST_PAGE_TARGET)):
        summary.add(f"pages.{name}[{backend.label}]", f"p95 {p95_ratio(label):.1f}x /healthz "
                    f"({percentile(results[label], 95) * 1000:.1f} ms vs {percentile(base, 95) * 1000:.1f} ms; "
                    f"first visit after a change {p95_ratio(label + AFTER_CHANGE):.1f}x)",
                    f"<= {target:.0f}x", p95_ratio(label) <= target)
    summary.print()
    return 0


if __name__ == "__main__":
    sys.exit(main())
