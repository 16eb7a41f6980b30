"""Lanterne's application factory: `flask --app app ...` finds `create_app` here."""
from __future__ import annotations

import logging
import os
from typing import Any

from flask import Flask, g, jsonify, redirect, render_template, request, url_for
from flask_login import current_user
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import OperationalError
from werkzeug.exceptions import HTTPException
from werkzeug.middleware.proxy_fix import ProxyFix

from workflow.core.config import Defaults, settings_from_environment
from workflow.core.storage import private_directory, private_files
from workflow.core.extensions import csrf, db, login_manager, migrate

# Pages anyone may open; everything else needs an account (the API has its own tokens).
PUBLIC_ENDPOINTS = {"account.login", "account.signup", "account.forgotten_password", "account.reset_password",
                    "account.verify_email", "account.invitation", "static", "healthz", "favicon", "calendar.feed"}

ERROR_MESSAGES = {
    400: "La demande envoyée au serveur est incomplète ou mal formée.",
    401: "Authentification requise.",
    403: "Vous n'avez pas le droit d'effectuer cette action.",
    404: "Cette page n'existe pas, ou vous n'y avez pas accès.",
    405: "Cette action n'est pas possible à cette adresse.",
    413: "Le fichier envoyé dépasse la taille autorisée.",
    422: "Les données envoyées ne sont pas valides.",
    429: "Trop de tentatives : réessayez dans quelques minutes.",
    500: "Une erreur interne est survenue. Rien de ce que vous aviez enregistré n'est perdu ; réessayez plus tard.",
    503: "Le serveur est momentanément occupé (un autre envoi écrit dans la base de données) : rien n'a été "
         "enregistré. Réessayez dans quelques secondes.",
}
BUSY_RETRY_AFTER = 5  # seconds, in the Retry-After header of a "database busy" answer

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
)


def create_app(config: dict[str, Any] | None = None) -> Flask:
    app = Flask(__name__, instance_relative_config=True, instance_path=os.environ.get("LANTERNE_INSTANCE_PATH"))
    private_directory(app.instance_path)
    app.config.from_object(Defaults)
    app.config.update(settings_from_environment(app.instance_path))
    app.config.from_pyfile("config.py", silent=True)
    if config:
        app.config.update(config)

    trust_proxies(app)

    from workflow.core.params import BoundedIntegerConverter

    app.url_map.converters["int"] = BoundedIntegerConverter  # before any route is added
    _init_extensions(app)

    from workflow.api import bp as api_bp
    from workflow.web import register_blueprints

    register_blueprints(app)
    app.register_blueprint(api_bp)

    from workflow import cli, documents, jobs
    from workflow.web import page_cache, templating

    cli.init_app(app)
    documents.init_app(app)
    jobs.init_app(app)
    templating.init_app(app)
    page_cache.init_app(app)
    _register_guards_and_errors(app)
    return app


def trust_proxies(app: Flask) -> None:
    """Behind TRUSTED_PROXIES reverse proxies, the client's address (and scheme) is what the
    nearest of them says in X-Forwarded-For (-Proto), and nothing the client wrote itself;
    without proxies these headers are ignored, or anyone could pick the address the log-in
    throttle counts by."""
    hops = app.config["TRUSTED_PROXIES"]
    if hops:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops)  # type: ignore[method-assign]


def _init_extensions(app: Flask) -> None:
    import workflow.models  # noqa: F401  (registers the tables on the metadata)

    db.init_app(app)
    migrate.init_app(app, db, directory=os.path.join(os.path.dirname(__file__), "migrations"))
    csrf.init_app(app)
    login_manager.init_app(app)

    @login_manager.user_loader
    def load_user(session_id: str):
        from workflow.accounts.users import session_account

        account = session_account(session_id)
        if account is None:
            return None
        # Read with the account, so that the menu and the cached parts need no query of their own.
        g.unread_notifications = account.unread_notifications
        g.data_versions = account.data_versions
        return account.user

    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        _configure_sqlite(app)
    else:
        from workflow.core.extensions import ping_idle_connections

        with app.app_context():
            ping_idle_connections(db.engine, app.config["DATABASE_PING_AFTER_IDLE_SECONDS"])


