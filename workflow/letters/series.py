"""A campaign as a series of requests (CRPA L342-1): whether it is one, which request
carries the series' one CADA referral, and the notice of that referral each other
administration of the series gets (a letter of its own, "cada_series_notice", recorded
as a frozen letter when sent). The threshold and its sources: workflow/law/series.py."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select

from workflow.core import clock
from workflow.law import series as series_law
from workflow.models import AccessRequest, Campaign, Letter
from workflow.core.extensions import db
from workflow.requests.series import Referral, referral, sent_requests

NOTICE = "cada_series_notice"


@dataclass(frozen=True)
class Notice:
    request: AccessRequest
    sent_on: date | None  # the first notice marked sent (or e-mailed), its day in Paris


@dataclass(frozen=True)
class SeriesState:
    is_series: bool
    sent_count: int        # requests sent, one per administration
    threshold: int
    referral: Referral | None
    notices: tuple[Notice, ...]  # each other request of the series, once the referral is recorded

    def notice_for(self, access_request: AccessRequest) -> Notice | None:
        return next((notice for notice in self.notices if notice.request.id == access_request.id), None)


def notice_sent_on(access_request: AccessRequest) -> date | None:
    """The day the first notice left (as recorded; before letters had that day, the day it
    was marked sent)."""
    letter = db.session.scalar(select(Letter).where(
        Letter.request_id == access_request.id, Letter.kind == NOTICE, Letter.sent_at.is_not(None))
        .order_by(Letter.sent_at).limit(1))
    if letter is None or letter.sent_at is None:
        return None
    return letter.sent_on or letter.sent_at.astimezone(clock.PARIS).date()


def state(campaign: Campaign) -> SeriesState:
    requests = sent_requests(campaign)
    is_series = series_law.is_series(len(requests))
    found = referral(requests) if is_series else None
    notices = tuple(Notice(access_request, notice_sent_on(access_request)) for access_request in requests
                    if found is not None and access_request.id != found.request.id)
    return SeriesState(is_series, len(requests), series_law.SERIES_MIN_REQUESTS, found, notices)


def state_of_request(access_request: AccessRequest) -> SeriesState | None:
    """The series state of the request's campaign, or None outside a campaign."""
    return state(access_request.campaign) if access_request.campaign is not None else None
