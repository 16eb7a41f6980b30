"""A person's own data: the export they may ask for (RGPD arts. 15 and 20: their rows as
JSON and the stored files of their own requests, in one ZIP) and the deletion of their
account (art. 17).

What deletion does, as the account page says it:
- requests, identities, campaigns and subjects shared with an organisation stay with it:
  they pass to one of its owners, so that the evidence of a shared request never vanishes
  because one member leaves;
- everything private (and what was shared with an organisation of which the person is the
  only member, deleted with the account) is deleted: requests with their events, letters,
  documents, deadlines, reminders and the e-mails received for them (else these would
  come back unfiled in the administrators' inbox); the stored files only these rows named
  are then removed by the store's collector (workflow/jobs/files.py);
- the person's name is removed from what stays (events recorded, documents filed);
- the last owner of an organisation that has other members must first name another owner.
"""
from __future__ import annotations

import io
import json
import zipfile
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import delete, func, or_, select, update

from workflow.core.extensions import db
from workflow.core.storage import file_store
from workflow.models import (AccessRequest, ApiToken, CalendarFeed, Campaign, Document, Event, InboundMessage, Invitation,
                             JobRun, Letter, LoginAttempt, Membership, Notification, Organisation, OutgoingMail, RequesterIdentity,
                             RequestItem, Subject, User)
from workflow.models.base import utcnow
from workflow.models.versions import raise_versions

EXPORT_FORMAT = "lanterne-export-personnel-1"
# Secrets are not personal data to hand back: they would only weaken the account.
SECRET_COLUMNS = frozenset({"password_hash", "token_hash", "token", "session_version"})
SHARED_KINDS = (AccessRequest, RequesterIdentity, Campaign, Subject)


def _value(value: Any) -> Any:
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, bytes):
        return None
    return value


def _rows(model, *conditions) -> list[dict]:
    table = model.__table__
    query = select(table).where(*conditions).order_by(*table.primary_key.columns)
    return [{key: _value(value) for key, value in row.items() if key not in SECRET_COLUMNS}
            for row in db.session.execute(query).mappings()]


def _safe(name: str) -> str:
    return "".join(c if c.isalnum() or c in "-_." else "_" for c in name)[:120] or "fichier"


def export_zip(user: User) -> bytes:
    """Everything Lanterne keeps about `user` and their own requests, as JSON, plus the
    files of their own requests (documents received, letters generated)."""
    own_requests = select(AccessRequest.id).where(AccessRequest.owner_id == user.id).scalar_subquery()
    data = {
        "format": EXPORT_FORMAT,
        "exported_at": utcnow().isoformat(),
        "account": _rows(User, User.id == user.id)[0],
        "memberships": [{**row, "organisation": db.session.get(Organisation, row["organisation_id"]).name}
                        for row in _rows(Membership, Membership.user_id == user.id)],
        "identities": _rows(RequesterIdentity, RequesterIdentity.owner_id == user.id),
        "campaigns": _rows(Campaign, Campaign.owner_id == user.id),
        "subjects": _rows(Subject, Subject.owner_id == user.id),
        "requests": _rows(AccessRequest, AccessRequest.owner_id == user.id),
        "request_items": _rows(RequestItem, RequestItem.request_id.in_(own_requests)),
        "events": _rows(Event, or_(Event.request_id.in_(own_requests), Event.author_id == user.id)),
        "letters": _rows(Letter, Letter.request_id.in_(own_requests)),
        "documents": _rows(Document, or_(Document.request_id.in_(own_requests), Document.uploaded_by_id == user.id)),
        "notifications": _rows(Notification, Notification.user_id == user.id),
        "emails": _rows(OutgoingMail, OutgoingMail.user_id == user.id),
        "api_tokens": _rows(ApiToken, ApiToken.user_id == user.id),
        "calendar_feeds": _rows(CalendarFeed, CalendarFeed.created_by_id == user.id),
        "login_attempts": _rows(LoginAttempt, LoginAttempt.email == user.email),
    }
    references = {row.id: row.reference for row in db.session.execute(
        select(AccessRequest.id, AccessRequest.reference).where(AccessRequest.owner_id == user.id))}
    store = file_store()
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("donnees.json", json.dumps(data, ensure_ascii=False, indent=2))
        archive.writestr("LISEZMOI.txt", (
            "Vos données sur Lanterne (RGPD, articles 15 et 20).\n\n"
            "donnees.json : votre compte, vos adhésions, identités, demandes avec leurs éléments et événements, "
            "les métadonnées des courriers et des documents, vos notifications et courriels.\n"
            "fichiers/ : les documents reçus et les courriers de vos propres demandes, par référence.\n"
            "Les mots de passe et jetons ne sont pas exportés (seule leur empreinte est conservée).\n"))
        for document in data["documents"]:
            reference = references.get(document["request_id"])
            if reference and store.exists(document["sha256"]):
                archive.writestr(f"fichiers/{_safe(reference)}/documents/{document['id']}-{_safe(document['filename'])}",
                                 store.read(document["sha256"]))
        for letter in data["letters"]:
            reference = references[letter["request_id"]]
            for column, extension in (("pdf_sha256", "pdf"), ("docx_sha256", "docx"), ("text_sha256", "txt")):
                if letter[column] and store.exists(letter[column]):
                    archive.writestr(f"fichiers/{_safe(reference)}/courriers/{letter['kind']}-v{letter['version']}.{extension}",
                                     store.read(letter[column]))
    return buffer.getvalue()


