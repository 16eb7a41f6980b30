"""Sign-up, log-in, log-out, and the account page (organisations, API tokens)."""
import math
from urllib.parse import urlsplit

import redis

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, session, url_for
from flask_login import current_user, login_user, logout_user
from sqlalchemy import select

from workflow.accounts import personal_data, users as accounts
from workflow.core import clock
from workflow.core.extensions import db
from workflow.accounts.access import get_visible_or_404, visible_to
from workflow.forms import (ChangePasswordForm, IdentityForm, LoginForm, MemberForm, NewPasswordForm, NotificationSettingsForm,
                            OrganisationForm, PasswordResetRequestForm, SignupForm, sharing_choices)
from workflow.jobs import files as file_jobs
from workflow.jobs import schedule
from workflow.mail import notify
from workflow.models import ApiToken, Notification, Organisation, RequesterIdentity
from workflow.models.base import utcnow
from workflow.models.users import ROLE_LABELS

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
        if user is not None and accounts.awaiting_verification(user):
            resent = accounts.queue_verification(user)  # the first link may be lost or expired (ten minutes apart)
            _send_now(resent)
            flash("Confirmez d'abord votre adresse électronique : ouvrez le lien que nous vous avons envoyé par courriel"
                  + (" (un nouveau lien vient de partir)." if resent is not None else "."), "error")
            return render_template("account/login.html", form=form), 403
        if user is not None:
            login_user(user, remember=form.remember.data)
            flash("Vous êtes connecté.", "success")
            _welcome_to(accounts.accept_invitations(user, session.pop(INVITATION_KEY, None)))
            return redirect(_safe_next(request.args.get("next")))
        flash("Adresse électronique ou mot de passe incorrect.", "error")
        status = 401
    return render_template("account/login.html", form=form), status


@bp.route("/inscription", methods=["GET", "POST"])
def signup():
    if current_user.is_authenticated:
        return redirect(url_for("requests.index"))
    form = SignupForm()
    if request.method == "GET" and request.args.get("email"):  # from an invitation
        form.email.data = request.args["email"]
    if form.validate_on_submit():
        verify = accounts.verification_required()
        try:
            user = accounts.create_user(form.email.data, form.password.data, form.display_name.data or "",
                                        verified=not verify)
        except accounts.AccountError as error:
            flash(str(error), "error")
        else:
            if verify:
                _send_now(accounts.queue_verification(user))
                flash(f"Votre compte est créé. Pour l'activer, ouvrez le lien que nous venons d'envoyer à {user.email} "
                      "(valable deux jours).", "info")
                return redirect(url_for("account.login"))
            login_user(user)
            flash("Votre compte est créé. Bienvenue sur Lanterne.", "success")
            _welcome_to(accounts.accept_invitations(user, session.pop(INVITATION_KEY, None)))
            return redirect(url_for("requests.index"))
    status = 422 if request.method == "POST" else 200
    return render_template("account/signup.html", form=form), status


def _send_now(outgoing) -> None:
    """Hand a queued e-mail to the workers; without Redis the outbox keeps it for the sweep."""
    if outgoing is None:
        return
    try:
        schedule.enqueue_mail(outgoing.id)
    except redis.exceptions.RedisError:
        pass


# The invitation link opened in this browser, until its holder signs in or up.
INVITATION_KEY = "invitation_token"


def _welcome_to(organisations) -> None:
    for organisation in organisations:
        flash(f"Vous avez rejoint l'association « {organisation.name} », qui vous y avait invité.", "success")


@bp.route("/inscription/verifier/<token>")
def verify_email(token: str):
    user = accounts.verify_email(token)
    if user is None:
        flash("Ce lien de confirmation n'est pas valable ou a expiré.", "error")
    else:
        flash("Votre adresse est confirmée : vous pouvez vous connecter.", "success")
    return redirect(url_for("account.login"))


@bp.route("/invitation/<token>")
def invitation(token: str):
    invitation = accounts.invitation_for_token(token)
    if invitation is None:
        flash("Cette invitation n'est plus valable : elle a déjà servi, a été annulée ou date de plus de "
              f"{accounts.INVITATION_DAYS} jours.", "error")
        return redirect(url_for("requests.index" if current_user.is_authenticated else "account.login"))
    if current_user.is_authenticated and current_user.email == invitation.email:
        _welcome_to(accounts.accept_invitations(current_user, token))
        return redirect(url_for("account.organisation", organisation_id=invitation.organisation_id))
    session[INVITATION_KEY] = token  # opening the link proves the address: accepted at sign-in or sign-up here
    return render_template("account/invitation.html", invitation=invitation,
                           has_account=accounts.find_user(invitation.email) is not None)


