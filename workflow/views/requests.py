"""Requests (demandes): the list of what the user may see, and one request's page."""
from flask import Blueprint, render_template, request
from flask_login import current_user
from sqlalchemy import select

from workflow.access import get_request_or_404, visible_to
from workflow.extensions import db
from workflow.models import Request
from workflow.states import STATUS_LABELS

bp = Blueprint("requests", __name__)


@bp.route("/")
def index():
    status = request.args.get("statut", "")
    query = select(Request).where(visible_to(Request, current_user)).order_by(Request.updated_at.desc())
    if status in STATUS_LABELS:
        query = query.where(Request.status == status)
    page = db.paginate(query, per_page=25, error_out=False)
    return render_template("requests/index.html", page=page, status=status, status_labels=STATUS_LABELS)


@bp.route("/demandes/<int:request_id>")
def show(request_id: int):
    found = get_request_or_404(request_id, current_user)
    return render_template("requests/show.html", found=found, status_labels=STATUS_LABELS)
