"""The home page's view of the work: what is overdue, what falls due this week and this
month, and every request with its next action, filtered by status, authority, campaign."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import Select, func, select
from sqlalchemy.orm import defer, joinedload

from workflow.accounts.access import visible_to
from workflow.core.extensions import db
from workflow.law.deadlines import OPEN, PASSED
from workflow.models import Deadline, AccessRequest, User

CLOSED_STATUSES = ("closed", "answered", "draft")
# Rows shown per section; the heading gives the total. A user with thousands of requests
# would otherwise get a page of thousands of rows (megabytes, seconds) on every visit.
SECTION_LIMIT = 20
# Counted exactly up to here ("plus de 200" beyond): the count stays cheap however many.
COUNT_LIMIT = 200
# A deadline is overdue when its day went by and what it calls for was not done (its state,
# workflow.law.deadlines): the user's own (referral, court, cassation) or the administration's
# and the CADA's. The births of refusals are not overdue: they happen.
OVERDUE_KINDS = ("cada_referral", "court_appeal", "cassation_appeal", "cada_opinion_expected",
                 "authority_answer_expected")
NOT_DONE = (OPEN, PASSED)


@dataclass(frozen=True)
class Filters:
    status: str = ""
    authority_id: int | None = None
    campaign_id: int | None = None
    assignee_id: int | None = None  # "mes demandes": those assigned to the user

    def apply(self, query: Select) -> Select:
        if self.status:
            query = query.where(AccessRequest.status == self.status)
        if self.authority_id:
            query = query.where(AccessRequest.authority_id == self.authority_id)
        if self.campaign_id:
            query = query.where(AccessRequest.campaign_id == self.campaign_id)
        if self.assignee_id:
            query = query.where(AccessRequest.assignee_id == self.assignee_id)
        return query


class Section(list):
    """The first SECTION_LIMIT (deadline, request) rows of a section, in date order, and
    `total`, how many rows the section has in all (COUNT_LIMIT + 1 meaning "more")."""

    def __init__(self, rows, total: int):
        super().__init__(rows)
        self.total = total

    @property
    def more(self) -> bool:
        return self.total > len(self)

    @property
    def count_label(self) -> str:
        return f"plus de {COUNT_LIMIT}" if self.total > COUNT_LIMIT else str(self.total)


def _deadlines(user: User, filters: Filters, *conditions) -> Section:
    query = filters.apply(select(Deadline, AccessRequest).join(AccessRequest, Deadline.request_id == AccessRequest.id)
                          .where(visible_to(AccessRequest, user), *conditions))
    rows = db.session.execute(
        query.order_by(Deadline.due_on, AccessRequest.reference).limit(SECTION_LIMIT + 1)
        # The rows show the authority's name, never the explanation: one query, no N+1.
        .options(joinedload(AccessRequest.authority), joinedload(AccessRequest.assignee),
                 defer(Deadline.explanation))).all()
    if len(rows) <= SECTION_LIMIT:
        return Section(rows, len(rows))
    counted = query.with_only_columns(Deadline.id).limit(COUNT_LIMIT + 1).subquery()
    return Section(rows[:SECTION_LIMIT], db.session.scalar(select(func.count()).select_from(counted)))


def overdue(user: User, today: date, filters: Filters) -> Section:
    return _deadlines(user, filters, Deadline.due_on < today, Deadline.kind.in_(OVERDUE_KINDS),
                      Deadline.state.in_(NOT_DONE), AccessRequest.status.not_in(CLOSED_STATUSES))


def upcoming(user: User, start: date, end: date, filters: Filters) -> Section:
    return _deadlines(user, filters, Deadline.due_on >= start, Deadline.due_on <= end, Deadline.state == OPEN,
                      AccessRequest.status.not_in(CLOSED_STATUSES))


def requests_query(user: User, filters: Filters) -> Select:
    return filters.apply(select(AccessRequest).where(visible_to(AccessRequest, user)).order_by(AccessRequest.updated_at.desc())
                         .options(joinedload(AccessRequest.authority), joinedload(AccessRequest.assignee)))


def sections(user: User, today: date, filters: Filters) -> dict[str, Section]:
    return {
        "overdue": overdue(user, today, filters),
        "week": upcoming(user, today, today + timedelta(days=7), filters),
        "month": upcoming(user, today + timedelta(days=8), today + timedelta(days=31), filters),
    }