RESET_SENT = ("Si un compte existe pour cette adresse, un courriel vient de lui être envoyé avec un lien pour choisir "
              "un nouveau mot de passe. Le lien est valable une heure.")


@bp.route("/mot-de-passe-oublie", methods=["GET", "POST"])
def forgotten_password():
    form = PasswordResetRequestForm()
    if notify.mail_enabled() and form.validate_on_submit():
        # The same answer whether the address has an account or not.
        _send_now(accounts.queue_password_reset(form.email.data))
        flash(RESET_SENT, "info")
        return redirect(url_for("account.login"))
    status = 422 if request.method == "POST" else 200
    return render_template("account/forgotten_password.html", form=form, mail_enabled=notify.mail_enabled()), status


@bp.route("/mot-de-passe-oublie/<token>", methods=["GET", "POST"])
def reset_password(token: str):
    user = accounts.user_for_reset_token(token)
    if user is None:
        flash("Ce lien n'est plus valable : il a déjà servi, ou date de plus d'une heure. Demandez-en un nouveau.", "error")
        return redirect(url_for("account.forgotten_password"))
    form = NewPasswordForm()
    form.personal = (user.email, user.display_name)
    if form.validate_on_submit():
        revoked = accounts.set_password(user, form.password.data)  # ends every session, this link's validity too
        if current_user.is_authenticated:
            session.clear()
            logout_user()
        flash(f"Votre mot de passe est changé ; toutes vos sessions sont fermées. Connectez-vous avec le nouveau. "
              f"{revoked.message()}".strip(), "success")
        return redirect(url_for("account.login"))
    status = 422 if request.method == "POST" else 200
    return render_template("account/reset_password.html", form=form, email=user.email), status


@bp.route("/compte/mot-de-passe", methods=["GET", "POST"])
def change_password():
    form = ChangePasswordForm()
    form.personal = (current_user.email, current_user.display_name)
    if form.validate_on_submit():
        try:
            revoked = accounts.change_password(current_user, form.current.data, form.password.data)
        except accounts.AccountError as error:
            form.current.errors = [str(error)]
        else:
            login_user(current_user._get_current_object())  # this session goes on under the new session version; the others are ended
            flash(f"Votre mot de passe est changé. Vos autres sessions (autres appareils, « rester connecté ») sont "
                  f"fermées. {revoked.message()}".strip(), "success")
            return redirect(url_for("account.profile"))
    status = 422 if request.method == "POST" else 200
    return render_template("account/change_password.html", form=form), status


@bp.get("/compte/mes-donnees.zip")
def export_data():
    """RGPD arts. 15 and 20: the person's rows as JSON and the files of their own requests."""
    content = personal_data.export_zip(current_user)
    filename = f"lanterne-mes-donnees-{utcnow().date().isoformat()}.zip"
    return Response(content, mimetype="application/zip",
                    headers={"Content-Disposition": f'attachment; filename="{filename}"', "Cache-Control": "no-store"})


