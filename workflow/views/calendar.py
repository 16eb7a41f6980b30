"""The calendar: every deadline of the requests the user may see, by date."""
from datetime import date

from flask import Blueprint, render_template
from flask_login import current_user
from sqlalchemy import select

from workflow.access import visible_to
from workflow.extensions import db
from workflow.models import Deadline, Request

bp = Blueprint("calendar", __name__, url_prefix="/calendrier")


@bp.route("/")
def index():
    query = (
        select(Deadline)
        .join(Request, Deadline.request_id == Request.id)
        .where(visible_to(Request, current_user), Deadline.due_on >= date.today())
        .order_by(Deadline.due_on)
    )
    page = db.paginate(query, per_page=50, error_out=False)
    return render_template("calendar/index.html", page=page)
