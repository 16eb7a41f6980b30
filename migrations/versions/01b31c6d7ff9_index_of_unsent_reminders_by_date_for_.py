"""Indexes for the sweep and the dashboard: unsent reminders by date (reminders.due()
and pending_between() read sent_at IS NULL and a due_on range without walking every
sent reminder), and requests by last change (the dashboard's list, newest first).

Revision ID: 01b31c6d7ff9
Revises: a1f3c2d4e5b6
Create Date: 2026-11-28 21:45:30.940154

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '01b31c6d7ff9'
down_revision = 'a1f3c2d4e5b6'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('reminders', schema=None) as batch_op:
        batch_op.create_index('ix_reminders_unsent_due_on', ['sent_at', 'due_on'], unique=False)
    with op.batch_alter_table('requests', schema=None) as batch_op:
        batch_op.create_index('ix_requests_updated_at', ['updated_at'], unique=False)


def downgrade():
    with op.batch_alter_table('requests', schema=None) as batch_op:
        batch_op.drop_index('ix_requests_updated_at')
    with op.batch_alter_table('reminders', schema=None) as batch_op:
        batch_op.drop_index('ix_reminders_unsent_due_on')
