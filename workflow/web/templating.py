"""Jinja filters and globals shared by the pages."""
from flask import Flask, g
from flask_login import current_user

from workflow.law.deadlines import format_date_fr
from workflow.mail.notify import unread_count
from workflow.letters.rendering import LETTER_KINDS
from workflow.models.authorities import AUTHORITY_KINDS
from workflow.law.states import CHANNEL_LABELS
from workflow.models.users import ROLE_LABELS


def init_app(app: Flask) -> None:
    app.jinja_env.filters["date_fr"] = lambda day: format_date_fr(day) if day else ""
    app.jinja_env.globals.update(AUTHORITY_KINDS=AUTHORITY_KINDS, CHANNELS=CHANNEL_LABELS, ROLE_LABELS=ROLE_LABELS,
                                  LETTER_KINDS=LETTER_KINDS)
    app.context_processor(_unread_notifications)


def _unread_notifications() -> dict:
    if not current_user.is_authenticated:
        return {}
    unread = g.get("unread_notifications")  # read with the account by the user loader
    return {"unread_notifications": unread if unread is not None else unread_count(current_user)}
