"""Reminders and the sweep, end to end against the test Redis, a worker and a real SMTP
server: statuses the calendar makes true, each reminder sent once, Redis rebuilt."""
from datetime import timedelta

import pytest
from rq.registry import ScheduledJobRegistry
from sqlalchemy import func, select

from tests.helpers import run_worker
from workflow.core import clock
from workflow.mail import notify
from workflow.jobs import sweep
from workflow.jobs.schedule import schedule_reminders
from workflow.requests.reminders import send_time
from workflow.requests import lifecycle as service
from workflow.directory.authorities import seed_authorities
from workflow.law.deadlines import add_months
from workflow.core.extensions import db
from workflow.models import Authority, Notification, OutgoingMail, Reminder, AccessRequest, RequestItem
from workflow.jobs.queues import queue, redis_connection


@pytest.fixture
def access_request(app, make_user):
    seed_authorities()
    owner = make_user("alice@example.org")
    owner.weekly_digest = False  # the digest has its own test; here only reminders count
    metz = db.session.scalar(select(Authority).where(Authority.slug == "ville-de-metz"))
    created = AccessRequest(reference="LNT-2026-0007", owner_id=owner.id, authority_id=metz.id, channel="postal",
                      subject="Contrats de vidéoprotection",
                      items=[RequestItem(position=1, description="Marché de vidéoprotection")])
    db.session.add(created)
    db.session.commit()
    return created


def reminder_rows(access_request):
    return {row.kind: row for row in db.session.scalars(select(Reminder).where(Reminder.request_id == access_request.id))}


def scheduled_ids():
    return set(ScheduledJobRegistry(queue=queue()).get_job_ids())


def test_recording_the_receipt_plans_and_schedules_the_reminders(access_request):
    today = clock.today()
    service.record_event(access_request, "sent", today)
    service.record_event(access_request, "received", today)
    born = add_months(today, 1)
    rows = reminder_rows(access_request)
    due = {kind: row.due_on for kind, row in rows.items()}
    assert due["implicit_refusal-7"] == born - timedelta(days=7)
    assert due["implicit_refusal-1"] == born - timedelta(days=1)
    assert due["implicit_refusal+0"] == born
    cada_safe = add_months(born, 2)
    assert rows["cada_referral-15"].due_on == cada_safe - timedelta(days=15)
    assert rows["cada_referral-3"].due_on == cada_safe - timedelta(days=3)
    assert {f"reminder-{row.id}" for row in rows.values()} <= scheduled_ids()
    registry = ScheduledJobRegistry(queue=queue())
    for row in rows.values():  # each at 8:00, Paris time, on its day; and only once
        assert registry.get_scheduled_time(f"reminder-{row.id}") == send_time(row.due_on)
    assert schedule_reminders([(row.id, row.due_on) for row in rows.values()]) == 0


def test_the_sweep_moves_the_request_on_the_right_day_and_sends_each_reminder_once(access_request, mailbox):
    today = clock.today()
    service.record_event(access_request, "sent", today)
    service.record_event(access_request, "received", today)
    born = add_months(today, 1)
    assert access_request.status_changes_after == born  # what the sweep looks for, by index

    report = sweep.run(born - timedelta(days=7))
    run_worker()
    assert report.reminders_fired == 1
    assert mailbox.subjects() == [
        f"[Lanterne] Dans 7 jours : naissance du refus implicite, le {sweep_format(born)} (LNT-2026-0007 · Ville de Metz)"]

    # The same day again, and a duplicated job: nothing more is sent.
    sweep.run(born - timedelta(days=7))
    from workflow.jobs.tasks import send_reminder

    send_reminder(reminder_rows(access_request)["implicit_refusal-7"].id)
    run_worker()
    assert len(mailbox.messages) == 1

    assert sweep.run(born).status_changes == {}
    db.session.refresh(access_request)
    assert access_request.status == "awaiting_response"  # born at the end of the day
    run_worker()
    assert [s for s in mailbox.subjects() if "refus implicite naît ce soir" in s]

    report = sweep.run(born + timedelta(days=1))
    assert report.status_changes == {"LNT-2026-0007": "implicitly_refused"}
    db.session.refresh(access_request)
    assert access_request.status == "implicitly_refused" and access_request.status_changes_after is None
    assert sweep.run(born + timedelta(days=2)).status_changes == {}
    run_worker()
    subjects = mailbox.subjects()
    assert len(subjects) == len(set(subjects)) == 3  # -7, -1 and the day itself, once each
    message = mailbox.messages[-1]
    assert message["To"] == "alice@example.org"
    assert f"/demandes/{access_request.id}/courriers/cada_referral" in message.get_content()
    notices = db.session.scalars(select(Notification).where(Notification.request_id == access_request.id)).all()
    assert len(notices) == 3


