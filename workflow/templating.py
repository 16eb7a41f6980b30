"""Jinja filters and globals shared by the pages."""
from flask import Flask

from workflow.deadlines import format_date_fr
from workflow.letters import LETTER_KINDS
from workflow.models.authorities import AUTHORITY_KINDS
from workflow.states import CHANNEL_LABELS
from workflow.models.users import ROLE_LABELS


def init_app(app: Flask) -> None:
    app.jinja_env.filters["date_fr"] = lambda day: format_date_fr(day) if day else ""
    app.jinja_env.globals.update(AUTHORITY_KINDS=AUTHORITY_KINDS, CHANNELS=CHANNEL_LABELS, ROLE_LABELS=ROLE_LABELS,
                                  LETTER_KINDS=LETTER_KINDS)
