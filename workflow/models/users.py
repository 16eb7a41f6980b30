"""Accounts, organisations (associations whose members share requests), API tokens and
the identities a request is sent under."""
from __future__ import annotations

from datetime import datetime
from typing import Optional

from flask_login import UserMixin
from sqlalchemy import JSON, Boolean, DateTime, ForeignKey, Integer, String, Text, UniqueConstraint, false, true
from sqlalchemy.orm import Mapped, mapped_column, relationship

from workflow.core.extensions import db
from workflow.models.base import TimestampMixin, utcnow

ROLES = ("owner", "editor", "viewer")
# The roles that create and change what is shared with an organisation (a viewer reads).
WRITE_ROLES = ("owner", "editor")
ROLE_LABELS = {"owner": "Responsable", "editor": "Rédacteur", "viewer": "Lecteur"}
# Who a request can be sent as (RequesterIdentity.kind), with the label the pages show.
IDENTITY_KINDS = {"person": "Personne", "association": "Association",
                  "group": "Collectif sans personnalité juridique"}


class User(UserMixin, TimestampMixin, db.Model):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    display_name: Mapped[str] = mapped_column(String(120), default="")
    password_hash: Mapped[str] = mapped_column(String(255))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # Reminder settings: days relative to each deadline (None: the defaults of workflow.requests.reminders).
    reminder_offsets: Mapped[Optional[dict]] = mapped_column(JSON)
    email_notifications: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    weekly_digest: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    # Part of the id every session and "remember me" cookie carries: raising it ends them all.
    session_version: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # May edit the shared authority directory, mark addresses verified and decide proposals.
    directory_maintainer: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # Runs the site: sees the inbox of e-mails no request claimed (`flask user admin EMAIL`).
    site_admin: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # False only for an account created while EMAIL_VERIFICATION is on, until its link is opened
    # (accounts that predate the setting count as verified).
    email_verified: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())

    memberships: Mapped[list[Membership]] = relationship(back_populates="user", cascade="all, delete-orphan")

    def get_id(self) -> str:
        """What Flask-Login keeps in the session and signs into the "remember me" cookie."""
        return f"{self.id}.{self.session_version}"

    @property
    def is_active(self) -> bool:  # Flask-Login refuses log-in to deactivated accounts
        return self.active

    @property
    def organisation_ids(self) -> list[int]:
        return [membership.organisation_id for membership in self.memberships]

    @property
    def writable_organisations(self) -> list[Organisation]:
        """Organisations in which this user may create and change shared things."""
        return [membership.organisation for membership in self.memberships if membership.role in WRITE_ROLES]

    def __repr__(self) -> str:
        return f"<User {self.email}>"


class Organisation(TimestampMixin, db.Model):
    __tablename__ = "organisations"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))

    memberships: Mapped[list[Membership]] = relationship(back_populates="organisation", cascade="all, delete-orphan")


class Membership(db.Model):
    __tablename__ = "memberships"
    __table_args__ = (UniqueConstraint("user_id", "organisation_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(String(10), default="viewer")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    user: Mapped[User] = relationship(back_populates="memberships")
    organisation: Mapped[Organisation] = relationship(back_populates="memberships")


class Invitation(db.Model):
    """An invitation to join an organisation, e-mailed to an address; only its token's
    SHA-256 is stored. Accepted when someone signs in or up with that address."""

    __tablename__ = "invitations"

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"), index=True)
    email: Mapped[str] = mapped_column(String(254), index=True)
    role: Mapped[str] = mapped_column(String(10), default="viewer")
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    invited_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    accepted_at: Mapped[Optional[datetime]] = mapped_column(DateTime(timezone=True))

    organisation: Mapped[Organisation] = relationship()


class ApiToken(db.Model):
    """A bearer token for the JSON API; only its SHA-256 is stored."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    label: Mapped[str] = mapped_column(String(120), default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    last_used_at: Mapped[Optional[datetime]] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[Optional[datetime]] = mapped_column(DateTime(timezone=True))

    user: Mapped[User] = relationship()


class RequesterIdentity(TimestampMixin, db.Model):
    """Who a request is sent as (CRPA R112-9-1): a person; an association, "déclarée" with
    its RNA number, "inscrite" under the local law of Moselle, Bas-Rhin and Haut-Rhin with
    its entry in the register of the tribunal judiciaire, or neither known yet; or a group
    without legal personality, whose letters a named person signs (`representative`).
    Private to its owner and organisation."""

    __tablename__ = "requester_identities"

    id: Mapped[int] = mapped_column(primary_key=True)
    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    organisation_id: Mapped[Optional[int]] = mapped_column(ForeignKey("organisations.id"), index=True)
    kind: Mapped[str] = mapped_column(String(12), default="person")  # one of IDENTITY_KINDS
    name: Mapped[str] = mapped_column(String(200))  # the person's full name, or the association's or group's name
    rna_number: Mapped[Optional[str]] = mapped_column(String(10))  # association déclarée: W + 9 digits
    # Association inscrite (local law): its entry, "Tribunal judiciaire de Metz, volume 148, folio 12".
    local_register: Mapped[Optional[str]] = mapped_column(Text)
    representative: Mapped[Optional[str]] = mapped_column(String(200))  # who signs for the association or group
    representative_role: Mapped[Optional[str]] = mapped_column(String(120))
    address: Mapped[str] = mapped_column(Text, default="")
    email: Mapped[str] = mapped_column(String(254), default="")
    phone: Mapped[Optional[str]] = mapped_column(String(40))

    organisation: Mapped[Optional[Organisation]] = relationship()

    @property
    def address_lines(self) -> tuple[str, ...]:
        return tuple(line.strip() for line in self.address.splitlines() if line.strip())

    @property
    def kind_label(self) -> str:
        return IDENTITY_KINDS.get(self.kind, self.kind)


class LoginAttempt(db.Model):
    """A log-in attempt, kept a day, to slow down password guessing."""

    __tablename__ = "login_attempts"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), index=True)
    ip_address: Mapped[str] = mapped_column(String(45), index=True)
    succeeded: Mapped[bool] = mapped_column(Boolean, default=False)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)
