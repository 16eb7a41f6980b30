"""The Redis connection and the RQ queues. Redis only schedules: the database is the truth."""
from __future__ import annotations

import redis
from flask import Flask, current_app
from rq import Queue



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
