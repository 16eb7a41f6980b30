"""Shared directory: maintainers (who alone edit the shared entries and mark them verified),
the history of every change, proposals from other users, and the overrides an organisation
(or a person) keeps for its own letters. Reviewed by hand: the two unique constraints of
authority_overrides are named explicitly (the naming convention would give both one name).

Revision ID: 9aab31881151
Revises: c4d8e1f2a3b5
Create Date: 2026-12-01 01:15:21.360388

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '9aab31881151'
down_revision = 'c4d8e1f2a3b5'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('authority_changes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('authority_id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('source', sa.String(length=20), nullable=False),
    sa.Column('scope', sa.String(length=20), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=True),
    sa.Column('before', sa.JSON(), nullable=False),
    sa.Column('after', sa.JSON(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['authority_id'], ['authorities.id'], name=op.f('fk_authority_changes_authority_id_authorities'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisations.id'], name=op.f('fk_authority_changes_organisation_id_organisations'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_authority_changes_user_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_authority_changes'))
    )
    with op.batch_alter_table('authority_changes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_authority_changes_authority_id'), ['authority_id'], unique=False)

    op.create_table('authority_overrides',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('authority_id', sa.Integer(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=True),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('fields', sa.JSON(), nullable=False),
    sa.Column('updated_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('(organisation_id IS NULL) <> (user_id IS NULL)', name=op.f('ck_authority_overrides_one_owner')),
    sa.ForeignKeyConstraint(['authority_id'], ['authorities.id'], name=op.f('fk_authority_overrides_authority_id_authorities'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisations.id'], name=op.f('fk_authority_overrides_organisation_id_organisations'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['updated_by_id'], ['users.id'], name=op.f('fk_authority_overrides_updated_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_authority_overrides_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_authority_overrides')),
    sa.UniqueConstraint('authority_id', 'organisation_id', name='uq_authority_overrides_organisation'),
    sa.UniqueConstraint('authority_id', 'user_id', name='uq_authority_overrides_person')
    )
    with op.batch_alter_table('authority_overrides', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_authority_overrides_authority_id'), ['authority_id'], unique=False)

    op.create_table('authority_proposals',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('authority_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('changes', sa.JSON(), nullable=False),
    sa.Column('before', sa.JSON(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('decided_by_id', sa.Integer(), nullable=True),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('decision_note', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['authority_id'], ['authorities.id'], name=op.f('fk_authority_proposals_authority_id_authorities'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['decided_by_id'], ['users.id'], name=op.f('fk_authority_proposals_decided_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_authority_proposals_user_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_authority_proposals'))
    )
    with op.batch_alter_table('authority_proposals', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_authority_proposals_authority_id'), ['authority_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_authority_proposals_status'), ['status'], unique=False)
        batch_op.create_index(batch_op.f('ix_authority_proposals_user_id'), ['user_id'], unique=False)

    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('directory_maintainer', sa.Boolean(), nullable=False, server_default=sa.false()))



def downgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('directory_maintainer')

    with op.batch_alter_table('authority_proposals', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_authority_proposals_user_id'))
        batch_op.drop_index(batch_op.f('ix_authority_proposals_status'))
        batch_op.drop_index(batch_op.f('ix_authority_proposals_authority_id'))

    op.drop_table('authority_proposals')
    with op.batch_alter_table('authority_overrides', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_authority_overrides_authority_id'))

    op.drop_table('authority_overrides')
    with op.batch_alter_table('authority_changes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_authority_changes_authority_id'))

    op.drop_table('authority_changes')
