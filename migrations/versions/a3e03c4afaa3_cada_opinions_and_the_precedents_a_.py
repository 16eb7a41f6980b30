"""CADA opinions and the precedents a request cites

Reviewed by hand. The full-text index over the opinions is not a model (as for the
documents' pages, 83350dbd811d); `workflow.documents.index.include_in_migrations` keeps
it out of autogenerate:
- SQLite: an FTS5 table `cada_opinion_search` over the opinions' subject, keywords,
  themes and text (external content: `cada_opinions` itself, rowid = its id), tokenized
  by SQLite with the diacritics removed. The import adds each batch of new opinions to
  it in one statement (a trigger per row took 4 times as long); two triggers keep it in
  step when an opinion changes or goes. Unlike the
  documents' index, the words are not stemmed in Python at import: tokenizing 60,000
  texts in Python took 3 times the import's budget (see bench/precedents.py); the
  queries search the French stem as a prefix instead (workflow/precedents/search.py).
- PostgreSQL: a stored generated column `cada_opinions.cada_opinion_search_vector`,
  the French stems of the text as written and of the text without accents, the head
  weighted A, and a GIN index `cada_opinion_search_fts` on it.

Revision ID: a3e03c4afaa3
Revises: c4f8a2e6d913
Create Date: 2026-12-01 04:23:36.420470

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'a3e03c4afaa3'
down_revision = 'c4f8a2e6d913'
branch_labels = None
depends_on = None

# Written out here, not imported: a migration must not change when the code does.
def _folded(expression: str) -> str:
    return (f"translate(replace(replace(replace(replace({expression}, 'œ', 'oe'), 'Œ', 'OE'), 'æ', 'ae'), 'Æ', 'AE'), "
            "'ÀÁÂÃÄÅàáâãäåÇçÈÉÊËèéêëÌÍÎÏìíîïÑñÒÓÔÕÖòóôõöÙÚÛÜùúûüÝŸýÿ', "
            "'AAAAAAaaaaaaCcEEEEeeeeIIIIiiiiNnOOOOOoooooUUUUuuuuYYyy')")


HEAD = "subject || ' ' || keywords || ' ' || themes"
PG_VECTOR = (
    f"setweight(to_tsvector('french'::regconfig, {HEAD}), 'A') || "
    f"setweight(to_tsvector('french'::regconfig, {_folded(HEAD)}), 'A') || "
    f"to_tsvector('french'::regconfig, text) || to_tsvector('french'::regconfig, {_folded('text')})"
)


def upgrade():
    op.create_table('cada_opinions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('number', sa.String(length=20), nullable=False),
    sa.Column('administration', sa.String(length=500), nullable=False),
    sa.Column('administration_kind', sa.String(length=30), nullable=False),
    sa.Column('type', sa.String(length=60), nullable=False),
    sa.Column('year', sa.Integer(), nullable=True),
    sa.Column('session_on', sa.Date(), nullable=True),
    sa.Column('subject', sa.Text(), nullable=False),
    sa.Column('themes', sa.Text(), nullable=False),
    sa.Column('keywords', sa.Text(), nullable=False),
    sa.Column('outcomes', sa.Text(), nullable=False),
    sa.Column('outcome', sa.String(length=30), nullable=False),
    sa.Column('part', sa.String(length=4), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('digest', sa.String(length=40), nullable=False),
    sa.Column('imported_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_cada_opinions')),
    sa.UniqueConstraint('number', name=op.f('uq_cada_opinions_number'))
    )
    with op.batch_alter_table('cada_opinions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_cada_opinions_administration_kind'), ['administration_kind'], unique=False)
        batch_op.create_index(batch_op.f('ix_cada_opinions_outcome'), ['outcome'], unique=False)
        batch_op.create_index(batch_op.f('ix_cada_opinions_year'), ['year'], unique=False)

    op.create_table('request_precedents',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('request_id', sa.Integer(), nullable=False),
    sa.Column('opinion_id', sa.Integer(), nullable=False),
    sa.Column('holding', sa.Text(), nullable=False),
    sa.Column('cited_by_id', sa.Integer(), nullable=True),
    sa.Column('cited_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['cited_by_id'], ['users.id'], name=op.f('fk_request_precedents_cited_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['opinion_id'], ['cada_opinions.id'], name=op.f('fk_request_precedents_opinion_id_cada_opinions')),
    sa.ForeignKeyConstraint(['request_id'], ['requests.id'], name=op.f('fk_request_precedents_request_id_requests'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_request_precedents')),
    sa.UniqueConstraint('request_id', 'opinion_id', name=op.f('uq_request_precedents_request_id'))
    )
    with op.batch_alter_table('request_precedents', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_request_precedents_opinion_id'), ['opinion_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_request_precedents_request_id'), ['request_id'], unique=False)

    dialect = op.get_bind().dialect.name
    if dialect == 'sqlite':
        op.execute("CREATE VIRTUAL TABLE cada_opinion_search USING fts5(subject, keywords, themes, text, "
                   "content = 'cada_opinions', content_rowid = 'id', tokenize = 'unicode61 remove_diacritics 2')")
        new = "new.id, new.subject, new.keywords, new.themes, new.text"
        old = "'delete', old.id, old.subject, old.keywords, old.themes, old.text"
        columns = "rowid, subject, keywords, themes, text"
        op.execute("CREATE TRIGGER cada_opinion_search_deleted AFTER DELETE ON cada_opinions BEGIN "
                   f"INSERT INTO cada_opinion_search(cada_opinion_search, {columns}) VALUES ({old}); END")
        op.execute("CREATE TRIGGER cada_opinion_search_updated AFTER UPDATE ON cada_opinions BEGIN "
                   f"INSERT INTO cada_opinion_search(cada_opinion_search, {columns}) VALUES ({old}); "
                   f"INSERT INTO cada_opinion_search({columns}) VALUES ({new}); END")
    elif dialect == 'postgresql':
        op.execute("ALTER TABLE cada_opinions ADD COLUMN cada_opinion_search_vector tsvector "
                   f"GENERATED ALWAYS AS ({PG_VECTOR}) STORED")
        op.execute("CREATE INDEX cada_opinion_search_fts ON cada_opinions USING gin (cada_opinion_search_vector)")


def downgrade():
    dialect = op.get_bind().dialect.name
    if dialect == 'sqlite':
        for trigger in ('deleted', 'updated'):
            op.execute(f'DROP TRIGGER IF EXISTS cada_opinion_search_{trigger}')
        op.execute('DROP TABLE IF EXISTS cada_opinion_search')
    elif dialect == 'postgresql':
        op.execute('DROP INDEX IF EXISTS cada_opinion_search_fts')
        op.execute('ALTER TABLE cada_opinions DROP COLUMN IF EXISTS cada_opinion_search_vector')

    with op.batch_alter_table('request_precedents', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_request_precedents_request_id'))
        batch_op.drop_index(batch_op.f('ix_request_precedents_opinion_id'))

    op.drop_table('request_precedents')
    with op.batch_alter_table('cada_opinions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_cada_opinions_year'))
        batch_op.drop_index(batch_op.f('ix_cada_opinions_outcome'))
        batch_op.drop_index(batch_op.f('ix_cada_opinions_administration_kind'))

    op.drop_table('cada_opinions')
