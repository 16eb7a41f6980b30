"""`make bench`: every benchmark on the embedded default (SQLite + embedded Redis) and on
PostgreSQL + a Redis server, then one line per figure:

    NAME: <figure> (target <target>) OK|MISS

    .venv/bin/python bench/run_all.py [--full]

Quick sizes by default (a few minutes on 2 cores); --full (make bench FULL=1) runs the
sizes the README reports. PostgreSQL and Redis come from BENCH_DATABASE_URL and
BENCH_REDIS_URL (defaults: the local servers); unreachable, that half is skipped and said.
"""
from __future__ import annotations

import argparse
import os
import re
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
SUMMARY = re.compile(r"^\S+: .+ \(target .+\) (OK|MISS)$")
DEFAULT_DATABASE = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
DEFAULT_REDIS = "redis://127.0.0.1:6379/14"


def reachable(url: str) -> bool:
    parts = urlsplit(url)
    try:
        with socket.create_connection((parts.hostname or "127.0.0.1", parts.port or 0), timeout=2):
            return True
    except OSError:
        return False


def run(script: str, arguments: list[str], lines: list[str]) -> bool:
    command = [sys.executable, str(HERE / script), *arguments]
    print(f"\n=== {' '.join([Path(command[1]).relative_to(ROOT).as_posix(), *arguments])}", flush=True)
    start = time.perf_counter()
    process = subprocess.Popen(command, cwd=str(ROOT), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    reported = 0
    for line in process.stdout:
        sys.stdout.write(line)
        sys.stdout.flush()
        if SUMMARY.match(line.rstrip("\n")):
            lines.append(line.rstrip("\n"))
            reported += 1
    process.wait()
    print(f"=== {script}: {time.perf_counter() - start:.0f} s, exit {process.returncode}", flush=True)
    if reported == 0:  # a MISS is a result; a benchmark that reports nothing has failed
        lines.append(f"{Path(script).stem}: FAILED (exit {process.returncode}) (target runs) MISS")
        return False
    return True


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--full", action="store_true", help="full sizes (make bench FULL=1)")
    args = parser.parse_args()
    size = [] if args.full else ["--quick"]
    database_url = os.environ.get("BENCH_DATABASE_URL") or DEFAULT_DATABASE
    redis_url = os.environ.get("BENCH_REDIS_URL") or DEFAULT_REDIS
    backends = [("embedded default", ["--database-url", "", "--redis-url", ""])]
    skipped = []
    if reachable(database_url) and reachable(redis_url):
        backends.append(("PostgreSQL + Redis", ["--database-url", database_url, "--redis-url", redis_url]))
    else:
        skipped.append(f"postgresql+redis: SKIPPED ({database_url} or {redis_url} unreachable)")
    lines: list[str] = []
    ok = True
    start = time.perf_counter()
    ok &= run("letters.py", size, lines)  # pure rendering: no database, no Redis
    ok &= run("ocr.py", size, lines)  # pure extraction: no database, no Redis
    for _label, arguments in backends:
        for script in ("pages.py", "load.py", "deadlines.py", "jobs.py", "filing.py", "directory.py", "precedents.py"):
            ok &= run(script, [*size, *arguments], lines)
    print(f"\n=== all benchmarks: {time.perf_counter() - start:.0f} s "
          f"({'full' if args.full else 'quick'} sizes)\n")
    for line in skipped + lines:
        print(line)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
