"""Documents received: containers (an e-mail or a ZIP kept whole, its files pointing at
it), the original name and path kept as metadata, one row per file and request (the same
bytes filed again are linked, not copied), the text page by page, a thumbnail, and the
full-text index.

Reviewed by hand. The full-text index is not a model, so autogenerate does not see it
(`workflow.documents.index.include_in_migrations` keeps it out of the comparison):
- SQLite: an FTS5 table `document_search` (rowid = document_pages.id) holding the
  folded and stemmed words; the application fills it when it extracts a text (the
  stemming is Python's), a trigger empties it when a page row goes (cascades included).
- PostgreSQL: a stored generated column `document_pages.document_search_vector` with
  the French stems of the text as written and of the text without accents,
  to_tsvector('french', text) || to_tsvector('french', <accents folded>(text)),
  and a GIN index `document_search_fts` on it. The folding is translate()/replace(),
  built in and immutable, so no `unaccent` extension is needed. Stored rather than an
  expression index: ranking the matches reads it instead of parsing every page again.

Revision ID: 83350dbd811d
Revises: cbe9deaacbb8
Create Date: 2026-11-28 21:27:43.304074

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '83350dbd811d'
down_revision = 'cbe9deaacbb8'
branch_labels = None
depends_on = None

# Written out here, not imported: a migration must not change when the code does.
PG_FOLDED_TEXT = (
    "translate(replace(replace(replace(replace(text, 'œ', 'oe'), 'Œ', 'OE'), 'æ', 'ae'), 'Æ', 'AE'), "
    "'ÀÁÂÃÄÅàáâãäåÇçÈÉÊËèéêëÌÍÎÏìíîïÑñÒÓÔÕÖòóôõöÙÚÛÜùúûüÝŸýÿ', "
    "'AAAAAAaaaaaaCcEEEEeeeeIIIIiiiiNnOOOOOoooooUUUUuuuuYYyy')"
)


def upgrade():
    op.create_table('document_pages',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('document_id', sa.Integer(), nullable=False),
    sa.Column('page', sa.Integer(), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['document_id'], ['documents.id'], name=op.f('fk_document_pages_document_id_documents'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_document_pages')),
    sa.UniqueConstraint('document_id', 'page', name=op.f('uq_document_pages_document_id'))
    )
    with op.batch_alter_table('document_pages', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_document_pages_document_id'), ['document_id'], unique=False)

    # Server defaults: rows filed before this revision get empty metadata, not an error.
    with op.batch_alter_table('documents', schema=None) as batch_op:
        batch_op.add_column(sa.Column('parent_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('original_name', sa.String(length=255), server_default='', nullable=False))
        batch_op.add_column(sa.Column('origin_path', sa.String(length=500), server_default='', nullable=False))
        batch_op.add_column(sa.Column('text_note', sa.String(length=500), server_default='', nullable=False))
        batch_op.add_column(sa.Column('paginated', sa.Boolean(), server_default=sa.true(), nullable=False))
        batch_op.add_column(sa.Column('thumbnail_sha256', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('extracted_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.create_index(batch_op.f('ix_documents_parent_id'), ['parent_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_documents_parent_id_documents'), 'documents', ['parent_id'], ['id'], ondelete='CASCADE')
        batch_op.create_unique_constraint(batch_op.f('uq_documents_request_id'), ['request_id', 'sha256'])

    dialect = op.get_bind().dialect.name
    if dialect == 'sqlite':
        op.execute('CREATE VIRTUAL TABLE document_search USING fts5(stems, tokenize = "unicode61 remove_diacritics 2")')
        op.execute(
            'CREATE TRIGGER document_search_page_deleted AFTER DELETE ON document_pages '
            'BEGIN DELETE FROM document_search WHERE rowid = old.id; END'
        )
    elif dialect == 'postgresql':
        # Stored, so that ranking reads the vector instead of parsing every matching page again.
        op.execute("ALTER TABLE document_pages ADD COLUMN document_search_vector tsvector GENERATED ALWAYS AS "
                   f"(to_tsvector('french'::regconfig, text) || to_tsvector('french'::regconfig, {PG_FOLDED_TEXT})) STORED")
        op.execute("CREATE INDEX document_search_fts ON document_pages USING gin (document_search_vector)")


def downgrade():
    dialect = op.get_bind().dialect.name
    if dialect == 'sqlite':
        op.execute('DROP TRIGGER IF EXISTS document_search_page_deleted')
        op.execute('DROP TABLE IF EXISTS document_search')
    elif dialect == 'postgresql':
        op.execute('DROP INDEX IF EXISTS document_search_fts')
        op.execute('ALTER TABLE document_pages DROP COLUMN IF EXISTS document_search_vector')

    with op.batch_alter_table('documents', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_documents_request_id'), type_='unique')
        batch_op.drop_constraint(batch_op.f('fk_documents_parent_id_documents'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_documents_parent_id'))
        batch_op.drop_column('extracted_at')
        batch_op.drop_column('thumbnail_sha256')
        batch_op.drop_column('paginated')
        batch_op.drop_column('text_note')
        batch_op.drop_column('origin_path')
        batch_op.drop_column('original_name')
        batch_op.drop_column('parent_id')

    with op.batch_alter_table('document_pages', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_document_pages_document_id'))

    op.drop_table('document_pages')
