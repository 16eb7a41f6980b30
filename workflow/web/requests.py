"""Requests (demandes): the list of what the user may see, one request's page with its
timeline, and the recording and correction of events."""
from flask import Blueprint, flash, redirect, render_template, request, url_for
from markupsafe import Markup
from flask_login import current_user
from sqlalchemy import or_, select
from wtforms.fields.choices import SelectChoice

from workflow.core import clock
from workflow.requests import dashboard
from workflow import documents
from workflow.web import page_cache
from workflow.requests import subjects
from workflow.requests import team
from workflow.precedents import citations as precedent_citations
from workflow.inbound import receiving
from workflow.mail import addresses
from workflow.directory import authorities as authority_directory
from workflow.requests import lifecycle as request_service
from workflow.accounts import users as accounts
from workflow.accounts.access import editable_by, get_request_or_404, get_visible_or_404, usable_identities, visible_to
from workflow.core.extensions import db
from workflow.forms import CorrectionForm, EditRequestForm, EventForm, EventFormBase, NewRequestForm, TeamForm, prefix_ids, sharing_choices
from workflow.law.deadlines import DEADLINE_LABELS
from workflow.letters import series as campaign_series
from workflow.letters.rendering import letter_for_action
from workflow.models import Authority, Campaign, AccessRequest, RequesterIdentity
from workflow.core.params import database_id, page_number, paginate
from workflow.law.states import EVENT_LABELS, STATUS_LABELS, TransitionError, likely_next_event, next_action

bp = Blueprint("requests", __name__)


@bp.route("/")
def index():
    """The dashboard: what is overdue or falls due soon, then every request."""
    args = request.args
    filters = dashboard.Filters(
        status=args.get("statut", "") if args.get("statut", "") in STATUS_LABELS else "",
        authority_id=args.get("autorite", type=database_id), campaign_id=args.get("campagne", type=database_id),
        assignee_id=current_user.id if args.get("mes") == "1" else None)
    today = clock.today()
    key = (current_user.id, filters, args.get("page", 1, type=page_number), today)
    part = page_cache.cached_part(page_cache.DASHBOARD, key, lambda: _render_dashboard(filters, today))
    return render_template("requests/index.html", dashboard=part)


def _render_dashboard(filters: dashboard.Filters, today) -> Markup:
    page = paginate(dashboard.requests_query(current_user, filters), per_page=25)
    # EXISTS probes each authority's requests by index; IN read every visible request.
    has_visible_request = select(AccessRequest.id).where(AccessRequest.authority_id == Authority.id,
                                                   visible_to(AccessRequest, current_user)).exists()
    authorities = db.session.execute(
        select(Authority.id, Authority.name).where(has_visible_request).order_by(Authority.name)).all()
    campaigns = db.session.execute(
        select(Campaign.id, Campaign.title).where(visible_to(Campaign, current_user)).order_by(Campaign.title)).all()
    return Markup(render_template(
        "requests/_dashboard.html", page=page, filters=filters, status_labels=STATUS_LABELS,
        sections=dashboard.sections(current_user, today, filters), authorities=authorities, campaigns=campaigns,
        next_action=next_action, letter_for_action=letter_for_action, deadline_labels=DEADLINE_LABELS,
    ))


def _can_change(access_request: AccessRequest) -> bool:
    return bool(db.session.scalar(select(AccessRequest.id).where(AccessRequest.id == access_request.id,
                                                                 editable_by(AccessRequest, current_user))))


def _team_form(access_request: AccessRequest, form: TeamForm | None = None) -> TeamForm:
    if form is None:
        form = TeamForm(assignee_id=access_request.assignee_id, internal_notes=access_request.internal_notes)
    form.assignee_id.choices = [SelectChoice("", "— Personne —")] + [
        SelectChoice(str(user.id), team.display_name(user)) for user in team.assignable_users(access_request)]
    return prefix_ids(form, "equipe-")


