"""Flask commands: user, seed, authorities import, cada import, worker, serve (what `make run` starts)."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import json
import time
from dataclasses import dataclass, replace
from datetime import date, timedelta
from typing import NoReturn

import click
from flask import Flask, current_app
from flask.cli import with_appcontext

from workflow.accounts import users as accounts
from workflow.cli.backup import BackupError, backup, restore
from workflow.cli.mail import mail_group
from workflow.core import clock, embedded_redis
from workflow.core.config import embedded_redis_dir
from workflow.directory import importing
from workflow.directory.authorities import seed_authorities
from workflow.core.storage import ForeignStore
from workflow.jobs import files as file_jobs
from workflow.jobs import precedents as precedent_jobs
from workflow.jobs import sweep
from workflow.jobs.queues import queue
from workflow.jobs.schedule import schedule_periodic
from workflow.jobs.worker import LanterneWorker
from workflow.law.deadlines import (ExplicitDecision, RequestFacts, UnknownDepartment, add_months, cli_payload,
                                    format_date_fr, normalise_department)
from workflow.law.states import POSTAL_DELIVERY_DAYS, STATUS_LABELS
from workflow.models import User
from workflow.models.base import utcnow
from workflow import precedents
from workflow.precedents import indexing as precedent_indexing


def init_app(app: Flask) -> None:
    app.cli.add_command(user_group)
    app.cli.add_command(seed_command)
    app.cli.add_command(authorities_group)
    app.cli.add_command(cada_group)
    app.cli.add_command(worker_command)
    app.cli.add_command(serve_command)
    app.cli.add_command(deadlines_command)
    app.cli.add_command(sweep_command)
    app.cli.add_command(backup_command)
    app.cli.add_command(restore_command)
    app.cli.add_command(mail_group)
    app.cli.add_command(files_group)


@click.group("user", help="Gérer les comptes.")
def user_group():
    pass


@user_group.command("create")
@click.argument("email")
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True, help="Mot de passe (10 caractères au moins).")
@click.option("--name", default="", help="Nom ou pseudonyme affiché.")
@with_appcontext
def create_user_command(email: str, password: str, name: str):
    """Create an account."""
    try:
        user = accounts.create_user(email, password, name)
    except accounts.AccountError as error:
        raise click.ClickException(str(error))
    click.echo(f"Compte créé : {user.email} (id {user.id})")


def _account(email: str) -> User:
    user = accounts.find_user(email)
    if user is None:
        raise click.ClickException(f"Aucun compte pour {email}.")
    return user


@user_group.command("token")
@click.argument("email")
@click.option("--label", default="ligne de commande", help="Libellé du jeton.")
@with_appcontext
def token_command(email: str, label: str):
    """Print a new API token for an account."""
    click.echo(accounts.issue_token(_account(email), label))


@user_group.command("maintainer")
@click.argument("email")
@click.option("--revoke", is_flag=True, help="Retirer le rôle au lieu de le donner.")
@with_appcontext
def maintainer_command(email: str, revoke: bool):
    """Make an account a directory maintainer (or no longer, with --revoke)."""
    accounts.set_directory_maintainer(_account(email), not revoke)
    click.echo(f"{email} {'n’est plus' if revoke else 'est'} responsable de l'annuaire.")


@user_group.command("admin")
@click.argument("email")
@click.option("--revoke", is_flag=True, help="Retirer le rôle au lieu de le donner.")
@with_appcontext
def admin_command(email: str, revoke: bool):
    """Make an account a site administrator (or no longer, with --revoke)."""
    accounts.set_site_admin(_account(email), not revoke)
    click.echo(f"{email} {'n’est plus' if revoke else 'est'} administrateur du site.")


@click.command("seed", help="Ajouter à l'annuaire les autorités de référence (sans rien écraser).")
@with_appcontext
def seed_command():
    added = seed_authorities()
    click.echo(f"Autorités ajoutées : {added}.")


@click.group("authorities", help="L'annuaire des administrations.")
def authorities_group():
    pass


@authorities_group.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@click.option("--format", "kind", type=click.Choice(["auto", "annuaire", "prada"]), default="auto",
              help="annuaire : export JSON de l'Annuaire de l'administration (api-lannuaire-administration) ; "
                   "prada : liste des PRADA de la CADA, classeur .xlsx ou CSV. Par défaut : d'après l'extension.")
@with_appcontext
def import_authorities_command(path: str, kind: str):
    """Import an official directory, safely: again and again, without duplicates nor
    overwriting what was changed in Lanterne."""
    lowered = path.lower()
    if kind == "auto":
        if lowered.endswith((".json", ".jsonl", ".ndjson")):
            kind = "annuaire"
        elif lowered.endswith((".csv", ".xlsx", ".xlsm")):
            kind = "prada"
        elif lowered.endswith((".xls", ".ods")):
            raise click.ClickException("Les classeurs .xls et .ods ne sont pas lus : enregistrez la feuille au format "
                                       ".xlsx ou CSV.")
        else:
            raise click.ClickException("Précisez --format annuaire ou --format prada.")
    try:
        if kind == "prada":
            # The whole list is read and checked first: a damaged file changes nothing.
            report = importing.import_pradas(importing.read_prada_file(path))
        else:
            with importing.open_text(path) as stream:
                if sys.stdout.isatty():
                    with click.progressbar(length=os.path.getsize(path), label="Import de l'annuaire") as bar:
                        report = importing.import_annuaire(stream, on_read=bar.update)
                else:
                    report = importing.import_annuaire(stream)
    except importing.ImportFileError as error:
        raise click.ClickException(str(error))
    click.echo(f"Ajoutées : {report.added}. Mises à jour : {report.updated}. Inchangées : {report.unchanged}. "
               f"Ignorées : {report.skipped}.")
    if report.kept_fields:
        click.echo(f"Valeurs modifiées dans Lanterne et conservées : {report.kept_fields}.")


@click.group("cada", help="Les avis et conseils de la CADA (données de référence partagées).")
def cada_group():
    pass


class _Progress:
    """Progress of a file read as a stream: a bar on a terminal, else a line on stderr at
    every tenth of the file."""

    def __init__(self, size: int, label: str):
        self.size, self.read, self.next_tenth = max(size, 1), 0, 1
        self.bar = click.progressbar(length=size, label=label) if sys.stdout.isatty() else None

    def __enter__(self):
        if self.bar is not None:
            self.bar.__enter__()
        return self

    def __exit__(self, *exc):
        if self.bar is not None:
            self.bar.__exit__(*exc)

    def update(self, characters: int) -> None:
        self.read += characters
        if self.bar is not None:
            self.bar.update(characters)
        elif self.read * 10 >= self.next_tenth * self.size and self.next_tenth < 10:
            click.echo(f"… {min(100, self.read * 100 // self.size)} % du fichier lu", err=True)
            self.next_tenth = self.read * 10 // self.size + 1


@cada_group.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@click.option("--indexer-maintenant", "index_now", is_flag=True,
              help="Indexer les avis pour la recherche dans cette commande, sans tâche de fond.")
@with_appcontext
def import_cada_command(path: str, index_now: bool):
    """Import the CSV file "Avis et conseils de la CADA" (data.gouv.fr): again and again,
    without duplicates; a malformed row is reported with its line and skipped. The new
    opinions are then indexed for search by a background job (or here, with
    --indexer-maintenant, or when Redis cannot be reached)."""
    start = time.perf_counter()
    try:
        with importing.open_text(path) as stream, _Progress(os.path.getsize(path), "Import des avis de la CADA") as bar:
            report = precedents.import_opinions(stream, on_read=bar.update)
    except precedents.ImportFileError as error:
        raise click.ClickException(str(error))
    for problem in report.problems:
        click.echo(f"Ignorée, {problem}.")
    if report.skipped > len(report.problems):
        click.echo(f"… et {report.skipped - len(report.problems)} autre(s) ligne(s) ignorée(s).")
    click.echo(f"Avis ajoutés : {report.added}. Mis à jour : {report.updated}. Inchangés : {report.unchanged}. "
               f"Lignes ignorées : {report.skipped}. ({time.perf_counter() - start:.0f} s)")
    waiting = precedent_indexing.awaiting_count()
    if not waiting:
        return
    if not index_now and precedent_jobs.enqueue_indexing():
        click.echo(f"{waiting} avis seront cherchables par leurs mots dans quelques minutes : un worker les indexe "
                   "(d'ici là, la page de recherche dit combien attendent). `flask cada index` le fait ici.")
        return
    if not index_now:
        click.echo("La file des tâches (Redis) est indisponible : indexation ici.")
    _index_opinions_here()


@cada_group.command("index")
@with_appcontext
def index_cada_command():
    """Index for search the opinions still waiting (what the background job does)."""
    if not precedent_indexing.awaiting_count():
        click.echo("Tous les avis sont déjà indexés.")
        return
    _index_opinions_here()


def _index_opinions_here() -> None:
    start = time.perf_counter()

    def progress(done: int, total: int) -> None:
        click.echo(f"… {done} avis indexés sur {total}", err=True)

    indexed = precedent_indexing.index_awaiting(progress=progress)
    click.echo(f"Avis indexés pour la recherche : {indexed}. ({time.perf_counter() - start:.0f} s)")


def _ensure_redis(app: Flask):
    """Start the embedded Redis when no REDIS_URL was given and none is running.
    Returns the process we started, for the caller to stop."""
    if not app.config["REDIS_EMBEDDED"]:
        return None
    _url, process = embedded_redis.start(embedded_redis_dir(app.instance_path))
    return process


@click.command("worker", help="Lancer un worker RQ avec son planificateur.")
@click.option("--burst", is_flag=True, help="Traiter ce qui est en file puis s'arrêter.")
@with_appcontext
def worker_command(burst: bool):


    app: Flask = current_app._get_current_object()  # type: ignore[attr-defined]  # the proxy's target
    redis_process = _ensure_redis(app)
    try:
        queues = [queue(name) for name in app.config["RQ_QUEUES"]]
        # At start: a sweep now (whatever happened while no worker ran), and the next daily one.
        queues[0].enqueue("workflow.jobs.tasks.sweep_job")
        schedule_periodic()
        # The forked work-horses inherit this application context.
        LanterneWorker(queues, connection=queues[0].connection).work(burst=burst, with_scheduler=True)
    finally:
        embedded_redis.stop(redis_process)


def web_server_command(host: str, port: int, workers: int, threads: int) -> list[str]:
    """Gunicorn with threaded workers (gthread): a slow page (a large PDF, an export) holds
    one thread, not a whole process, so the other pages keep being answered. The
    application keeps no per-request state outside Flask's contexts (the page cache has its
    lock), and each thread has its own database session."""
    return [sys.executable, "-m", "gunicorn", "--worker-class", "gthread", "--workers", str(workers),
            "--threads", str(threads), "--bind", f"{host}:{port}", "--access-logfile", "-", "--no-control-socket",
            "app:create_app()"]


@click.command("serve", help="Lancer le serveur web, un worker, le relevé IMAP (si IMAP_URL) et, sans REDIS_URL, le Redis embarqué.")
@click.option("--port", default=None, show_default="5000 ou $PORT", type=int)
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--web-workers", default=2, show_default=True, type=click.IntRange(1, 64))
@click.option("--web-threads", default=8, show_default=True, type=click.IntRange(1, 256),
              help="Fils par processus web : une page lente n'en bloque qu'un.")
@with_appcontext
def serve_command(port: int | None, host: str, web_workers: int, web_threads: int):
    app: Flask = current_app._get_current_object()  # type: ignore[attr-defined]  # the proxy's target
    port = port if port is not None else int(app.config["PORT"])
    redis_process = _ensure_redis(app)
    environment = dict(os.environ, REDIS_URL=app.config["REDIS_URL"])
    # Each child in its own session: Ctrl-C reaches this supervisor alone, which stops
    # the web server and the worker first, then Redis, so no job is cut off.
    children = {
        "web": subprocess.Popen(web_server_command(host, port, web_workers, web_threads),
                                env=environment, start_new_session=True),
        "worker": subprocess.Popen(
            [sys.executable, "-m", "flask", "--app", "app", "worker"], env=environment, start_new_session=True
        ),
    }
    if app.config["IMAP_URL"]:  # the mailbox is polled by RQ's cron, the fetches run on the worker
        children["mail"] = subprocess.Popen([sys.executable, "-m", "flask", "--app", "app", "mail", "poll"],
                                            env=environment, start_new_session=True)
    click.echo(f"Lanterne : http://{host}:{port}/  (Ctrl-C pour arrêter)")
    stopping = False

    def request_stop(signum, _frame):
        nonlocal stopping
        stopping = True

    for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, request_stop)
    exit_code = 0
    try:
        while not stopping:
            for name, child in children.items():
                if child.poll() is not None:
                    click.echo(f"Le processus « {name} » s'est arrêté (code {child.returncode}).", err=True)
                    stopping, exit_code = True, 1
            time.sleep(0.2)
    finally:
        for child in children.values():
            if child.poll() is None:
                child.terminate()
        for child in children.values():
            try:
                child.wait(20)
            except subprocess.TimeoutExpired:
                child.kill()
                child.wait()
        embedded_redis.stop(redis_process)
        click.echo("Lanterne est arrêté.")
    sys.exit(exit_code)


def _fail(message: str) -> NoReturn:
    """The engine's contract: one line on stderr and exit status 2."""
    click.echo(f"Erreur : {message}", err=True)
    sys.exit(2)