def sweep_format(day):
    from workflow.law.deadlines import format_date_fr

    return format_date_fr(day)


def test_a_fresh_redis_is_rebuilt_by_the_sweep_with_nothing_lost_or_doubled(access_request, mailbox):
    today = clock.today()
    service.record_event(access_request, "sent", today)
    service.record_event(access_request, "received", today)
    rows = reminder_rows(access_request)
    first = min(rows.values(), key=lambda row: row.due_on)

    redis_connection().flushdb()  # Redis forgot everything
    assert scheduled_ids() == set()
    report = sweep.run(first.due_on - timedelta(days=1))
    assert f"reminder-{first.id}" in scheduled_ids()
    assert report.reminders_rescheduled >= 1
    again = sweep.run(first.due_on - timedelta(days=1))
    assert again.reminders_rescheduled == 0  # already scheduled: nothing doubled
    sweep.run(first.due_on)
    run_worker()
    assert len(mailbox.messages) == 1


def test_a_correction_replans_the_unsent_reminders(access_request):
    today = clock.today()
    service.record_event(access_request, "sent", today - timedelta(days=2))
    received = service.record_event(access_request, "received", today)
    service.correct_event(access_request, received.id, today - timedelta(days=1), note="Date de l'avis de réception")
    rows = reminder_rows(access_request)
    assert rows["implicit_refusal+0"].due_on == add_months(today - timedelta(days=1), 1)
    assert db.session.scalar(select(func.count()).select_from(Reminder).where(Reminder.kind == "implicit_refusal+0")) == 1


def test_an_answer_cancels_the_reminders(access_request):
    today = clock.today()
    service.record_event(access_request, "sent", today)
    service.record_event(access_request, "answered", today)
    assert reminder_rows(access_request) == {}


def test_users_change_their_reminder_days(access_request):
    access_request.owner.reminder_offsets = {"implicit_refusal": [-3]}
    db.session.commit()
    service.record_event(access_request, "sent", clock.today())
    kinds = set(reminder_rows(access_request))
    assert "implicit_refusal-3" in kinds and "implicit_refusal-7" not in kinds


def test_a_claimed_message_is_never_sent_twice(access_request, mailbox):
    message = notify.build_message("alice@example.org", "Essai", "Corps")
    outgoing = notify.queue_mail("test:1", "reminder", message, request_id=access_request.id)
    db.session.commit()
    assert notify.deliver(outgoing.id) == "sent"
    assert notify.deliver(outgoing.id) == "sent"  # a duplicated job
    assert len(mailbox.messages) == 1
    sent = mailbox.messages[0]
    assert sent["Message-ID"] == outgoing.message_id


def test_a_worker_killed_mid_send_leaves_an_uncertain_mark_not_a_second_mail(access_request, mailbox):
    from datetime import datetime, timezone

    outgoing = notify.queue_mail("test:2", "reminder", notify.build_message("alice@example.org", "Essai", "x"),
                                 request_id=access_request.id)
    outgoing.status = "sending"  # claimed by a worker that died before committing
    outgoing.next_attempt_at = datetime.now(timezone.utc) - timedelta(hours=1)
    db.session.commit()
    assert notify.deliver(outgoing.id) == "sending"
    assert sweep.run(clock.today()).mails_uncertain == 1
    db.session.refresh(outgoing)
    assert outgoing.status == "uncertain"
    assert mailbox.messages == []
    notice = db.session.scalar(select(Notification).where(Notification.user_id == access_request.owner_id))
    assert "Échec de l'envoi" in notice.title


def test_smtp_failures_are_retried_then_shown(access_request, app, monkeypatch):
    monkeypatch.setitem(app.config, "MAIL_SERVER", "127.0.0.1")
    monkeypatch.setitem(app.config, "MAIL_PORT", 1)  # nothing listens there
    outgoing = notify.queue_mail("test:3", "reminder", notify.build_message("alice@example.org", "Rappel", "x"),
                                 user_id=access_request.owner_id, request_id=access_request.id)
    db.session.commit()
    for attempt in range(1, 5):
        with pytest.raises(OSError):
            notify.deliver(outgoing.id)
        db.session.refresh(outgoing)
        assert outgoing.attempts == attempt
    assert outgoing.status == "failed"
    notice = db.session.scalar(select(Notification).where(Notification.user_id == access_request.owner_id))
    assert notice.title == "Échec de l'envoi du courriel « Rappel »"
    assert "4 tentatives" in notice.body


