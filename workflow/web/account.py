"""Sign-up, log-in, log-out, and the account page (organisations, API tokens)."""
import math
from urllib.parse import urlsplit

from flask import Blueprint, abort, flash, redirect, render_template, request, session, url_for
from flask_login import current_user, login_user, logout_user
from sqlalchemy import select

from workflow.accounts import users as accounts
from workflow.core import clock
from workflow.core.extensions import db
from workflow.accounts.access import get_visible_or_404, visible_to
from workflow.forms import (IdentityForm, LoginForm, MemberForm, NotificationSettingsForm, OrganisationForm, SignupForm,
                            sharing_choices)
from workflow.models import ApiToken, Notification, Organisation, RequesterIdentity
from workflow.models.base import utcnow

bp = Blueprint("account", __name__)


def too_many_attempts(seconds: int) -> str:
    if seconds >= 120:
        return f"Trop de tentatives de connexion : réessayez dans {math.ceil(seconds / 60)} minutes."
    return f"Trop de tentatives de connexion : réessayez dans {seconds} seconde{'s' if seconds > 1 else ''}."


def _safe_next(target: str | None) -> str:
    # Only same-site paths: a crafted ?next= must not send users elsewhere after log-in.
    if target and target.startswith("/") and not target.startswith("//") and not urlsplit(target).netloc:
        return target
    return url_for("requests.index")


@bp.route("/connexion", methods=["GET", "POST"])
def login():
    if current_user.is_authenticated:
        return redirect(url_for("requests.index"))
    form = LoginForm()
    status = 422 if request.method == "POST" else 200
    if form.validate_on_submit():
        # The client's address as the trusted proxies report it (TRUSTED_PROXIES, app.py).
        address = request.remote_addr or "?"
        now = clock.now()
        wait = accounts.login_wait(form.email.data, address, now)
        if wait:
            flash(too_many_attempts(wait), "error")
            return render_template("account/login.html", form=form), 429, {"Retry-After": str(wait)}
        user = accounts.authenticate(form.email.data, form.password.data)
        accounts.record_login_attempt(form.email.data, address, user is not None, now)
        if user is not None:
            login_user(user, remember=form.remember.data)
            flash("Vous êtes connecté.", "success")
            return redirect(_safe_next(request.args.get("next")))
        flash("Adresse électronique ou mot de passe incorrect.", "error")
        status = 401
    return render_template("account/login.html", form=form), status


@bp.route("/inscription", methods=["GET", "POST"])
def signup():
    if current_user.is_authenticated:
        return redirect(url_for("requests.index"))
    form = SignupForm()
    if form.validate_on_submit():
        try:
            user = accounts.create_user(form.email.data, form.password.data, form.display_name.data or "")
        except accounts.AccountError as error:
            flash(str(error), "error")
        else:
            login_user(user)
            flash("Votre compte est créé. Bienvenue sur Lanterne.", "success")
            return redirect(url_for("requests.index"))
    status = 422 if request.method == "POST" else 200
    return render_template("account/signup.html", form=form), status


@bp.post("/deconnexion")
def logout():
    accounts.end_sessions(current_user)  # this session, the others, and every "remember me" cookie
    session.clear()  # nothing of this user's session (pending messages...) outlives it
    logout_user()  # after the clear, so that its mark makes the response delete the "remember me" cookie
    flash("Vous êtes déconnecté.", "info")
    return redirect(url_for("account.login"))


@bp.route("/compte")
def profile():
    tokens = db.session.scalars(
        select(ApiToken).where(ApiToken.user_id == current_user.id).order_by(ApiToken.created_at.desc())
    ).all()
    return render_template(
        "account/profile.html", organisation_form=OrganisationForm(), tokens=tokens,
        memberships=current_user.memberships, settings_form=NotificationSettingsForm.for_user(current_user),
    )


@bp.post("/compte/rappels")
def save_reminder_settings():
    form = NotificationSettingsForm()
    if not form.validate_on_submit():
        for errors in form.errors.values():
            for error in errors:
                flash(error, "error")
        return redirect(url_for("account.profile", _anchor="rappels"))
    form.apply(current_user)
    db.session.commit()
    flash("Vos préférences de rappel sont enregistrées ; elles valent pour les prochains événements enregistrés.", "success")
    return redirect(url_for("account.profile", _anchor="rappels"))


@bp.route("/notifications")
def notifications():
    notices = db.session.scalars(select(Notification).where(Notification.user_id == current_user.id)
                                 .order_by(Notification.created_at.desc()).limit(100)).all()
    return render_template("account/notifications.html", notices=notices)