def _parse_date(value: str | None, option: str) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        _fail(f"{option} attend une date au format AAAA-MM-JJ, pas « {value} ».")


ACKNOWLEDGEMENTS = ("compliant", "non_compliant", "none")


@dataclass(frozen=True)
class _DeadlineOptions:
    """The dates and statements of `flask deadlines`, parsed."""

    received: date | None
    sent: date | None
    postal: bool
    refused: date | None
    partially_answered: date | None
    refuses_rest: bool
    cada_referred: date | None
    cada_registered: date | None
    refused_after_referral: date | None
    appeal_routes_stated: bool
    acknowledgement: str | None
    department: str


def _deadline_problem(o: _DeadlineOptions) -> str | None:
    """What makes these options inconsistent (French), or None."""
    if o.postal and o.sent is None:
        return "--postal précise le mode d'envoi : indiquez aussi la date d'envoi (--sent)."
    if o.refuses_rest and o.partially_answered is None:
        return "--refuses-rest précise une communication partielle : indiquez sa date (--partially-answered)."
    if o.sent and o.received and o.received < o.sent:
        return "la réception (--received) ne peut pas précéder l'envoi de la demande (--sent)."
    if o.acknowledgement is not None and o.acknowledgement not in ACKNOWLEDGEMENTS:
        return f"--acknowledgement attend un de : {', '.join(ACKNOWLEDGEMENTS)} ; pas « {o.acknowledgement} »."
    if not o.appeal_routes_stated and not (o.refused or o.refused_after_referral or o.refuses_rest):
        return ("--no-appeal-routes porte sur un refus explicite : indiquez --refused, --refused-after-referral "
                "ou --partially-answered avec --refuses-rest.")
    first = o.sent or o.received  # the earliest day the request can be known of
    for day, option, what in ((o.refused, "--refused", "le refus"),
                              (o.partially_answered, "--partially-answered", "la communication partielle")):
        if day and o.received and day < o.received:
            return f"{what} ({option}) ne peut pas précéder la réception de la demande (--received)."
        if day and first and day < first:
            return f"{what} ({option}) ne peut pas précéder l'envoi de la demande (--sent)."
    referred = o.cada_referred or o.cada_registered
    if o.refused and referred and o.refused > referred:
        return ("le refus (--refused) est postérieur à la saisine de la CADA : pour un refus notifié après la "
                "saisine, utilisez --refused-after-referral.")
    if o.cada_referred:
        problem = _referral_problem(o, first)
        if problem:
            return problem
    start = o.refused or o.received or o.sent
    if start and o.cada_registered and o.cada_registered < start:
        return "l'enregistrement par la CADA (--cada-registered) ne peut pas précéder la demande ni le refus."
    if o.cada_referred and o.cada_registered and o.cada_registered < o.cada_referred:
        return "l'enregistrement par la CADA (--cada-registered) ne peut pas précéder la saisine (--cada-referred)."
    if o.refused_after_referral:
        if referred is None:
            return ("--refused-after-referral est un refus notifié après la saisine de la CADA : indiquez la date "
                    "de la saisine (--cada-referred).")
        if o.refused_after_referral <= referred:
            option = "--cada-referred" if o.cada_referred else "--cada-registered"
            return (f"le refus notifié après la saisine (--refused-after-referral) doit être postérieur à la saisine "
                    f"de la CADA ({option}) ; un refus antérieur se donne avec --refused.")
    return None