def _render_show_content(access_request: AccessRequest, event_form: EventFormBase | None = None,
                         team_form: TeamForm | None = None) -> tuple[str, Markup]:
    """The page's title and content."""
    current = request_service.situation(access_request)
    sent_back = event_form is not None
    if event_form is None:
        event_form = EventForm(type=likely_next_event(current.status), occurred_on=clock.today())
    prefix_ids(event_form, "evenement-")
    event_form.offer_only(request_service.possible_events(access_request, current.today), keep_chosen=sent_back)
    return f"{access_request.reference} · {access_request.subject}", Markup(render_template(
        "requests/_show.html", access_request=access_request, current=current, status_labels=STATUS_LABELS,
        action_letter=letter_for_action(current.next_action[0]),
        timeline=request_service.timeline(access_request, current), event_form=event_form,
        team_form=_team_form(access_request, team_form), can_edit=_can_change(access_request),
        series=campaign_series.state_of_request(access_request),
        identity_warnings=accounts.identity_warnings(access_request.requester),
        precedents=precedent_citations.cited(access_request),
        messages=receiving.of_request(access_request), sent_mails=receiving.sent_of_request(access_request),
        reply_address=addresses.reply_address(access_request),
    ))


def _render_show(access_request: AccessRequest, event_form: EventFormBase | None = None, status: int = 200,
                 team_form: TeamForm | None = None):
    """The page as an action that was refused leaves it: the form as sent, never cached."""
    title, content = _render_show_content(access_request, event_form, team_form)
    return render_template("requests/show.html", title=title, content=content), status


@bp.route("/demandes/<int:request_id>")
def show(request_id: int):
    # A page kept for this user passed the access check when it was rendered, and any
    # change to access (owner, organisation, membership) raises its version: a kept page
    # is served without loading the request again. Its forms' CSRF tokens tie it to the
    # session, the event form's date to the day.
    key = (request_id, current_user.id, page_cache.session_csrf_key(), clock.today())
    title, content = page_cache.cached_part(
        page_cache.REQUEST_PAGE, key, lambda: _render_show_content(get_request_or_404(request_id, current_user)))
    return render_template("requests/show.html", title=title, content=content)


@bp.post("/demandes/<int:request_id>/evenements")
def record_event(request_id: int):
    access_request = get_request_or_404(request_id, current_user, for_change=True)
    form = EventForm()
    if not form.validate_on_submit():
        return _render_show(access_request, form, 422)
    data = form.event_data()
    problem = request_service.item_outcomes_problem(access_request, data)
    if problem is not None:  # only the request knows its list of documents
        form["item_outcomes"].errors = [problem]
        return _render_show(access_request, form, 422)
    try:
        request_service.check_new_event(access_request, form.type.data, form.occurred_on.data, data)
        proof = form.proof.data
        if proof and proof.filename:
            # The proof is filed first, so the event can name it; a refused file stops both.
            report = documents.file_documents(
                access_request, [documents.Upload(proof.filename, proof.stream)],
                documents.FilingMeta(received_on=form.occurred_on.data,
                                     notes=f"Justificatif : {EVENT_LABELS[form.type.data]}"), current_user)
            data["proof_document_id"] = report.filed[0].document.id
        request_service.record_event(access_request, form.type.data, form.occurred_on.data, data,
                                     author=current_user, note=form.note.data or "")
    except (TransitionError, documents.FilingError) as error:
        db.session.rollback()
        flash(str(error), "error")
        return _render_show(access_request, form, 422)
    flash("L'événement est enregistré ; les échéances sont recalculées.", "success")
    return redirect(url_for("requests.show", request_id=access_request.id, _anchor="chronologie"))