@dataclass
class DeletionPlan:
    """What deleting the account would do, or why it cannot be done yet."""

    blockers: list[str] = field(default_factory=list)
    # Organisation id -> the owner who receives what the person shared with it.
    heirs: dict[int, User] = field(default_factory=dict)
    transferred_requests: int = 0
    deleted_requests: int = 0
    deleted_organisations: list[Organisation] = field(default_factory=list)


def _shared_rows_of_others(organisation: Organisation, user: User) -> int:
    return sum(db.session.scalar(select(func.count()).select_from(model).where(
        model.organisation_id == organisation.id, model.owner_id != user.id)) or 0 for model in SHARED_KINDS)


def deletion_plan(user: User) -> DeletionPlan:
    plan = DeletionPlan()
    for membership in user.memberships:
        organisation = membership.organisation
        others = [m for m in organisation.memberships if m.user_id != user.id]
        if not others:
            if _shared_rows_of_others(organisation, user):
                plan.blockers.append(f"Vous êtes le dernier membre de « {organisation.name} », qui garde des demandes "
                                     "d'anciens membres : invitez un autre responsable avant de supprimer votre compte.")
            else:
                plan.deleted_organisations.append(organisation)
            continue
        owners = sorted((m for m in others if m.role == "owner"), key=lambda m: (m.created_at, m.id))
        if not owners:
            plan.blockers.append(f"Vous êtes le seul responsable de « {organisation.name} » : nommez d'abord un autre "
                                 "responsable (page de l'association).")
            continue
        plan.heirs[organisation.id] = owners[0].user
    kept = AccessRequest.organisation_id.in_(list(plan.heirs))
    plan.transferred_requests = db.session.scalar(select(func.count()).select_from(AccessRequest).where(
        AccessRequest.owner_id == user.id, kept)) or 0
    plan.deleted_requests = db.session.scalar(select(func.count()).select_from(AccessRequest).where(
        AccessRequest.owner_id == user.id, ~kept)) or 0
    return plan


def delete_account(user: User) -> DeletionPlan:
    """Delete the account as `deletion_plan` says (the caller checked the password); raises
    ValueError with the blockers if it cannot be done."""
    plan = deletion_plan(user)
    if plan.blockers:
        raise ValueError(" ".join(plan.blockers))
    session = db.session
    # 1. What is shared with an organisation that stays passes to one of its owners.
    for organisation_id, heir in plan.heirs.items():
        for model in SHARED_KINDS:
            session.execute(update(model).where(model.owner_id == user.id, model.organisation_id == organisation_id)
                            .values(owner_id=heir.id))
    # 2. A private identity or campaign still used by a request that stays goes with that request.
    for model, column in ((RequesterIdentity, AccessRequest.requester_id), (Campaign, AccessRequest.campaign_id)):
        used = session.execute(select(model.id, AccessRequest.owner_id).join(AccessRequest, column == model.id).where(
            model.owner_id == user.id, AccessRequest.owner_id != user.id)).all()
        for row_id, new_owner in dict(used).items():
            session.execute(update(model).where(model.id == row_id).values(owner_id=new_owner))
    # 3. Their name leaves what stays; the e-mails sent for requests that stay are kept.
    session.execute(update(Event).where(Event.author_id == user.id).values(author_id=None))
    session.execute(update(Document).where(Document.uploaded_by_id == user.id).values(uploaded_by_id=None))
    own_requests = select(AccessRequest.id).where(AccessRequest.owner_id == user.id)
    session.execute(update(OutgoingMail).where(OutgoingMail.user_id == user.id,
                                               OutgoingMail.request_id.not_in(own_requests)).values(user_id=None))
    session.execute(update(Invitation).where(Invitation.invited_by_id == user.id).values(invited_by_id=None))
    # 4. The rest is theirs alone: requests (their items, events, letters, documents, deadlines,
    # reminders, notifications and e-mails go with them, ON DELETE CASCADE), then the rest.
    session.execute(delete(JobRun).where(or_(JobRun.user_id == user.id, JobRun.request_id.in_(own_requests))))
    session.execute(delete(InboundMessage).where(InboundMessage.request_id.in_(own_requests)))
    session.execute(update(Event).where(Event.request_id.in_(own_requests)).values(corrects_id=None))
    session.execute(delete(AccessRequest).where(AccessRequest.owner_id == user.id))
    for model in (Campaign, RequesterIdentity, Subject):
        session.execute(delete(model).where(model.owner_id == user.id))
    for organisation in plan.deleted_organisations:
        session.execute(delete(Organisation).where(Organisation.id == organisation.id))
    session.execute(delete(LoginAttempt).where(LoginAttempt.email == user.email))
    session.execute(delete(User).where(User.id == user.id))
    session.execute(raise_versions())
    session.commit()
    session.expunge_all()
    return plan
