"""Who may see and change what: one place for the rules, used by the pages and the API
(README, "Who may do what").

- A private row (request, campaign, identity, subject of the library: `organisation_id`
  empty) is its owner's alone.
- A shared row belongs to its organisation: every member reads it, owners and editors
  change it, viewers only read. Its creator has no right of their own on it: once they
  leave the organisation (or become a viewer) they keep nothing (or only reading).
- An identity shared with an organisation is the organisation's: only its owners and
  editors write in its name, and only in requests shared with that organisation; it stays
  with the organisation (its sharing is not changed afterwards). A private identity is
  used by its owner alone (in their requests, or in a request they share: the
  organisation's members then see it in the letters).
- Only the request's owner, or an owner of the organisation it is shared with, changes
  which organisation it is shared with; and only to one they write for.
- A letter shows the requester's identity: reading it needs to be a member of the
  identity's organisation, sending it to be its owner or editor. Someone who left sees
  none of the organisation's requests; a private request of theirs still naming the
  organisation's identity has its letters refused until they choose another identity.
"""
from __future__ import annotations

from flask import abort
from sqlalchemy import ColumnElement, and_, or_, select

from workflow.core.extensions import db
from workflow.models import AccessRequest, Campaign, Membership, Organisation, RequesterIdentity, User
from workflow.models.users import WRITE_ROLES



def _organisation_ids(user: User, roles: tuple[str, ...] | None = None):
    query = select(Membership.organisation_id).where(Membership.user_id == user.id)
    if roles:
        query = query.where(Membership.role.in_(roles))
    return query


def visible_to(model, user: User) -> ColumnElement[bool]:
    """SQL condition: rows of `model` (with owner_id and organisation_id) `user` may see."""
    return or_(and_(model.organisation_id.is_(None), model.owner_id == user.id),
               model.organisation_id.in_(_organisation_ids(user)))


def editable_by(model, user: User) -> ColumnElement[bool]:
    """SQL condition: rows `user` may change (a private row's owner; a shared row's
    organisation's owners and editors)."""
    return or_(and_(model.organisation_id.is_(None), model.owner_id == user.id),
               model.organisation_id.in_(_organisation_ids(user, WRITE_ROLES)))


# The identities a user may choose for a draft: their private ones, those of organisations they write for.
usable_identities = editable_by


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


def role_in(user: User, organisation_id: int | None) -> str | None:
    """The user's role in that organisation, None if they are not a member."""
    if organisation_id is None:
        return None
    return db.session.scalar(select(Membership.role).where(
        Membership.user_id == user.id, Membership.organisation_id == organisation_id))


def _organisation_name(organisation_id: int) -> str:
    organisation = db.session.get(Organisation, organisation_id)
    return organisation.name if organisation else "?"


def draft_problem(user: User, requester: RequesterIdentity, organisation_id: int | None,
                  access_request: AccessRequest | None = None) -> str | None:
    """Why `user` may not save a draft (new, or `access_request` changed) sent as
    `requester` and shared with `organisation_id`, in French; None if they may."""
    if organisation_id is not None and role_in(user, organisation_id) not in WRITE_ROLES:
        return ("Vous ne pouvez partager une demande qu'avec une association dont vous êtes responsable "
                "ou rédacteur.")
    moving = access_request is not None and organisation_id != access_request.organisation_id
    if moving and user.id != access_request.owner_id and role_in(user, access_request.organisation_id) != "owner":
        return ("Seuls l'auteur de la demande et les responsables de l'association changent l'association "
                "avec laquelle elle est partagée.")
    if requester.organisation_id is not None:
        name = _organisation_name(requester.organisation_id)
        if role_in(user, requester.organisation_id) not in WRITE_ROLES:
            return (f"L'identité « {requester.name} » appartient à l'association « {name} » : seuls ses "
                    "responsables et rédacteurs écrivent en son nom. Choisissez une autre identité.")
        if organisation_id != requester.organisation_id:
            return (f"Une demande faite au nom de l'identité « {requester.name} » de l'association « {name} » "
                    "doit être partagée avec cette association.")
    else:
        changed = access_request is None or requester.id != access_request.requester_id
        if (changed or moving) and requester.owner_id != user.id:
            return (f"L'identité « {requester.name} » est personnelle à une autre personne : "
                    "choisissez l'une de vos identités.")
    return None


def identity_problem(user: User, access_request: AccessRequest, for_change: bool = False) -> str | None:
    """Why `user` may not read (or send, `for_change`) the letters of a request, which show
    its requester's identity, in French; None if they may."""
    identity = access_request.requester
    if identity is None:
        return None
    if identity.organisation_id is not None:
        role = role_in(user, identity.organisation_id)
        if role is None or (for_change and role not in WRITE_ROLES):
            name = _organisation_name(identity.organisation_id)
            who = "ses responsables et rédacteurs" if for_change else "ses membres"
            return (f"Cette demande est faite au nom de « {identity.name} », une identité de l'association "
                    f"« {name} » : seuls {who} peuvent {'envoyer' if for_change else 'voir'} ses courriers. "
                    "Pour continuer, choisissez une autre identité dans le brouillon.")
    elif identity.owner_id != user.id and role_in(user, access_request.organisation_id) is None:
        return (f"Cette demande est faite au nom de « {identity.name} », une identité personnelle d'une autre "
                "personne : ses courriers ne vous sont pas accessibles.")
    return None
