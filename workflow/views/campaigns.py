"""Campaigns: one subject sent to several authorities."""
from flask import Blueprint, render_template
from flask_login import current_user
from sqlalchemy import select

from workflow.access import get_campaign_or_404, visible_to
from workflow.extensions import db
from workflow.models import Campaign
from workflow.states import STATUS_LABELS

bp = Blueprint("campaigns", __name__, url_prefix="/campagnes")


@bp.route("/")
def index():
    query = select(Campaign).where(visible_to(Campaign, current_user)).order_by(Campaign.created_at.desc())
    page = db.paginate(query, per_page=25, error_out=False)
    return render_template("campaigns/index.html", page=page)


@bp.route("/<int:campaign_id>")
def show(campaign_id: int):
    campaign = get_campaign_or_404(campaign_id, current_user)
    return render_template("campaigns/show.html", campaign=campaign, status_labels=STATUS_LABELS)
