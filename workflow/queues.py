"""The Redis connection and the RQ queues. Redis only schedules: the database is the truth."""
from __future__ import annotations

import redis
from flask import Flask, current_app
from rq import Queue, Worker

from workflow.extensions import db


def redis_connection(app: Flask | None = None) -> redis.Redis:
    app = app or current_app
    connection = app.extensions.get("lanterne_redis")
    if connection is None:
        connection = redis.Redis.from_url(app.config["REDIS_URL"], socket_connect_timeout=2, socket_timeout=5)
        app.extensions["lanterne_redis"] = connection
    return connection


def queue(name: str = "default", app: Flask | None = None) -> Queue:
    return Queue(name, connection=redis_connection(app))


def enqueue_after_commit(function, *args, job_id: str, **kwargs) -> bool:
    """Queue a job whose rows are already committed. Redis only schedules: if it is down,
    the work stays recorded in the database and False is returned for the caller to say so."""
    try:
        queue().enqueue(function, *args, job_id=job_id, **kwargs)
    except redis.exceptions.RedisError:
        current_app.logger.warning("Redis unavailable: job %s not queued", job_id)
        return False
    return True


def preload_for_work_horses() -> None:
    """Import the job modules and configure the ORM mappers once, in the worker itself:
    every forked work horse inherits them. Left to the horses, each job would import
    them and configure every mapper again (tens of milliseconds per job)."""
    from sqlalchemy.orm import configure_mappers

    import workflow.jobs  # noqa: F401
    from workflow import reminders, schedule, sweep  # noqa: F401  (imported lazily by the jobs)

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
