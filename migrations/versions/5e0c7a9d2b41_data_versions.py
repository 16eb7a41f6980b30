"""Data versions: counters raised by every transaction that changes what the dashboard
or a request page shows, so that each web process can reuse what it rendered until then.

Revision ID: 5e0c7a9d2b41
Revises: 01b31c6d7ff9
Create Date: 2026-11-28 23:40:00.000000

"""
import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = '5e0c7a9d2b41'
down_revision = '01b31c6d7ff9'
branch_labels = None
depends_on = None


def upgrade():
    data_versions = op.create_table(
        'data_versions',
        sa.Column('name', sa.String(length=40), nullable=False),
        sa.Column('value', sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint('name', name=op.f('pk_data_versions')),
    )
    op.bulk_insert(data_versions, [{'name': 'dashboard', 'value': 0}, {'name': 'request_page', 'value': 0}])


def downgrade():
    op.drop_table('data_versions')
