"""Requests: an assignee and internal notes (team work); the request's history of what
is not a legal event (a received document deleted, an assignment).

Revision ID: d7e2a9c4b1f8
Revises: 9aab31881151
Create Date: 2026-12-01 02:20:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'd7e2a9c4b1f8'
down_revision = '9aab31881151'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('requests', schema=None) as batch_op:
        batch_op.add_column(sa.Column('assignee_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('internal_notes', sa.Text(), server_default='', nullable=False))
        batch_op.create_index(batch_op.f('ix_requests_assignee_id'), ['assignee_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_requests_assignee_id_users'), 'users', ['assignee_id'], ['id'])

    op.create_table('request_history',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('request_id', sa.Integer(), nullable=False),
        sa.Column('author_id', sa.Integer(), nullable=True),
        sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('kind', sa.String(length=30), nullable=False),
        sa.Column('summary', sa.Text(), nullable=False),
        sa.Column('data', sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(['author_id'], ['users.id'], name=op.f('fk_request_history_author_id_users')),
        sa.ForeignKeyConstraint(['request_id'], ['requests.id'], name=op.f('fk_request_history_request_id_requests'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_request_history'))
    )
    with op.batch_alter_table('request_history', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_request_history_request_id'), ['request_id'], unique=False)


def downgrade():
    with op.batch_alter_table('request_history', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_request_history_request_id'))
    op.drop_table('request_history')
    with op.batch_alter_table('requests', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_requests_assignee_id_users'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_requests_assignee_id'))
        batch_op.drop_column('internal_notes')
        batch_op.drop_column('assignee_id')
