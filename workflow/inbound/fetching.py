"""Polling the IMAP mailbox (IMAP_URL): each new message is stored through the one code
path of receiving, and flagged on the server only once stored (workflow/inbound/imap.py)."""
from __future__ import annotations

from collections import Counter

from flask import current_app

from workflow.inbound import imap, receiving


class NotConfigured(RuntimeError):
    pass


def fetch_once() -> str:
    """Fetch what is new in the mailbox once; returns a French summary."""
    url = current_app.config.get("IMAP_URL") or ""
    if not url:
        raise NotConfigured("Aucune boîte IMAP n'est configurée (IMAP_URL).")
    settings = imap.parse_imap_url(url)
    max_bytes = int(current_app.config["INBOUND_MAX_BYTES"])
    outcomes: Counter[str] = Counter()

    def keep(raw: bytes) -> None:
        # Raises when the message could not be stored: it then stays unflagged on the server.
        receipt = receiving.receive(raw, "imap", max_bytes)
        outcomes["déjà là" if receipt.duplicate else "classé" if receipt.message.request_id else "à classer"] += 1

    report = imap.fetch_mailbox(settings, keep)
    failed = getattr(report, "failed", 0)
    return (f"{outcomes['classé']} classé(s), {outcomes['à classer']} à classer, {outcomes['déjà là']} déjà là"
            + (f", {failed} non conservé(s) (laissés sur le serveur, réessayés au prochain relevé)" if failed else "")
            + ".")
