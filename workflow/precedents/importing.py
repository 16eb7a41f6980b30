"""Importing the CADA's opinions from its open data ("Avis et conseils de la CADA",
data.gouv.fr), which an administrator downloads and imports with `flask cada import`.

The file: comma-separated, double-quoted (cells may span several lines), a header row
with exactly the columns of `COLUMNS`, the session date as dd/mm/yyyy, lists
(themes, keywords, outcomes) comma-separated inside their cell, HTML entities
(`&quot;`, `&amp;`) in some text cells. Read as a stream, one record at a time.

Safe to run again: an opinion is keyed by its number ("Numéro de dossier"); a row whose
cleaned fields did not change is skipped, a changed one updated. A malformed row is
reported with the line it starts on, and skipped; the rest goes on.
"""
from __future__ import annotations

import csv
import functools
import hashlib
import html
import re
from dataclasses import dataclass, field
from datetime import date
from typing import IO, Any, Callable, Iterator

from sqlalchemy import func, insert, select, text, update

from workflow.core.bulk import asynchronous_commit
from workflow.core.extensions import db
from workflow.core.text import fold
from workflow.models.base import utcnow
from workflow.models.precedents import CadaOpinion
from workflow.models.versions import UNSEEN
from workflow.precedents.indexing import index_awaiting
from workflow.precedents.search import is_sqlite

# The official header, in this order.
COLUMNS = ("Numéro de dossier", "Administration", "Type", "Année", "Séance", "Objet", "Thème et sous thème",
           "Mots clés", "Sens et motivation", "Partie", "Avis")
PARTS = ("I", "II", "III", "IV")
BATCH_SIZE = 1000
MAX_PROBLEMS_LISTED = 1000  # beyond, counted only

# --------------------------------------------------------------- reading one row


class ImportFileError(ValueError):
    """A file we cannot read at all; the message (French) is shown as is."""


class RowProblem(ValueError):
    """What is wrong with one row (French)."""


_ENTITY = re.compile(r"&(#\d+|#x[0-9a-fA-F]+|[A-Za-z][A-Za-z0-9]{1,31});")
_SPACES = re.compile(r"[ \t\u00a0]+")


def clean_text(value: str) -> str:
    """HTML entities decoded (twice-encoded ones too: `&amp;quot;`), spaces tidied and the
    ends trimmed; line breaks inside the text kept. (Most cells need none of it: they
    are only trimmed.)"""
    if "&" in value:
        for _ in range(2):
            if not _ENTITY.search(value):
                break
            value = html.unescape(value)
    # (`in`, one after the other, is much faster than a regex or a loop here)
    if not ("\t" in value or "\u00a0" in value or "\r" in value or "\x00" in value or "  " in value
            or " \n" in value or "\n " in value):
        return value.strip()
    value = value.replace("\r\n", "\n").replace("\r", "\n").replace("\x00", "")
    return "\n".join(_SPACES.sub(" ", line).strip() for line in value.split("\n")).strip()


def clean_list(value: str) -> str:
    """A comma-separated cell as "a, b, c": entries trimmed, empty ones dropped."""
    return ", ".join(part for part in (entry.strip() for entry in clean_text(value).split(",")) if part)


@functools.lru_cache(maxsize=4096)
def outcome_of(outcomes: str) -> str:
    """The opinion's outcome key (models.precedents.OUTCOME_LABELS) from its "Sens et
    motivation": "Favorable", "Défavorable/Secret défense", "Favorable, Défavorable/Vie
    privée" (favourable for some documents only), "Sans objet/Document inexistant"..."""
    senses = [fold(entry.split("/", 1)[0]) for entry in outcomes.split(",") if entry.strip()]
    favourable = any(sense.startswith(("favorable", "partiellement favorable")) for sense in senses)
    unfavourable = any(sense.startswith("defavorable") for sense in senses)
    if any(sense.startswith("partiellement favorable") for sense in senses) or (favourable and unfavourable):
        return "partially_favourable"
    if favourable:
        return "favourable"
    if unfavourable:
        return "unfavourable"
    for prefix, key in (("sans objet", "moot"), ("incompet", "incompetent"), ("irrecevab", "inadmissible")):
        if any(sense.startswith(prefix) for sense in senses):
            return key
    return "other"


