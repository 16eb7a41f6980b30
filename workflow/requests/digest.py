"""The weekly digest: on Mondays, each user who wants it gets one e-mail with what is
overdue and what falls due in the coming week across the requests they may see."""
from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import or_, select

from workflow.mail import notify
from workflow.accounts.access import visible_to
from workflow.law.deadlines import DEADLINE_LABELS, format_date_fr
from workflow.core.extensions import db
from workflow.models import Deadline, AccessRequest, User
from workflow.requests.dashboard import NOT_DONE, OVERDUE_KINDS

DIGEST_WEEKDAY = 0  # Monday


def digest_lines(user: User, today: date) -> list[str]:
    rows = db.session.execute(
        select(Deadline, AccessRequest)
        .join(AccessRequest, Deadline.request_id == AccessRequest.id)
        .where(visible_to(AccessRequest, user), AccessRequest.status.not_in(("closed", "answered", "draft")),
               Deadline.due_on <= today + timedelta(days=7), Deadline.due_on >= today - timedelta(days=30),
               # What is still to do: nothing met or superseded; late only what someone had to do.
               Deadline.state.in_(NOT_DONE), or_(Deadline.due_on >= today, Deadline.kind.in_(OVERDUE_KINDS)))
        .order_by(Deadline.due_on)
    ).all()
    lines = []
    for deadline, access_request in rows:
        when = "en retard, " if deadline.due_on < today else ""
        lines.append(f"- {when}{format_date_fr(deadline.due_on)} : {DEADLINE_LABELS.get(deadline.kind, deadline.kind)} "
                     f"— {access_request.reference}, {access_request.authority.name}")
    return lines


def queue_weekly_digests(today: date, base_url: str) -> list[int]:
    if today.weekday() != DIGEST_WEEKDAY or not notify.mail_enabled():
        return []
    year, week, _ = today.isocalendar()
    queued = []
    for user in db.session.scalars(select(User).where(
            User.active.is_(True), User.weekly_digest.is_(True), User.email_notifications.is_(True))):
        lines = digest_lines(user, today)
        if not lines:
            continue
        subject = f"[Lanterne] Vos échéances de la semaine du {format_date_fr(today)}"
        body = "Voici les échéances de vos demandes :\n\n" + "\n".join(lines) + f"\n\nTableau de bord : {base_url}/\n"
        outgoing = notify.queue_mail(f"digest:{user.id}:{year}-W{week:02d}", "digest",
                                     notify.build_message(user.email, subject, body), user_id=user.id)
        if outgoing is not None:
            db.session.flush()
            queued.append(outgoing.id)
    db.session.commit()
    return queued
