"""The subject library: ready-made requests and the ones users write and share."""
from flask import Blueprint, flash, redirect, render_template, url_for
from flask_login import current_user

from workflow.requests import subjects
from workflow.forms import SubjectForm, sharing_choices
from workflow.requests.lifecycle import clean_lines

bp = Blueprint("subjects", __name__, url_prefix="/sujets")


@bp.route("/")
def index():
    return render_template("subjects/index.html", library=subjects.library(), own=subjects.users_subjects(current_user))


@bp.route("/nouveau", methods=["GET", "POST"])
def create():
    form = SubjectForm()
    form.organisation_id.choices = sharing_choices(current_user)
    if form.validate_on_submit():
        subject = subjects.save_subject(current_user, form.title.data, form.summary.data or "",
                                        clean_lines(form.items.data), clean_lines(form.legal_grounds.data),
                                        form.organisation_id.data)
        flash(f"Le modèle « {subject.title} » est ajouté à votre bibliothèque.", "success")
        return redirect(url_for("subjects.index"))
    return render_template("subjects/form.html", form=form), 422 if form.errors else 200
