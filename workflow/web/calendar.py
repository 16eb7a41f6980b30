"""The calendar: a month view of every deadline the user may see, and private ICS feeds."""
import calendar as month_calendar
from datetime import date, timedelta

from flask import Blueprint, Response, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select

from workflow.requests import calendar_feeds
from workflow.core import clock
from workflow.accounts.access import visible_to
from workflow.law.deadlines import DEADLINE_LABELS, SUPERSEDED
from workflow.core.extensions import db
from workflow.models import Deadline, AccessRequest

bp = Blueprint("calendar", __name__, url_prefix="/calendrier")
MONTHS = ("janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre", "octobre",
          "novembre", "décembre")


# The months the view can show with the weeks around them and the links to the months beside.
FIRST_YEAR, LAST_YEAR = 1901, 2998


def _month(value: str | None) -> date:
    today = clock.today()
    if value:
        try:
            year, month = (int(part) for part in value.split("-"))
            first = date(year, month, 1)
        except ValueError:
            flash("Mois invalide : utilisez le format AAAA-MM.", "error")
        else:
            if not FIRST_YEAR <= first.year <= LAST_YEAR:
                abort(400, f"Le calendrier va de {FIRST_YEAR} à {LAST_YEAR}.")
            return first
    return today.replace(day=1)


@bp.route("/")
def index():
    first = _month(request.args.get("mois"))
    weeks = month_calendar.Calendar(firstweekday=0).monthdatescalendar(first.year, first.month)
    rows = db.session.execute(
        select(Deadline, AccessRequest).join(AccessRequest, Deadline.request_id == AccessRequest.id)
        .where(visible_to(AccessRequest, current_user), Deadline.due_on >= weeks[0][0], Deadline.due_on <= weeks[-1][-1],
               Deadline.state != SUPERSEDED)
        .order_by(Deadline.due_on)
    ).all()
    by_day: dict[date, list] = {}
    for deadline, access_request in rows:
        by_day.setdefault(deadline.due_on, []).append((deadline, access_request))
    previous = (first - timedelta(days=1)).replace(day=1)
    following = (first + timedelta(days=32)).replace(day=1)
    return render_template(
        "calendar/index.html", weeks=weeks, by_day=by_day, first=first, today=clock.today(),
        title=f"{MONTHS[first.month - 1]} {first.year}", previous=previous, following=following,
        labels=DEADLINE_LABELS,
    )


@bp.route("/flux", methods=["GET", "POST"])
def feeds():
    token = None
    if request.method == "POST":
        raw = request.form.get("organisation_id", "")
        organisation_id = int(raw) if raw.isdigit() else None
        if organisation_id is not None and organisation_id not in current_user.organisation_ids:
            abort(404)
        token = calendar_feeds.create_feed(current_user, organisation_id)
        flash("Votre flux est créé. Copiez son adresse maintenant : elle ne sera plus affichée.", "success")
    feed_url = url_for("calendar.feed", token=token, _external=True) if token else None
    return render_template("calendar/feeds.html", feeds=calendar_feeds.feeds_of(current_user), feed_url=feed_url,
                           organisations=[membership.organisation for membership in current_user.memberships])


@bp.post("/flux/<int:feed_id>/revoquer")
def revoke(feed_id: int):
    if not calendar_feeds.revoke(current_user, feed_id):
        abort(404)
    flash("Le flux est révoqué : son adresse ne donne plus rien.", "success")
    return redirect(url_for("calendar.feeds"))


@bp.route("/ics/<token>.ics")
def feed(token: str):
    feed = calendar_feeds.feed_for_token(token)
    if feed is None:
        abort(404, "Ce flux n'existe pas ou a été révoqué.")
    body = calendar_feeds.ics(calendar_feeds.feed_deadlines(feed), current_app.config["BASE_URL"])
    response = Response(body, mimetype="text/calendar")
    response.headers["Content-Disposition"] = 'inline; filename="lanterne.ics"'
    response.headers["Cache-Control"] = "private, no-store"
    return response
