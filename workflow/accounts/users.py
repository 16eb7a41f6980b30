"""Accounts, organisations and API tokens: the services behind the account pages, the
API authentication and the `user` CLI."""
from __future__ import annotations

import hashlib
import math
import re
import secrets
import unicodedata
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any, Mapping, cast

from flask import current_app
from itsdangerous import BadSignature, URLSafeTimedSerializer
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from zxcvbn import zxcvbn
from sqlalchemy import CursorResult, and_, bindparam, delete, func, or_, select, update

from workflow.mail import notify
from workflow.models import versions as page_versions
from workflow.core.extensions import db
from workflow.models import ApiToken, CalendarFeed, Invitation, LoginAttempt, Membership, Organisation, User
from workflow.models.base import utcnow
from workflow.models.users import ROLE_LABELS, ROLES

# Argon2id, memory-hard; the library's defaults follow RFC 9106's low-memory profile.
_hasher = PasswordHasher()
MIN_PASSWORD_LENGTH = 10
TOKEN_PREFIX = "lnt_"


@dataclass(frozen=True)
class SignedIn:
    user: User
    unread_notifications: int
    data_versions: dict[str, int | None]


# What every page needs about the account that opens it, in one round trip: the
# account, the unread count for the menu, the data versions of cached parts.
_SIGNED_IN = select(User, notify.unread_count_of(User.id).scalar_subquery(),
                    *(page_versions.version_query(part).scalar_subquery() for part in page_versions.PART_TABLES)
                    ).where(User.id == bindparam("user_id"))


def signed_in(user_id: int) -> SignedIn | None:
    row = db.session.execute(_SIGNED_IN, {"user_id": user_id}).first()
    if row is None:
        return None
    return SignedIn(row[0], row[1] or 0, dict(zip(page_versions.PART_TABLES, row[2:])))


def session_account(session_id: str) -> SignedIn | None:
    """The account a session or "remember me" cookie belongs to, if it is still valid: the
    id carries the session version it was opened under (`User.get_id`), and a log-out
    raises the account's version, which ends every session opened before. A session
    without a version (opened before versions existed) is no longer valid."""
    user_id, _, version = session_id.partition(".")
    if not (user_id.isdigit() and version.isdigit()):
        return None
    account = signed_in(int(user_id))
    if account is None or not account.user.active or account.user.session_version != int(version):
        return None
    return account


def end_sessions(user: User) -> None:
    """End every session and "remember me" cookie of this account, on every device."""
    user.session_version += 1
    db.session.commit()


def _verify_password(user: User, password: str) -> bool:
    try:
        return _hasher.verify(user.password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


@dataclass(frozen=True)
class Revoked:
    """What a new password revoked: the account's API tokens and its calendar feeds."""

    tokens: int = 0
    feeds: int = 0

    def message(self) -> str:
        """What the page says after the change or reset ("" when nothing was revoked)."""
        said = []
        if self.tokens == 1:
            said.append("Votre jeton d'accès à l'API a été révoqué : créez-en un nouveau pour vos scripts.")
        elif self.tokens:
            said.append("Vos jetons d'accès à l'API ont été révoqués : créez-en de nouveaux pour vos scripts.")
        if self.feeds == 1:
            said.append("L'adresse de votre flux d'agenda a été révoquée : créez-en une nouvelle dans « Calendrier ».")
        elif self.feeds:
            said.append("Les adresses de vos flux d'agenda ont été révoquées : créez-en de nouvelles dans « Calendrier ».")
        return " ".join(said)


def set_password(user: User, password: str) -> Revoked:
    """Store a new password (checked by `password_problem`), end every session, revoke
    every API token and every calendar feed the account created: whoever knew the old
    password is signed out everywhere, and a token or a feed address they made with it
    opens nothing (a feed shows every deadline, with the requests' subjects). Commits."""
    problem = password_problem(password, user.email, user.display_name)
    if problem:
        raise AccountError(problem)
    user.password_hash = hash_password(password)
    now = utcnow()
    tokens = cast(CursorResult, db.session.execute(
        update(ApiToken).where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None)).values(revoked_at=now)))
    feeds = cast(CursorResult, db.session.execute(
        update(CalendarFeed).where(CalendarFeed.created_by_id == user.id, CalendarFeed.revoked_at.is_(None))
        .values(revoked_at=now)))
    end_sessions(user)
    return Revoked(tokens.rowcount, feeds.rowcount)


