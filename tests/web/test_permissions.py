"""Every route that takes an id refuses another user's: Bob tries each of Alice's ids on
every page and API route, with GET and POST, and sees neither her data nor a 500.

New routes are covered automatically; a route with an id this test does not know fails
the test until the id is added to ALICE_IDS."""
import io
from datetime import date

import pytest
from sqlalchemy import select

from tests.helpers import PASSWORD
from tests.inbound import mails
from workflow.inbound import receiving
from workflow.accounts import users as accounts
from workflow.requests import calendar_feeds
from workflow.mail import notify
from workflow.directory import sharing
from workflow.directory.authorities import seed_authorities
from workflow.documents.filing import FilingMeta, Upload, file_documents
from workflow.core.extensions import db
from workflow.models import (ApiToken, Authority, CalendarFeed, Campaign, Event, JobRun, Organisation, AccessRequest,
                             RequesterIdentity, RequestItem)
from workflow.letters.request_letters import freeze
from workflow.core.storage import file_store

SECRET = "Zéphyrin Quelquechose"  # Alice's identity: must never reach Bob
SUBJECT = "Caméras secrètes du parc"
# Ids anyone signed in may use: the shared authority directory, the CADA's opinions.
SHARED = {"authority_id", "number"}


@pytest.fixture
def world(app, make_user):
    seed_authorities()
    alice = make_user("alice@example.org")
    bob = make_user("bob@example.org")
    metz = db.session.scalar(select(Authority).where(Authority.slug == "ville-de-metz"))
    organisation = accounts.create_organisation(alice, "Collectif d'Alice")
    identity = RequesterIdentity(owner_id=alice.id, name=SECRET, address="1 rue Cachée\n57000 Metz", email="z@example.org")
    campaign = Campaign(owner_id=alice.id, title=SUBJECT, subject=SUBJECT)
    access_request = AccessRequest(reference="LNT-2026-0666", owner_id=alice.id, authority_id=metz.id, channel="email",
                    subject=SUBJECT, requester=identity, campaign=campaign,
                    items=[RequestItem(position=1, description="Plan des caméras")])
    db.session.add_all([identity, campaign, access_request])
    db.session.commit()
    freeze(access_request, "request", date(2026, 1, 9), alice)
    event = db.session.scalar(select(Event))
    report = file_documents(access_request, [Upload("note.txt", io.BytesIO(f"{SUBJECT} : texte reçu".encode()))],
                            FilingMeta(received_on=date(2026, 2, 1)), alice)
    document = report.filed[0].document
    run = JobRun(rq_job_id="campaign-letters-x", kind="campaign_letters:request", user_id=alice.id,
                 campaign_id=campaign.id, status="done", result_sha256=file_store().put(b"a stored result"),
                 result_name="resultat.zip")
    outgoing = notify.queue_mail("perm:1", "request_letter", notify.build_message("x@example.org", SUBJECT, SUBJECT),
                                 user_id=alice.id, request_id=access_request.id, payload={"kind": "request"})
    export = JobRun(rq_job_id="export-x", kind="campaign_export", user_id=alice.id, campaign_id=campaign.id,
                    status="done", result_sha256=file_store().put(b"an export"), result_name="dossier.zip")
    db.session.add_all([run, export])
    db.session.commit()
    calendar_feeds.create_feed(alice)
    # Her organisation's own PRADA address for Metz, and a proposal to the directory.
    sharing.set_override(alice, metz, {"prada_email": "prada-alice@example.org"}, organisation, "page")
    proposal = sharing.propose(alice, metz, {"prada_email": "prada@metz.example"}, "Appel du 3 mars", "page")
    accounts.issue_token(alice)
    invitation, *_ = accounts.invite(organisation, alice, "dave@example.org", "viewer")
    notify.notify(alice, "perm", "reminder", SUBJECT, request_id=access_request.id)
    db.session.commit()
    received = receiving.receive(mails.answer(to="z@example.org", subject=f"{SUBJECT} – Réf. LNT-2026-0666"), "pipe",
                                 10**7).message
    return {
        "alice": alice, "bob": bob,
        "ids": {
            "request_id": access_request.id, "event_id": event.id, "campaign_id": campaign.id, "run_id": run.id,
            "document_id": document.id, "identity_id": identity.id, "organisation_id": organisation.id,
            "user_id": alice.id, "token_id": db.session.scalar(select(ApiToken.id)),
            "feed_id": db.session.scalar(select(CalendarFeed.id)),
            "outgoing_id": outgoing.id, "authority_id": metz.id, "export_run_id": export.id,
            "proposal_id": proposal.id, "invitation_id": invitation.id, "message_id": received.id,
        },
        "values": {"kind": "request", "extension": "pdf", "scope": str(organisation.id), "decision": "accepter",
                   "number": "20204505"},
    }


