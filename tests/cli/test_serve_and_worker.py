"""`flask worker` and `flask serve`, what `make run` starts: the worker runs what is
queued, the server answers on loopback and stops whole on Ctrl-C or SIGTERM."""
import io
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from urllib.parse import quote

import psutil
import pytest
from sqlalchemy import select

from tests.documents.samples import make_pdf
from tests.helpers import make_request, page_text
from workflow.core import clock
from workflow.core.extensions import db
from workflow.documents import filing as documents
from workflow.jobs.queues import queue
from workflow.jobs.schedule import PERIODIC_JOBS
from workflow.models import Document

ROOT = Path(__file__).resolve().parents[2]  # where app.py is
WAIT_SECONDS = 60  # a bound on every wait below, never a measure


def test_flask_worker_burst_runs_what_is_queued_and_schedules_the_sweep(runner, client, alice, metz):
    access_request = make_request(alice, metz, "LNT-2026-0950")
    documents.file_documents(access_request, [documents.Upload("contrat.pdf", io.BytesIO(make_pdf(["Contrat de vidéoprotection"])))],
                             documents.FilingMeta(received_on=clock.today()), alice)
    assert "Aucun document ne contient" in page_text(client.get("/documents/recherche?q=vidéoprotection"))

    handlers = {signum: signal.getsignal(signum) for signum in (signal.SIGINT, signal.SIGTERM)}
    try:
        result = runner.invoke(args=["worker", "--burst"])  # forks a work horse per job, as in production
    finally:
        for signum, handler in handlers.items():  # RQ installed its own for the worker
            signal.signal(signum, handler)
    assert result.exit_code == 0, result.output

    db.session.expire_all()
    assert db.session.scalar(select(Document.text_status)) == "done"
    found_page = page_text(client.get("/documents/recherche?q=vidéoprotection"))
    assert "1 document trouvé" in found_page and "contrat.pdf" in found_page
    # The daily sweep is scheduled for its next run, the one run at start is done.
    scheduled = queue().scheduled_job_registry.get_job_ids()
    assert [job_id for job_id in scheduled if job_id.startswith(f"periodic-{PERIODIC_JOBS[0].name}-")]
    assert len(queue()) == 0


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def database_url(app) -> str:
    """The test database as a DATABASE_URL (the PostgreSQL schema in the URL's options)."""
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    schema = app.config.get("TEST_SCHEMA")
    return f"{url}?options={quote(f'-csearch_path={schema}')}" if schema else url


def healthz(port: int) -> dict | None:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as response:
            return json.loads(response.read())
    except OSError:
        return None


@pytest.fixture
def serve(app, redis_url, tmp_path):
    """`flask serve` on a free loopback port; yields (process, port, its children). Whatever
    the test leaves running is killed at the end, by process id."""
    port = free_port()
    environment = dict(os.environ, REDIS_URL=redis_url, DATABASE_URL=database_url(app),
                       LANTERNE_INSTANCE_PATH=app.instance_path, PORT=str(port), FLASK_DEBUG="0")
    output = open(tmp_path / "serve.log", "w+")
    process = subprocess.Popen([sys.executable, "-m", "flask", "--app", "app", "serve", "--web-workers", "1",
                                "--host", "127.0.0.1", "--port", str(port)],
                               cwd=ROOT, env=environment, stdout=output, stderr=subprocess.STDOUT)
    started: dict[int, psutil.Process] = {}
    try:
        yield process, port, started, output
    finally:
        if process.poll() is None:
            process.kill()
        for child in started.values():
            try:
                child.kill()
            except psutil.NoSuchProcess:
                pass
        process.wait(WAIT_SECONDS)
        output.close()


def wait_until_served(process, port, started) -> None:
    deadline = time.monotonic() + WAIT_SECONDS
    while healthz(port) is None:
        assert process.poll() is None, "flask serve stopped before answering"
        assert time.monotonic() < deadline, "flask serve did not answer /healthz"
        time.sleep(0.2)
    # The web server and the worker are the supervisor's children (in sessions of their own).
    while True:
        children = psutil.Process(process.pid).children(recursive=False)
        commands = [" ".join(child.cmdline()) for child in children]
        if any("gunicorn" in command for command in commands) and any(" worker" in command for command in commands):
            break
        assert time.monotonic() < deadline, f"flask serve's children: {commands}"
        time.sleep(0.2)
    for child in children:
        started[child.pid] = child
        for grandchild in child.children(recursive=True):
            started[grandchild.pid] = grandchild


def still_running(processes) -> list[str]:
    alive = []
    for process in processes:
        try:
            if process.is_running() and process.status() != psutil.STATUS_ZOMBIE:
                alive.append(" ".join(process.cmdline()))
        except psutil.NoSuchProcess:
            pass
    return alive


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM], ids=["ctrl-c", "sigterm"])
def test_flask_serve_answers_then_stops_everything_it_started(serve, signum):
    process, port, started, output = serve
    wait_until_served(process, port, started)
    assert healthz(port) == {"status": "ok"}
    assert len(started) >= 3  # gunicorn's arbiter and its worker, the RQ worker

    process.send_signal(signum)
    assert process.wait(WAIT_SECONDS) == 0
    deadline = time.monotonic() + WAIT_SECONDS
    while still_running(started.values()) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert still_running(started.values()) == []
    assert healthz(port) is None
    output.seek(0)
    log = output.read()
    assert f"Lanterne : http://127.0.0.1:{port}/" in log and "Lanterne est arrêté." in log


def test_the_web_server_uses_threaded_workers():
    """A slow page holds one thread, not the whole process (issue 18, finding 3)."""
    from workflow.cli import web_server_command

    command = web_server_command("127.0.0.1", 5000, 2, 8)
    assert command[command.index("--worker-class") + 1] == "gthread"
    assert command[command.index("--threads") + 1] == "8"
