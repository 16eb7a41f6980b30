"""Fetching the answers that arrive in an IMAP mailbox.

No Flask and no database here: `fetch_mailbox` hands the exact bytes of each message not yet
taken to a `keep` callable, which stores them and returns once they are committed, and marks
the message on the server only after `keep` returned. A message is never marked without
having been kept; one whose `keep` failed, or that was in hand when the connection dropped,
is fetched again the next time. `keep` may therefore see the same bytes twice (the store
dedupes them) but never misses a message.

A message taken carries the keyword `$LanterneStored` (and `\\Seen`), so a message someone
already read in their mail client is still fetched. On a server that does not let a client
create keywords, Lanterne falls back to `\\Seen`: it then fetches the unread messages only,
and a message read in a mail client before Lanterne fetched it is not fetched.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Callable
from urllib.parse import quote, unquote, urlsplit

from imapclient import IMAPClient
from imapclient.exceptions import IMAPClientReadOnlyError

log = logging.getLogger(__name__)

STORED = "$LanterneStored"
SEEN = "\\Seen"
DEFAULT_PORTS = {"imap": 143, "imaps": 993}
EXAMPLE = "imaps://utilisateur:mot-de-passe@serveur:993/INBOX"


class MailboxError(Exception):
    """The folder cannot be used as Lanterne needs: it could not mark what it kept (the
    message is in French, for the person who configured the mailbox)."""


@dataclass(frozen=True)
class ImapSettings:
    host: str
    port: int
    user: str
    password: str = field(repr=False)
    folder: str = "INBOX"
    ssl: bool = True

    @property
    def display_url(self) -> str:
        """The mailbox's address without its password, for logs and pages."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        scheme = "imaps" if self.ssl else "imap"
        return f"{scheme}://{quote(self.user, safe='')}@{host}:{self.port}/{quote(self.folder, safe='/')}"


def parse_imap_url(url: str) -> ImapSettings:
    """`imaps://user:password@host:993/INBOX` (TLS, port 993 by default) or `imap://...`
    (plain text, port 143 by default); the folder defaults to INBOX. The user, the password
    and the folder are percent-decoded (`demandes%40asso.example`): a `@`, `:`, `/`, `?`,
    `#` or `%` in them must be written so. A bad URL raises ValueError with a French
    message, which never repeats the password."""
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError:
        raise ValueError(
            f"Adresse IMAP invalide : le serveur ou le port ne se lit pas (exemple : {EXAMPLE}). "
            "Dans l'utilisateur et le mot de passe, écrivez « @ » %40, « / » %2F, « ? » %3F, "
            "« # » %23 et « % » %25.") from None
    scheme = parts.scheme.lower()
    if scheme not in DEFAULT_PORTS:
        raise ValueError(f"Adresse IMAP invalide : elle commence par imaps:// (chiffrée) ou imap:// (exemple : {EXAMPLE}).")
    if not parts.hostname:
        raise ValueError(f"Adresse IMAP invalide : le nom du serveur manque (exemple : {EXAMPLE}).")
    if port == 0:
        raise ValueError("Adresse IMAP invalide : le port doit être compris entre 1 et 65535.")
    if not parts.username or parts.password is None or parts.password == "":
        raise ValueError(
            f"Adresse IMAP invalide : l'utilisateur ou le mot de passe manque (exemple : {EXAMPLE}). "
            "Un « @ » dans l'utilisateur s'écrit %40.")
    if parts.query or parts.fragment:
        raise ValueError(
            "Adresse IMAP invalide : elle contient « ? » ou « # » ; dans le mot de passe ou le dossier, "
            "écrivez-les %3F et %23.")
    folder = unquote(parts.path).strip("/") or "INBOX"
    return ImapSettings(
        host=parts.hostname,
        port=port or DEFAULT_PORTS[scheme],
        user=unquote(parts.username),
        password=unquote(parts.password),
        folder=folder,
        ssl=scheme == "imaps",
    )


@dataclass
class FetchReport:
    """What one fetch did, message by message (UIDs of the folder, valid under
    `uid_validity`)."""

    mailbox: str
    marker: str = STORED  # what marks a message taken: the keyword, or \Seen (fallback)
    uid_validity: int | None = None
    found_uids: list[int] = field(default_factory=list)  # not taken yet when the fetch began
    fetched_uids: list[int] = field(default_factory=list)  # their bytes came from the server
    kept_uids: list[int] = field(default_factory=list)  # keep() returned
    flagged_uids: list[int] = field(default_factory=list)  # kept, then marked taken
    failed_uids: list[int] = field(default_factory=list)  # keep() raised: left unmarked
    errors: dict[int, str] = field(default_factory=dict)  # UID -> what keep() raised

    @property
    def fetched(self) -> int:
        return len(self.fetched_uids)

    @property
    def kept(self) -> int:
        return len(self.kept_uids)

    @property
    def failed(self) -> int:
        return len(self.failed_uids)

    def summary(self) -> str:
        return (f"{self.mailbox} (UIDVALIDITY {self.uid_validity}, marker {self.marker}): "
                f"{len(self.found_uids)} new, {self.fetched} fetched, {self.kept} kept, "
                f"{len(self.flagged_uids)} marked, {self.failed} failed {self.failed_uids}")