def _urls(app, world):
    ids, values = world["ids"], world["values"]
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static" or not rule.arguments or rule.arguments <= SHARED | set(values) | {"token"}:
            continue
        if "token" in rule.arguments:  # the calendar feed's secret: tested on its own
            continue
        unknown = rule.arguments - set(ids) - set(values)
        assert not unknown, f"{rule.rule}: add an id for {unknown} to the world fixture"
        arguments = {name: ids.get(name, values.get(name)) for name in rule.arguments}
        if rule.endpoint.startswith("documents.") and "run_id" in arguments:  # a dossier export's run
            arguments["run_id"] = ids["export_run_id"]
        with app.test_request_context():
            from flask import url_for

            yield rule, url_for(rule.endpoint, **arguments)


def test_bob_gets_nothing_from_alices_ids(app, client, world):
    client.post("/connexion", data={"email": "bob@example.org", "password": PASSWORD})
    bob_token = accounts.issue_token(world["bob"])
    checked = 0
    for rule, url in _urls(app, world):
        headers = {"Authorization": f"Bearer {bob_token}"} if url.startswith("/api/") else {}
        for method in sorted(rule.methods & {"GET", "POST"}):
            response = client.open(url, method=method, headers=headers, data={"sent_on": "2026-01-10"})
            assert response.status_code in (403, 404), (method, url, response.status_code)
            body = response.get_data(as_text=True)
            assert SECRET not in body and SUBJECT not in body, (method, url)
            checked += 1
    assert checked >= 30


def test_alice_herself_reaches_her_pages(app, client, world):
    """The same walk as Alice: the ids are right, so the refusals above mean something."""
    client.post("/connexion", data={"email": "alice@example.org", "password": PASSWORD})
    reached = 0
    for rule, url in _urls(app, world):
        if url.startswith("/api/") or "GET" not in rule.methods or url.endswith("/apercu.png"):
            continue  # (a text file has no thumbnail to show)
        response = client.get(url)
        assert response.status_code in (200, 302, 409), (url, response.status_code)  # 302: a sent draft
        reached += 1
    assert reached >= 10


def test_bobs_api_token_cannot_revoke_or_read_alices(client, world):
    client.post("/connexion", data={"email": "bob@example.org", "password": PASSWORD})
    assert client.post(f"/compte/jetons/{world['ids']['token_id']}/revoquer").status_code == 404


def test_the_requesters_identity_shows_only_in_letters_and_to_members(app, client, world, make_user):
    """Alice's identity: in her letters; to a member of her organisation; nowhere else."""
    found_id = world["ids"]["request_id"]
    carol = make_user("carol@example.org")
    organisation_id = world["ids"]["organisation_id"]
    accounts.add_member(db.session.get(Organisation, organisation_id), "carol@example.org", "viewer")
    identity = db.session.get(RequesterIdentity, world["ids"]["identity_id"])
    identity.organisation_id = organisation_id
    access_request = db.session.get(AccessRequest, found_id)
    access_request.organisation_id = organisation_id
    db.session.commit()
    client.post("/connexion", data={"email": "carol@example.org", "password": PASSWORD})
    assert SECRET in client.get("/compte/identites").get_data(as_text=True)
    assert client.get(f"/demandes/{found_id}/courriers/request.html").status_code == 200
    # Nothing public or shared beyond the organisation carries it: the directory, the
    # calendar feed, the API's request JSON.
    assert SECRET not in client.get(f"/autorites/{world['ids']['authority_id']}").get_data(as_text=True)
    token = calendar_feeds.create_feed(world["alice"])
    anonymous = app.test_client()  # the feed and the API need no session
    assert SECRET not in anonymous.get(f"/calendrier/ics/{token}.ics").get_data(as_text=True)
    headers = {"Authorization": f"Bearer {accounts.issue_token(carol)}"}
    assert SECRET not in anonymous.get(f"/api/v1/requests/{found_id}", headers=headers).get_data(as_text=True)


def test_no_page_carries_inline_script_or_style():
    """The Content-Security-Policy forbids them; a template that used one would break."""
    from pathlib import Path
    import re

    offenders = []
    for template in (Path(__file__).resolve().parents[2] / "templates").rglob("*.html"):
        text = template.read_text()
        if re.search(r"<script(?![^>]*\bsrc=)|\sstyle=|\son[a-z]+=", text):
            offenders.append(template.name)
    assert offenders == []


def test_no_page_title_carries_markup():
    """A page's title block is the text of <title>: markup there shows as text in the tab
    (and a section put there by mistake is missing from the page)."""
    import re
    from pathlib import Path

    offenders = []
    for template in (Path(__file__).resolve().parents[2] / "templates").rglob("*.html"):
        for title in re.findall(r"{%\s*block title\s*%}(.*?){%\s*endblock", template.read_text(), flags=re.S):
            if "<" in title:
                offenders.append(template.name)
    assert offenders == []
