"""RQ jobs for documents received: text extraction and dossier exports. As in
`workflow.jobs.tasks`: ids in, re-read, safe to run twice, a failure raises (and the row the
user watches says so)."""
from __future__ import annotations

from datetime import timedelta

import redis
from flask import current_app
from rq import Queue
from rq.job import Job
from sqlalchemy import select

from workflow import documents
from workflow.core.extensions import db
from workflow.models import Campaign, Document, JobRun, AccessRequest, User
from workflow.models.base import utcnow
from workflow.jobs.runs import report_progress, run_tracked
from workflow.jobs.queues import enqueue_after_commit, queue

EXTRACTION_TIMEOUT = 30 * 60  # OCR of a long scan takes a while
EXPORT_TIMEOUT = 60 * 60


def extraction_job_id(document_id: int) -> str:
    return f"document-text-{document_id}"


def enqueue_extraction(document_ids: list[int]) -> bool:
    """Queue the extraction of committed documents, in one round trip; False if Redis is
    down (the rows stay "pending" and the document page offers to try again)."""
    if not document_ids:
        return True
    jobs = queue()  # enqueue_many even for one: one round trip (enqueue makes two)
    try:
        jobs.enqueue_many([Queue.prepare_data(extract_document_text, args=(document_id,),
                                              job_id=extraction_job_id(document_id), timeout=EXTRACTION_TIMEOUT)
                           for document_id in document_ids])
    except redis.exceptions.RedisError:
        current_app.logger.warning("Redis unavailable: text extraction of %s not queued", document_ids)
        return False
    return True


def requeue_pending(older_than: timedelta = timedelta(minutes=10)) -> int:
    """Queue again the extractions Redis lost (or never got: it was down at filing time):
    documents still "pending" after `older_than` whose job is not in Redis. For the
    periodic sweep; returns how many were queued."""
    cutoff = utcnow() - older_than
    waiting = db.session.scalars(select(Document.id).where(Document.text_status == "pending",
                                                           Document.created_at < cutoff).order_by(Document.id)).all()
    connection = queue().connection
    lost = [document_id for document_id in waiting
            if not Job.exists(extraction_job_id(document_id), connection=connection)]
    return len(lost) if lost and enqueue_extraction(lost) else 0


def extract_document_text(document_id: int) -> str | None:
    """Text page by page, index, page count, thumbnail. Does nothing for a document gone
    or already done; set text_status back to "pending" to run it again."""
    document = db.session.get(Document, document_id)
    if document is None or document.text_status != "pending":
        return document.text_status if document else None
    try:
        return documents.extract_and_index(document).status
    except Exception as error:
        db.session.rollback()
        document = db.session.get(Document, document_id)
        document.text_status = "failed"
        document.text_note = f"L'extraction du texte a échoué : {str(error)[:300]}"
        document.extracted_at = utcnow()
        db.session.commit()
        current_app.logger.exception("Text extraction failed for document %s", document_id)
        raise


def export_dossier(run_id: int) -> str | None:
    """The dossier ZIP of a request or a campaign (the requests its user may see), kept
    in the file store; the run row holds its SHA-256."""

    def work(run: JobRun) -> tuple[str, str]:
        user = db.session.get(User, run.user_id)
        if run.campaign_id:
            campaign = db.session.get(Campaign, run.campaign_id)
            requests = documents.campaign_requests(campaign, user)
            root, scope = f"dossier-campagne-{campaign.id}", documents.campaign_scope(campaign)
        else:
            access_request = db.session.get(AccessRequest, run.request_id)
            requests = [access_request]
            root, scope = f"dossier-{access_request.reference}", documents.request_scope(access_request)
        sha256 = documents.export_to_store(requests, root, scope,
                                           progress=lambda done, total: report_progress(run, done, total))
        return sha256, f"{root}.zip"

    return run_tracked(run_id, work)


def start_export(user: User, access_request: AccessRequest | None = None, campaign: Campaign | None = None) -> JobRun:
    """Record the run, commit, then queue it (the worker can only find a committed row)."""
    run = JobRun(rq_job_id="pending", kind="campaign_export" if campaign else "request_export", user_id=user.id,
                 campaign_id=campaign.id if campaign else None, request_id=access_request.id if access_request else None)
    db.session.add(run)
    db.session.flush()
    run.rq_job_id = f"dossier-export-{run.id}"
    db.session.commit()
    if not enqueue_after_commit(export_dossier, run.id, job_id=run.rq_job_id, job_timeout=EXPORT_TIMEOUT):
        run.status, run.error = "failed", "La file des tâches (Redis) est indisponible : réessayez dans un instant."
        db.session.commit()
    return run