def _referral_problem(o: _DeadlineOptions, first: date | None) -> str | None:
    """The CADA can only be referred a refusal: an explicit one, or the implicit one born a
    month after the receipt (counted, while the receipt is estimated, from the sending)."""
    assert o.cada_referred is not None
    if first and o.cada_referred < first:
        return "la saisine de la CADA (--cada-referred) ne peut pas précéder la demande."
    explicit = [day for day in (o.refused, o.partially_answered if o.refuses_rest else None) if day]
    if any(day <= o.cada_referred for day in explicit):
        return None
    receipt = o.received or o.sent
    if receipt is None:
        return None
    born = add_months(receipt, 1)
    if o.cada_referred < born:
        return (f"la CADA ne peut être saisie qu'après un refus : aucun refus explicite n'est indiqué avant la "
                f"saisine (--cada-referred) et le refus implicite ne naît que le {format_date_fr(born)}.")
    return None


def _deadline_facts(o: _DeadlineOptions) -> RequestFacts:
    received, estimate = o.received, False
    if received is None and o.sent is not None:
        # As for a recorded request (states.receipt_date): e-mail, online form and hand delivery
        # arrive the day they are sent; a postal letter's receipt is estimated, and the dates the
        # user must meet count from the sending (crpa.md §3.1).
        received = o.sent + timedelta(days=POSTAL_DELIVERY_DAYS) if o.postal else o.sent
        estimate = o.postal
    routes = o.appeal_routes_stated
    decisions = [ExplicitDecision(day, routes, what) for day, what in (
        (o.refused, "le refus explicite"),
        (o.partially_answered if o.refuses_rest else None, "la communication partielle refusant le reste"),
        (o.refused_after_referral, "le refus explicite"),
    ) if day is not None]
    return RequestFacts(
        received=received, received_is_estimate=estimate, sent=o.sent,
        acknowledgement=o.acknowledgement,  # type: ignore[arg-type]  # checked against ACKNOWLEDGEMENTS
        cada_referred=o.cada_referred, cada_registered=o.cada_registered,
        decisions=tuple(sorted(decisions, key=lambda decision: decision.day)), department=o.department)


