"""Documents received, across every request the user may see."""
from flask import Blueprint, render_template
from flask_login import current_user
from sqlalchemy import select

from workflow.access import visible_to
from workflow.extensions import db
from workflow.models import Document, Request

bp = Blueprint("documents", __name__, url_prefix="/documents")


@bp.route("/")
def index():
    query = (
        select(Document)
        .join(Request, Document.request_id == Request.id)
        .where(visible_to(Request, current_user))
        .order_by(Document.created_at.desc())
    )
    page = db.paginate(query, per_page=25, error_out=False)
    return render_template("documents/index.html", page=page)
