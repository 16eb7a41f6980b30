"""The department's name in the directory's search text: "moselle" finds the bodies of the
57 whose name lacks the word (workflow.models.authorities.authority_search_text, the table
of names in workflow/law/departments.py).

Data only: search_text is computed again, with the application's own folding, for the
entries that have a department; in batches of 1,000 rows, so that a directory of 60,000
entries takes seconds, not one statement a row. The downgrade computes it without the name.

Revision ID: f4a8c2e6b1d3
Revises: e1c5a7b3d9f2
Create Date: 2026-12-01 09:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'f4a8c2e6b1d3'
down_revision = 'e1c5a7b3d9f2'
branch_labels = None
depends_on = None

BATCH = 1000

authorities = sa.table('authorities', sa.column('id', sa.Integer()), sa.column('name', sa.String()),
                       sa.column('city', sa.String()), sa.column('postal_code', sa.String()),
                       sa.column('department_code', sa.String()), sa.column('search_text', sa.Text()))


def _recompute(search_text) -> None:
    connection = op.get_bind()
    rows = connection.execute(sa.select(authorities.c.id, authorities.c.name, authorities.c.city,
                                        authorities.c.postal_code, authorities.c.department_code,
                                        authorities.c.search_text)
                              .where(authorities.c.department_code != '')).all()
    statement = (authorities.update().where(authorities.c.id == sa.bindparam('row_id'))
                 .values(search_text=sa.bindparam('new_text')))
    changes = []
    for row in rows:
        new_text = search_text(row.name, row.city, row.postal_code, row.department_code)
        if new_text != row.search_text:
            changes.append({'row_id': row.id, 'new_text': new_text})
    for start in range(0, len(changes), BATCH):
        connection.execute(statement, changes[start:start + BATCH])


def upgrade():
    from workflow.models.authorities import authority_search_text

    _recompute(authority_search_text)


def downgrade():
    from workflow.core.text import fold

    _recompute(lambda name, city, postal_code, department_code: fold(
        " ".join(part or "" for part in (name, city, postal_code, department_code))))