@click.command("deadlines", help="Calculer les délais CRPA d'une demande (JSON sur la sortie standard).")
@click.option("--received", help="Date de réception de la demande par l'administration (AAAA-MM-JJ).")
@click.option("--sent", help="Date d'envoi de la demande. Sans --received : réception le même jour (courriel, "
                             "téléservice, remise en main propre), ou estimée avec --postal.")
@click.option("--postal", is_flag=True, help="Envoi postal sans date de réception connue : les dates à tenir sont "
                                             "comptées à partir de l'envoi (--sent), la réception est estimée.")
@click.option("--refused", help="Date de notification d'un refus explicite (remplace le refus implicite).")
@click.option("--partially-answered", "partially_answered", help="Date d'une communication partielle.")
@click.option("--refuses-rest", "refuses_rest", is_flag=True,
              help="La communication partielle refuse expressément le reste : le délai de saisine de la CADA court "
                   "de sa notification. Sinon, le reste est refusé implicitement au bout d'un mois.")
@click.option("--no-appeal-routes", "no_appeal_routes", is_flag=True,
              help="Le refus explicite n'indique pas les voies et délais de recours (CRPA, art. L311-14).")
@click.option("--acknowledgement", help="Accusé de réception de l'administration : compliant (conforme à R112-5), "
                                        "non_compliant, none (aucun). Sans cette option : inconnu, à vérifier.")
