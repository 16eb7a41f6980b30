"""Requester identities: the register entry of an association "inscrite" under the local
law of Moselle, Bas-Rhin and Haut-Rhin (`local_register`). The kind "group" (a group
without legal personality) needs no schema change: `kind` is a String(12). Letters: the
day a frozen letter was sent (`sent_on`; older rows keep only `sent_at`). Written by hand.

Revision ID: b6d41e7a9c20
Revises: 64c1f087d1c6
Create Date: 2026-12-02 10:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'b6d41e7a9c20'
down_revision = '64c1f087d1c6'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('requester_identities', schema=None) as batch_op:
        batch_op.add_column(sa.Column('local_register', sa.Text(), nullable=True))
    with op.batch_alter_table('letters', schema=None) as batch_op:
        batch_op.add_column(sa.Column('sent_on', sa.Date(), nullable=True))


def downgrade():
    with op.batch_alter_table('letters', schema=None) as batch_op:
        batch_op.drop_column('sent_on')
    with op.batch_alter_table('requester_identities', schema=None) as batch_op:
        batch_op.drop_column('local_register')
