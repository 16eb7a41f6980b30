"""The directory's order as an index on PostgreSQL: `authority_search_order`, on
(search_text COLLATE "C", id).

The directory lists and searches in the order of the folded text in the "C" collation
(workflow/directory/authorities.py); `ix_authorities_search_text` has the database's
collation, so PostgreSQL could not read that order from it and sorted every match (36,000
for "mairie" at 60,000 entries). With this index it reads the ids of a search in order
from the index alone (an index-only scan, each word tested on the index entry) and stops
at the 1,001st match, or still finds rare words through the trigram index and sorts those.
SQLite reads that order from `ix_authorities_search_text` (its text order is binary).
Written by hand, PostgreSQL only; the name's prefix keeps it out of autogenerate
(workflow.documents.index.include_in_migrations).

Revision ID: e1c5a7b3d9f2
Revises: a3e03c4afaa3
Create Date: 2026-12-01 08:00:00.000000

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = 'e1c5a7b3d9f2'
down_revision = 'a3e03c4afaa3'
branch_labels = None
depends_on = None


def upgrade():
    if op.get_bind().dialect.name == 'postgresql':
        op.execute('CREATE INDEX authority_search_order ON authorities (search_text COLLATE "C", id)')


def downgrade():
    if op.get_bind().dialect.name == 'postgresql':
        op.execute('DROP INDEX IF EXISTS authority_search_order')
