"""The authority directory: search and the idempotent seed. Who may change an entry, and
how: workflow/directory/sharing.py."""
from __future__ import annotations

import json
from datetime import date
from importlib import resources
from typing import Any

from flask_sqlalchemy.pagination import SelectPagination
from sqlalchemy import Select, func, select

from workflow.core.extensions import db
from workflow.core.text import search_words
from workflow.models import Authority, AuthorityChange

EDITABLE_FIELDS = (
    "name", "kind", "address_lines", "postal_code", "city", "email", "prada_name", "prada_email",
    "website", "online_request_url", "department_code", "verified", "last_checked_on", "notes",
)


def search_query(text: str = "", department: str = "", kind: str = "") -> Select[Authority]:
    """Every word of `text` somewhere in the name, town, postcode or department (its code or
    its name), regardless of accents, case and hyphens ("prefecture moselle" finds
    "Préfecture de la Moselle", "seine saint denis" the bodies of the 93)."""
    # In the order of the folded name (search_text starts with it): accents and case aside.
    # The folded text is ASCII, so SQLite's binary order and PostgreSQL's "C" collation are
    # the same order, that of the index authority_search_order on each (in the "C"
    # collation on PostgreSQL). The results' ids are read from it (below): a broad
    # search walks the index testing the words on its narrow entries until it has counted
    # enough; on PostgreSQL a rare word is found through the trigram index instead, and its
    # few rows sorted (the planner chooses, from the statistics of the words).
    postgresql = db.engine.dialect.name == "postgresql"
    order = Authority.search_text.collate("C") if postgresql else Authority.search_text
    query = select(Authority).order_by(order, Authority.id)
    for word in search_words(text):
        if postgresql and len(word) < 3:
            # A word of one or two characters ("57", "2a") has no trigram: the trigram index
            # cannot narrow it, yet PostgreSQL, counting it as rare, took the index for the
            # other words and tested it on each row they gave (36,000 rows for "mairie 2a" at
            # 60,000 entries: 43 ms on a busy machine). Tested with strpos() (the same
            # substring test, which the index does not serve), the search walks the order's
            # index instead (21 ms).
            query = query.where(func.strpos(Authority.search_text, word) > 0)
        else:
            # The folded words are [0-9a-z] only: nothing to escape in the pattern.
            query = query.where(Authority.search_text.like(f"%{word}%"))
    if department:
        query = query.where(Authority.department_code == department)
    if kind:
        query = query.where(Authority.kind == kind)
    return query


# A search counts its results up to this many (then says "more than"): counting every
# "mairie" of France would cost more than finding the first page.
COUNT_LIMIT = 1000


def _ids_in_order(query: Select[Authority], limit: int, offset: int = 0) -> list[int]:
    """The ids of the results, in the search's order: read from the index of that order
    alone (authority_search_order: on PostgreSQL an index-only scan, on SQLite a covering
    index, its entries holding the rowid), testing each word on the narrow index, never on
    the wide rows."""
    return list(db.session.scalars(query.with_only_columns(Authority.id).limit(limit).offset(offset)))


def _rows(ids: list[int]) -> list[Authority]:
    """The entries of `ids`, in that order."""
    if not ids:
        return []
    found = {authority.id: authority for authority in db.session.scalars(select(Authority).where(Authority.id.in_(ids)))}
    return [found[authority_id] for authority_id in ids if authority_id in found]


def first_results(query: Select[Authority], limit: int) -> list[Authority]:
    """The first `limit` results of a search (the pickers)."""
    return _rows(_ids_in_order(query, limit))


class DirectoryPage(SelectPagination):
    """A page of the directory whose total is counted up to COUNT_LIMIT + 1 (`more`: the
    total is at least that). Within the counted results, the ids of the page and the count
    come from one walk in the search's order, then the page's rows are read by id."""

    _counted: int | None = None

    def _query_items(self) -> list[Authority]:
        query = self._query_args["select"]
        end = self._query_offset + self.per_page
        if end <= COUNT_LIMIT + 1:
            ids = _ids_in_order(query, COUNT_LIMIT + 1)
            self._counted = len(ids)
            return _rows(ids[self._query_offset:end])
        return _rows(_ids_in_order(query, self.per_page, self._query_offset))

    def _query_count(self) -> int:
        if self._counted is not None:
            return self._counted
        query = self._query_args["select"].with_only_columns(Authority.id).order_by(None).limit(
            COUNT_LIMIT + 1).subquery()
        return int(self._query_args["session"].execute(select(func.count()).select_from(query)).scalar() or 0)

    @property
    def more(self) -> bool:
        return (self.total or 0) > COUNT_LIMIT


def search_page(query: Select[Authority], page: int, per_page: int) -> DirectoryPage:
    return DirectoryPage(select=query, session=db.session(), page=page, per_page=per_page, max_per_page=200,
                         error_out=False)


# How many search results the drafting form's picker shows.
PICKER_RESULTS = 20


def picker_label(authority: Authority) -> str:
    """"Mairie d'Épinal (88000 Épinal)": enough to tell two bodies of the same name apart."""
    place = " ".join(part for part in (authority.postal_code, authority.city) if part)
    return f"{authority.name} ({place})" if place else authority.name


def load_seed_data() -> list[dict[str, Any]]:
    text = resources.files("workflow.directory").joinpath("authorities.json").read_text(encoding="utf-8")
    return json.loads(text)


def seed_authorities() -> int:
    """Add the bodies our users write to; never overwrite a row users may have edited.
    Returns how many were added."""
    existing = set(db.session.scalars(select(Authority.slug).where(Authority.slug.is_not(None))))
    added = 0
    for entry in load_seed_data():
        if entry["slug"] in existing:
            continue
        fields = dict(entry)
        if fields.get("last_checked_on"):
            fields["last_checked_on"] = date.fromisoformat(fields["last_checked_on"])
        authority = Authority(**fields)
        db.session.add(authority)
        db.session.flush()
        db.session.add(AuthorityChange(authority_id=authority.id, source="seed", before={}, after=entry))
        added += 1
    db.session.commit()
    return added
