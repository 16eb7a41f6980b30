"""Every setting Lanterne reads, from the environment, with its default (embedded ones under
the instance folder). `create_app` applies, in order: `Defaults`, `settings_from_environment`,
the instance's `config.py`, then the factory's argument; code reads `current_app.config[...]`.

Without DATABASE_URL Lanterne uses a SQLite file; without REDIS_URL it uses an
embedded Redis server listening on a Unix socket, both under ``instance/``.
"""
from __future__ import annotations

import os
import secrets
from datetime import timedelta
from pathlib import Path

SECRET_KEY_FILE = "secret_key"
SQLITE_FILE = "lanterne.sqlite3"


def embedded_redis_dir(instance_path: str | os.PathLike) -> Path:
    return Path(instance_path) / "redis"


def embedded_redis_url(instance_path: str | os.PathLike) -> str:
    return f"unix://{embedded_redis_dir(instance_path) / 'redis.sock'}"


def load_or_create_secret_key(instance_path: str | os.PathLike) -> str:
    """Generated once per instance, so sessions survive restarts without a constant."""
    path = Path(instance_path) / SECRET_KEY_FILE
    if path.exists():
        return path.read_text().strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_hex(32)
    # O_EXCL: if two processes start at once, the first one's key wins.
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_text().strip()
    with os.fdopen(fd, "w") as handle:
        handle.write(key)
    return key


def _bool(value: str | None, default: bool = False) -> bool:
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def normalise_database_url(url: str) -> str:
    # Hosting platforms hand out postgres:// URLs; SQLAlchemy wants a driver name.
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


MiB = 1024 * 1024
DOCUMENT_LIMITS = {
    "DOCUMENT_MAX_BYTES": 50 * MiB,  # one file, uploaded or unpacked
    "DOCUMENT_ARCHIVE_MAX_BYTES": 500 * MiB,  # everything unpacked from one upload
    "DOCUMENT_ARCHIVE_MAX_FILES": 1000,  # files unpacked from one upload
    "DOCUMENT_ARCHIVE_MAX_DEPTH": 2,  # an archive (or e-mail) inside an archive, not deeper
    "DOCUMENT_ARCHIVE_MAX_RATIO": 200,  # uncompressed / compressed size of one member
    "DOCUMENT_EXPORT_INLINE_BYTES": 20 * MiB,  # a larger dossier is exported by a background job
}


def settings_from_environment(instance_path: str, environ: os._Environ | dict = os.environ) -> dict:
    database_url = environ.get("DATABASE_URL") or f"sqlite:///{Path(instance_path) / SQLITE_FILE}"
    redis_url = environ.get("REDIS_URL") or ""
    return {
        "SECRET_KEY": environ.get("SECRET_KEY") or load_or_create_secret_key(instance_path),
        "SQLALCHEMY_DATABASE_URI": normalise_database_url(database_url),
        "REDIS_URL": redis_url or embedded_redis_url(instance_path),
        "REDIS_EMBEDDED": not redis_url,
        "RQ_QUEUES": ["default"],
        "MAIL_SERVER": environ.get("MAIL_SERVER", ""),
        "MAIL_PORT": int(environ.get("MAIL_PORT") or 25),
        "MAIL_USERNAME": environ.get("MAIL_USERNAME", ""),
        "MAIL_PASSWORD": environ.get("MAIL_PASSWORD", ""),
        "MAIL_USE_TLS": _bool(environ.get("MAIL_USE_TLS")),
        "MAIL_USE_SSL": _bool(environ.get("MAIL_USE_SSL")),
        "MAIL_FROM": environ.get("MAIL_FROM", "lanterne@localhost"),
        # Inbound e-mail (workflow/inbound): the mailbox answers reach. Each request replies to
        # its own "+tag" form of INBOUND_ADDRESS; IMAP_URL (imaps://user:password@host:993/INBOX)
        # is polled every IMAP_POLL_SECONDS by the scheduler, or a mail server pipes to `flask mail receive`.
        "INBOUND_ADDRESS": environ.get("INBOUND_ADDRESS", "").strip(),
        "IMAP_URL": environ.get("IMAP_URL", "").strip(),
        "IMAP_POLL_SECONDS": int(environ.get("IMAP_POLL_SECONDS") or 120),
        # Letters e-mailed from the request's reply address itself (only if the SMTP server allows it);
        # otherwise from MAIL_FROM, with the reply address as Reply-To.
        "MAIL_FROM_REPLY_ADDRESS": _bool(environ.get("MAIL_FROM_REPLY_ADDRESS")),
        "INBOUND_MAX_BYTES": int(environ.get("INBOUND_MAX_BYTES") or 60 * MiB),  # one received message, whole
        # New accounts confirm their address by an e-mailed link before they can sign in (needs MAIL_SERVER).
        "EMAIL_VERIFICATION": _bool(environ.get("EMAIL_VERIFICATION")),
        # Links in e-mails and calendar feeds point here.
        "BASE_URL": (environ.get("BASE_URL") or f"http://127.0.0.1:{environ.get('PORT') or 5000}").rstrip("/"),
        # Reverse proxies in front of Lanterne whose X-Forwarded-For / -Proto are believed (app.py,
        # ProxyFix); 0: none, the client is the connection's peer. The log-in throttle counts by this address.
        "TRUSTED_PROXIES": int(environ.get("TRUSTED_PROXIES") or 0),
        "SESSION_COOKIE_SECURE": _bool(environ.get("SESSION_COOKIE_SECURE")),
        "REMEMBER_COOKIE_SECURE": _bool(environ.get("SESSION_COOKIE_SECURE")),
        # Rendered dashboards and request pages kept per web process (workflow/web/page_cache.py); 0 turns it off.
        "PAGE_CACHE_SIZE": int(environ.get("PAGE_CACHE_SIZE") or 128),
        # `flask serve` listens on this port unless --port says otherwise.
        "PORT": int(environ.get("PORT") or 5000),
        # Received documents and generated files, stored by their SHA-256 (workflow/core/storage.py).
        "FILE_STORE_PATH": str(Path(instance_path) / "files"),
        # Limits on received documents (workflow/documents/filing.py) and the inline dossier export.
        **{name: int(environ.get(name) or default) for name, default in DOCUMENT_LIMITS.items()},
    }


class Defaults:
    """Values that do not depend on the environment."""

    SQLALCHEMY_ENGINE_OPTIONS: dict = {}
    # A pooled database connection idle longer than this is checked before use (app.py).
    DATABASE_PING_AFTER_IDLE_SECONDS = 10.0
    PAGE_CACHE_SECONDS = 300
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_DURATION = timedelta(days=30)  # Flask-Login's default is a year
    WTF_CSRF_TIME_LIMIT = None  # a long form should not expire while a user writes it
    MAX_CONTENT_LENGTH = 50 * 1024 * 1024
    JSON_SORT_KEYS = False
    PER_PAGE = 25