# The directory's kinds (models.authorities.AUTHORITY_KINDS) read from an administration's
# name as the CADA writes it ("Maire de Metz", "Préfet de la Moselle", "Président de
# Metz Métropole"...): the first that matches, in this order.
_KIND_PATTERNS = (
    ("police", r"\b(police|gendarmerie|commissariat)\b"),
    ("intercommunalite", r"\b(communaute (de communes|d agglomeration|urbaine)|metropole|eurometropole|syndicat "
                         r"intercommunal|etablissement public territorial|epci)\b"),
    ("prefecture", r"\b(prefet|prefete|prefecture|sous prefet|sous prefecture|haut commissaire)\b"),
    ("ministere", r"\b(ministre|ministere|secretaire d etat|premier ministre)\b"),
    ("departement", r"\b(conseil (general|departemental)|departement|president du conseil departemental)\b"),
    ("region", r"\b(conseil regional|region|collectivite territoriale)\b"),
    ("commune", r"\b(maire|mairie|commune|ville de|conseil municipal|centre communal)\b"),
    ("etablissement_public", r"\b(centre hospitalier|hopital|universite|office|agence|caisse|chambre|etablissement "
                             r"public|lycee|college|ecole|institut|pole emploi|france travail)\b"),
    ("autorite_independante", r"\b(commission nationale|haute autorite|autorite de|defenseur des droits|cnil)\b"),
    ("juridiction", r"\b(tribunal|cour|conseil d etat|greffe)\b"),
)
_KIND_RE = [(kind, re.compile(pattern)) for kind, pattern in _KIND_PATTERNS]


@functools.lru_cache(maxsize=65536)
def administration_kind(name: str) -> str:
    folded = fold(name)
    return next((kind for kind, pattern in _KIND_RE if pattern.search(folded)), "autre")


_DATE = re.compile(r"(\d{1,2})/(\d{1,2})/(\d{4})")
_NUMBER = re.compile(r"[0-9A-Za-z./-]+")
_YEAR = re.compile(r"\d{4}")


def _session_date(value: str) -> date | None:
    value = value.strip()
    if not value:
        return None
    match = _DATE.fullmatch(value)
    if not match:
        raise RowProblem(f"date de séance « {value[:40]} » illisible (attendu : jj/mm/aaaa)")
    day, month, year = (int(part) for part in match.groups())
    try:
        return date(year, month, day)
    except ValueError:
        raise RowProblem(f"date de séance « {value} » impossible") from None


def row_digest(row: list[str]) -> str:
    """The fingerprint of a row as read: a row read again unchanged is skipped unparsed."""
    return hashlib.sha1("\x1f".join(row).encode(), usedforsecurity=False).hexdigest()


def opinion_fields(row: list[str]) -> dict[str, Any]:
    """The columns of one row of the file as stored; RowProblem when it is malformed."""
    if len(row) != len(COLUMNS):
        raise RowProblem(f"{len(row)} colonne{'s' if len(row) > 1 else ''} au lieu de {len(COLUMNS)}")
    number = row[0].strip()
    if not number:
        raise RowProblem("numéro de dossier vide")
    if len(number) > 20 or not _NUMBER.fullmatch(number):
        raise RowProblem(f"numéro de dossier « {number[:40]} » invalide")
    year_text = row[3].strip()
    year = None
    if year_text:
        if not _YEAR.fullmatch(year_text) or not 1978 <= int(year_text) <= 2100:
            raise RowProblem(f"année « {year_text[:20]} » invalide")
        year = int(year_text)
    session_on = _session_date(row[4])
    if year is None and session_on is not None:
        year = session_on.year
    part = row[9].strip().upper()
    if part and part not in PARTS:
        raise RowProblem(f"partie « {row[9].strip()[:20]} » inconnue (attendu : I, II, III ou IV)")
    administration = clean_text(row[1])[:500]
    outcomes = clean_list(row[8])
    fields = {
        "number": number, "administration": administration, "administration_kind": administration_kind(administration),
        "type": clean_text(row[2])[:60], "year": year, "session_on": session_on, "subject": clean_text(row[5]),
        "themes": clean_list(row[6]), "keywords": clean_list(row[7]), "outcomes": outcomes,
        "outcome": outcome_of(outcomes), "part": part, "text": clean_text(row[10]),
    }
    fields["digest"] = row_digest(row)
    return fields


class _CountingReader:
    """A text stream that tells `on_read(n)` of every n characters read (the progress bar)."""

    def __init__(self, stream: IO[str], on_read: Callable[[int], None]):
        self._stream, self._on_read = stream, on_read

    def __iter__(self) -> Iterator[str]:
        for line in self._stream:
            self._on_read(len(line))
            yield line


def iter_rows(stream: IO[str], on_read: Callable[[int], None] | None = None
              ) -> Iterator[tuple[int, list[str] | None, str]]:
    """(line the row starts on, its cells or None, the csv module's complaint) for each
    row after the header; ImportFileError when the header is not the official one."""
    source: Any = _CountingReader(stream, on_read) if on_read is not None else stream
    reader = csv.reader(source, delimiter=",", quotechar='"', doublequote=True, strict=False)
    try:
        header = next(reader, None)
    except csv.Error as error:
        raise ImportFileError(f"En-tête illisible : {error}.") from error
    if header is None:
        raise ImportFileError("Le fichier est vide.")
    header = [cell.strip().lstrip("\ufeff").strip() for cell in header]
    if tuple(header) != COLUMNS:
        raise ImportFileError(
            "Ce fichier n'a pas les colonnes du fichier « Avis et conseils de la CADA » : attendu "
            + ", ".join(f"« {name} »" for name in COLUMNS) + " ; lu " + ", ".join(f"« {name}" for name in header[:15])
            + (" »" if header else "") + ".")
    start = reader.line_num + 1
    while True:
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as error:
            yield start, None, str(error)
            start = reader.line_num + 1
            continue
        if row:  # a blank line is no row
            yield start, row, ""
        start = reader.line_num + 1


