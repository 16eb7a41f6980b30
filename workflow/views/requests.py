"""Requests (demandes): the list of what the user may see, one request's page with its
timeline, and the recording and correction of events."""
from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select

from workflow import requests as request_service
from workflow.access import get_request_or_404, visible_to
from workflow.extensions import db
from workflow.forms import CorrectionForm, EventForm
from workflow.models import Request
from workflow.states import STATUS_LABELS, TransitionError

bp = Blueprint("requests", __name__)


@bp.route("/")
def index():
    status = request.args.get("statut", "")
    query = select(Request).where(visible_to(Request, current_user)).order_by(Request.updated_at.desc())
    if status in STATUS_LABELS:
        query = query.where(Request.status == status)
    page = db.paginate(query, per_page=25, error_out=False)
    return render_template("requests/index.html", page=page, status=status, status_labels=STATUS_LABELS)


def _render_show(found: Request, event_form: EventForm | None = None, status: int = 200):
    current = request_service.situation(found)
    return render_template(
        "requests/show.html", found=found, current=current, status_labels=STATUS_LABELS,
        timeline=request_service.timeline(found, current), event_form=event_form or EventForm(),
    ), status


@bp.route("/demandes/<int:request_id>")
def show(request_id: int):
    return _render_show(get_request_or_404(request_id, current_user))


@bp.post("/demandes/<int:request_id>/evenements")
def record_event(request_id: int):
    found = get_request_or_404(request_id, current_user, for_change=True)
    form = EventForm()
    if not form.validate_on_submit():
        return _render_show(found, form, 422)
    try:
        request_service.record_event(found, form.type.data, form.occurred_on.data, form.event_data(),
                                     author=current_user, note=form.note.data or "")
    except TransitionError as error:
        db.session.rollback()
        flash(str(error), "error")
        return _render_show(found, form, 422)
    flash("L'événement est enregistré ; les échéances sont recalculées.", "success")
    return redirect(url_for("requests.show", request_id=found.id, _anchor="chronologie"))


@bp.post("/demandes/<int:request_id>/evenements/<int:event_id>/corriger")
def correct_event(request_id: int, event_id: int):
    found = get_request_or_404(request_id, current_user, for_change=True)
    form = CorrectionForm()
    if not form.validate_on_submit():
        for errors in form.errors.values():
            for error in errors:
                flash(error, "error")
        return _render_show(found, status=422)
    try:
        request_service.correct_event(found, event_id, form.occurred_on.data, author=current_user,
                                      note=form.note.data)
    except TransitionError as error:
        db.session.rollback()
        flash(f"Correction refusée : {error}", "error")
        return _render_show(found, status=422)
    flash("La correction est enregistrée ; l'historique garde la date d'origine.", "success")
    return redirect(url_for("requests.show", request_id=found.id, _anchor="chronologie"))
