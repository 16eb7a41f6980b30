"""The RQ job that removes the stored files no row names any more (an account deleted
with its requests, an export's result expired): RGPD art. 17 reaches the files, not only
the rows. Safe to run twice; a failure raises and the next sweep queues it again."""
from __future__ import annotations

from dataclasses import asdict
from datetime import timedelta

from flask import current_app

from workflow.core.storage import file_store
from workflow.jobs.schedule import enqueue_unless_live
from workflow.models.stored_files import database_token, referenced_files

COLLECT_JOB_ID = "stored-files-collect"
# Longer than any upload, e-mail or job takes from publishing its file to committing the
# row that names it; the store's lock covers the rest (workflow/core/storage.py).
GRACE = timedelta(days=1)


def collect_stored_files(grace: timedelta = GRACE) -> dict[str, int]:
    report = file_store().collect(referenced_files(), grace, database_token())
    current_app.logger.info("stored files: %s", report)
    return asdict(report)


def enqueue_collection() -> bool:
    return enqueue_unless_live(collect_stored_files, COLLECT_JOB_ID)