def test_the_sweep_without_redis_loses_nothing(access_request, app, mailbox, monkeypatch):
    today = clock.today()
    service.record_event(access_request, "sent", today)
    service.record_event(access_request, "received", today)
    first = min(reminder_rows(access_request).values(), key=lambda row: row.due_on)
    monkeypatch.setitem(app.config, "REDIS_URL", "redis://127.0.0.1:1/0")
    monkeypatch.setitem(app.extensions, "lanterne_redis", None)
    report = sweep.run(first.due_on)
    assert report.redis_unavailable and report.reminders_fired == 1
    assert db.session.scalar(select(OutgoingMail.status)) == "queued"  # waiting in the outbox
    monkeypatch.undo()
    monkeypatch.setitem(app.config, "MAIL_SERVER", "127.0.0.1")
    monkeypatch.setitem(app.config, "MAIL_PORT", mailbox.port)
    sweep.run(first.due_on)
    run_worker()
    assert len(mailbox.messages) == 1, mailbox.subjects()


def test_the_sweep_command(runner, access_request):
    today = clock.today()
    service.record_event(access_request, "sent", today)
    service.record_event(access_request, "received", today)
    day_after = add_months(today, 1) + timedelta(days=1)
    result = runner.invoke(args=["sweep", "--today", day_after.isoformat()])
    assert result.exit_code == 0, result.output
    assert "LNT-2026-0007 : Refus implicite" in result.output
    assert "1 statut(s) mis à jour" in result.output
    result = runner.invoke(args=["sweep", "--today", "2026-13-01"])
    assert result.exit_code == 2


def test_the_weekly_digest_goes_out_on_mondays_once(access_request, mailbox):
    access_request.owner.weekly_digest = True
    today = clock.today()
    service.record_event(access_request, "sent", today)
    service.record_event(access_request, "received", today)
    born = add_months(today, 1)
    monday = born - timedelta(days=born.weekday())  # the Monday of the week the refusal is born
    tuesday = monday + timedelta(days=1)
    access_request.owner.reminder_offsets = {kind: [] for kind in ("implicit_refusal", "cada_referral", "cada_opinion_expected", "court_appeal")}
    db.session.query(Reminder).delete()
    db.session.commit()
    assert sweep.run(tuesday).digests_queued == 0
    assert sweep.run(monday).digests_queued == 1
    assert sweep.run(monday).digests_queued == 0
    run_worker()
    assert len(mailbox.messages) == 1
    body = mailbox.messages[0].get_content()
    assert f"{sweep_format(born)} : Naissance du refus implicite — LNT-2026-0007, Ville de Metz" in body


def test_periodic_jobs_are_scheduled_once_however_often_workers_start(app):
    from datetime import datetime, timezone

    from workflow.jobs import schedule

    now = datetime(2026, 11, 28, 12, 0, tzinfo=timezone.utc)
    first = schedule.schedule_periodic(now)
    assert first == ["periodic-sweep-2026-11-29"]
    assert schedule.schedule_periodic(now) == []
    assert "periodic-sweep-2026-11-29" in ScheduledJobRegistry(queue=queue()).get_job_ids()
    # Before 6:00 Paris time the run of the same day is the next one.
    early = datetime(2026, 11, 28, 4, 0, tzinfo=timezone.utc)
    assert schedule.schedule_periodic(early) == ["periodic-sweep-2026-11-28"]


def test_recording_refusal_grounds_and_referral_channel_from_the_page(client, access_request):
    from tests.helpers import PASSWORD, page_text

    client.post("/connexion", data={"email": "alice@example.org", "password": PASSWORD})
    today = clock.today()
    client.post(f"/demandes/{access_request.id}/evenements", data={"type": "sent", "occurred_on": (today - timedelta(days=20)).isoformat()})
    client.post(f"/demandes/{access_request.id}/evenements", data={
        "type": "refused", "occurred_on": (today - timedelta(days=10)).isoformat(),
        "grounds": "Sécurité publique (L311-5)", "appeal_routes_stated": "y"})
    client.post(f"/demandes/{access_request.id}/evenements", data={
        "type": "cada_referred", "occurred_on": today.isoformat(), "referral_how": "online_form"})
    text = page_text(client.get(f"/demandes/{access_request.id}"))
    assert "Motifs : Sécurité publique (L311-5)" in text
    assert "Saisine par le formulaire en ligne" in text


def test_the_forking_worker_of_flask_worker_delivers(access_request, mailbox):
    """The real worker class forks a work horse per job: it must run our jobs too."""
    from workflow.jobs.worker import LanterneWorker

    outgoing = notify.queue_mail("test:fork", "reminder", notify.build_message("alice@example.org", "Par le worker", "x"),
                                 request_id=access_request.id)
    db.session.commit()
    queue().enqueue("workflow.jobs.tasks.send_mail", outgoing.id, job_id=f"mail-{outgoing.id}")
    LanterneWorker([queue()], connection=queue().connection).work(burst=True)
    db.session.refresh(outgoing)
    assert outgoing.status == "sent"
    assert mailbox.subjects() == ["Par le worker"]


# A request recorded late: its reminders whose day has passed go out at once, one per
# deadline still ahead, and never twice.

