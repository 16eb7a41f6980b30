"""Requests: the day after which time alone changes the status (the implicit refusal,
the confirmed refusal), indexed, so that the daily sweep reads only what is due.

Revision ID: 9b3f6e2c1a07
Revises: 5e0c7a9d2b41
Create Date: 2026-11-29 00:30:00.000000

"""
import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = '9b3f6e2c1a07'
down_revision = '5e0c7a9d2b41'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('requests', schema=None) as batch_op:
        batch_op.add_column(sa.Column('status_changes_after', sa.Date(), nullable=True))
        batch_op.create_index(batch_op.f('ix_requests_status_changes_after'), ['status_changes_after'], unique=False)
    # From the stored deadlines, as workflow.law.states.status_changes_after computes it.
    op.execute("""
        UPDATE requests SET status_changes_after = (
            SELECT MIN(deadlines.due_on) FROM deadlines
            WHERE deadlines.request_id = requests.id
              AND ((deadlines.kind = 'implicit_refusal' AND requests.status IN ('sent', 'awaiting_response'))
                OR (deadlines.kind = 'confirmed_refusal' AND requests.status IN ('cada_registered', 'opinion_received'))))
    """)


def downgrade():
    with op.batch_alter_table('requests', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_requests_status_changes_after'))
        batch_op.drop_column('status_changes_after')
