"""RQ jobs. Each takes ids, re-reads the database, is safe to run twice, and lets a
failure raise so that RQ records it (the row the user watches says so too)."""
from __future__ import annotations

import io
import zipfile

from rq import get_current_job

from workflow import request_letters
from workflow.extensions import db
from workflow.models import Campaign, JobRun
from workflow.models.base import utcnow
from workflow.storage import file_store


def _progress(run: JobRun, done: int) -> None:
    run.done = done
    db.session.commit()
    job = get_current_job()
    if job is not None:
        job.meta["progress"] = {"done": done, "total": run.total}
        job.save_meta()


def render_campaign_letters(run_id: int, kind: str) -> str | None:
    """One PDF per request of a campaign, in a ZIP kept in the file store."""
    run = db.session.get(JobRun, run_id)
    if run is None or run.status == "done":
        return run.result_sha256 if run else None  # gone, or already done by an earlier try
    campaign = db.session.get(Campaign, run.campaign_id)
    requests = sorted(campaign.requests, key=lambda found: found.reference)
    run.status, run.total, run.error = "running", len(requests), ""
    db.session.commit()
    try:
        archive = io.BytesIO()
        skipped = []
        with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as bundle:
            for position, found in enumerate(requests, start=1):
                try:
                    rendered = request_letters.render(request_letters.build_context(found, kind), "pdf")
                except request_letters.LetterNotReady as error:
                    skipped.append(f"{found.reference} ({found.authority.name}) : {error}")
                else:
                    bundle.writestr(rendered.filename, rendered.content)
                _progress(run, position)
            if skipped:
                bundle.writestr("non-prets.txt", "Courriers non préparés :\n" + "\n".join(skipped) + "\n")
        run.result_sha256 = file_store().put(archive.getvalue())
        run.result_name = f"campagne-{campaign.id}-{kind}.zip"
        run.status, run.finished_at = "done", utcnow()
        db.session.commit()
        return run.result_sha256
    except Exception as error:
        db.session.rollback()
        run = db.session.get(JobRun, run_id)
        run.status, run.error, run.finished_at = "failed", str(error)[:2000], utcnow()
        db.session.commit()
        raise
