"""The lifecycle of a background job a user watches (batch letters, dossier exports):
its JobRun row says queued, running (done of total), done (with the result's SHA-256)
or failed, whatever Redis remembers of the job."""
from __future__ import annotations

from typing import Callable

from rq import get_current_job

from workflow.core.extensions import db
from workflow.models import JobRun
from workflow.models.base import utcnow


def report_progress(run: JobRun, done: int, total: int | None = None) -> None:
    run.done = done
    if total is not None:
        run.total = total
    db.session.commit()
    job = get_current_job()
    if job is not None:
        job.meta["progress"] = {"done": done, "total": run.total}
        job.save_meta()


def run_tracked(run_id: int, work: Callable[[JobRun], tuple[str, str]]) -> str | None:
    """Run `work(run)` -> (result sha256, result file name) for a JobRun, once: a run
    already done (a retried or duplicated job) returns its result. A failure is written
    on the row for the user, then raised for RQ."""
    run = db.session.get(JobRun, run_id)
    if run is None or run.status == "done":
        return run.result_sha256 if run else None
    run.status, run.error, run.done = "running", "", 0
    db.session.commit()
    try:
        run.result_sha256, run.result_name = work(run)
        run.status, run.finished_at = "done", utcnow()
        db.session.commit()
        return run.result_sha256
    except Exception as error:
        db.session.rollback()
        run = db.session.get(JobRun, run_id)
        run.status, run.error, run.finished_at = "failed", str(error)[:2000], utcnow()
        db.session.commit()
        raise
