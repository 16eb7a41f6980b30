"""The database's token, written also in the file store it owns (`.owner`): the collector
of unreferenced files removes nothing from a store another database owns (a wrong
DATABASE_URL, an empty database before a restore). Instance-local, not backed up.

Revision ID: c8e4a1d7f2b9
Revises: b6d2f8a4c1e7
Create Date: 2026-12-01 14:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'c8e4a1d7f2b9'
down_revision = 'b6d2f8a4c1e7'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'file_store_owner',
        sa.Column('id', sa.Integer(), autoincrement=False, nullable=False),
        sa.Column('token', sa.String(length=32), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_file_store_owner')),
    )


def downgrade():
    op.drop_table('file_store_owner')
