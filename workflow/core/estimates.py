"""PostgreSQL's planner, asked how many rows a statement would return without running it."""
from __future__ import annotations

import json

from workflow.core.extensions import db


def estimated_rows(statement) -> int:
    """The planner's estimate of the rows `statement` returns (EXPLAIN: no execution;
    under a millisecond, where counting a common word's matches reads thousands of rows).
    PostgreSQL only."""
    compiled = statement.compile(dialect=db.engine.dialect)
    plan = db.session.connection().exec_driver_sql("EXPLAIN (FORMAT JSON) " + str(compiled), compiled.params).scalar()
    if isinstance(plan, str):
        plan = json.loads(plan)
    return int(plan[0]["Plan"]["Plan Rows"])
