"""An e-mail queued in a transaction that then fails is not sent: the outbox row goes with
the rest (on SQLite, pysqlite had let the savepoint commit it on its own)."""
from sqlalchemy import func, select

from workflow.core.extensions import db
from workflow.mail import notify
from workflow.models import OutgoingMail


def outbox() -> int:
    return db.session.scalar(select(func.count()).select_from(OutgoingMail))


def test_a_mail_queued_in_a_transaction_rolled_back_is_not_in_the_outbox(app, alice):
    db.session.commit()  # nothing written yet in the transaction that queues it
    assert notify.queue_mail("rollback:1", "reminder", notify.build_message("alice@example.org", "Essai", "x"))
    db.session.rollback()
    assert outbox() == 0

    assert notify.queue_mail("rollback:1", "reminder", notify.build_message("alice@example.org", "Essai", "x"))
    db.session.commit()
    assert outbox() == 1
    # The same key again: refused, and the transaction goes on.
    assert notify.queue_mail("rollback:1", "reminder", notify.build_message("alice@example.org", "Essai", "x")) is None
    db.session.commit()
    assert outbox() == 1