def check_password(user: User, password: str) -> bool:
    return _verify_password(user, password)


def change_password(user: User, current: str, new: str) -> Revoked:
    """What it revoked (see set_password)."""
    if not _verify_password(user, current):
        raise AccountError("Le mot de passe actuel est incorrect.")
    return set_password(user, new)


# Links e-mailed to prove one holds an address: signed, valid for a time, and bound to
# what they change (a reset link stops working once the password or the sessions change).
RESET_LINK_HOURS = 1
RESET_PATH = "/mot-de-passe-oublie/"


def _signer(purpose: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=f"lanterne-{purpose}")


def _account_state(user: User) -> str:
    # What a reset changes: once the password (or the session version) moves on, the link is spent.
    return hashlib.sha256(f"{user.id}:{user.email}:{user.password_hash}:{user.session_version}".encode()).hexdigest()[:24]


def password_reset_token(user: User) -> str:
    return _signer("password-reset").dumps({"user": user.id, "state": _account_state(user)})


def user_for_reset_token(token: str) -> User | None:
    """The account a reset link is for, if the link is genuine, less than an hour old and
    not used yet."""
    try:
        payload = _signer("password-reset").loads(token, max_age=RESET_LINK_HOURS * 3600)
    except BadSignature:  # also SignatureExpired
        return None
    user = db.session.get(User, payload.get("user")) if isinstance(payload, dict) else None
    if user is None or not user.active or _account_state(user) != payload.get("state"):
        return None
    return user


def queue_password_reset(email: str, now: datetime | None = None):
    """Put a reset link in the outbox for the account with this address, if there is one
    (the caller answers the same either way). One message per account per ten minutes: the
    form cannot be used to flood a mailbox. Returns the outbox row, or None."""
    user = find_user(email)
    if user is None or not user.active or not notify.mail_enabled():
        return None
    now = now or utcnow()
    link = current_app.config["BASE_URL"] + RESET_PATH + password_reset_token(user)
    body = (f"Bonjour,\n\nQuelqu'un (vous, sans doute) a demandé à changer le mot de passe de votre compte Lanterne "
            f"({user.email}).\n\nPour choisir un nouveau mot de passe, ouvrez ce lien dans l'heure :\n{link}\n\n"
            "Le lien ne sert qu'une fois. Si vous n'avez rien demandé, ignorez ce message : votre mot de passe ne change pas.\n")
    message = notify.build_message(user.email, "[Lanterne] Changer votre mot de passe", body)
    outgoing = notify.queue_mail(f"password-reset:{user.id}:{int(now.timestamp()) // 600}", "password_reset", message,
                                 user_id=user.id)
    db.session.commit()
    return outgoing


def verification_required() -> bool:
    return bool(current_app.config.get("EMAIL_VERIFICATION")) and notify.mail_enabled()


VERIFY_PATH = "/inscription/verifier/"


def queue_verification(user: User):
    """E-mail the link that confirms an account's address (valid two days)."""
    token = _signer("email-verification").dumps({"user": user.id, "email": user.email})
    link = current_app.config["BASE_URL"] + VERIFY_PATH + token
    body = (f"Bonjour,\n\nPour activer votre compte Lanterne ({user.email}), ouvrez ce lien dans les deux jours :\n{link}\n\n"
            "Si vous n'avez pas créé de compte, ignorez ce message.\n")
    # One message per account per ten minutes, however often the log-in form re-sends it.
    outgoing = notify.queue_mail(f"verify:{user.id}:{int(utcnow().timestamp()) // 600}", "email_verification",
                                 notify.build_message(user.email, "[Lanterne] Confirmez votre adresse", body), user_id=user.id)
    db.session.commit()
    return outgoing


def verify_email(token: str) -> User | None:
    try:
        payload = _signer("email-verification").loads(token, max_age=2 * 24 * 3600)
    except BadSignature:
        return None
    user = db.session.get(User, payload.get("user")) if isinstance(payload, dict) else None
    if user is None or user.email != payload.get("email"):
        return None
    user.email_verified = True
    db.session.commit()
    return user


