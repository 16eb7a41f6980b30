"""The directory is shared: who may change an entry, and how everyone else's letters stay
theirs.

- A directory maintainer (`User.directory_maintainer`, granted with `flask user
  maintainer`) edits the shared entries and alone marks an address verified.
- Anyone else either proposes a change, kept pending with who and why until a maintainer
  accepts or rejects it, or keeps an override of the coordinates for one organisation
  they may write in (or for themselves, on requests not shared), used only in the letters
  of that organisation's (or their own) requests.
- Every change, to an entry or to an override, is recorded: who, when, before, after,
  where it came from and why.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import or_, select

from workflow.core.extensions import db
from workflow.directory.authorities import EDITABLE_FIELDS
from workflow.models import Authority, AuthorityChange, AuthorityOverride, AuthorityProposal, Organisation, AccessRequest, User
from workflow.models.authorities import postal_lines
from workflow.models.base import utcnow

# Only a maintainer vouches for an entry.
MAINTAINER_FIELDS = ("verified", "last_checked_on")
PROPOSABLE_FIELDS = tuple(name for name in EDITABLE_FIELDS if name not in MAINTAINER_FIELDS)
# What an organisation may use instead of the shared entry: how to reach the body. Not its
# name, kind or department, which decide the competent court and the calendar of the
# deadlines for everyone.
OVERRIDABLE_FIELDS = ("address_lines", "postal_code", "city", "email", "prada_name", "prada_email",
                      "online_request_url")
# The fields an e-mail's recipient comes from (workflow.letters.request_letters.email_recipient).
RECIPIENT_FIELDS = ("email", "prada_email")

NOT_A_MAINTAINER = ("Seuls les responsables de l'annuaire modifient les fiches communes : proposez la modification, "
                    "ou gardez-la pour les courriers de votre organisation.")


class DirectoryError(ValueError):
    """A refused change; the message (French) is shown to the user as is."""


class NotAllowed(DirectoryError):
    """A change this user may not make."""


def is_maintainer(user: User | None) -> bool:
    return bool(user is not None and (user.directory_maintainer or user.site_admin))


def _json(value: Any) -> Any:
    return value.isoformat() if isinstance(value, date) else value


def _from_json(name: str, value: Any) -> Any:
    return date.fromisoformat(value) if name == "last_checked_on" and value else value


def _clean(value: Any) -> Any:
    return value.strip() if isinstance(value, str) else value


def _differences(current: Any, fields: dict[str, Any], allowed: tuple[str, ...]) -> dict[str, Any]:
    """The allowed fields whose new value differs from `current`'s (JSON-ready values)."""
    return {name: _json(_clean(fields[name])) for name in allowed
            if name in fields and _json(_clean(fields[name])) != _json(getattr(current, name))}


def _record(authority: Authority, user: User | None, source: str, before: dict, after: dict, *,
            scope: str = "directory", organisation_id: int | None = None, reason: str = "") -> None:
    db.session.add(AuthorityChange(authority_id=authority.id, user_id=user.id if user else None, source=source,
                                   scope=scope, organisation_id=organisation_id, before=before, after=after,
                                   reason=reason.strip()))


def _apply(authority: Authority, changes: dict[str, Any]) -> None:
    for name, value in changes.items():
        setattr(authority, name, _from_json(name, value))


# ---------------------------------------------------------------- the shared entries


def create(user: User | None, fields: dict[str, Any], source: str) -> Authority:
    """A new entry. Anyone may add a body; only a maintainer's is marked verified."""
    if not is_maintainer(user) and fields.get("verified"):
        raise NotAllowed("Seuls les responsables de l'annuaire peuvent marquer des coordonnées comme vérifiées.")
    authority = Authority()
    changes = _differences(authority, fields, EDITABLE_FIELDS)
    _apply(authority, changes)
    db.session.add(authority)
    db.session.flush()
    _record(authority, user, source, {}, changes)
    db.session.commit()
    return authority


def update(user: User | None, authority: Authority, fields: dict[str, Any], source: str,
           reason: str = "") -> dict[str, Any]:
    """A maintainer's change, applied for everyone; returns what changed."""
    if not is_maintainer(user):
        raise NotAllowed(NOT_A_MAINTAINER)
    changes = _differences(authority, fields, EDITABLE_FIELDS)
    if changes:
        before = {name: _json(getattr(authority, name)) for name in changes}
        _apply(authority, changes)
        _record(authority, user, source, before, changes, reason=reason)
        db.session.commit()
    return changes


