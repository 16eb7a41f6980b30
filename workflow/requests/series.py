"""A campaign as a series of requests (CRPA L342-1): its requests sent, one per
administration, and the one CADA referral recorded among them. The threshold and its
sources: workflow/law/series.py; the letters of a series: workflow/letters/series.py."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from workflow.law import series as series_law
from workflow.models import AccessRequest, Campaign, Event
from workflow.requests.history import effective_events


def _first(events: list[Event], type_: str) -> Event | None:
    return next((event for event in sorted(events, key=lambda e: (e.occurred_on, e.id)) if event.type == type_), None)


def sent_requests(campaign: Campaign) -> list[AccessRequest]:
    """The campaign's requests that were sent ("adressées"), one per administration (the
    first sent, should two go to the same one), by reference."""
    by_authority: dict[int, tuple[date, AccessRequest]] = {}
    for access_request in campaign.requests:
        sent = _first(effective_events(access_request), "sent")
        if sent is None:
            continue
        kept = by_authority.get(access_request.authority_id)
        if kept is None or (sent.occurred_on, access_request.reference) < (kept[0], kept[1].reference):
            by_authority[access_request.authority_id] = (sent.occurred_on, access_request)
    return sorted((request for _day, request in by_authority.values()), key=lambda r: r.reference)


@dataclass(frozen=True)
class Referral:
    """The series' referral as recorded: the request and its "cada_referred" event (and the
    CADA's registration, once recorded)."""

    request: AccessRequest
    referred_on: date
    registered_on: date | None
    case_number: str


def referral(requests: list[AccessRequest]) -> Referral | None:
    """The first referral recorded among the requests of a series."""
    found = []
    for access_request in requests:
        events = effective_events(access_request)
        referred = _first(events, "cada_referred")
        if referred is not None:
            registered = _first(events, "cada_registered")
            found.append(Referral(access_request, referred.occurred_on,
                                  registered.occurred_on if registered else None,
                                  (registered.data or {}).get("case_number", "") if registered else ""))
    return min(found, key=lambda item: (item.referred_on, item.request.reference), default=None)




def series_referral_of(access_request: AccessRequest) -> Referral | None:
    """For a request of a series that has no referral of its own: the series' referral,
    recorded on another of its requests, which covers it (L342-1). None otherwise."""
    if access_request.campaign is None:
        return None
    requests = sent_requests(access_request.campaign)
    if not series_law.is_series(len(requests)) or all(r.id != access_request.id for r in requests):
        return None
    found = referral(requests)
    return found if found is not None and found.request.id != access_request.id else None
