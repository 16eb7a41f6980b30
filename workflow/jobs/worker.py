"""The RQ worker Lanterne runs (`flask worker`, `flask serve`): a forking worker whose
work horses inherit the job modules and the configured ORM mappers."""
from __future__ import annotations

from rq import Worker
from sqlalchemy.orm import configure_mappers

import workflow.jobs.documents  # noqa: F401  (the job functions, imported before forking)
import workflow.jobs.tasks  # noqa: F401
from workflow.core.extensions import db


def preload_for_work_horses() -> None:
    """Configure the ORM mappers once, in the worker itself: every forked work horse
    inherits them, as it inherits the job modules this module imports. Left to the horses,
    each job would import them and configure every mapper again (tens of milliseconds per
    job)."""
    configure_mappers()


class LanterneWorker(Worker):
    """RQ's forking worker; the forked work horse drops the database connections it
    inherited, which belong to the parent (SQLAlchemy's rule for fork)."""

    def work(self, *args, **kwargs):
        preload_for_work_horses()
        return super().work(*args, **kwargs)

    def main_work_horse(self, job, queue):
        db.engine.dispose(close=False)
        return super().main_work_horse(job, queue)
