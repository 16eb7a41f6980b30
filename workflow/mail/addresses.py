"""Each request's own reply address: INBOUND_ADDRESS with "+tag" (sub-addressing, RFC 5233),
the tag being the request's unguessable `reply_tag`. Mail sent to it is filed on that
request and can do nothing else."""
from __future__ import annotations

from flask import current_app

from workflow.models import AccessRequest


def tagged_address(inbound_address: str, tag: str) -> str:
    """"demandes@asso.example" and "k3..." -> "demandes+k3...@asso.example"."""
    local, _, domain = inbound_address.rpartition("@")
    return f"{local}+{tag}@{domain}"


def tag_of(address: str, inbound_address: str) -> str | None:
    """The tag of a reply address of this mailbox ("demandes+TAG@asso.example"), else None.
    Mail servers may change the case of an address: compared without it."""
    local, _, domain = address.strip().lower().rpartition("@")
    inbound_local, _, inbound_domain = inbound_address.strip().lower().rpartition("@")
    if not inbound_local or domain != inbound_domain or not local.startswith(inbound_local + "+"):
        return None
    return local[len(inbound_local) + 1:] or None


def inbound_address() -> str:
    address = current_app.config.get("INBOUND_ADDRESS") or ""
    return address if "@" in address else ""


def reply_address(access_request: AccessRequest) -> str | None:
    """The address answers to this request go to, or None when no mailbox is configured."""
    mailbox = inbound_address()
    if not mailbox or not access_request.reply_tag:
        return None
    return tagged_address(mailbox, access_request.reply_tag)
