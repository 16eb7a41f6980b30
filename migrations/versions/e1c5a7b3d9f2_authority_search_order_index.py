"""The directory's order as an index of its own: `authority_search_order`, on
(search_text COLLATE "C", id) on PostgreSQL, on search_text on SQLite; it replaces
`ix_authorities_search_text`.

The directory lists and searches in the order of the folded text in the "C" collation
(workflow/directory/authorities.py). `ix_authorities_search_text` had the database's
collation on PostgreSQL, so PostgreSQL could not read that order from it and sorted every
match (36,000 for "mairie" at 60,000 entries), while keeping the index up to date on every
write. With this one it reads the ids of a search in order from the index alone (an
index-only scan, each word tested on the index entry) and stops at the 1,001st match, or
still finds rare words through the trigram index and sorts those. On SQLite, whose text
order is binary, the index is the same as before under this name (its entries hold the
rowid, the id). Written by hand: the name's prefix keeps it out of autogenerate
(workflow.documents.index.include_in_migrations), as the index differs by backend.

Revision ID: e1c5a7b3d9f2
Revises: f735a48bac66
Create Date: 2026-12-01 08:00:00.000000

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = 'e1c5a7b3d9f2'
down_revision = 'f735a48bac66'
branch_labels = None
depends_on = None


def upgrade():
    op.drop_index('ix_authorities_search_text', table_name='authorities')
    if op.get_bind().dialect.name == 'postgresql':
        op.execute('CREATE INDEX authority_search_order ON authorities (search_text COLLATE "C", id)')
    else:
        op.execute('CREATE INDEX authority_search_order ON authorities (search_text)')


def downgrade():
    op.execute('DROP INDEX IF EXISTS authority_search_order')
    op.create_index('ix_authorities_search_text', 'authorities', ['search_text'], unique=False)