def propose(user: User, authority: Authority, fields: dict[str, Any], reason: str, source: str) -> AuthorityProposal:
    changes = _differences(authority, fields, PROPOSABLE_FIELDS)
    if not changes:
        raise DirectoryError("Ces valeurs sont déjà celles de la fiche : il n'y a rien à proposer.")
    if not reason.strip():
        raise DirectoryError("Dites d'où vient la modification proposée (appel, courrier, site officiel...).")
    proposal = AuthorityProposal(authority_id=authority.id, user_id=user.id, changes=changes, reason=reason.strip(),
                                 before={name: _json(getattr(authority, name)) for name in changes})
    db.session.add(proposal)
    db.session.commit()
    return proposal


def decide(user: User, proposal: AuthorityProposal, accept: bool, note: str = "") -> None:
    if not is_maintainer(user):
        raise NotAllowed("Seuls les responsables de l'annuaire acceptent ou refusent les propositions.")
    if proposal.status != "pending":
        raise DirectoryError("Cette proposition a déjà été traitée.")
    authority = db.session.get(Authority, proposal.authority_id)
    if accept:
        before = {name: _json(getattr(authority, name)) for name in proposal.changes}
        _apply(authority, proposal.changes)
        proposer = db.session.get(User, proposal.user_id) if proposal.user_id else None
        _record(authority, user, "proposal", before, dict(proposal.changes),
                reason=f"Proposition n° {proposal.id} de {proposer.email if proposer else 'un compte supprimé'} : "
                       f"{proposal.reason}")
    proposal.status = "accepted" if accept else "rejected"
    proposal.decided_by_id, proposal.decided_at, proposal.decision_note = user.id, utcnow(), note.strip()
    db.session.commit()


def proposals_for(user: User, status: str = "pending") -> list[AuthorityProposal]:
    """A maintainer sees every proposal; anyone else, their own."""
    query = select(AuthorityProposal).where(AuthorityProposal.status == status).order_by(AuthorityProposal.created_at)
    if not is_maintainer(user):
        query = query.where(AuthorityProposal.user_id == user.id)
    return list(db.session.scalars(query))


# ----------------------------------------------------- overrides for one's own letters


def _override(authority_id: int, organisation_id: int | None, user_id: int | None) -> AuthorityOverride | None:
    owner = (AuthorityOverride.organisation_id == organisation_id if organisation_id is not None
             else AuthorityOverride.user_id == user_id)
    return db.session.scalar(select(AuthorityOverride).where(AuthorityOverride.authority_id == authority_id, owner))


def override_of(authority: Authority, user: User, organisation: Organisation | None) -> AuthorityOverride | None:
    return _override(authority.id, organisation.id if organisation else None, None if organisation else user.id)


def set_override(user: User, authority: Authority, fields: dict[str, Any], organisation: Organisation | None,
                 source: str) -> AuthorityOverride | None:
    """Keep the given coordinates for the letters of `organisation`'s requests (or of the
    user's own requests not shared, without an organisation). Fields equal to the shared
    entry's are not kept; an override left empty is removed. Returns it, or None."""
    if organisation is not None and organisation not in user.writable_organisations:
        raise NotAllowed("Vous ne pouvez pas modifier les courriers de cette organisation.")
    other = set(fields) - set(OVERRIDABLE_FIELDS)
    if other:
        raise DirectoryError("Pour vos courriers, seules les coordonnées (adresse, courriels, PRADA, téléservice) "
                             "peuvent différer de l'annuaire ; proposez les autres modifications à l'annuaire commun.")
    override = override_of(authority, user, organisation)
    before = dict(override.fields) if override else {}
    kept = _differences(authority, fields, OVERRIDABLE_FIELDS)
    kept = {**{name: value for name, value in before.items() if name not in fields}, **kept}
    if kept == before:
        return override
    if not kept:
        db.session.delete(override)
        override = None
    elif override is None:
        override = AuthorityOverride(authority_id=authority.id, fields=kept, updated_by_id=user.id,
                                     organisation_id=organisation.id if organisation else None,
                                     user_id=None if organisation else user.id)
        db.session.add(override)
    else:
        override.fields, override.updated_by_id = kept, user.id
    _record(authority, user, source, before, kept, scope="organisation" if organisation else "personal",
            organisation_id=organisation.id if organisation else None)
    db.session.commit()
    return override


@dataclass(frozen=True)
class Coordinates:
    """An authority as the letters of one request see it: the shared entry, with the
    override of the request's organisation (or of its owner, for a request not shared)."""

    name: str
    kind: str
    address_lines: str
    postal_code: str
    city: str
    email: str
    prada_name: str
    prada_email: str
    online_request_url: str
    overridden: frozenset[str]

    @property
    def postal_address(self) -> list[str]:
        return postal_lines(self.address_lines, self.postal_code, self.city)


