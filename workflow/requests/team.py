"""Team work on a request: who follows it (its assignee) and the team's internal notes.

The assignee is the request's owner or a member of its organisation. Internal notes are
for the team: no letter, export or API answer shows them. An assignment is noted in the
request's history (`HistoryEntry`, shown on the timeline)."""
from __future__ import annotations

from sqlalchemy import select

from workflow.core.extensions import db
from workflow.models import AccessRequest, HistoryEntry, User
from workflow.models.users import Membership


class TeamError(ValueError):
    """A refused change (French message)."""


def display_name(user: User) -> str:
    return user.display_name or user.email


def assignable_users(access_request: AccessRequest) -> list[User]:
    """The owner and, for a shared request, every member of its organisation, by name."""
    users = {access_request.owner.id: access_request.owner}
    if access_request.organisation_id:
        for user in db.session.scalars(select(User).join(Membership, Membership.user_id == User.id)
                                       .where(Membership.organisation_id == access_request.organisation_id)):
            users[user.id] = user
    return sorted(users.values(), key=lambda user: display_name(user).casefold())


def update_team(access_request: AccessRequest, assignee_id: int | None, internal_notes: str, author: User) -> bool:
    """Set the assignee and the notes (no commit); True if the assignee changed."""
    assignee = None
    if assignee_id:
        assignee = next((user for user in assignable_users(access_request) if user.id == assignee_id), None)
        if assignee is None:
            raise TeamError("Cette personne ne peut pas suivre la demande : choisissez son auteur ou un membre "
                            "de l'association qui la partage.")
    access_request.internal_notes = internal_notes.strip()
    if access_request.assignee_id == (assignee.id if assignee else None):
        return False
    access_request.assignee_id = assignee.id if assignee else None
    summary = f"Assignée à {display_name(assignee)}" if assignee else "Plus assignée à personne"
    db.session.add(HistoryEntry(request_id=access_request.id, author_id=author.id, kind="assigned", summary=summary,
                                data={"assignee_id": access_request.assignee_id}))
    return True
