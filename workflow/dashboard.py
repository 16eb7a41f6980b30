"""The home page's view of the work: what is overdue, what falls due this week and this
month, and every request with its next action, filtered by status, authority, campaign."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import Select, and_, or_, select

from workflow.access import visible_to
from workflow.extensions import db
from workflow.models import Deadline, Request, User

CLOSED_STATUSES = ("closed", "answered", "draft")
# A deadline is overdue when its date passed and the request still waits for that step.
OVERDUE_WHEN = {
    "cada_referral": ("refused", "implicitly_refused", "partially_answered"),
    "court_appeal": ("confirmed_refusal",),
    "cada_opinion_expected": ("cada_registered",),
    "authority_answer_expected": ("opinion_received",),
}


@dataclass(frozen=True)
class Filters:
    status: str = ""
    authority_id: int | None = None
    campaign_id: int | None = None

    def apply(self, query: Select) -> Select:
        if self.status:
            query = query.where(Request.status == self.status)
        if self.authority_id:
            query = query.where(Request.authority_id == self.authority_id)
        if self.campaign_id:
            query = query.where(Request.campaign_id == self.campaign_id)
        return query


def _deadlines(user: User, filters: Filters, *conditions) -> list[tuple[Deadline, Request]]:
    query = (select(Deadline, Request).join(Request, Deadline.request_id == Request.id)
             .where(visible_to(Request, user), *conditions).order_by(Deadline.due_on, Request.reference))
    return list(db.session.execute(filters.apply(query)).all())


def overdue(user: User, today: date, filters: Filters) -> list[tuple[Deadline, Request]]:
    waiting = or_(*(and_(Deadline.kind == kind, Request.status.in_(statuses)) for kind, statuses in OVERDUE_WHEN.items()))
    return _deadlines(user, filters, Deadline.due_on < today, waiting)


def upcoming(user: User, start: date, end: date, filters: Filters) -> list[tuple[Deadline, Request]]:
    return _deadlines(user, filters, Deadline.due_on >= start, Deadline.due_on <= end,
                      Request.status.not_in(CLOSED_STATUSES))


def requests_query(user: User, filters: Filters) -> Select:
    return filters.apply(select(Request).where(visible_to(Request, user)).order_by(Request.updated_at.desc()))


def sections(user: User, today: date, filters: Filters) -> dict[str, list]:
    return {
        "overdue": overdue(user, today, filters),
        "week": upcoming(user, today, today + timedelta(days=7), filters),
        "month": upcoming(user, today + timedelta(days=8), today + timedelta(days=31), filters),
    }
