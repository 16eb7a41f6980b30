"""The day a letter left, as the user recorded it (letters.sent_on): sent_at is when it
was marked sent. Letters frozen before keep NULL and show their sent_at's day. Written
by hand.

Revision ID: e3b7c91a5d20
Revises: 5e7a1c9d3b20
Create Date: 2026-12-01 10:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'e3b7c91a5d20'
down_revision = '5e7a1c9d3b20'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('letters', schema=None) as batch_op:
        batch_op.add_column(sa.Column('sent_on', sa.Date(), nullable=True))


def downgrade():
    with op.batch_alter_table('letters', schema=None) as batch_op:
        batch_op.drop_column('sent_on')
