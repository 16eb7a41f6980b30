"""What tests share besides fixtures: the test password, a page's visible text, running the
queued jobs, a request made straight in the database."""
from __future__ import annotations

import html
import re

PASSWORD = "correct horse battery"


def page_text(response) -> str:
    """The visible text of a page, tags stripped and white space folded."""
    body = response.get_data(as_text=True)
    body = re.sub(r"<script.*?</script>|<style.*?</style>", " ", body, flags=re.S)
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", body))).strip()


def run_worker():
    """Run every job that is due in the test Redis, in this process, then stop."""
    from rq import SimpleWorker

    from workflow.jobs.queues import queue

    SimpleWorker([queue()], connection=queue().connection).work(burst=True)


def make_request(owner, authority, reference, subject=None, channel="email", organisation=None, campaign=None):
    """A draft request of `owner` to `authority`, with a requester identity and one item,
    committed (no form, no numbering: the reference is given)."""
    from workflow.core.extensions import db
    from workflow.models import AccessRequest, RequesterIdentity, RequestItem

    identity = RequesterIdentity(owner_id=owner.id, name="Alice Martin", address="1 rue X\n57000 Metz",
                                 email="alice@example.org")
    access_request = AccessRequest(reference=reference, owner_id=owner.id, authority_id=authority.id, channel=channel,
                    subject=subject or f"Demande {reference}", requester=identity,
                    organisation_id=organisation.id if organisation else None,
                    campaign_id=campaign.id if campaign else None,
                    items=[RequestItem(position=1, description="Marché de vidéoprotection")])
    db.session.add(access_request)
    db.session.commit()
    return access_request
