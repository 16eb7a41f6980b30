"""The CADA's opinions are indexed for search after the import, by a job

Reviewed by hand. `cada_opinions.awaiting_index`: true from the import until the index job
(workflow.precedents.indexing) has put the opinion in the full-text index; a partial index
`cada_opinion_search_awaiting` finds those rows without reading the table. Existing rows
are already indexed (false).

- PostgreSQL: the stored generated tsvector becomes a plain column (DROP EXPRESSION keeps
  every value computed so far), written by the index job: computing it inside the import
  took 30 s of its 69 s for 60,000 opinions. Its GIN index leaves out the rows not yet
  indexed (a NULL still costs an entry at import); `vector @@ query` implies NOT NULL, so
  the planner uses it as before.
- SQLite: the FTS5 table's triggers touch the index only for opinions already in it (an
  FTS5 'delete' of values it never held would corrupt it).

Revision ID: b6d2f8a4c1e7
Revises: f4a8c2e6b1d3
Create Date: 2026-12-01 11:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'b6d2f8a4c1e7'
down_revision = 'f4a8c2e6b1d3'
branch_labels = None
depends_on = None

# Written out here, not imported (see a3e03c4afaa3).
_FOLD = ("translate(replace(replace(replace(replace({0}, 'œ', 'oe'), 'Œ', 'OE'), 'æ', 'ae'), 'Æ', 'AE'), "
         "'ÀÁÂÃÄÅàáâãäåÇçÈÉÊËèéêëÌÍÎÏìíîïÑñÒÓÔÕÖòóôõöÙÚÛÜùúûüÝŸýÿ', "
         "'AAAAAAaaaaaaCcEEEEeeeeIIIIiiiiNnOOOOOoooooUUUUuuuuYYyy')")
HEAD = "subject || ' ' || keywords || ' ' || themes"
PG_VECTOR = (
    f"setweight(to_tsvector('french'::regconfig, {HEAD}), 'A') || "
    f"setweight(to_tsvector('french'::regconfig, {_FOLD.format(HEAD)}), 'A') || "
    f"to_tsvector('french'::regconfig, text) || to_tsvector('french'::regconfig, {_FOLD.format('text')})"
)
COLUMNS = "rowid, subject, keywords, themes, text"
NEW = "new.id, new.subject, new.keywords, new.themes, new.text"
OLD = "'delete', old.id, old.subject, old.keywords, old.themes, old.text"


def _sqlite_triggers(condition: str) -> None:
    for trigger in ('deleted', 'updated'):
        op.execute(f'DROP TRIGGER IF EXISTS cada_opinion_search_{trigger}')
    op.execute(f"CREATE TRIGGER cada_opinion_search_deleted AFTER DELETE ON cada_opinions {condition.format('old')} BEGIN "
               f"INSERT INTO cada_opinion_search(cada_opinion_search, {COLUMNS}) VALUES ({OLD}); END")
    op.execute(f"CREATE TRIGGER cada_opinion_search_updated AFTER UPDATE ON cada_opinions {condition.format('old')} BEGIN "
               f"INSERT INTO cada_opinion_search(cada_opinion_search, {COLUMNS}) VALUES ({OLD}); "
               f"INSERT INTO cada_opinion_search({COLUMNS}) VALUES ({NEW}); END")


def upgrade():
    with op.batch_alter_table('cada_opinions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('awaiting_index', sa.Boolean(), nullable=False, server_default=sa.false()))
    dialect = op.get_bind().dialect.name
    # Written as each backend's queries write the condition (SQLite: "= 1"), or its planner
    # would not use the index.
    awaiting = "awaiting_index = 1" if dialect == 'sqlite' else "awaiting_index"
    op.execute(f"CREATE INDEX cada_opinion_search_awaiting ON cada_opinions (id) WHERE {awaiting}")
    if dialect == 'sqlite':
        # batch_alter_table may have rebuilt the table: the triggers are made again, conditional.
        _sqlite_triggers("WHEN {0}.awaiting_index = 0")
    elif dialect == 'postgresql':
        op.execute("ALTER TABLE cada_opinions ALTER COLUMN cada_opinion_search_vector DROP EXPRESSION")
        op.execute("DROP INDEX cada_opinion_search_fts")
        op.execute("CREATE INDEX cada_opinion_search_fts ON cada_opinions USING gin (cada_opinion_search_vector) "
                   "WHERE cada_opinion_search_vector IS NOT NULL")


def downgrade():
    dialect = op.get_bind().dialect.name
    op.execute("DROP INDEX IF EXISTS cada_opinion_search_awaiting")
    if dialect == 'postgresql':
        op.execute("DROP INDEX IF EXISTS cada_opinion_search_fts")
        op.execute("ALTER TABLE cada_opinions DROP COLUMN IF EXISTS cada_opinion_search_vector")
        op.execute("ALTER TABLE cada_opinions ADD COLUMN cada_opinion_search_vector tsvector "
                   f"GENERATED ALWAYS AS ({PG_VECTOR}) STORED")
        op.execute("CREATE INDEX cada_opinion_search_fts ON cada_opinions USING gin (cada_opinion_search_vector)")
    elif dialect == 'sqlite':
        # What the import left unindexed goes in now, as the old import did at once.
        op.execute(f"INSERT INTO cada_opinion_search({COLUMNS}) SELECT id, subject, keywords, themes, text "
                   "FROM cada_opinions WHERE awaiting_index")
    with op.batch_alter_table('cada_opinions', schema=None) as batch_op:
        batch_op.drop_column('awaiting_index')
    if dialect == 'sqlite':
        _sqlite_triggers("")
