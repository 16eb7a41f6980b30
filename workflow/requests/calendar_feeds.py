"""Private calendar feeds (ICS): every deadline a user, or an organisation, follows.
The secret URL is shown once; only its hash is kept; revoking it ends the feed."""
from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from icalendar import Calendar, Event
from sqlalchemy import select

from workflow.accounts.access import visible_to
from workflow.law.deadlines import DEADLINE_LABELS
from workflow.core.extensions import db
from workflow.requests.dashboard import NOT_DONE
from workflow.models import CalendarFeed, Deadline, Membership, AccessRequest, User
from workflow.models.base import utcnow


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_feed(user: User, organisation_id: int | None = None) -> str:
    if organisation_id is not None and not db.session.scalar(select(Membership.id).where(
            Membership.user_id == user.id, Membership.organisation_id == organisation_id)):
        raise PermissionError("not a member")
    token = secrets.token_urlsafe(32)
    db.session.add(CalendarFeed(created_by_id=user.id, organisation_id=organisation_id, token_hash=_digest(token)))
    db.session.commit()
    return token


def feeds_of(user: User) -> list[CalendarFeed]:
    return list(db.session.scalars(select(CalendarFeed).where(CalendarFeed.created_by_id == user.id)
                                   .order_by(CalendarFeed.created_at.desc())))


def revoke(user: User, feed_id: int) -> bool:
    feed = db.session.scalar(select(CalendarFeed).where(CalendarFeed.id == feed_id, CalendarFeed.created_by_id == user.id))
    if feed is None or feed.revoked_at is not None:
        return False
    feed.revoked_at = utcnow()
    db.session.commit()
    return True


def feed_for_token(token: str) -> CalendarFeed | None:
    feed = db.session.scalar(select(CalendarFeed).where(CalendarFeed.token_hash == _digest(token)))
    if feed is None or feed.revoked_at is not None:
        return None
    creator = db.session.get(User, feed.created_by_id)
    if creator is None or not creator.active:
        return None
    # An organisation's feed lives as long as its creator is a member.
    if feed.organisation_id and not db.session.scalar(select(Membership.id).where(
            Membership.user_id == creator.id, Membership.organisation_id == feed.organisation_id)):
        return None
    return feed


def feed_deadlines(feed: CalendarFeed) -> list[tuple[Deadline, AccessRequest]]:
    # Met or superseded deadlines are not in the user's diary any more.
    query = (select(Deadline, AccessRequest).join(AccessRequest, Deadline.request_id == AccessRequest.id)
             .where(Deadline.state.in_(NOT_DONE)).order_by(Deadline.due_on))
    if feed.organisation_id:
        query = query.where(AccessRequest.organisation_id == feed.organisation_id)
    else:
        query = query.where(visible_to(AccessRequest, db.session.get(User, feed.created_by_id)))
    return list(db.session.execute(query).all())


def ics(rows: list[tuple[Deadline, AccessRequest]], base_url: str) -> bytes:
    calendar = Calendar()
    calendar.add("prodid", "-//Lanterne//Échéances CRPA//FR")
    calendar.add("version", "2.0")
    calendar.add("x-wr-calname", "Lanterne : échéances")
    stamp = utcnow()
    for deadline, access_request in rows:
        event = Event()
        # Stable per request and kind: a moved deadline updates the same calendar entry.
        event.add("uid", f"{access_request.id}-{deadline.kind}@lanterne")
        event.add("dtstamp", stamp)
        event.add("dtstart", deadline.due_on)
        event.add("dtend", deadline.due_on + timedelta(days=1))
        event.add("summary", f"{DEADLINE_LABELS.get(deadline.kind, deadline.kind)} — {access_request.reference} ({access_request.authority.name})")
        lines = [deadline.explanation]
        if deadline.legal_date and deadline.safe_date and deadline.legal_date != deadline.safe_date:
            lines.append(f"Dernier jour légal : {deadline.legal_date.isoformat()}.")
        event.add("description", "\n".join(lines))
        event.add("url", f"{base_url}/demandes/{access_request.id}")
        calendar.add_component(event)
    return calendar.to_ical()