def at_paris(day, hour):
    from datetime import datetime, time

    return datetime.combine(day, time(hour, 0), tzinfo=clock.PARIS)


def notices_of(access_request):
    return db.session.scalars(select(Notification).where(Notification.request_id == access_request.id)
                              .order_by(Notification.id)).all()


def test_a_request_recorded_late_gets_its_reminder_at_once_after_the_8_oclock_run(access_request, mailbox, monkeypatch):
    today = clock.today()
    monkeypatch.setattr(clock, "now", lambda: at_paris(today, 14))  # past today's 8:00 run
    received = today - timedelta(days=26)
    born = add_months(received, 1)
    left = (born - today).days
    assert 1 < left < 7  # the week-before reminder is past, the day-before one ahead
    service.record_event(access_request, "sent", received)
    service.record_event(access_request, "received", received)

    due = {kind: row.due_on for kind, row in reminder_rows(access_request).items()}
    assert due["implicit_refusal-7"] == today  # caught up: due today, not on its planned day
    assert due["implicit_refusal-1"] == born - timedelta(days=1)
    assert due["implicit_refusal+0"] == born
    run_worker()
    subject = (f"[Lanterne] Dans {left} jours : naissance du refus implicite, le {sweep_format(born)} "
               "(LNT-2026-0007 · Ville de Metz)")
    assert mailbox.subjects() == [subject]
    from email.utils import parsedate_to_datetime

    assert parsedate_to_datetime(mailbox.messages[0]["Date"]).astimezone(clock.PARIS).date() == today
    assert f"/demandes/{access_request.id}/courriers/reminder" in mailbox.messages[0].get_content()
    [notice] = notices_of(access_request)
    assert notice.title == subject.removeprefix("[Lanterne] ")
    assert notice.created_at.astimezone(clock.PARIS).date() == today

    # Idempotent: recomputing, today's sweep and tomorrow's add and send nothing more.
    service.recompute(access_request, today)
    db.session.commit()
    sweep.run(today)
    sweep.run(today + timedelta(days=1))
    service.recompute(access_request, today + timedelta(days=1))
    db.session.commit()
    run_worker()
    assert mailbox.subjects() == [subject]
    assert {kind for kind in reminder_rows(access_request) if kind.startswith("implicit_refusal")} == {
        "implicit_refusal-7", "implicit_refusal-1", "implicit_refusal+0"}
    # The day-before reminder still goes out on its own day.
    sweep.run(born - timedelta(days=1))
    run_worker()
    assert mailbox.subjects()[1:] == [
        f"[Lanterne] Dans 1 jour : naissance du refus implicite, le {sweep_format(born)} (LNT-2026-0007 · Ville de Metz)"]


def test_several_passed_reminders_of_one_deadline_make_one_and_a_passed_deadline_none(access_request, mailbox,
                                                                                      monkeypatch):
    today = clock.today()
    monkeypatch.setattr(clock, "now", lambda: at_paris(today, 9))
    # Received long ago: the implicit refusal is born and past; the CADA referral window
    # closes in two days, after both of its reminders' days (-15 and -3).
    sent = today - timedelta(days=100)
    received = sent
    while add_months(add_months(received, 1), 2) != today + timedelta(days=2):
        received += timedelta(days=1)
    service.record_event(access_request, "sent", sent)
    service.record_event(access_request, "received", received)
    cada_safe = today + timedelta(days=2)

    rows = reminder_rows(access_request)
    assert {kind: row.due_on for kind, row in rows.items()} == {"cada_referral-3": today}
    run_worker()
    subject = (f"[Lanterne] Dans 2 jours : saisir la CADA, le {sweep_format(cada_safe)} "
               "(LNT-2026-0007 · Ville de Metz)")
    assert mailbox.subjects() == [subject]
    assert f"/demandes/{access_request.id}/courriers/cada_referral" in mailbox.messages[0].get_content()
    assert [notice.title for notice in notices_of(access_request)] == [subject.removeprefix("[Lanterne] ")]
    sweep.run(today + timedelta(days=1))
    service.recompute(access_request, today + timedelta(days=1))
    db.session.commit()
    run_worker()
    assert len(mailbox.messages) == 1


def test_a_reminder_caught_up_before_8_oclock_waits_for_8_oclock(access_request, monkeypatch):
    today = clock.today()
    monkeypatch.setattr(clock, "now", lambda: at_paris(today, 7))
    received = today - timedelta(days=26)
    service.record_event(access_request, "sent", received)
    service.record_event(access_request, "received", received)
    caught_up = reminder_rows(access_request)["implicit_refusal-7"]
    assert caught_up.due_on == today
    assert f"reminder-{caught_up.id}" in scheduled_ids()  # for 8:00 today
    from workflow.requests.reminders import send_time

    assert send_time(today) == at_paris(today, 8)
