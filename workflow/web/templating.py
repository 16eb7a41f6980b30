"""Jinja filters and globals shared by the pages. The globals that read the database call
services; the view modules only define routes."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timezone

from flask import Flask, current_app, g
from flask_login import current_user

from workflow.core import clock
from workflow.documents import CampaignObtained, Obtained, campaign_obtained, formats, request_documents
from workflow.forms import UploadForm, upload_form
from workflow.law.deadlines import format_date_fr
from workflow.law.calendar import days_away_fr
from workflow.law.events import EVENT_LABELS
from workflow.law.states import CHANNEL_LABELS
from workflow.letters.rendering import LETTER_KINDS
from workflow.mail.notify import unread_count
from workflow.models import Campaign, Document, AccessRequest
from workflow.models.authorities import AUTHORITY_KINDS
from workflow.models.documents import CAME_BY, OUTCOMES, TEXT_STATUSES
from workflow.models.users import ROLE_LABELS


def init_app(app: Flask) -> None:
    app.jinja_env.filters["date_fr"] = lambda day: format_date_fr(day) if day else ""
    app.jinja_env.filters["sent_at_fr"] = sent_at_fr
    app.jinja_env.filters["days_away_fr"] = days_away_fr
    app.jinja_env.filters["paris_time_fr"] = paris_time_fr
    app.jinja_env.filters["iso_date_fr"] = lambda value: format_date_fr(date.fromisoformat(value)) if value else ""
    app.jinja_env.globals.update(AUTHORITY_KINDS=AUTHORITY_KINDS, CHANNELS=CHANNEL_LABELS, ROLE_LABELS=ROLE_LABELS,
                                  LETTER_KINDS=LETTER_KINDS, EVENT_LABELS=EVENT_LABELS)
    app.jinja_env.globals.update(
        documents_panel=documents_panel, campaign_documents=campaign_documents, document_max_bytes=document_max_bytes,
        CAME_BY=CAME_BY, OUTCOMES=OUTCOMES, TEXT_STATUSES=TEXT_STATUSES, human_size=formats.human_size,
        media_label=formats.label_of)
    app.context_processor(_unread_notifications)


def paris_time_fr(moment: datetime) -> str:
    """A stored moment as a French reader in France reads it: "1 décembre 2026 à 10 h 30"."""
    local = (moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)).astimezone(clock.PARIS)
    return f"{format_date_fr(local.date())} à {local.hour} h {local.minute:02d}"


def sent_at_fr(value: str) -> str:
    """An e-mail's time as its header wrote it (ISO text): "3 février 2026 à 10 h 30 (UTC+01:00)"."""
    try:
        moment = datetime.fromisoformat(value)
    except (TypeError, ValueError):
        return value or ""
    offset = moment.strftime("%z")
    zone = f" (UTC{offset[:3]}:{offset[3:]})" if offset else ""
    return f"{format_date_fr(moment.date())} à {moment.hour} h {moment.minute:02d}{zone}"


def _unread_notifications() -> dict:
    if not current_user.is_authenticated:
        return {}
    unread = g.get("unread_notifications")  # read with the account by the user loader
    return {"unread_notifications": unread if unread is not None else unread_count(current_user)}


@dataclass
class DocumentsPanel:
    """What the request page shows of its documents, with the upload form if the user may file."""

    obtained: Obtained
    documents: list[Document]
    form: UploadForm | None
    can_edit: bool


def documents_panel(access_request: AccessRequest) -> DocumentsPanel:
    shown = request_documents(access_request, current_user)
    return DocumentsPanel(shown.obtained, shown.documents, upload_form(access_request) if shown.can_edit else None,
                          shown.can_edit)


def campaign_documents(campaign: Campaign) -> CampaignObtained:
    return campaign_obtained(campaign, current_user)


def document_max_bytes() -> int:
    return int(current_app.config["DOCUMENT_MAX_BYTES"])
