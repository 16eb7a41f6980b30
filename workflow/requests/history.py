"""A request's history as it counts: its events, corrections applied."""
from __future__ import annotations

from workflow.models import AccessRequest, Event


def effective_events(access_request: AccessRequest) -> list[Event]:
    """The events that count: a corrected event gives way to its latest correction."""
    corrected_ids = {event.corrects_id for event in access_request.events if event.corrects_id}
    return [event for event in access_request.events if event.id not in corrected_ids]