def _configure_sqlite(app: Flask) -> None:
    from sqlalchemy import event

    from workflow.core import sqlite_writes

    with app.app_context():
        engine = db.engine

    if engine.url.database and engine.url.database != ":memory:":
        # Writers wait for their turn, first come first served (workflow/core/sqlite_writes.py).
        connection_class = sqlite_writes.connection_class(engine.url.database)

        @event.listens_for(engine, "do_connect")
        def _taking_turns(_dialect, _record, _cargs, cparams):
            cparams["factory"] = connection_class

    @event.listens_for(engine, "connect")
    def _pragmas(dbapi_connection, _record):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        # WAL lets the web server and the worker read while the other writes.
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={int(sqlite_writes.BUSY_TIMEOUT * 1000)}")
        if engine.url.database and engine.url.database != ":memory:":
            private_files(engine.url.database, f"{engine.url.database}-wal", f"{engine.url.database}-shm")
        cursor.close()


def is_database_busy(error: OperationalError) -> bool:
    """SQLite's "database is locked" (or "busy"): a writer waited past the busy timeout."""
    text = str(getattr(error, "orig", error)).lower()
    return "database is locked" in text or "database is busy" in text or "database table is locked" in text


def _wants_json() -> bool:
    return request.path.startswith("/api/")


def _register_guards_and_errors(app: Flask) -> None:
    @app.before_request
    def require_account():
        if request.endpoint in PUBLIC_ENDPOINTS or (request.blueprint == "api"):
            return None
        if request.endpoint is None:  # unknown URL: let the 404 handler answer
            return None
        if not current_user.is_authenticated:
            return login_manager.unauthorized()
        return None

    @app.get("/healthz")
    def healthz():
        return {"status": "ok"}

    @app.get("/favicon.ico")
    def favicon():
        # For the clients that ask before reading the page's <link rel="icon">.
        return redirect(url_for("static", filename="favicon.svg"), 301)

    @app.after_request
    def security_headers(response):
        response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault("X-Frame-Options", "DENY")
        return response

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        code = error.code or 500
        message = ERROR_MESSAGES.get(code, "La demande n'a pas pu aboutir.")
        if isinstance(error, CSRFError):
            message = "Le formulaire a expiré ou n'a pas été envoyé depuis Lanterne : rechargez la page et recommencez."
        elif error.description and error.description != type(error).description:
            message = error.description  # a message we wrote for this case (abort(404, "..."))
        if _wants_json():
            return jsonify({"error": {"code": code, "message": message}}), code
        return render_template("error.html", code=code, message=message), code

    @app.errorhandler(OperationalError)
    def database_error(error: OperationalError):
        """SQLite's "database is locked": another writer held the lock past the busy
        timeout. Nothing was written; the client is asked to try again (503), never
        shown a 500."""
        if not is_database_busy(error):
            return unexpected_error(error)
        logging.getLogger("lanterne").warning("Database busy on %s: answered 503", request.path)
        db.session.rollback()
        message = ERROR_MESSAGES[503]
        if _wants_json():
            response = jsonify({"error": {"code": 503, "message": message}})
        else:
            response = app.make_response(render_template("error.html", code=503, message=message))
        response.status_code = 503
        response.headers["Retry-After"] = str(BUSY_RETRY_AFTER)
        return response

    @app.errorhandler(Exception)
    def unexpected_error(error: Exception):
        logging.getLogger("lanterne").exception("Unhandled error on %s", request.path)
        db.session.rollback()
        message = ERROR_MESSAGES[500]
        if _wants_json():
            return jsonify({"error": {"code": 500, "message": message}}), 500
        return render_template("error.html", code=500, message=message), 500
