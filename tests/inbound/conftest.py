"""What the inbound tests share: a configured mailbox and a request sent by e-mail."""
from __future__ import annotations

from datetime import date

import pytest

from tests.helpers import make_request
from workflow.requests import lifecycle


@pytest.fixture
def inbound(app, monkeypatch):
    """Answers reach demandes@asso.example; each request replies to its "+tag" form."""
    monkeypatch.setitem(app.config, "INBOUND_ADDRESS", "demandes@asso.example")


@pytest.fixture
def sent_request(alice, metz):
    """Alice's request LNT-2026-0042 to the city, whose PRADA writes from prada@metz.example,
    e-mailed on 20 November 2026."""
    metz.prada_email = "prada@metz.example"
    access_request = make_request(alice, metz, "LNT-2026-0042")
    lifecycle.record_event(access_request, "sent", date(2026, 11, 20), {"channel": "email"})
    return access_request