@bp.route("/compte/supprimer", methods=["GET", "POST"])
def delete_account():
    """RGPD art. 17: the page says what will happen, then asks for the password."""
    plan = personal_data.deletion_plan(current_user)
    if request.method == "POST" and not plan.blockers:
        if not accounts.check_password(current_user, request.form.get("password", "")):
            flash("Mot de passe incorrect : le compte n'est pas supprimé.", "error")
            return render_template("account/delete.html", plan=plan), 422
        personal_data.delete_account(current_user._get_current_object())
        file_jobs.enqueue_collection()  # the files only the deleted rows named (else the next sweep)
        session.clear()
        logout_user()
        flash("Votre compte est supprimé, ainsi que vos données privées. Ce que vous aviez partagé avec une association "
              "lui reste.", "info")
        return redirect(url_for("account.login"))
    return render_template("account/delete.html", plan=plan), 409 if request.method == "POST" else 200


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
                invitation, outgoing, link = accounts.invite(organisation, current_user, form.email.data,
                                                             form.role.data)
            except accounts.AccountError as error:
                flash(str(error), "error")
            else:
                _send_now(outgoing)
                if outgoing is not None:
                    flash(f"L'invitation est envoyée à {invitation.email}. La personne rejoindra l'association en se "
                          "connectant ou en créant un compte avec cette adresse.", "success")
                else:
                    flash(f"L'invitation de {invitation.email} est enregistrée, mais aucun courriel n'est parti (pas de "
                          f"serveur de messagerie) : transmettez-lui vous-même ce lien, valable {accounts.INVITATION_DAYS} "
                          f"jours : {link}", "warning")
                return redirect(url_for("account.organisation", organisation_id=organisation_id))
    my_role = accounts.membership_of(current_user, organisation_id).role
    invitations = accounts.pending_invitations(organisation) if my_role == "owner" else []
    return render_template("account/organisation.html", organisation=organisation, form=form, my_role=my_role,
                           invitations=invitations, roles=ROLE_LABELS), status


@bp.post("/compte/associations/<int:organisation_id>/membres/<int:user_id>/role")
def change_role(organisation_id: int, user_id: int):
    organisation = _organisation_for(organisation_id, manage=True)
    try:
        accounts.change_role(organisation, user_id, request.form.get("role", ""))
    except accounts.AccountError as error:
        flash(str(error), "error")
    else:
        flash("Le rôle est changé.", "success")
    return redirect(url_for("account.organisation", organisation_id=organisation_id))


@bp.post("/compte/associations/<int:organisation_id>/invitations/<int:invitation_id>/annuler")
def cancel_invitation(organisation_id: int, invitation_id: int):
    organisation = _organisation_for(organisation_id, manage=True)
    try:
        accounts.cancel_invitation(organisation, invitation_id)
    except accounts.AccountError as error:
        flash(str(error), "error")
    else:
        flash("L'invitation est annulée : son lien ne sert plus.", "success")
    return redirect(url_for("account.organisation", organisation_id=organisation_id))


@bp.post("/compte/associations/<int:organisation_id>/quitter")
def leave_organisation(organisation_id: int):
    organisation = _organisation_for(organisation_id)
    try:
        accounts.leave_organisation(current_user, organisation)
    except accounts.AccountError as error:
        flash(f"{error} Nommez d'abord un autre responsable.", "error")
        return redirect(url_for("account.organisation", organisation_id=organisation_id))
    flash(f"Vous avez quitté l'association « {organisation.name} ». Les demandes que vous y avez partagées lui restent.",
          "success")
    return redirect(url_for("account.profile"))


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
    return render_template("account/identities.html", identities=visible,
                           incomplete={identity.id for identity in visible if accounts.identity_warnings(identity)})


@bp.route("/compte/identites/nouvelle", methods=["GET", "POST"])
def create_identity():
    form = _identity_form()
    if form.validate_on_submit():
        identity = RequesterIdentity(owner_id=current_user.id)
        accounts.save_identity(identity, _identity_values(form), current_user)
        flash(f"L'identité « {identity.name} » est enregistrée.", "success")
        for warning in accounts.identity_warnings(identity):
            flash(warning, "warning")
        if request.args.get("retour") == "demande":  # back to the draft, with the subject chosen
            return redirect(url_for("requests.create", sujet=request.args.get("sujet") or None))
        return redirect(url_for("account.identities"))
    return render_template("account/identity_form.html", form=form, identity=None, warnings=[]), 422 if form.errors else 200


@bp.route("/compte/identites/<int:identity_id>/modifier", methods=["GET", "POST"])
def edit_identity(identity_id: int):
    identity = get_visible_or_404(RequesterIdentity, identity_id, current_user, for_change=True)
    form = _identity_form(obj=identity)
    if form.validate_on_submit():
        accounts.save_identity(identity, _identity_values(form), current_user)
        flash("L'identité est mise à jour ; les courriers déjà envoyés ne changent pas.", "success")
        for warning in accounts.identity_warnings(identity):
            flash(warning, "warning")
        return redirect(url_for("account.identities"))
    return render_template("account/identity_form.html", form=form, identity=identity,
                           warnings=accounts.identity_warnings(identity)), 422 if form.errors else 200
