"""RQ: queues, the job functions (ids in, re-read, idempotent), the periodic schedule, the
sweep. The domains never import this package: they announce what they committed (blinker
signals) and `init_app` connects the jobs that follow."""
from __future__ import annotations

from flask import Flask

from workflow.documents.filing import documents_filed
from workflow.jobs.documents import enqueue_extraction
from workflow.jobs.schedule import schedule_request_reminders
from workflow.requests.lifecycle import events_committed


def init_app(_app: Flask) -> None:
    # Module-level functions, so blinker's weak references keep them; connecting twice is harmless.
    events_committed.connect(schedule_request_reminders)
    documents_filed.connect(enqueue_extraction)