@bp.post("/notifications/lues")
def mark_notifications_read():
    for notice in db.session.scalars(select(Notification).where(
            Notification.user_id == current_user.id, Notification.read_at.is_(None))):
        notice.read_at = utcnow()
    db.session.commit()
    flash("Toutes les notifications sont marquées comme lues.", "success")
    return redirect(url_for("account.notifications"))


@bp.post("/compte/associations")
def create_organisation():
    form = OrganisationForm()
    if not form.validate_on_submit():
        flash("Indiquez le nom de l'association (200 caractères au plus).", "error")
        return redirect(url_for("account.profile"))
    organisation = accounts.create_organisation(current_user, form.name.data)
    flash(f"L'association « {organisation.name} » est créée ; vous en êtes responsable.", "success")
    return redirect(url_for("account.organisation", organisation_id=organisation.id))


def _organisation_for(organisation_id: int, manage: bool = False) -> Organisation:
    membership = accounts.membership_of(current_user, organisation_id)
    if membership is None:
        abort(404)
    if manage and membership.role != "owner":
        abort(403)
    return membership.organisation


@bp.route("/compte/associations/<int:organisation_id>", methods=["GET", "POST"])
def organisation(organisation_id: int):
    organisation = _organisation_for(organisation_id)
    form = MemberForm()
    status = 200
    if request.method == "POST":
        organisation = _organisation_for(organisation_id, manage=True)
        status = 422
        if form.validate_on_submit():
            try:
                accounts.add_member(organisation, form.email.data, form.role.data)
            except accounts.AccountError as error:
                flash(str(error), "error")
            else:
                flash("Le membre est enregistré.", "success")
                return redirect(url_for("account.organisation", organisation_id=organisation_id))
    my_role = accounts.membership_of(current_user, organisation_id).role
    return render_template("account/organisation.html", organisation=organisation, form=form, my_role=my_role), status


@bp.post("/compte/associations/<int:organisation_id>/membres/<int:user_id>/retirer")
def remove_member(organisation_id: int, user_id: int):
    organisation = _organisation_for(organisation_id, manage=True)
    try:
        accounts.remove_member(organisation, user_id)
    except accounts.AccountError as error:
        flash(str(error), "error")
    else:
        flash("Le membre est retiré de l'association.", "success")
    return redirect(url_for("account.organisation", organisation_id=organisation_id))


@bp.post("/compte/jetons")
def create_token():
    label = (request.form.get("label") or "").strip()[:120]
    token = accounts.issue_token(current_user, label)
    flash("Voici votre jeton d'API. Copiez-le maintenant : il ne sera plus affiché.", "success")
    return render_template("account/token_created.html", token=token)


@bp.post("/compte/jetons/<int:token_id>/revoquer")
def revoke_token(token_id: int):
    if not accounts.revoke_token(current_user, token_id):
        abort(404)
    flash("Le jeton est révoqué.", "success")
    return redirect(url_for("account.profile"))


def _identity_form(**kwargs) -> IdentityForm:
    form = IdentityForm(**kwargs)
    form.organisation_id.choices = sharing_choices(current_user)
    return form


def _identity_values(form: IdentityForm) -> dict:
    return {name: form[name].data for name in accounts.IDENTITY_FIELDS}


@bp.route("/compte/identites")
def identities():
    visible = db.session.scalars(
        select(RequesterIdentity).where(visible_to(RequesterIdentity, current_user)).order_by(RequesterIdentity.name)
    ).all()
    return render_template("account/identities.html", identities=visible)


@bp.route("/compte/identites/nouvelle", methods=["GET", "POST"])
def create_identity():
    form = _identity_form()
    if form.validate_on_submit():
        identity = RequesterIdentity(owner_id=current_user.id)
        accounts.save_identity(identity, _identity_values(form), current_user)
        flash(f"L'identité « {identity.name} » est enregistrée.", "success")
        if request.args.get("retour") == "demande":  # back to the draft, with the subject chosen
            return redirect(url_for("requests.create", sujet=request.args.get("sujet") or None))
        return redirect(url_for("account.identities"))
    return render_template("account/identity_form.html", form=form, identity=None), 422 if form.errors else 200


@bp.route("/compte/identites/<int:identity_id>/modifier", methods=["GET", "POST"])
def edit_identity(identity_id: int):
    identity = get_visible_or_404(RequesterIdentity, identity_id, current_user, for_change=True)
    form = _identity_form(obj=identity)
    if form.validate_on_submit():
        accounts.save_identity(identity, _identity_values(form), current_user)
        flash("L'identité est mise à jour ; les courriers déjà envoyés ne changent pas.", "success")
        return redirect(url_for("account.identities"))
    return render_template("account/identity_form.html", form=form, identity=identity), 422 if form.errors else 200