@bp.post("/demandes/<int:request_id>/equipe")
def update_team(request_id: int):
    """Who follows the request, and the team's internal notes."""
    access_request = get_request_or_404(request_id, current_user, for_change=True)
    form = _team_form(access_request, TeamForm())
    if not form.validate_on_submit():
        return _render_show(access_request, status=422, team_form=form)
    try:
        team.update_team(access_request, form.assignee_id.data, form.internal_notes.data or "", current_user)
    except team.TeamError as error:
        db.session.rollback()
        flash(str(error), "error")
        return _render_show(access_request, status=422, team_form=form)
    db.session.commit()
    flash("Le suivi de la demande est enregistré.", "success")
    return redirect(url_for("requests.show", request_id=access_request.id, _anchor="equipe"))


@bp.post("/demandes/<int:request_id>/evenements/<int:event_id>/corriger")
def correct_event(request_id: int, event_id: int):
    access_request = get_request_or_404(request_id, current_user, for_change=True)
    form = CorrectionForm()
    if not form.validate_on_submit():
        for errors in form.errors.values():
            for error in errors:
                flash(error, "error")
        return _render_show(access_request, status=422)
    try:
        request_service.correct_event(access_request, event_id, form.occurred_on.data, author=current_user,
                                      note=form.note.data)
    except TransitionError as error:
        db.session.rollback()
        flash(f"Correction refusée : {error}", "error")
        return _render_show(access_request, status=422)
    flash("La correction est enregistrée ; l'historique garde la date d'origine.", "success")
    return redirect(url_for("requests.show", request_id=access_request.id, _anchor="chronologie"))


def _authority_choices(chosen: list[int], text: str) -> list[SelectChoice]:
    """The authorities already chosen, then those the picker's search finds (the directory
    may hold every French administration: it is never listed whole)."""
    rows = list(db.session.scalars(select(Authority).where(Authority.id.in_(chosen)).order_by(Authority.name))
                ) if chosen else []
    if text.strip():
        rows += [authority for authority in authority_directory.first_results(
            authority_directory.search_query(text), authority_directory.PICKER_RESULTS)
            if authority.id not in chosen]
    return [SelectChoice(str(authority.id), authority_directory.picker_label(authority)) for authority in rows]


def _chosen_ids(name: str) -> list[int]:
    """The authority ids of the request (submitted, or in the query string), as given."""
    values = request.form.getlist(name) if request.method == "POST" else request.args.getlist(name)
    return [int(value) for value in values if value.isdigit() and len(value) < 10]


def _usable_identities(current: int | None = None) -> list[RequesterIdentity]:
    """The identities the user may write under (and the draft's own, kept as it is)."""
    return list(db.session.scalars(
        select(RequesterIdentity).where(or_(usable_identities(RequesterIdentity, current_user),
                                            RequesterIdentity.id == current),
                                        visible_to(RequesterIdentity, current_user)).order_by(RequesterIdentity.name)
    ))


def _identity_choices(current: int | None = None) -> list:
    return [SelectChoice("", "— Choisir —")] + [
        SelectChoice(str(identity.id), f"{identity.name} ({identity.kind_label.lower()})")
        for identity in _usable_identities(current)
    ]


def _identity_warnings(access_request: AccessRequest | None = None) -> list[tuple[str, str]]:
    """(name, warning) for each identity the draft may be sent under that lacks something
    its letters would state (workflow/accounts/users.py)."""
    return [(identity.name, warning)
            for identity in _usable_identities(access_request.requester_id if access_request else None)
            for warning in accounts.identity_warnings(identity)]


def _prepare(form, chosen: list[int] | None = None, access_request: AccessRequest | None = None):
    form.requester_id.choices = _identity_choices(access_request.requester_id if access_request else None)
    form.organisation_id.choices = sharing_choices(current_user)
    text = request.values.get("autorite_q", "")
    if isinstance(form, NewRequestForm):
        form.authority_ids.choices = _authority_choices(_chosen_ids("authority_ids") + (chosen or []), text)
    else:
        form.authority_id.choices = [SelectChoice("", "— Choisir —")] + _authority_choices(
            _chosen_ids("authority_id") + (chosen or []), text)
    return form


