"""Who may see and change what: one place for the rules, used by the views and the API.

A user sees the requests they own and those of the organisations they belong to; in an
organisation, owners and editors may change them, viewers only read.
"""
from __future__ import annotations

from flask import abort
from sqlalchemy import ColumnElement, or_, select

from workflow.core.extensions import db
from workflow.models import Campaign, Membership, AccessRequest, User

WRITE_ROLES = ("owner", "editor")


def _organisation_ids(user: User, roles: tuple[str, ...] | None = None):
    query = select(Membership.organisation_id).where(Membership.user_id == user.id)
    if roles:
        query = query.where(Membership.role.in_(roles))
    return query


def visible_to(model, user: User) -> ColumnElement[bool]:
    """SQL condition: rows of `model` (with owner_id and organisation_id) `user` may see."""
    return or_(model.owner_id == user.id, model.organisation_id.in_(_organisation_ids(user)))


def editable_by(model, user: User) -> ColumnElement[bool]:
    return or_(model.owner_id == user.id, model.organisation_id.in_(_organisation_ids(user, WRITE_ROLES)))


def get_visible_or_404(model, object_id: int, user: User, for_change: bool = False):
    """The object if the user may see it (or change it); 404 otherwise, so that another
    user's ids reveal nothing, not even that they exist."""
    condition = editable_by(model, user) if for_change else visible_to(model, user)
    row = db.session.scalar(select(model).where(model.id == object_id, condition))
    if row is None:
        if for_change and db.session.scalar(select(model.id).where(model.id == object_id, visible_to(model, user))):
            abort(403)
        abort(404)
    return row


def get_request_or_404(request_id: int, user: User, for_change: bool = False) -> AccessRequest:
    return get_visible_or_404(AccessRequest, request_id, user, for_change)


def get_campaign_or_404(campaign_id: int, user: User, for_change: bool = False) -> Campaign:
    return get_visible_or_404(Campaign, campaign_id, user, for_change)
