"""The letters of a request: list, preview, downloads (draft or frozen) and marking a
letter as sent. Once a letter is sent, its downloads give the version sent, frozen, unless
the draft of a new version is asked for (`?brouillon=1`)."""
from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select

import redis

from workflow.core import clock
from workflow.letters import request_letters
from workflow.mail import notify
from workflow.jobs import schedule
from workflow.accounts.access import get_request_or_404, identity_problem
from workflow.core.extensions import db
from workflow.forms import SendLetterForm
from workflow.letters.rendering import LETTER_KINDS, LetterNotReady, render_html
from workflow.models import OutgoingMail
from workflow.core.params import database_id
from workflow.law.states import TransitionError
from workflow.core.storage import file_store
from workflow.core.downloads import send_bytes

bp = Blueprint("letters", __name__, url_prefix="/demandes/<int:request_id>/courriers")

# The preview is a standalone document with its stylesheet inline; it may run nothing and
# fetch nothing, and only Lanterne's own pages may frame it.
PREVIEW_POLICY = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; frame-ancestors 'self'"


def _request_for_letters(request_id: int, for_change: bool = False):
    """The request if the user may see (or change) it and its requester's identity."""
    access_request = get_request_or_404(request_id, current_user, for_change)
    problem = identity_problem(current_user, access_request, for_change)
    if problem:
        abort(403, problem)
    return access_request


def _kind_or_404(kind: str) -> str:
    if kind not in LETTER_KINDS:
        abort(404, "Ce type de courrier n'existe pas.")
    return kind


@bp.route("/")
def index(request_id: int):
    access_request = _request_for_letters(request_id)
    letters = [{"kind": kind, "title": title, "not_ready": request_letters.not_ready_reason(access_request, kind),
                "versions": request_letters.sent_versions(access_request, kind)}
               for kind, title in request_letters.letter_kinds(access_request).items()]
    return render_template("letters/index.html", access_request=access_request, letters=letters)


@bp.route("/<kind>")
def show(request_id: int, kind: str):
    access_request = _request_for_letters(request_id)
    kind = _kind_or_404(kind)
    not_ready = request_letters.not_ready_reason(access_request, kind)
    form = SendLetterForm(sent_on=clock.today())
    emails = db.session.scalars(select(OutgoingMail).where(
        OutgoingMail.request_id == access_request.id, OutgoingMail.purpose == "request_letter").order_by(OutgoingMail.id)).all()
    return render_template("letters/show.html", access_request=access_request, kind=kind, title=LETTER_KINDS[kind], not_ready=not_ready,
                           versions=request_letters.sent_versions(access_request, kind), form=form,
                           defendant_to_fill=kind == "court_application" and request_letters.defendant_to_fill(access_request),
                           emails=[mail for mail in emails if mail.payload.get("kind") == kind],
                           email_to=request_letters.email_recipient(access_request), mail_enabled=notify.mail_enabled(),
                           recipient_changes=request_letters.recipient_changes(access_request),
                           event_type=request_letters.EVENT_OF_LETTER.get(kind),
                           court_deadline=request_letters.court_deadline(access_request) if kind == "recours_gracieux" else None,
                           ), 409 if not_ready else 200


@bp.route("/<kind>.html")
def preview(request_id: int, kind: str):
    access_request = _request_for_letters(request_id)
    try:
        html = render_html(request_letters.build_context(access_request, _kind_or_404(kind)))
    except LetterNotReady as error:
        abort(409, str(error))
    response = Response(html, mimetype="text/html")
    response.headers["Content-Security-Policy"] = PREVIEW_POLICY
    response.headers["X-Frame-Options"] = "SAMEORIGIN"
    return response


@bp.route("/<kind>.<any(pdf, docx, txt):extension>")
def download(request_id: int, kind: str, extension: str):
    access_request = _request_for_letters(request_id)
    kind = _kind_or_404(kind)
    version = request.args.get("version", type=database_id)
    versions = request_letters.frozen_versions(access_request, kind)
    if version:
        letter = next((item for item in versions if item.version == version), None)
        if letter is None:
            abort(404, "Cette version du courrier n'existe pas.")
        rendered = request_letters.stored(letter, extension)
    elif versions and request.args.get("brouillon") != "1":
        rendered = request_letters.stored(versions[-1], extension)  # what was sent, not today's render
    else:
        try:
            rendered = request_letters.render(request_letters.build_context(access_request, kind), extension)
        except LetterNotReady as error:
            abort(409, str(error))
    return send_bytes(rendered.filename, rendered.media_type, rendered.content)


@bp.post("/<kind>/envoye")
def mark_sent(request_id: int, kind: str):
    access_request = _request_for_letters(request_id, for_change=True)
    kind = _kind_or_404(kind)
    form = SendLetterForm()
    if not form.validate_on_submit():
        for errors in form.errors.values():
            for error in errors:
                flash(error, "error")
        return redirect(url_for("letters.show", request_id=access_request.id, kind=kind))
    if form.sent_on.data > clock.today():
        flash("La date d'envoi ne peut pas être dans le futur.", "error")
        return redirect(url_for("letters.show", request_id=access_request.id, kind=kind))
    try:
        letter = request_letters.freeze(access_request, kind, form.sent_on.data, current_user)
    except (LetterNotReady, TransitionError) as error:
        db.session.rollback()
        flash(str(error), "error")
        return redirect(url_for("letters.show", request_id=access_request.id, kind=kind))
    flash(f"Le courrier est figé (version {letter.version}) : son contenu ne changera plus. "
          "Vous pouvez préparer une nouvelle version si besoin.", "success")
    return redirect(url_for("letters.show", request_id=access_request.id, kind=kind))


@bp.post("/<kind>/courriel")
def send_by_email(request_id: int, kind: str):
    access_request = _request_for_letters(request_id, for_change=True)
    kind = _kind_or_404(kind)
    try:
        outgoing = request_letters.email_letter(access_request, kind, current_user, request.form.get("recipient", ""),
                                                recipient_confirmed=request.form.get("confirm_recipient") == "y")
    except (LetterNotReady, request_letters.CannotEmail) as error:
        db.session.rollback()
        flash(str(error), "error")
        return redirect(url_for("letters.show", request_id=access_request.id, kind=kind))
    try:
        queued = outgoing is not None and schedule.enqueue_mail(outgoing.id)
    except redis.exceptions.RedisError:
        queued = False  # the outbox keeps it; the sweep hands it to a worker
    if not queued:
        flash("Le courriel est prêt dans la file d'envoi ; il partira dès que le service d'envoi sera disponible.", "warning")
    else:
        flash(f"Le courriel part vers {outgoing.to_address}. L'envoi sera enregistré dès que le serveur l'aura accepté.",
              "success")
    return redirect(url_for("letters.show", request_id=access_request.id, kind=kind))


@bp.route("/courriels/<int:outgoing_id>.eml")
def email_proof(request_id: int, outgoing_id: int):
    """The exact message sent, headers included: the proof of the sending."""
    access_request = _request_for_letters(request_id)
    outgoing = db.session.get(OutgoingMail, outgoing_id)
    if outgoing is None or outgoing.request_id != access_request.id:
        abort(404)
    return send_bytes(f"{access_request.reference}-courriel-{outgoing.id}.eml", "message/rfc822",
                      file_store().read(outgoing.eml_sha256))