def _searching() -> bool:
    """The picker's "Chercher" button (without JavaScript): show the results, keep what was typed."""
    return request.method == "POST" and "chercher" in request.form


def _draft_from(form) -> request_service.Draft:
    requester = get_visible_or_404(RequesterIdentity, form.requester_id.data, current_user)
    return request_service.Draft(
        subject=form.subject.data, items=request_service.clean_lines(form.items.data), requester=requester,
        channel=form.channel.data, access_format=form.access_format.data,
        legal_grounds=request_service.clean_lines(form.legal_grounds.data), organisation_id=form.organisation_id.data,
    )


@bp.route("/demandes/nouvelle", methods=["GET", "POST"])
def create():
    form = NewRequestForm()
    template = None
    chosen: list[int] = []
    if request.method == "GET":
        template = subjects.find(request.args.get("sujet", ""), current_user)
        if template is not None:
            form.subject.data = template.title
            form.items.data = "\n".join(template.items)
            form.legal_grounds.data = "\n".join(template.legal_grounds)
            slugs = set(template.suggested_authorities)
            chosen = list(db.session.scalars(select(Authority.id).where(Authority.slug.in_(slugs))))
        if request.args.get("autorite", "").isdigit() and len(request.args["autorite"]) < 10:
            chosen = [int(request.args["autorite"])]
        form.authority_ids.data = chosen
    _prepare(form, chosen)
    if request.method == "GET":
        identities = [choice for choice in form.requester_id.choices if choice.value]
        if len(identities) == 1:  # the only identity is the obvious choice
            form.requester_id.data = int(identities[0].value)
    if not _searching() and form.validate_on_submit():
        authorities = db.session.scalars(select(Authority).where(Authority.id.in_(form.authority_ids.data))).all()
        try:
            created, campaign = request_service.create_requests(
                current_user, list(authorities), _draft_from(form), form.campaign_title.data or "")
        except request_service.DraftError as error:
            flash(str(error), "error")
        else:
            if campaign is not None:
                flash(f"{len(created)} demandes sont prêtes, une par autorité, dans la campagne « {campaign.title} ».", "success")
                return redirect(url_for("campaigns.show", campaign_id=campaign.id))
            flash(f"La demande {created[0].reference} est enregistrée comme brouillon.", "success")
            return redirect(url_for("requests.show", request_id=created[0].id))
    status = 422 if request.method == "POST" and not _searching() else 200
    return render_template("requests/form.html", form=form, access_request=None, template=template,
                           identity_warnings=_identity_warnings(), **_picker_context()), status


def _picker_context() -> dict:
    text = request.values.get("autorite_q", "").strip()
    found = None
    if text:
        found = authority_directory.search_page(authority_directory.search_query(text), 1, 1).total
    return {"authority_query": text, "authority_found": found}


@bp.route("/demandes/<int:request_id>/modifier", methods=["GET", "POST"])
def edit(request_id: int):
    access_request = get_request_or_404(request_id, current_user, for_change=True)
    if access_request.events:
        flash("Cette demande est déjà envoyée : elle ne peut plus être modifiée.", "error")
        return redirect(url_for("requests.show", request_id=access_request.id))
    form = _prepare(EditRequestForm(obj=access_request), [access_request.authority_id], access_request)
    if request.method == "GET":
        form.items.data = "\n".join(item.description for item in access_request.items)
    if not _searching() and form.validate_on_submit():
        authority = db.get_or_404(Authority, form.authority_id.data)
        try:
            request_service.update_draft(access_request, authority, _draft_from(form), current_user)
        except request_service.DraftError as error:
            flash(str(error), "error")
        else:
            flash("Le brouillon est enregistré.", "success")
            return redirect(url_for("requests.show", request_id=access_request.id))
    status = 422 if request.method == "POST" and not _searching() else 200
    return render_template("requests/form.html", form=form, access_request=access_request, template=None,
                           identity_warnings=_identity_warnings(access_request), **_picker_context()), status
