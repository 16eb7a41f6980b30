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
    """Every word of `text` somewhere in the name, town, postcode or department, regardless
    of accents, case and hyphens ("prefecture moselle" finds "Préfecture de la Moselle")."""
    # In the order of the folded name (search_text starts with it): accents and case aside.
    # On SQLite, the order of search_text's index, which a search walks testing the words on
    # the narrow index until a page is full. On PostgreSQL, which would also walk that index
    # but read every row it passes, sorted after the trigram index found the rows (the
    # folded text is ASCII: the "C" collation gives the same order).
    order = Authority.search_text.collate("C") if db.engine.dialect.name == "postgresql" else Authority.search_text
    query = select(Authority).order_by(order, Authority.id)
    for word in search_words(text):
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


class DirectoryPage(SelectPagination):
    """A page of the directory whose total is counted up to COUNT_LIMIT + 1 (`more`: the
    total is at least that)."""

    def _query_count(self) -> int:
        # The ids only: SQLite then counts on search_text's index alone, not the wide rows.
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
