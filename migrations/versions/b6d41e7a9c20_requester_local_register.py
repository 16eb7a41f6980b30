"""Requester identities: the register entry of an association "inscrite" under the local
law of Moselle, Bas-Rhin and Haut-Rhin (`local_register`). The kind "group" (a group
without legal personality) needs no schema change: `kind` is a String(12). (The letters'
`sent_on`, also needed here, comes with e3b7c91a5d20.) Written by hand.

Revision ID: b6d41e7a9c20
Revises: e3b7c91a5d20
Create Date: 2026-12-02 10:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'b6d41e7a9c20'
down_revision = 'e3b7c91a5d20'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('requester_identities', schema=None) as batch_op:
        batch_op.add_column(sa.Column('local_register', sa.Text(), nullable=True))


def downgrade():
    with op.batch_alter_table('requester_identities', schema=None) as batch_op:
        batch_op.drop_column('local_register')
