"""The authority directory: list and search, view, create, edit."""
from flask import Blueprint, flash, redirect, render_template, request, url_for

from workflow.directory import authorities
from workflow.core.extensions import db
from workflow.forms import AuthorityForm
from workflow.models import Authority
from workflow.core.params import paginate

bp = Blueprint("authorities", __name__, url_prefix="/autorites")


@bp.route("/")
def index():
    text = request.args.get("q", "")
    department = request.args.get("departement", "").strip().upper()
    page = paginate(authorities.search_query(text, department), per_page=25)
    return render_template("authorities/index.html", page=page, q=text, department=department)


@bp.route("/<int:authority_id>")
def show(authority_id: int):
    authority = db.get_or_404(Authority, authority_id, description="Cette autorité n'existe pas.")
    return render_template("authorities/show.html", authority=authority)


@bp.route("/nouvelle", methods=["GET", "POST"])
def create():
    form = AuthorityForm()
    if form.validate_on_submit():
        authority = authorities.save(Authority(), form.data)
        flash(f"L'autorité « {authority.name} » est ajoutée à l'annuaire.", "success")
        return redirect(url_for("authorities.show", authority_id=authority.id))
    return render_template("authorities/form.html", form=form, authority=None), 422 if form.errors else 200


@bp.route("/<int:authority_id>/modifier", methods=["GET", "POST"])
def edit(authority_id: int):
    authority = db.get_or_404(Authority, authority_id, description="Cette autorité n'existe pas.")
    form = AuthorityForm(obj=authority)
    if form.validate_on_submit():
        authorities.save(authority, form.data)
        flash("Les modifications sont enregistrées.", "success")
        return redirect(url_for("authorities.show", authority_id=authority.id))
    return render_template("authorities/form.html", form=form, authority=authority), 422 if form.errors else 200
