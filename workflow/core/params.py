"""Numbers read from URLs, query strings and JSON: bounded before they reach the database
(an id past the INTEGER range is not a row anyone can see, it is a 404, never a 500)."""
from __future__ import annotations

from flask import request
from werkzeug.routing import IntegerConverter

from workflow.core.extensions import db

MAX_ID = 2**31 - 1
MAX_PAGE = 100_000


def database_id(text) -> int:
    """A row id, for `request.args.get(..., type=database_id)`: ValueError if it cannot be one."""
    value = int(text)
    if not 0 < value <= MAX_ID:
        raise ValueError(text)
    return value


def is_database_id(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 0 < value <= MAX_ID


def page_number(text) -> int:
    value = int(text)
    if not 1 <= value <= MAX_PAGE:
        raise ValueError(text)
    return value


def paginate(query, per_page: int):
    """db.paginate with a page number from the query string that is always sane."""
    return db.paginate(query, page=request.args.get("page", 1, type=page_number), per_page=per_page,
                       max_per_page=200, error_out=False)


class BoundedIntegerConverter(IntegerConverter):
    """`<int:...>` in every route, limited to the database's INTEGER range."""

    def __init__(self, map, *args, **kwargs):
        kwargs.setdefault("max", MAX_ID)
        super().__init__(map, *args, **kwargs)


class PageNumbers:
    """Page arithmetic for results that know their `total`, `page` and `per_page`, as the
    pagination macro reads it (Flask-SQLAlchemy's names)."""

    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages

    @property
    def prev_num(self) -> int:
        return self.page - 1

    @property
    def next_num(self) -> int:
        return self.page + 1