# ----------------------------------------------------------------------- the import


@dataclass
class Report:
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    skipped: int = 0
    problems: list[str] = field(default_factory=list)  # "ligne 12 : ..." (the first MAX_PROBLEMS_LISTED)

    def skip(self, line: int, reason: str) -> None:
        self.skipped += 1
        if len(self.problems) < MAX_PROBLEMS_LISTED:
            self.problems.append(f"ligne {line} : {reason}")


def _copy_rows(rows: list[dict[str, Any]], now) -> None:
    """New opinions into PostgreSQL by COPY, in the session's transaction: half the time
    of one INSERT a row for 100 MB of text. (Every row has the keys of `opinion_fields`.)"""
    names = list(rows[0])
    connection = db.session.connection().connection.driver_connection
    columns = ", ".join((*names, "imported_at", "awaiting_index"))
    with connection.cursor() as cursor, cursor.copy(f"COPY cada_opinions ({columns}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row((*(row[name] for name in names), now, True))


class _Batch:
    def __init__(self) -> None:
        self.inserts: list[dict[str, Any]] = []
        self.updates: list[dict[str, Any]] = []

    def __len__(self) -> int:
        return len(self.inserts) + len(self.updates)

    def flush(self) -> None:
        now = utcnow()
        asynchronous_commit()
        if self.inserts:
            # (A number read again later in the file is skipped as already read: the new
            # rows' ids are never needed.)
            if is_sqlite():
                # Core statements: compiled once for the whole import (the ORM's bulk insert compiles per batch).
                db.session.execute(insert(CadaOpinion.__table__), [{**row, "imported_at": now, "awaiting_index": True}
                                                                    for row in self.inserts])
            else:
                _copy_rows(self.inserts, now)
        if self.updates:
            # SQLite's trigger puts an indexed opinion's new text in the index at once;
            # PostgreSQL's column waits for the index job.
            waits = {} if is_sqlite() else {"awaiting_index": True}
            db.session.execute(update(CadaOpinion), [{**row, "imported_at": now, **waits} for row in self.updates])
        db.session.commit()
        self.inserts, self.updates = [], []


def import_opinions(stream: IO[str], on_read: Callable[[int], None] | None = None) -> Report:
    """Add the file's new opinions, update the changed ones (see the module's doc); commits
    every BATCH_SIZE rows. The new and changed ones wait for the full-text index
    (`workflow.precedents.indexing`), which the caller queues."""
    report = Report()
    known: dict[str, tuple[int, str]] = {number: (opinion_id, digest) for number, opinion_id, digest in
                                         db.session.execute(select(CadaOpinion.number, CadaOpinion.id,
                                                                   CadaOpinion.digest))}
    seen: dict[str, int] = {}
    batch = _Batch()
    for line, row, complaint in iter_rows(stream, on_read):
        if row is None:
            report.skip(line, f"ligne CSV illisible ({complaint})")
            continue
        number = row[0].strip() if row else ""
        current = known.get(number)
        if current is not None and number not in seen and len(row) == len(COLUMNS) and current[1] == row_digest(row):
            seen[number] = line
            report.unchanged += 1
            continue
        try:
            fields = opinion_fields(row)
        except RowProblem as problem:
            report.skip(line, str(problem))
            continue
        if number in seen:
            report.skip(line, f"numéro de dossier {number} déjà lu ligne {seen[number]}")
            continue
        seen[number] = line
        if current is None:
            batch.inserts.append(fields)
            report.added += 1
        elif current[1] == fields["digest"]:
            report.unchanged += 1
        else:
            batch.updates.append({"id": current[0], **fields})
            known[number] = (current[0], fields["digest"])
            report.updated += 1
        if len(batch) >= BATCH_SIZE:
            batch.flush()
    batch.flush()
    return report


def rebuild_search_index() -> int:
    """Index every opinion again (after a restore, whose rows say nothing true of the
    index): SQLite's FTS5 table is rebuilt from the opinions; on PostgreSQL every opinion
    waits for the index again, and is indexed now. Returns the number of opinions; commits."""
    if is_sqlite():
        db.session.execute(text("INSERT INTO cada_opinion_search(cada_opinion_search) VALUES ('rebuild')"))
        db.session.execute(update(CadaOpinion).values(awaiting_index=False).execution_options(**{UNSEEN: True}))
        db.session.commit()
    else:
        db.session.execute(update(CadaOpinion).values(awaiting_index=True).execution_options(**{UNSEEN: True}))
        db.session.commit()
        index_awaiting()
    return db.session.scalar(select(func.count()).select_from(CadaOpinion)) or 0
