"""Each stored deadline keeps its state (open, met, passed, superseded: the law module's),
so the dashboard, the reminders and the calendars show only what is still to do.

Existing rows start "open"; every request that was sent gets its status_changes_after set
to a day long past, so the next daily sweep recomputes it once (states included) with the
law module of this version. Reviewed by hand.

Revision ID: 5e7a1c9d3b20
Revises: 64c1f087d1c6
Create Date: 2026-12-01 04:40:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '5e7a1c9d3b20'
down_revision = '64c1f087d1c6'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('deadlines', schema=None) as batch_op:
        batch_op.add_column(sa.Column('state', sa.String(length=12), nullable=False, server_default='open'))
    op.execute("UPDATE requests SET status_changes_after = '2000-01-01' WHERE status <> 'draft'")


def downgrade():
    with op.batch_alter_table('deadlines', schema=None) as batch_op:
        batch_op.drop_column('state')