@click.option("--cada-referred", "cada_referred", help="Date de la saisine de la CADA.")
@click.option("--cada-registered", "cada_registered", help="Date d'enregistrement de la saisine par la CADA.")
@click.option("--refused-after-referral", "refused_after_referral",
              help="Date de notification d'un refus explicite après la saisine de la CADA : le délai de recours "
                   "devant le tribunal court de cette date.")
@click.option("--department", default="57", show_default=True, help="Département de l'administration.")
def deadlines_command(received: str | None, sent: str | None, postal: bool, refused: str | None,
                      partially_answered: str | None, refuses_rest: bool, no_appeal_routes: bool,
                      acknowledgement: str | None, cada_referred: str | None, cada_registered: str | None,
                      refused_after_referral: str | None, department: str):
    options = _DeadlineOptions(
        received=_parse_date(received, "--received"),
        sent=_parse_date(sent, "--sent"),
        postal=postal,
        refused=_parse_date(refused, "--refused"),
        partially_answered=_parse_date(partially_answered, "--partially-answered"),
        refuses_rest=refuses_rest,
        cada_referred=_parse_date(cada_referred, "--cada-referred"),
        cada_registered=_parse_date(cada_registered, "--cada-registered"),
        refused_after_referral=_parse_date(refused_after_referral, "--refused-after-referral"),
        appeal_routes_stated=not no_appeal_routes,
        acknowledgement=acknowledgement,
        department=department,
    )
    try:
        options = replace(options, department=normalise_department(department))
    except UnknownDepartment as error:
        _fail(str(error))
    problem = _deadline_problem(options)
    if problem:
        _fail(problem)
    click.echo(json.dumps(cli_payload(_deadline_facts(options)), ensure_ascii=False, indent=2))


