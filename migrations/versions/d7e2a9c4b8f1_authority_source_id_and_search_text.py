"""The directory at national scale: `source_id`, the stable key of an entry imported from an
official directory (unique: importing again updates instead of duplicating), and
`search_text`, the folded name, town, postcode and department searched word by word
(indexed: the directory is listed in its order, and SQLite tests the words on the narrow
index rather than the wide rows).
Written and reviewed by hand: batch mode for SQLite, the unique constraint named
explicitly, search_text filled for the existing rows with the application's own folding.

Revision ID: d7e2a9c4b8f1
Revises: d7e2a9c4b1f8
Create Date: 2026-12-01 02:05:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'd7e2a9c4b8f1'
down_revision = 'd7e2a9c4b1f8'
branch_labels = None
depends_on = None


def upgrade():
    from workflow.models.authorities import authority_search_text

    with op.batch_alter_table('authorities', schema=None) as batch_op:
        batch_op.add_column(sa.Column('source_id', sa.String(length=120), nullable=True))
        batch_op.add_column(sa.Column('search_text', sa.Text(), nullable=False, server_default=''))
        batch_op.create_unique_constraint('uq_authorities_source_id', ['source_id'])
        batch_op.create_index('ix_authorities_search_text', ['search_text'], unique=False)

    connection = op.get_bind()
    if connection.dialect.name == 'postgresql':
        # A trigram index answers LIKE '%word%' without reading every row (words of three
        # letters or more). pg_trgm is a trusted extension (PostgreSQL 13+); where it cannot
        # be created, the search still works, by a sequential scan. Named with the prefix
        # that autogenerate leaves alone (workflow.documents.index.include_in_migrations).
        # The extension goes to `public`, not to the first schema of the search path: a
        # database with a schema per test run would otherwise drop it with the first run's
        # schema (and, by cascade, every other run's index), and the runs after that one
        # would not find its operator class. The operator class is named with the schema
        # the extension is in, whichever that is.
        try:
            with connection.begin_nested():
                connection.exec_driver_sql('CREATE EXTENSION IF NOT EXISTS pg_trgm SCHEMA public')
                schema = connection.exec_driver_sql(
                    "SELECT extnamespace::regnamespace::text FROM pg_extension "
                    "WHERE extname = 'pg_trgm'").scalar()
                connection.exec_driver_sql('CREATE INDEX authority_search_trgm ON authorities '
                                           f'USING gin (search_text {schema}.gin_trgm_ops)')
        except sa.exc.DBAPIError as error:
            print(f'authority_search_trgm not created ({error.orig}); the directory search scans the table.')

    authorities = sa.table('authorities', sa.column('id', sa.Integer()), sa.column('name', sa.String()),
                           sa.column('city', sa.String()), sa.column('postal_code', sa.String()),
                           sa.column('department_code', sa.String()), sa.column('search_text', sa.Text()))
    rows = connection.execute(sa.select(authorities.c.id, authorities.c.name, authorities.c.city,
                                        authorities.c.postal_code, authorities.c.department_code)).all()
    for row in rows:
        connection.execute(authorities.update().where(authorities.c.id == row.id).values(
            search_text=authority_search_text(row.name, row.city, row.postal_code, row.department_code)))


def downgrade():
    if op.get_bind().dialect.name == 'postgresql':
        op.execute('DROP INDEX IF EXISTS authority_search_trgm')
    with op.batch_alter_table('authorities', schema=None) as batch_op:
        batch_op.drop_index('ix_authorities_search_text')
        batch_op.drop_constraint('uq_authorities_source_id', type_='unique')
        batch_op.drop_column('search_text')
        batch_op.drop_column('source_id')
