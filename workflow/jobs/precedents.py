"""The RQ job that puts imported CADA opinions in the full-text index
(`workflow.precedents.indexing`). As in `workflow.jobs.tasks`: it re-reads the database,
is safe to run twice, and a failure raises (what is not indexed still waits, and the next
sweep queues the job again)."""
from __future__ import annotations

from workflow.precedents import indexing
from workflow.jobs.schedule import enqueue_unless_live

INDEX_JOB_ID = "cada-opinion-index"
INDEX_TIMEOUT = 60 * 60


def index_opinions() -> int:
    return indexing.index_awaiting()


def enqueue_indexing() -> bool:
    return enqueue_unless_live(index_opinions, INDEX_JOB_ID, job_timeout=INDEX_TIMEOUT)


def requeue_if_waiting() -> bool:
    """For the sweep: queue the job when opinions wait for the index (Redis lost the job, or
    was down at import). True when it queued (or found) one."""
    return bool(indexing.awaiting_count()) and enqueue_indexing()
