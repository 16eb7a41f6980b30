"""What Lanterne could not read in a received file (documents.filing_note) and the list
of every part of an archive or an e-mail as received, with an e-mail's headers
(documents.contents, JSON). Written by hand.

Revision ID: c4f8a2e6d913
Revises: b6d41e7a9c20
Create Date: 2026-12-10 10:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'c4f8a2e6d913'
down_revision = 'b6d41e7a9c20'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('documents', schema=None) as batch_op:
        batch_op.add_column(sa.Column('filing_note', sa.String(length=500), server_default='', nullable=False))
        batch_op.add_column(sa.Column('contents', sa.JSON(), nullable=True))


def downgrade():
    with op.batch_alter_table('documents', schema=None) as batch_op:
        batch_op.drop_column('contents')
        batch_op.drop_column('filing_note')
