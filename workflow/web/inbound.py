"""E-mails received: the inbox of messages no request holds (site administrators), the
messages offered to a team as "peut-être pour vous", and on a request the proposed event
its people confirm or dismiss. A message's body is shown as text, never as a page."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import func, select

from workflow.accounts.access import editable_by, get_request_or_404
from workflow.core.downloads import send_stored
from workflow.core.extensions import db
from workflow.documents import mail as email_reading
from workflow.inbound import receiving
from workflow.models import AccessRequest, InboundMessage
from workflow.requests.lifecycle import TransitionError

bp = Blueprint("inbound", __name__, url_prefix="/courriels")


def _require_admin() -> None:
    if not current_user.site_admin:
        abort(403, "Seuls les administrateurs du site voient les courriels à classer.")


def _message_or_404(message_id: int) -> InboundMessage:
    return db.get_or_404(InboundMessage, message_id, description="Ce courriel n'existe pas.")


def _text_of(message: InboundMessage) -> str:
    try:
        return email_reading.read_email_bytes(receiving.raw_bytes(message)).body
    except Exception:  # noqa: BLE001 - unreadable: the raw file is still there to download
        return "(Lanterne ne sait pas lire ce message : téléchargez-le.)"


@bp.route("/")
def index():
    editable = select(AccessRequest).where(editable_by(AccessRequest, current_user))
    offered = receiving.offered_to(editable)
    unplaced = receiving.unplaced() if current_user.site_admin else []
    bodies = {message.id: _text_of(message) for message in unplaced}
    return render_template("inbound/index.html", offered=offered, unplaced=unplaced, bodies=bodies)


@bp.route("/<int:message_id>.eml")
def raw(message_id: int):
    """The message exactly as received (a download, never shown as a page)."""
    message = _message_or_404(message_id)
    if message.request_id is not None:
        get_request_or_404(message.request_id, current_user)
    else:
        _require_admin()
    return send_stored(message.sha256, f"courriel-{message.id}.eml", "message/rfc822")


@bp.post("/<int:message_id>/classer")
def assign(message_id: int):
    """An administrator files an unplaced message on a request, named by its reference."""
    _require_admin()
    message = _message_or_404(message_id)
    reference = request.form.get("reference", "").strip()
    access_request = db.session.scalar(select(AccessRequest).where(
        func.upper(AccessRequest.reference) == reference.upper())) if reference else None
    if access_request is None:
        flash(f"Aucune demande n'a la référence « {reference} »." if reference
              else "Indiquez la référence de la demande (LNT-AAAA-NNNN).", "error")
        return redirect(url_for("inbound.index"))
    try:
        receiving.assign(message, access_request, current_user)
    except receiving.InboundError as error:
        flash(str(error), "error")
        return redirect(url_for("inbound.index"))
    flash(f"Le courriel est classé sur la demande {access_request.reference}.", "success")
    return redirect(url_for("inbound.index"))


@bp.post("/<int:message_id>/rattacher")
def claim(message_id: int):
    """A team member takes a message offered to them onto one of their requests."""
    message = _message_or_404(message_id)
    if message.request_id is not None:  # placed: its request's business, not to be claimed
        abort(404)
    try:
        request_id = int(request.form.get("request_id", ""))
    except ValueError:
        abort(404)
    access_request = get_request_or_404(request_id, current_user, for_change=True)
    if message.suggested_authority_id != access_request.authority_id:
        flash("Ce courriel ne peut pas être rattaché à cette demande : il vient d'une autre administration.", "error")
        return redirect(url_for("inbound.index"))
    receiving.assign(message, access_request, current_user, rule="claimed")
    flash(f"Le courriel est rattaché à la demande {access_request.reference}.", "success")
    return redirect(url_for("requests.show", request_id=access_request.id, _anchor="courriels"))


def _proposal_of(request_id: int, message_id: int) -> tuple[AccessRequest, InboundMessage]:
    access_request = get_request_or_404(request_id, current_user, for_change=True)
    message = _message_or_404(message_id)
    if message.request_id != access_request.id:
        abort(404)
    return access_request, message


@bp.post("/demandes/<int:request_id>/<int:message_id>/confirmer")
def confirm(request_id: int, message_id: int):
    access_request, message = _proposal_of(request_id, message_id)
    try:
        receiving.confirm(message, current_user)
    except (receiving.InboundError, TransitionError) as error:
        flash(f"L'événement n'est pas enregistré : {error}", "error")
    else:
        flash("L'événement proposé est enregistré ; les délais sont recalculés.", "success")
    return redirect(url_for("requests.show", request_id=access_request.id, _anchor="courriels"))


@bp.post("/demandes/<int:request_id>/<int:message_id>/ignorer")
def dismiss(request_id: int, message_id: int):
    access_request, message = _proposal_of(request_id, message_id)
    try:
        receiving.dismiss(message, current_user)
    except receiving.InboundError as error:
        flash(str(error), "error")
    else:
        flash("La proposition est écartée ; le courriel reste classé sur la demande.", "success")
    return redirect(url_for("requests.show", request_id=access_request.id, _anchor="courriels"))