def fetch_mailbox(settings: ImapSettings, keep: Callable[[bytes], object], *, batch_size: int = 20,
                  timeout: float = 30) -> FetchReport:
    """Hand every message of the folder not yet taken to `keep(raw_bytes)`, oldest first,
    and mark each one taken once `keep` returned.

    Messages are fetched by UID with BODY.PEEK[] (reading marks nothing), `batch_size` at a
    time. If `keep` raises, that message stays unmarked (fetched again next time), the error
    is in the report and the others go on. A connection error (OSError, imapclient's
    IMAPClientError: a drop, a timeout of `timeout` seconds, a refused log-in) propagates
    once the report of what was done is logged (and added to the exception's notes); a
    folder that cannot keep the marks raises MailboxError before anything is fetched."""
    if batch_size < 1:
        raise ValueError("batch_size must be at least 1")
    report = FetchReport(mailbox=settings.display_url)
    client = IMAPClient(settings.host, port=settings.port, ssl=settings.ssl, timeout=timeout)
    try:
        client.login(settings.user, settings.password)
        try:
            selected = client.select_folder(settings.folder)
        except IMAPClientReadOnlyError:
            raise MailboxError(
                f"Le dossier IMAP « {settings.folder} » est en lecture seule : Lanterne ne pourrait pas "
                "marquer les messages qu'il a conservés.") from None
        report.uid_validity = selected.get(b"UIDVALIDITY")
        criteria, flags = _marking(selected, settings.folder)
        report.marker = flags[0]
        report.found_uids = sorted(client.search(criteria))
        for start in range(0, len(report.found_uids), batch_size):
            batch = report.found_uids[start:start + batch_size]
            messages = client.fetch(batch, ["BODY.PEEK[]"])
            for uid in batch:
                if uid not in messages:
                    continue  # expunged by another client since the search
                raw = messages[uid].get(b"BODY[]")
                report.fetched_uids.append(uid)
                if raw is None:
                    log.warning("%s: the server sent no body for message UID %s", report.mailbox, uid)
                    report.failed_uids.append(uid)
                    report.errors[uid] = "the server sent no body (NIL)"
                    continue
                try:
                    keep(raw)
                except Exception as error:  # this message only: it stays unmarked, the others go on
                    log.warning("%s: keeping message UID %s failed", report.mailbox, uid, exc_info=True)
                    report.failed_uids.append(uid)
                    report.errors[uid] = f"{type(error).__name__}: {error}"
                    continue
                report.kept_uids.append(uid)
                client.add_flags([uid], flags, silent=True)
                report.flagged_uids.append(uid)
    except BaseException as error:
        log.warning("IMAP fetch interrupted (%s: %s); done so far: %s", type(error).__name__, error,
                    report.summary())
        error.add_note(f"IMAP fetch interrupted; done so far: {report.summary()}")
        _close(client)
        raise
    try:
        client.logout()
    except Exception:  # everything is done and marked; only the goodbye was lost
        log.info("%s: the log-out failed; connection closed", report.mailbox, exc_info=True)
        _close(client)
    log.info("IMAP fetch: %s", report.summary())
    return report


def _marking(selected: dict, folder: str) -> tuple[list[str], list[str]]:
    """The search for messages not taken yet, and the flags that mark one taken: the
    keyword if the folder lets the client keep it (PERMANENTFLAGS has `\\*` or the keyword
    itself; no PERMANENTFLAGS at all means every flag is kept, RFC 3501), else \\Seen."""
    permanent = selected.get(b"PERMANENTFLAGS")
    if permanent is None:
        return ["UNKEYWORD", STORED], [STORED, SEEN]
    names = {flag.decode("ascii", "replace").lower() if isinstance(flag, bytes) else str(flag).lower()
             for flag in permanent}
    if "\\*" in names or STORED.lower() in names:
        return ["UNKEYWORD", STORED], [STORED, SEEN]
    if SEEN.lower() in names:
        log.warning("IMAP folder %s does not keep keywords: messages taken are marked \\Seen only, "
                    "and a message read in a mail client before Lanterne fetched it is not fetched", folder)
        return ["UNSEEN"], [SEEN]
    raise MailboxError(
        f"Le dossier IMAP « {folder} » ne garde ni les mots-clés ni la marque « lu » : Lanterne ne "
        "pourrait pas marquer les messages qu'il a conservés, et les reprendrait à chaque relève.")


def _close(client: IMAPClient) -> None:
    """Close the connection without a log-out (it may already be gone)."""
    try:
        client.shutdown()
    except Exception:
        pass
