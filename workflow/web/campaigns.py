"""Campaigns: one subject sent to several authorities."""
from flask import Blueprint, abort, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select

from workflow.accounts.access import get_campaign_or_404, visible_to
from workflow.core.extensions import db
from workflow.jobs.tasks import render_campaign_letters
from workflow.letters import series as campaign_series
from workflow.letters.rendering import LETTER_KINDS
from workflow.law.series import SERIES_SOURCE
from workflow.models import Campaign, JobRun
from workflow.core.params import paginate
from workflow.jobs.queues import enqueue_after_commit
from workflow.law.states import STATUS_LABELS
from workflow.core.storage import file_store
from workflow.core.downloads import send_bytes

bp = Blueprint("campaigns", __name__, url_prefix="/campagnes")


@bp.route("/")
def index():
    query = select(Campaign).where(visible_to(Campaign, current_user)).order_by(Campaign.created_at.desc())
    page = paginate(query, per_page=25)
    return render_template("campaigns/index.html", page=page)


@bp.route("/<int:campaign_id>")
def show(campaign_id: int):
    campaign = get_campaign_or_404(campaign_id, current_user)
    # The matrix: every document asked of any authority (rows) × each authority (columns).
    requested = {access_request.id: {item.description for item in access_request.items} for access_request in campaign.requests}
    matrix_rows = list(dict.fromkeys(item.description for access_request in campaign.requests for item in access_request.items))
    return render_template("campaigns/show.html", campaign=campaign, status_labels=STATUS_LABELS,
                           requested=requested, matrix_rows=matrix_rows, series=campaign_series.state(campaign),
                           series_source=SERIES_SOURCE)


@bp.post("/<int:campaign_id>/courriers")
def render_letters(campaign_id: int):
    campaign = get_campaign_or_404(campaign_id, current_user)
    kind = request.form.get("kind", "request")
    if kind not in LETTER_KINDS:
        abort(400, "Type de courrier inconnu.")
    run = JobRun(rq_job_id="pending", kind=f"campaign_letters:{kind}", user_id=current_user.id, campaign_id=campaign.id,
                 total=len(campaign.requests))
    db.session.add(run)
    db.session.flush()
    run.rq_job_id = f"campaign-letters-{run.id}"
    db.session.commit()
    if not enqueue_after_commit(render_campaign_letters, run.id, kind, job_id=run.rq_job_id):
        run.status, run.error = "failed", "La file des tâches (Redis) est indisponible : réessayez dans un instant."
        db.session.commit()
    return redirect(url_for("campaigns.job", campaign_id=campaign.id, run_id=run.id))


def _run_or_404(campaign: Campaign, run_id: int) -> JobRun:
    run = db.session.get(JobRun, run_id)
    if run is None or run.campaign_id != campaign.id:
        abort(404)
    return run


@bp.route("/<int:campaign_id>/travaux/<int:run_id>")
def job(campaign_id: int, run_id: int):
    campaign = get_campaign_or_404(campaign_id, current_user)
    return render_template("campaigns/job.html", campaign=campaign, run=_run_or_404(campaign, run_id))


@bp.route("/<int:campaign_id>/travaux/<int:run_id>/resultat")
def job_result(campaign_id: int, run_id: int):
    campaign = get_campaign_or_404(campaign_id, current_user)
    run = _run_or_404(campaign, run_id)
    if run.status != "done":
        abort(409, "Le travail n'est pas terminé.")
    return send_bytes(run.result_name, "application/zip", file_store().read(run.result_sha256))