def set_directory_maintainer(user: User, maintainer: bool) -> None:
    """Maintainers alone edit the shared directory and mark addresses verified."""
    user.directory_maintainer = maintainer
    db.session.commit()


def set_site_admin(user: User, admin: bool) -> None:
    """Site administrators see the inbox of unmatched e-mails and maintain the directory."""
    user.site_admin = admin
    db.session.commit()


class AccountError(ValueError):
    """A refused account operation; the message is shown to the user as is."""


def normalise_email(email: str) -> str:
    """One form per address: compatibility characters folded (NFKC: a Kelvin sign is a K,
    full-width letters are letters), case ignored."""
    return unicodedata.normalize("NFKC", email).strip().lower()


def password_problem(password: str, *personal: str) -> str | None:
    """Why a password is refused (French), or None. Besides its length: one of the most
    common passwords, or too close to one or to the account's own address and name, as
    zxcvbn's ranked lists (shipped with the library) judge it."""
    if len(password) < MIN_PASSWORD_LENGTH:
        return f"Le mot de passe doit compter au moins {MIN_PASSWORD_LENGTH} caractères."
    # The estimate looks at the start only: a long password is not a common one, and the cost stays bounded.
    if zxcvbn(password[:64], user_inputs=[value for value in personal if value])["score"] < 2:
        return ("Ce mot de passe fait partie des plus courants, ou en est trop proche : choisissez-en un autre "
                "(une phrase de quelques mots, par exemple).")
    return None


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def find_user(email: str) -> User | None:
    return db.session.scalar(select(User).where(User.email == normalise_email(email)))


def create_user(email: str, password: str, display_name: str = "", verified: bool = True) -> User:
    email = normalise_email(email)
    problem = password_problem(password, email, display_name)
    if problem:
        raise AccountError(problem)
    if find_user(email) is not None:
        raise AccountError("Un compte existe déjà pour cette adresse électronique.")
    user = User(email=email, display_name=display_name.strip(), password_hash=hash_password(password),
                email_verified=verified)
    db.session.add(user)
    db.session.commit()
    return user


def authenticate(email: str, password: str) -> User | None:
    user = find_user(email)
    if user is None:
        # Same work as a real check, so timing does not tell which addresses have accounts.
        _hasher.hash(password)
        return None
    if not _verify_password(user, password):
        return None
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
        db.session.commit()
    return user if user.active else None


def awaiting_verification(user: User) -> bool:
    """An account that may not sign in yet: its address is to be confirmed."""
    return verification_required() and not user.email_verified


# Password guessing: a progressive delay, never a lock-out.
#
# Each failed log-in is a row (address, account, time). Before checking a password, the
# log-in asks how long this attempt must still wait (`login_wait`): past a few free
# failures, each new failure doubles the wait after the last one (1 s, 2 s, 4 s... up to
# 5 minutes), counted over the last hour:
# - per account (failures since its last successful log-in), so guessing one account's
#   password from many addresses is slowed down: at most about a dozen guesses an hour;
# - per address (failures on any account), so trying many accounts from one address is too.
# The rightful owner is not locked out by someone else's failures: an address from which
# the account logged in successfully in the last 30 days is known for it, and an attempt
# from a known address counts only the failures made from that address for that account
# (someone else trying the account elsewhere, or other accounts from a shared address, does
# not delay the owner). Guesses made from a known address are still slowed down, by their
# own failures. Addresses are the client's as the trusted proxies report it (TRUSTED_PROXIES,
# app.py): without that setting, behind a proxy, every client would share one address.
# Attempts refused because they came too early are not recorded: they do not lengthen the
# wait, which only grows with real failures. Every check takes `now`, so tests move the clock.
FREE_FAILURES_PER_ACCOUNT = 5
FREE_FAILURES_PER_ADDRESS = 20
MAX_WAIT_SECONDS = 300
FAILURE_WINDOW = timedelta(hours=1)
KNOWN_ADDRESS_DAYS = 30


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=timezone.utc)  # SQLite drops the zone


def _wait_for(conditions: list, free: int, now: datetime) -> int:
    """Seconds still to wait after the failures matching `conditions` (0: none)."""
    count, last = db.session.execute(select(func.count(), func.max(LoginAttempt.at)).where(
        LoginAttempt.succeeded.is_(False), LoginAttempt.at > now - FAILURE_WINDOW, *conditions)).one()
    if not count or count < free:
        return 0
    delay = timedelta(seconds=min(2 ** (count - free), MAX_WAIT_SECONDS))
    return max(0, math.ceil((_aware(last) + delay - now).total_seconds()))


