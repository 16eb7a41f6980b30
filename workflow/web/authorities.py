"""The authority directory: list and search, view (with its history), create, change
(applied, proposed or kept for one's own letters: workflow/directory/sharing.py), and
the proposals maintainers decide."""
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from workflow.core.extensions import db
from workflow.core.params import page_number
from workflow.directory import authorities, sharing
from workflow.forms import AuthorityForm
from workflow.models import Authority, AuthorityProposal, User
from workflow.models.authorities import CHANGE_SCOPES, CHANGE_SOURCES, PROPOSAL_STATUSES

bp = Blueprint("authorities", __name__, url_prefix="/autorites")

def _field_labels() -> dict[str, str]:
    form = AuthorityForm(meta={"csrf": False})
    return {name: form[name].label.text for name in authorities.EDITABLE_FIELDS}


def _authority_or_404(authority_id: int) -> Authority:
    return db.get_or_404(Authority, authority_id, description="Cette autorité n'existe pas.")


@bp.route("/")
def index():
    text = request.args.get("q", "")
    department = request.args.get("departement", "").strip().upper()
    page = authorities.search_page(authorities.search_query(text, department),
                                   request.args.get("page", 1, type=page_number), per_page=25)
    return render_template("authorities/index.html", page=page, q=text, department=department)


@bp.route("/choix.json")
def picker():
    """The drafting form's picker (static/js/authority-picker.js): the first results of a search."""
    text = request.args.get("q", "")
    found = authorities.first_results(authorities.search_query(text), authorities.PICKER_RESULTS) if text.strip() else []
    return {"items": [{"id": authority.id, "label": authorities.picker_label(authority)} for authority in found]}


@bp.route("/<int:authority_id>")
def show(authority_id: int):
    authority = _authority_or_404(authority_id)
    overrides = [(membership.organisation, sharing.override_of(authority, current_user, membership.organisation))
                 for membership in current_user.memberships]
    overrides.append((None, sharing.override_of(authority, current_user, None)))
    history = sharing.history(authority, current_user)
    authors = {user.id: user.display_name or f"compte n° {user.id}" for user in db.session.scalars(
        db.select(User).where(User.id.in_({change.user_id for change in history if change.user_id})))}
    return render_template("authorities/show.html", authority=authority, history=history, change_authors=authors,
                           overrides=[(organisation, override) for organisation, override in overrides if override],
                           labels=_field_labels(), sources=CHANGE_SOURCES, scopes=CHANGE_SCOPES,
                           maintainer=sharing.is_maintainer(current_user))


@bp.route("/nouvelle", methods=["GET", "POST"])
def create():
    form = AuthorityForm()
    maintainer = sharing.is_maintainer(current_user)
    if form.validate_on_submit():
        try:
            authority = sharing.create(current_user, form.data, "page")
        except sharing.DirectoryError as error:
            flash(str(error), "error")
        else:
            flash(f"L'autorité « {authority.name} » est ajoutée à l'annuaire.", "success")
            return redirect(url_for("authorities.show", authority_id=authority.id))
    status = 422 if request.method == "POST" else 200
    return render_template("authorities/form.html", form=form, authority=None, maintainer=maintainer), status


def _outcome_message(outcome: sharing.Outcome) -> tuple[str, str]:
    if outcome.kind == "applied":
        return ("Les modifications sont enregistrées dans l'annuaire commun." if outcome.changes
                else "Aucune valeur n'a changé."), "success" if outcome.changes else "info"
    if outcome.kind == "proposed":
        return ("Votre proposition est transmise aux responsables de l'annuaire ; la fiche commune ne change "
                "qu'une fois la proposition acceptée."), "success"
    whose = f"de « {outcome.organisation.name} »" if outcome.organisation else "que vous n'avez pas partagées"
    if outcome.override is None:
        return f"Les courriers des demandes {whose} utilisent les coordonnées de l'annuaire commun.", "info"
    return (f"Ces coordonnées serviront aux seuls courriers des demandes {whose} ; "
            "l'annuaire commun ne change pas."), "success"


@bp.route("/<int:authority_id>/modifier", methods=["GET", "POST"])
def edit(authority_id: int):
    authority = _authority_or_404(authority_id)
    maintainer = sharing.is_maintainer(current_user)
    form = AuthorityForm(obj=authority)
    form.scope.choices = list(sharing.scopes(current_user).items())
    if not request.form.get("scope"):
        form.scope.data = form.scope.choices[0][0]  # a maintainer's edit is for everyone, anyone else's a proposal
    if form.validate_on_submit():
        try:
            fields = {name: value for name, value in form.data.items()
                      if maintainer or name not in sharing.MAINTAINER_FIELDS}  # not on a non-maintainer's form
            outcome = sharing.submit(current_user, authority, fields, form.scope.data, form.reason.data or "", "page")
        except sharing.DirectoryError as error:
            db.session.rollback()
            flash(str(error), "error")
        else:
            flash(*_outcome_message(outcome))
            return redirect(url_for("authorities.show", authority_id=authority.id))
    status = 422 if request.method == "POST" else 200
    return render_template("authorities/form.html", form=form, authority=authority, maintainer=maintainer), status


@bp.post("/<int:authority_id>/coordonnees/<scope>/supprimer")
def drop_override(authority_id: int, scope: str):
    """Back to the shared entry's coordinates for one's own (or an organisation's) letters."""
    authority = _authority_or_404(authority_id)
    organisation = None
    if scope != "personnel":
        # Only an organisation the user writes for: another's overrides are not theirs to see or drop.
        organisation = next((organisation for organisation in current_user.writable_organisations
                             if str(organisation.id) == scope), None)
        if organisation is None:
            abort(404)
    override = sharing.override_of(authority, current_user, organisation)
    if override is not None:
        sharing.set_override(current_user, authority, {name: getattr(authority, name) for name in override.fields},
                             organisation, "page")
    flash("Les courriers utiliseront les coordonnées de l'annuaire commun.", "success")
    return redirect(url_for("authorities.show", authority_id=authority.id))


@bp.route("/propositions")
def proposals():
    status = request.args.get("statut", "pending")
    if status not in PROPOSAL_STATUSES:
        status = "pending"
    items = sharing.proposals_for(current_user, status)
    names = {authority.id: authority for authority in db.session.scalars(
        db.select(Authority).where(Authority.id.in_({proposal.authority_id for proposal in items})))}
    return render_template("authorities/proposals.html", proposals=items, authorities=names, status=status,
                           statuses=PROPOSAL_STATUSES, labels=_field_labels(),
                           maintainer=sharing.is_maintainer(current_user))


@bp.post("/propositions/<int:proposal_id>/<decision>")
def decide(proposal_id: int, decision: str):
    if decision not in ("accepter", "refuser"):
        abort(404)
    if not sharing.is_maintainer(current_user):
        abort(403, "Seuls les responsables de l'annuaire acceptent ou refusent les propositions.")
    proposal = db.get_or_404(AuthorityProposal, proposal_id, description="Cette proposition n'existe pas.")
    try:
        sharing.decide(current_user, proposal, decision == "accepter", request.form.get("note", ""))
    except sharing.DirectoryError as error:
        flash(str(error), "error")
    else:
        flash("La proposition est acceptée : la fiche commune est modifiée." if decision == "accepter"
              else "La proposition est refusée.", "success")
    return redirect(url_for("authorities.proposals"))
