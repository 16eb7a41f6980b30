"""Users: a session version, part of every session and "remember me" cookie; raised at
log-out, it ends every session of the account.

Revision ID: c4d8e1f2a3b5
Revises: 9b3f6e2c1a07
Create Date: 2026-12-01 01:15:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'c4d8e1f2a3b5'
down_revision = '9b3f6e2c1a07'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('session_version', sa.Integer(), server_default='0', nullable=False))


def downgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('session_version')