def login_wait(email: str, ip_address: str, now: datetime | None = None) -> int:
    """How many seconds this log-in attempt must wait before its password is checked (0: none)."""
    now = now or utcnow()
    email = normalise_email(email)[:254]
    ip_address = ip_address[:45]
    known_address = db.session.scalar(select(LoginAttempt.id).where(
        LoginAttempt.email == email, LoginAttempt.ip_address == ip_address, LoginAttempt.succeeded.is_(True),
        LoginAttempt.at > now - timedelta(days=KNOWN_ADDRESS_DAYS)).limit(1)) is not None
    last_success = db.session.scalar(select(func.max(LoginAttempt.at)).where(
        LoginAttempt.email == email, LoginAttempt.succeeded.is_(True)))
    account = [LoginAttempt.email == email]
    if last_success is not None:
        account.append(LoginAttempt.at > last_success)
    if known_address:
        return _wait_for([*account, LoginAttempt.ip_address == ip_address], FREE_FAILURES_PER_ACCOUNT, now)
    return max(_wait_for(account, FREE_FAILURES_PER_ACCOUNT, now),
               _wait_for([LoginAttempt.ip_address == ip_address], FREE_FAILURES_PER_ADDRESS, now))


def record_login_attempt(email: str, ip_address: str, succeeded: bool, now: datetime | None = None) -> None:
    db.session.add(LoginAttempt(email=normalise_email(email)[:254], ip_address=ip_address[:45], succeeded=succeeded,
                                at=now or utcnow()))
    db.session.commit()


def forget_old_login_attempts(now: datetime | None = None) -> int:
    """Failures are kept a day (they count for an hour); successes as long as they make an
    address known."""
    now = now or utcnow()
    result = cast(CursorResult, db.session.execute(delete(LoginAttempt).where(or_(
        and_(LoginAttempt.succeeded.is_(False), LoginAttempt.at < now - timedelta(days=1)),
        LoginAttempt.at < now - timedelta(days=KNOWN_ADDRESS_DAYS)))))
    db.session.commit()
    return result.rowcount


def _token_digest(token: str) -> str:
    # Tokens carry 256 bits of entropy: a fast hash is enough, unlike for passwords.
    return hashlib.sha256(token.encode()).hexdigest()


def issue_token(user: User, label: str = "") -> str:
    """Create an API token and return it; only its hash is kept."""
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    db.session.add(ApiToken(user_id=user.id, token_hash=_token_digest(token), label=label))
    db.session.commit()
    return token


def user_for_token(token: str) -> User | None:
    api_token = db.session.scalar(
        select(ApiToken).where(ApiToken.token_hash == _token_digest(token), ApiToken.revoked_at.is_(None))
    )
    if api_token is None or not api_token.user.active:
        return None
    api_token.last_used_at = utcnow()
    db.session.commit()
    return api_token.user


def revoke_token(user: User, token_id: int) -> bool:
    api_token = db.session.scalar(select(ApiToken).where(ApiToken.id == token_id, ApiToken.user_id == user.id))
    if api_token is None or api_token.revoked_at is not None:
        return False
    api_token.revoked_at = utcnow()
    db.session.commit()
    return True


def create_organisation(owner: User, name: str) -> Organisation:
    organisation = Organisation(name=name.strip())
    organisation.memberships.append(Membership(user=owner, role="owner"))
    db.session.add(organisation)
    db.session.commit()
    return organisation


def membership_of(user: User, organisation_id: int) -> Membership | None:
    return db.session.scalar(
        select(Membership).where(Membership.user_id == user.id, Membership.organisation_id == organisation_id)
    )


def add_member(organisation: Organisation, email: str, role: str) -> Membership:
    if role not in ROLES:
        raise AccountError("Rôle inconnu.")
    user = find_user(email)
    if user is None:
        raise AccountError("Aucun compte n'existe pour cette adresse : la personne doit d'abord s'inscrire.")
    existing = membership_of(user, organisation.id)
    if existing is not None:
        existing.role = role
        membership = existing
    else:
        membership = Membership(user=user, organisation=organisation, role=role)
        db.session.add(membership)
    _keep_an_owner(organisation)
    db.session.commit()
    return membership