@click.command("sweep", help="Balayage : statuts que le calendrier rend vrais, rappels dus, tâches perdues par Redis.")
@click.option("--today", help="Date du jour à utiliser (AAAA-MM-JJ), pour rattraper ou simuler.")
@with_appcontext
def sweep_command(today: str | None):

    day = _parse_date(today, "--today") or clock.today()
    report = sweep.run(day)
    for reference, status in sorted(report.status_changes.items()):
        click.echo(f"{reference} : {STATUS_LABELS.get(status, status)}")
    click.echo(f"Balayage du {day.isoformat()} : {len(report.status_changes)} statut(s) mis à jour, "
               f"{report.reminders_fired} rappel(s) envoyé(s), {report.reminders_rescheduled} rappel(s) replanifié(s), "
               f"{report.mails_requeued} courriel(s) mis en file, {report.digests_queued} récapitulatif(s).")
    if report.redis_unavailable:
        click.echo("Redis est indisponible : les envois seront planifiés au prochain balayage.", err=True)


@click.command("backup", help="Sauvegarder la base et les fichiers dans une archive .tar.gz.")
@click.option("--output", type=click.Path(dir_okay=False), help="Fichier de sauvegarde (par défaut sous instance/backups/).")
@with_appcontext
def backup_command(output: str | None):
    from pathlib import Path


    target = Path(output) if output else Path(current_app.instance_path) / "backups" / (
        f"lanterne-{utcnow().strftime('%Y%m%d-%H%M%S')}.tar.gz")
    manifest = backup(target)
    click.echo(f"Sauvegarde écrite : {target} ({sum(manifest['rows'].values())} lignes, {len(manifest['files'])} fichiers).")


@click.command("restore", help="Restaurer une sauvegarde dans une base neuve (migrée au même niveau).")
@click.argument("archive", type=click.Path(exists=True, dir_okay=False))
@with_appcontext
def restore_command(archive: str):
    from pathlib import Path


    try:
        manifest = restore(Path(archive))
    except BackupError as error:
        _fail(str(error))
    click.echo(f"Sauvegarde restaurée : {sum(manifest['rows'].values())} lignes, {len(manifest['files'])} fichiers.")


@click.group("files", help="Les fichiers conservés (documents reçus, courriers, courriels).")
def files_group():
    pass


@files_group.command("collect")
@with_appcontext
def collect_files_command():
    """Remove the stored files no row names any more (what the sweep queues each day)."""
    try:
        report = file_jobs.collect_stored_files()
    except ForeignStore as error:
        raise click.ClickException(f"Rien n'est supprimé : la base de données et le dossier des fichiers ne "
                                   f"correspondent pas ({error}). Vérifiez DATABASE_URL et FILE_STORE_PATH.")
    click.echo(f"Fichiers supprimés : {report['removed']} ({report['removed_bytes'] / 1_048_576:.1f} Mo) ; "
               f"conservés : {report['kept']} ; récents, gardés encore un jour : {report['recent']}.")
