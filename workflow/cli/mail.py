"""`flask mail …`: the three ways in for received e-mail, one code path
(workflow/inbound/receiving.py): fetch (an IMAP mailbox, once), receive (one message on
standard input, for a mail server's pipe), import (an .eml, an mbox or a Maildir)."""
from __future__ import annotations

import sys
from collections import Counter
from pathlib import Path

import click
from rq.cron import CronScheduler
from flask import current_app
from flask.cli import with_appcontext

from workflow.inbound import fetching, receiving, sources
from workflow.jobs.queues import queue
from workflow.jobs.tasks import fetch_mail_job

# sysexits.h: the mail server bounces a message refused as data, retries a temporary failure.
EX_DATAERR, EX_TEMPFAIL = 65, 75


@click.group("mail", help="Courriels reçus : relever la boîte IMAP, recevoir d'un serveur de messagerie, importer.")
def mail_group():
    pass


def _max_bytes() -> int:
    return int(current_app.config["INBOUND_MAX_BYTES"])


def _outcome(receipt: receiving.Receipt) -> str:
    if receipt.duplicate:
        return "déjà là"
    message = receipt.message
    if message.request_id is None:
        return "à classer"
    return "classé"


@mail_group.command("receive", help="Lire un message (RFC 5322) sur l'entrée standard et le conserver.")
@with_appcontext
def receive_command():
    raw = sys.stdin.buffer.read()
    try:
        receipt = receiving.receive(raw, "pipe", _max_bytes())
    except receiving.NotStored as refused:
        click.echo(f"Message refusé : {refused}", err=True)
        sys.exit(EX_DATAERR)
    except Exception as error:  # noqa: BLE001 - not stored: the mail server must try again
        click.echo(f"Message non conservé (le serveur de messagerie réessaiera) : {error}", err=True)
        sys.exit(EX_TEMPFAIL)
    click.echo(f"Conservé (n° {receipt.message.id}) : {_outcome(receipt)}.")


@mail_group.command("import", help="Importer un fichier .eml, une boîte mbox ou un dossier Maildir.")
@click.argument("path", type=click.Path(exists=True, path_type=Path))
@with_appcontext
def import_command(path: Path):
    counts: Counter[str] = Counter()
    try:
        for where, raw in sources.messages_at(path):
            try:
                receipt = receiving.receive(raw, "import", _max_bytes())
            except receiving.NotStored as refused:
                counts["refusé"] += 1
                click.echo(f"{where} : refusé — {refused}", err=True)
                continue
            counts[_outcome(receipt)] += 1
    except sources.SourceError as error:
        raise click.ClickException(str(error)) from error
    click.echo(_summary(counts))


def _summary(counts: Counter[str]) -> str:
    order = ("classé", "à classer", "déjà là", "refusé")
    return ", ".join(f"{counts[label]} {label}" for label in order) + "."


@mail_group.command("fetch", help="Relever une fois la boîte IMAP (IMAP_URL).")
@with_appcontext
def fetch_command():
    try:
        report = fetching.fetch_once()
    except fetching.NotConfigured as error:
        raise click.ClickException(str(error)) from error
    click.echo(report)


def mail_poll_scheduler(interval: int) -> CronScheduler:
    """RQ's cron, enqueuing one IMAP fetch every `interval` seconds for the workers."""
    mail_queue = queue()
    scheduler = CronScheduler(connection=mail_queue.connection, name=f"lanterne-mail-poll-{interval}")
    # A fetch that outlives the next tick is cut short by RQ, not left to pile up.
    scheduler.register(fetch_mail_job, queue_name=mail_queue.name, interval=interval,
                       job_timeout=max(60, interval * 5), result_ttl=interval * 10)
    return scheduler


@mail_group.command("poll", help="Relever la boîte IMAP toutes les IMAP_POLL_SECONDS secondes (cron de RQ).")
@with_appcontext
def poll_command():
    if not current_app.config.get("IMAP_URL"):
        raise click.ClickException("Aucune boîte IMAP n'est configurée (IMAP_URL).")
    interval = int(current_app.config["IMAP_POLL_SECONDS"])
    click.echo(f"Relevé de la boîte IMAP toutes les {interval} s.")
    mail_poll_scheduler(interval).start()