def remove_member(organisation: Organisation, user_id: int) -> None:
    membership = db.session.scalar(
        select(Membership).where(Membership.organisation_id == organisation.id, Membership.user_id == user_id)
    )
    if membership is None:
        raise AccountError("Cette personne n'est pas membre de l'association.")
    db.session.delete(membership)
    db.session.flush()
    _keep_an_owner(organisation)
    db.session.commit()


INVITATION_DAYS = 14


def invite(organisation: Organisation, inviter: User, email: str, role: str):
    """Invite an address to the organisation: returns the invitation, the e-mail in the
    outbox (None without a mail server) and the link (shown to the owner when no e-mail
    could carry it)."""
    if role not in ROLES:
        raise AccountError("Rôle inconnu.")
    email = normalise_email(email)
    existing = find_user(email)
    if existing is not None and membership_of(existing, organisation.id) is not None:
        raise AccountError("Cette personne est déjà membre de l'association.")
    token = secrets.token_urlsafe(32)
    now = utcnow()
    invitation = Invitation(organisation_id=organisation.id, email=email, role=role, token_hash=_token_digest(token),
                            invited_by_id=inviter.id, created_at=now, expires_at=now + timedelta(days=INVITATION_DAYS))
    db.session.add(invitation)
    db.session.flush()
    outgoing = None
    link = f"{current_app.config['BASE_URL']}/invitation/{token}"
    if notify.mail_enabled():
        inviter_name = inviter.display_name or inviter.email
        body = (f"Bonjour,\n\n{inviter_name} vous invite à rejoindre l'association « {organisation.name} » sur Lanterne, "
                f"comme {ROLE_LABELS[role].lower()}. Les membres d'une association partagent ses demandes d'accès aux "
                f"documents administratifs.\n\nPour accepter, ouvrez ce lien puis connectez-vous ou créez un compte avec "
                f"cette adresse ({email}) ; il est valable {INVITATION_DAYS} jours :\n{link}\n")
        outgoing = notify.queue_mail(f"invitation:{invitation.id}", "invitation",
                                     notify.build_message(email, f"[Lanterne] Invitation à rejoindre « {organisation.name} »",
                                                          body), user_id=inviter.id)
    db.session.commit()
    return invitation, outgoing, link


def invitation_for_token(token: str) -> Invitation | None:
    return db.session.scalar(select(Invitation).where(
        Invitation.token_hash == _token_digest(token), Invitation.accepted_at.is_(None), Invitation.expires_at > utcnow()))


def pending_invitations(organisation: Organisation) -> list[Invitation]:
    return list(db.session.scalars(select(Invitation).where(
        Invitation.organisation_id == organisation.id, Invitation.accepted_at.is_(None), Invitation.expires_at > utcnow())
        .order_by(Invitation.created_at)))


def cancel_invitation(organisation: Organisation, invitation_id: int) -> None:
    invitation = db.session.scalar(select(Invitation).where(
        Invitation.id == invitation_id, Invitation.organisation_id == organisation.id, Invitation.accepted_at.is_(None)))
    if invitation is None:
        raise AccountError("Cette invitation n'existe pas ou a déjà été acceptée.")
    db.session.delete(invitation)
    db.session.commit()


def accept_invitations(user: User, opened_token: str | None = None) -> list[Organisation]:
    """Join the organisations that invited this account's address (still valid
    invitations); returns them. Called at sign-in and sign-up. The address must be proven:
    confirmed by e-mail verification, or by the invitation's own link opened in this
    browser (`opened_token`) - otherwise anyone could sign up with an invited address."""
    joined = []
    now = utcnow()
    pending = select(Invitation).where(
        Invitation.email == user.email, Invitation.accepted_at.is_(None), Invitation.expires_at > now)
    if not (verification_required() and user.email_verified):
        if not opened_token:
            return []
        pending = pending.where(Invitation.token_hash == _token_digest(opened_token))
    for invitation in db.session.scalars(pending):
        invitation.accepted_at = now
        if membership_of(user, invitation.organisation_id) is None:
            db.session.add(Membership(user=user, organisation_id=invitation.organisation_id, role=invitation.role))
            joined.append(invitation.organisation)
    db.session.commit()
    return joined


