"""Inbound e-mail: the messages received, each request's reply tag, site administrators

Reviewed by hand: every existing request gets its own unguessable reply tag here (new
ones get theirs from the model's default).

Revision ID: f735a48bac66
Revises: a3e03c4afaa3
Create Date: 2026-12-01 06:53:20.343167

"""
import base64
import secrets

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'f735a48bac66'
down_revision = 'a3e03c4afaa3'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('inbound_messages',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('message_id', sa.String(length=500), nullable=True),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('source', sa.String(length=10), nullable=False),
    sa.Column('stored_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('arrived_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('sender', sa.String(length=500), nullable=False),
    sa.Column('sender_address', sa.String(length=254), nullable=False),
    sa.Column('recipients', sa.Text(), nullable=False),
    sa.Column('subject', sa.String(length=500), nullable=False),
    sa.Column('kind', sa.String(length=12), nullable=False),
    sa.Column('request_id', sa.Integer(), nullable=True),
    sa.Column('matched_by', sa.String(length=12), nullable=True),
    sa.Column('matched_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('assigned_by_id', sa.Integer(), nullable=True),
    sa.Column('suggested_authority_id', sa.Integer(), nullable=True),
    sa.Column('document_id', sa.Integer(), nullable=True),
    sa.Column('filing_note', sa.Text(), nullable=False),
    sa.Column('proposed_event', sa.JSON(), nullable=True),
    sa.Column('proposal_status', sa.String(length=10), nullable=True),
    sa.Column('event_id', sa.Integer(), nullable=True),
    sa.Column('decided_by_id', sa.Integer(), nullable=True),
    sa.Column('bounced_mail_id', sa.Integer(), nullable=True),
    sa.Column('bounce_diagnostic', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['assigned_by_id'], ['users.id'], name=op.f('fk_inbound_messages_assigned_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['bounced_mail_id'], ['outgoing_mails.id'], name=op.f('fk_inbound_messages_bounced_mail_id_outgoing_mails'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['decided_by_id'], ['users.id'], name=op.f('fk_inbound_messages_decided_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['document_id'], ['documents.id'], name=op.f('fk_inbound_messages_document_id_documents'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['event_id'], ['events.id'], name=op.f('fk_inbound_messages_event_id_events'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['request_id'], ['requests.id'], name=op.f('fk_inbound_messages_request_id_requests'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['suggested_authority_id'], ['authorities.id'], name=op.f('fk_inbound_messages_suggested_authority_id_authorities'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_inbound_messages')),
    sa.UniqueConstraint('sha256', name=op.f('uq_inbound_messages_sha256'))
    )
    with op.batch_alter_table('inbound_messages', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_inbound_messages_message_id'), ['message_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_inbound_messages_request_id'), ['request_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_inbound_messages_sender_address'), ['sender_address'], unique=False)
        batch_op.create_index(batch_op.f('ix_inbound_messages_stored_at'), ['stored_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_inbound_messages_suggested_authority_id'), ['suggested_authority_id'], unique=False)

    with op.batch_alter_table('requests', schema=None) as batch_op:
        batch_op.add_column(sa.Column('reply_tag', sa.String(length=32), nullable=True))
    # Written out here, not imported: a migration must not change when the code does.
    requests = sa.table("requests", sa.column("id", sa.Integer), sa.column("reply_tag", sa.String))
    connection = op.get_bind()
    for (request_id,) in connection.execute(sa.select(requests.c.id)).all():
        tag = base64.b32encode(secrets.token_bytes(10)).decode().lower()
        connection.execute(requests.update().where(requests.c.id == request_id).values(reply_tag=tag))
    with op.batch_alter_table('requests', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_requests_reply_tag'), ['reply_tag'], unique=True)

    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('site_admin', sa.Boolean(), server_default=sa.false(), nullable=False))



def downgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('site_admin')

    with op.batch_alter_table('requests', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_requests_reply_tag'))
        batch_op.drop_column('reply_tag')

    with op.batch_alter_table('inbound_messages', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_inbound_messages_suggested_authority_id'))
        batch_op.drop_index(batch_op.f('ix_inbound_messages_stored_at'))
        batch_op.drop_index(batch_op.f('ix_inbound_messages_sender_address'))
        batch_op.drop_index(batch_op.f('ix_inbound_messages_request_id'))
        batch_op.drop_index(batch_op.f('ix_inbound_messages_message_id'))

    op.drop_table('inbound_messages')