def _request_override(authority: Authority, access_request: AccessRequest) -> AuthorityOverride | None:
    if access_request.organisation_id is not None:
        return _override(authority.id, access_request.organisation_id, None)
    return _override(authority.id, None, access_request.owner_id)


def coordinates(authority: Authority, access_request: AccessRequest) -> Coordinates:
    override = _request_override(authority, access_request)
    fields = override.fields if override else {}
    values = {name: fields.get(name, getattr(authority, name)) for name in OVERRIDABLE_FIELDS}
    return Coordinates(name=authority.name, kind=authority.kind, overridden=frozenset(fields), **values)


def recipient_changes_since(authority: Authority, access_request: AccessRequest, since: datetime) -> list[AuthorityChange]:
    """Changes, since `since`, to the addresses an e-mail of this request goes to: in the
    shared entry, or in the override its letters use."""
    if access_request.organisation_id is not None:
        own = (AuthorityChange.scope == "organisation") & (AuthorityChange.organisation_id == access_request.organisation_id)
    else:
        own = (AuthorityChange.scope == "personal") & (AuthorityChange.user_id == access_request.owner_id)
    changes = db.session.scalars(select(AuthorityChange).where(
        AuthorityChange.authority_id == authority.id, AuthorityChange.at > since,
        or_(AuthorityChange.scope == "directory", own)).order_by(AuthorityChange.at))
    return [change for change in changes if set(change.after) & set(RECIPIENT_FIELDS)
            or set(change.before) & set(RECIPIENT_FIELDS)]


def history(authority: Authority, user: User) -> list[AuthorityChange]:
    """Every change to the shared entry, and those to the overrides `user` shares (their
    organisations', their own): another organisation's overrides are its business."""
    mine = or_(AuthorityChange.scope == "directory",
               (AuthorityChange.scope == "organisation") & AuthorityChange.organisation_id.in_(user.organisation_ids),
               (AuthorityChange.scope == "personal") & (AuthorityChange.user_id == user.id))
    return list(db.session.scalars(select(AuthorityChange).where(AuthorityChange.authority_id == authority.id, mine)
                                   .order_by(AuthorityChange.at.desc(), AuthorityChange.id.desc())))


# ------------------------------------------------------------ one way in, pages and API


@dataclass(frozen=True)
class Outcome:
    """What a submitted change became: `applied` (with the fields changed), `proposed`,
    or `kept` for the letters of one organisation or person (the override, or None when
    nothing differs from the shared entry any more)."""

    kind: str
    changes: dict[str, Any]
    proposal: AuthorityProposal | None = None
    override: AuthorityOverride | None = None
    organisation: Organisation | None = None


def scopes(user: User) -> dict[str, str]:
    """Where `user` may send a change, the first being the default."""
    shared = ({"directory": "L'annuaire commun (tous les utilisateurs)"} if is_maintainer(user) else
              {"proposal": "Proposer la modification aux responsables de l'annuaire"})
    organisations = {f"organisation:{organisation.id}": f"Les courriers de « {organisation.name} » seulement"
                     for organisation in user.writable_organisations}
    return {**shared, **organisations, "personal": "Mes courriers non partagés seulement"}


def submit(user: User, authority: Authority, fields: dict[str, Any], scope: str, reason: str,
           source: str) -> Outcome:
    """A change to `authority` from `user`, sent where `scope` says (see `scopes`). Only the
    fields that differ from the shared entry are taken."""
    if scope not in scopes(user):
        raise NotAllowed(NOT_A_MAINTAINER if scope == "directory" else
                         "Vous ne pouvez pas modifier les courriers de cette organisation.")
    if not is_maintainer(user) and _differences(authority, fields, MAINTAINER_FIELDS):
        raise NotAllowed("Seuls les responsables de l'annuaire marquent des coordonnées comme vérifiées.")
    if scope == "directory":
        return Outcome("applied", update(user, authority, fields, source, reason))
    if scope == "proposal":
        proposal = propose(user, authority, fields, reason, source)
        return Outcome("proposed", dict(proposal.changes), proposal=proposal)
    organisation = db.session.get(Organisation, int(scope.partition(":")[2])) if scope != "personal" else None
    changed = _differences(authority, fields, PROPOSABLE_FIELDS)  # an override never vouches for an entry
    override = set_override(user, authority, changed, organisation, source)
    return Outcome("kept", changed, override=override, organisation=organisation)