def change_role(organisation: Organisation, user_id: int, role: str) -> None:
    if role not in ROLES:
        raise AccountError("Rôle inconnu.")
    membership = db.session.scalar(
        select(Membership).where(Membership.organisation_id == organisation.id, Membership.user_id == user_id))
    if membership is None:
        raise AccountError("Cette personne n'est pas membre de l'association.")
    membership.role = role
    _keep_an_owner(organisation)
    db.session.commit()


def leave_organisation(user: User, organisation: Organisation) -> None:
    """Leave an organisation; its last owner cannot (another must be named first). What the
    member shared stays with the organisation."""
    remove_member(organisation, user.id)


def _keep_an_owner(organisation: Organisation) -> None:
    db.session.flush()
    owners = db.session.scalar(
        select(func.count()).select_from(Membership).where(
            Membership.organisation_id == organisation.id, Membership.role == "owner"
        )
    )
    if not owners:
        db.session.rollback()
        raise AccountError("Une association doit garder au moins un responsable.")


IDENTITY_FIELDS = ("kind", "name", "rna_number", "local_register", "representative", "representative_role", "address",
                   "email", "phone", "organisation_id")

# An association "déclarée" (loi du 1er juillet 1901) has a number in the national register
# of associations (RNA): W and nine digits.
RNA_NUMBER = re.compile(r"W\d{9}")
RNA_FORMAT = "Un numéro RNA s'écrit W suivi de neuf chiffres (ex. W573012345)."
BOTH_REGISTERS = ("Une association est soit déclarée (numéro RNA), soit inscrite au registre des associations du "
                  "tribunal judiciaire (droit local de la Moselle, du Bas-Rhin et du Haut-Rhin) : n'indiquez que l'un des deux.")
NO_REGISTER = ("Ni le numéro RNA de l'association (association déclarée) ni son inscription au registre des "
               "associations du tribunal judiciaire (association inscrite de la Moselle, du Bas-Rhin ou du Haut-Rhin) "
               "ne sont indiqués. Les courriers peuvent être préparés sans eux, mais une demande adressée par voie "
               "électronique doit mentionner ce numéro (CRPA, art. R112-9-1) ; devant le tribunal administratif, "
               "l'association devra en outre produire ses statuts et le mandat ou la délibération qui autorise son "
               "représentant à agir.")


def identity_problems(kind: str, rna_number: str, local_register: str, representative: str) -> dict[str, str]:
    """Field name -> why these values cannot be saved (French). A missing RNA number or
    register entry is not one of them: see identity_warnings."""
    problems: dict[str, str] = {}
    if kind == "association":
        if rna_number and not RNA_NUMBER.fullmatch(rna_number):
            problems["rna_number"] = RNA_FORMAT
        elif rna_number and local_register:
            problems["local_register"] = BOTH_REGISTERS
    if kind == "association" and not representative:
        problems["representative"] = "Indiquez qui représente l'association."
    elif kind == "group" and not representative:
        problems["representative"] = "Indiquez le nom et le prénom de la personne qui écrit pour le collectif."
    return problems


def identity_warnings(identity) -> list[str]:
    """What the letters of this identity lack without being refused (French), for the
    identity's form, the draft and the request page."""
    if identity is None or identity.kind != "association":
        return []
    if (identity.rna_number or "").strip() or (identity.local_register or "").strip():
        return []
    return [NO_REGISTER]


def save_identity(identity, values: Mapping[str, Any], user: User) -> None:
    """Store validated values, by the names of IDENTITY_FIELDS (others are ignored); an
    organisation is kept only if `user` may write for it. An identity shared with an
    organisation stays with it: made private or moved, it would leave the organisation
    with its creator or leak into another one (workflow/accounts/access.py)."""
    shared_with = identity.organisation_id if identity.id is not None else None
    for name in IDENTITY_FIELDS:
        setattr(identity, name, values.get(name))
    if identity.kind != "association":
        identity.rna_number = identity.local_register = identity.representative_role = None
    if identity.kind == "person":
        identity.representative = None
    if identity.organisation_id not in {organisation.id for organisation in user.writable_organisations}:
        identity.organisation_id = None
    if shared_with is not None:
        identity.organisation_id = shared_with
    db.session.add(identity)
    db.session.commit()
