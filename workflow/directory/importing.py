"""Importing official directories into the shared one.

- The "Annuaire de l'administration" (Service-Public.fr / DILA, Licence Ouverte): the JSON
  export of the dataset `api-lannuaire-administration`, which users download themselves.
  Read as a stream, one record at a time (a JSON array, or one record per line).
- The CADA's list of PRADAs (personnes responsables de l'accès aux documents
  administratifs): a spreadsheet, as published (.xlsx, read with openpyxl in its
  read-only, streaming mode) or saved as CSV. Both go through one column mapping,
  PRADA_COLUMNS; the whole file is read and checked before anything is written, so a
  damaged file changes nothing.

Safe to run again: an imported entry is keyed by the source's stable id (`source_id`);
a field changed in Lanterne by anyone but an import (page, API, accepted proposal, the
seed of reference bodies) is never overwritten; overrides are separate rows, untouched.
Every change is recorded in the history with the source "import".
"""
from __future__ import annotations

import csv
import io
import json
import os
import zipfile
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import IO, Any, Callable, Iterable, Iterator

from sqlalchemy import insert, select, update

from workflow.core.bulk import asynchronous_commit, gin_pending_list, refresh_after_import
from workflow.core.extensions import db
from workflow.core.text import fold
from workflow.models import Authority, AuthorityChange
from workflow.models.authorities import authority_search_text

BATCH_SIZE = 1000
SOURCE_PREFIX = "annuaire:"

# ------------------------------------------------------------ the mapping, in one place

# `pivot[].type_service_local` -> our kind; the rest is "autre". The codes as public clients
# of the DILA's data spell them (no real export could be read here): "sous_pref" in the
# older files, "sous-pref" in the API's, Paris's town halls and police prefecture apart.
ANNUAIRE_KINDS = {
    "mairie": "commune", "mairie_mairie_annexe": "commune", "mairie_com": "commune",
    "paris_mairie": "commune", "paris_mairie_arrondissement": "commune",
    "epci": "intercommunalite", "cg": "departement", "conseil_departemental": "departement",
    "cr": "region", "conseil_regional": "region",
    "prefecture": "prefecture", "sous_pref": "prefecture", "sous-pref": "prefecture", "prefecture_region": "prefecture",
    "gendarmerie": "police", "commissariat_police": "police", "police_municipale": "police", "paris_ppp": "police",
    "ta": "juridiction", "tribunal_administratif": "juridiction", "cour_appel": "juridiction",
    "tribunal_judiciaire": "juridiction", "ti": "juridiction", "tgi": "juridiction",
    "tribunal_commerce": "juridiction", "te": "juridiction",
}
# Preferred address, in order: where letters go first.
ANNUAIRE_ADDRESS_TYPES = ("Adresse postale", "Adresse")
# The CADA's PRADA list: our field -> the column headers it may come under (folded).
PRADA_COLUMNS = {
    "authority": ("administration", "collectivite", "organisme", "nom de l administration", "autorite",
                  "nom de la collectivite", "structure"),
    "prada_name": ("prada", "nom de la prada", "nom prada", "personne responsable", "nom et prenom", "nom"),
    "prada_email": ("courriel", "adresse electronique", "email", "e mail", "mail", "courriel de la prada"),
    "postal_code": ("code postal", "cp"),
    "city": ("commune", "ville"),
    "department_code": ("departement", "dept", "code departement", "n departement"),
}


def _nested(value: Any) -> list:
    """A nested list of the export, which may come as a JSON-encoded string."""
    if isinstance(value, str):
        value = value.strip()
        if not value:
            return []
        try:
            value = json.loads(value)
        except ValueError:
            return [value]
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def _first_value(value: Any) -> str:
    for item in _nested(value):
        text = item.get("valeur", "") if isinstance(item, dict) else item
        if isinstance(text, str) and text.strip():
            return text.strip()
    return ""


def _text(value: Any) -> str:
    return value.strip() if isinstance(value, str) else ""


def department_of(insee_code: str, postal_code: str = "") -> str:
    """"57463" -> "57", "97411" -> "974", "2A004" -> "2A"; else from the postcode."""
    code = insee_code.strip().upper()
    if len(code) == 5:
        return code[:3] if code.startswith("97") else code[:2]
    postal = postal_code.strip()
    if len(postal) == 5 and postal.isdigit():
        if postal.startswith("97"):
            return postal[:3]
        if postal.startswith("20"):
            return "2A" if postal[:3] in ("200", "201") else "2B"
        return postal[:2]
    return ""


def annuaire_entry(record: dict[str, Any]) -> tuple[str, dict[str, Any]] | None:
    """(source_id, fields) for one record of the annuaire, None for one we cannot use. The
    fields are those the annuaire knows: never the notes, the PRADA or the verified mark."""
    source = record.get("id")
    name = _text(record.get("nom"))
    if source in (None, "") or not name:
        return None
    addresses = [item for item in _nested(record.get("adresse")) if isinstance(item, dict)]
    address = next((item for wanted in ANNUAIRE_ADDRESS_TYPES for item in addresses
                    if _text(item.get("type_adresse")) == wanted), addresses[0] if addresses else {})
    lines = [_text(address.get(key)) for key in ("complement1", "complement2", "numero_voie", "service_distribution")]
    pivots = [item for item in _nested(record.get("pivot")) if isinstance(item, dict)]
    kind = next((ANNUAIRE_KINDS[_text(item.get("type_service_local"))] for item in pivots
                 if _text(item.get("type_service_local")) in ANNUAIRE_KINDS), "autre")
    insee = _text(record.get("code_insee_commune")) or next(
        (code for item in pivots for code in _nested(item.get("code_insee_commune")) if isinstance(code, str)), "")
    postal_code = _text(address.get("code_postal"))
    return f"{SOURCE_PREFIX}{source}", {
        "name": name[:200],
        "kind": kind,
        "address_lines": "\n".join(line for line in lines if line),
        "postal_code": postal_code[:10],
        "city": _text(address.get("nom_commune"))[:120],
        "email": _first_value(record.get("adresse_courriel"))[:254],
        "website": _first_value(record.get("site_internet"))[:500],
        "department_code": department_of(insee, postal_code),
    }


# ----------------------------------------------------------------- reading the files


class ImportFileError(ValueError):
    """A file we cannot read; the message (French) is shown as is."""


def iter_json_records(stream: IO[str], chunk_size: int = 1 << 16,
                      on_read: Callable[[int], None] | None = None) -> Iterator[dict[str, Any]]:
    """The records of a JSON array (or of JSON Lines), one at a time, without reading the
    whole file into memory. `on_read(n)` is told of every n characters read."""
    decoder = json.JSONDecoder()
    buffer, position, ended, started = "", 0, False, False

    def fill() -> bool:
        nonlocal buffer, position, ended
        chunk = stream.read(chunk_size)
        if on_read is not None and chunk:
            on_read(len(chunk))
        if not chunk:
            ended = True
            return False
        buffer, position = buffer[position:] + chunk, 0
        return True

    while True:
        while position < len(buffer) and buffer[position] in " \t\r\n,\ufeff":
            position += 1
        if position >= len(buffer):
            if not fill():
                return
            continue
        if not started:
            started = True
            if buffer[position] == "[":
                position += 1
                continue
        if buffer[position] == "]":
            return
        try:
            record, end = decoder.raw_decode(buffer, position)
        except json.JSONDecodeError as error:
            if ended or not fill():
                raise ImportFileError(f"Fichier JSON illisible près du caractère {error.pos} : {error.msg}.") from error
            continue
        position = end
        if isinstance(record, dict):
            yield record


def _header_map(headers: list[str]) -> dict[str, int]:
    folded = [fold(header) for header in headers]
    found: dict[str, int] = {}
    for name, candidates in PRADA_COLUMNS.items():
        for candidate in candidates:
            if candidate in folded and folded.index(candidate) not in found.values():
                found[name] = folded.index(candidate)
                break
    return found


# A spreadsheet may have a title, a date or a blank line above its header.
HEADER_SEARCH_ROWS = 10


def _find_header(rows: Iterator[list[str]]) -> dict[str, int]:
    """The column of each of our fields: from the first of the first non-empty rows that
    names the authority and the PRADA's name or e-mail."""
    first: list[str] = []
    for count, row in enumerate((row for row in rows if any(row)), start=1):
        first = first or row
        columns = _header_map(row)
        if "authority" in columns and {"prada_name", "prada_email"} & set(columns):
            return columns
        if count == HEADER_SEARCH_ROWS:
            break
    raise ImportFileError("Colonnes introuvables dans la liste des PRADA : il faut au moins l'administration et "
                          "le nom ou le courriel de la PRADA (en-têtes lus : "
                          + (", ".join(cell for cell in first if cell) or "aucun") + ").")


def prada_records(rows: Iterable[list[str]]) -> Iterator[dict[str, str]]:
    """The rows of the CADA's list, whatever the file (CSV or .xlsx), as our fields (the
    mapping, in one place): the header found and mapped through PRADA_COLUMNS, blank rows
    left out."""
    rows = iter(rows)
    columns = _find_header(rows)
    for row in rows:
        if not any(row):
            continue
        record = {name: row[index].strip() if index < len(row) else "" for name, index in columns.items()}
        postal_code = record.get("postal_code", "")
        if len(postal_code) == 4 and postal_code.isdigit():
            record["postal_code"] = "0" + postal_code  # a postcode the spreadsheet kept as a number: 1000 -> 01000
        yield record


def iter_prada_rows(stream: IO[str]) -> Iterator[dict[str, str]]:
    """The CADA's list saved as CSV (separator sniffed: ; , or tab)."""
    sample = stream.read(8192)
    stream.seek(0)
    try:
        dialect: Any = csv.Sniffer().sniff(sample, delimiters=";,\t")
    except csv.Error:
        dialect = "excel"
    reader = csv.reader(stream, dialect)
    try:
        yield from prada_records(reader)
    except csv.Error as error:
        raise ImportFileError(f"Fichier CSV illisible à la ligne {reader.line_num} : {error}.") from error
    except UnicodeDecodeError as error:
        raise ImportFileError(f"Fichier CSV illisible près de la ligne {reader.line_num} : ni UTF-8 ni Windows-1252 "
                              "d'un bout à l'autre ; enregistrez-le à nouveau en UTF-8.") from error


def _cell_text(value: Any) -> str:
    """A spreadsheet cell as text: 57 (or 57.0) -> "57", a date -> "2026-12-01", empty -> ""."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    return str(value).strip()


XLSX_SIGNATURE = b"PK\x03\x04"  # a ZIP archive, as every .xlsx file is


def iter_prada_xlsx(path: str) -> Iterator[dict[str, str]]:
    """The CADA's list as published, a .xlsx workbook: its first sheet with the header,
    streamed row by row (openpyxl's read-only mode)."""
    import openpyxl  # here, not at the top: only this command needs it, not every web process

    # Opened by us: openpyxl given a path refuses a name that does not end in .xlsx.
    with open(path, "rb") as raw:
        try:
            workbook = openpyxl.load_workbook(raw, read_only=True, data_only=True)
        except Exception as error:  # noqa: BLE001 - openpyxl raises whatever the ZIP and XML readers raise
            raise _unreadable_workbook(path, error) from error
        try:
            first_error: ImportFileError | None = None
            for sheet in workbook.worksheets:
                sheet.reset_dimensions()  # some writers store a wrong used range: read every row there is
                rows = ([_cell_text(value) for value in row] for row in sheet.iter_rows(values_only=True))
                try:
                    yield from prada_records(rows)
                    return
                except ImportFileError as error:  # no header on this sheet: the next one
                    first_error = first_error or error
            raise first_error or ImportFileError("Le classeur ne contient aucune feuille.")
        except ImportFileError:
            raise
        except Exception as error:  # noqa: BLE001 - a damaged sheet fails while it is read
            raise _unreadable_workbook(path, error) from error
        finally:
            workbook.close()


def _unreadable_workbook(path: str, error: Exception) -> ImportFileError:
    if isinstance(error, zipfile.BadZipFile):
        reason = "ce n'est pas un classeur .xlsx (le fichier n'est pas une archive ZIP, ou il est tronqué)"
    elif isinstance(error, KeyError):
        reason = "une partie du classeur manque"
    elif isinstance(error, SyntaxError):  # the XML parsers' errors (ElementTree's ParseError, lxml's)
        reason = "le contenu d'une feuille est endommagé"
    else:
        reason = "il ne peut pas être lu"
    detail = str(error) or type(error).__name__
    return ImportFileError(f"Classeur illisible ({os.path.basename(path)}) : {reason} (détail : {detail}). "
                           "Ouvrez-le dans un tableur et enregistrez-le à nouveau au format .xlsx, ou au format CSV.")


def read_prada_file(path: str) -> list[dict[str, str]]:
    """The whole of the CADA's list, read and checked before anything is written (a file
    unreadable halfway raises ImportFileError and changes nothing): a .xlsx workbook (known
    by its bytes), else CSV."""
    with open(path, "rb") as raw:
        signature = raw.read(len(XLSX_SIGNATURE))
    if signature == XLSX_SIGNATURE or path.lower().endswith((".xlsx", ".xlsm")):
        return list(iter_prada_xlsx(path))
    with open_text(path) as stream:
        return list(iter_prada_rows(stream))


# ----------------------------------------------------------------------- the import


@dataclass
class Report:
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    skipped: int = 0
    kept_fields: int = 0  # imported values not applied: the field was changed in Lanterne
    notes: list[str] = field(default_factory=list)


def _protected_fields() -> dict[int, set[str]]:
    """Fields of the shared entries changed by anything but an import: they stay."""
    protected: dict[int, set[str]] = defaultdict(set)
    rows = db.session.execute(select(AuthorityChange.authority_id, AuthorityChange.after).where(
        AuthorityChange.scope == "directory", AuthorityChange.source != "import"))
    for authority_id, after in rows:
        protected[authority_id].update(after or {})
    return protected


_STATE_COLUMNS = (Authority.id, Authority.source_id, Authority.slug, Authority.name, Authority.kind,
                  Authority.address_lines, Authority.postal_code, Authority.city, Authority.email, Authority.website,
                  Authority.department_code, Authority.prada_name, Authority.prada_email)


class _Directory:
    """What the import needs to know of the entries, read once."""

    def __init__(self) -> None:
        self.by_source: dict[str, dict[str, Any]] = {}
        self.unlinked: dict[tuple[str, str], list[dict[str, Any]]] = defaultdict(list)
        for row in db.session.execute(select(*_STATE_COLUMNS)):
            entry = dict(row._mapping)
            if entry["source_id"]:
                self.by_source[entry["source_id"]] = entry
            else:
                self.unlinked[(fold(entry["name"]), entry["department_code"])].append(entry)
        self.protected = _protected_fields()


def _changes(current: dict[str, Any], wanted: dict[str, Any], protected: set[str]) -> tuple[dict, dict, int]:
    before, after, kept = {}, {}, 0
    for name, value in wanted.items():
        if current[name] == value:
            continue
        if name in protected:
            kept += 1
            continue
        before[name], after[name] = current[name], value
    return before, after, kept


class _Batch:
    def __init__(self, reason: str) -> None:
        self.reason = reason
        self.inserts: list[dict[str, Any]] = []
        self.insert_changes: dict[str, dict[str, Any]] = {}
        self.updates: list[dict[str, Any]] = []
        self.changes: list[dict[str, Any]] = []

    def __len__(self) -> int:
        return len(self.inserts) + len(self.updates)

    def update(self, current: dict[str, Any], wanted: dict[str, Any], directory: _Directory, report: Report) -> None:
        """Bring an existing entry to the imported values, but for the fields changed in
        Lanterne; the change is recorded in the history and counted."""
        before, after, kept = _changes(current, wanted, directory.protected.get(current["id"], set()))
        report.kept_fields += kept
        if not after:
            report.unchanged += 1
            return
        current.update(after)
        self.updates.append({"id": current["id"], **after, "search_text": _search_text(current)})
        self.changes.append({"authority_id": current["id"], "source": "import", "before": before, "after": after,
                             "reason": self.reason})
        report.updated += 1

    def flush(self) -> None:
        asynchronous_commit()
        if self.inserts:
            # Without RETURNING: psycopg then runs one statement, parsed once, for every row (a
            # RETURNING batch is one long statement it parses at length); the ids are read after.
            db.session.execute(insert(Authority), self.inserts)
            created = db.session.execute(select(Authority.id, Authority.source_id).where(
                Authority.source_id.in_(list(self.insert_changes))))
            for authority_id, source_id in created:
                self.changes.append({"authority_id": authority_id, "source": "import", "before": {},
                                     "after": self.insert_changes[source_id], "reason": self.reason})
        if self.updates:
            db.session.execute(update(Authority), self.updates)
        if self.changes:
            db.session.execute(insert(AuthorityChange), self.changes)
        db.session.commit()
        self.inserts, self.insert_changes, self.updates, self.changes = [], {}, [], []


def _search_text(values: dict[str, Any]) -> str:
    return authority_search_text(values["name"], values["city"], values["postal_code"], values["department_code"])


TRIGRAM_INDEX = "authority_search_trgm"  # PostgreSQL only: migration d7e2a9c4b8f1


def import_annuaire(stream: IO[str], on_read: Callable[[int], None] | None = None) -> Report:
    """Add or update the entries of the Annuaire de l'administration (see the module's doc)."""
    with gin_pending_list(TRIGRAM_INDEX):
        report = _import_annuaire(stream, on_read)
    if report.added or report.updated:
        refresh_after_import(Authority.__tablename__)
    return report


def _import_annuaire(stream: IO[str], on_read: Callable[[int], None] | None) -> Report:
    report = Report()
    directory = _Directory()
    seen: set[str] = set()
    batch = _Batch("Annuaire de l'administration (Service-Public.fr, DILA)")
    for record in iter_json_records(stream, on_read=on_read):
        entry = annuaire_entry(record)
        if entry is None or entry[0] in seen or len(entry[0]) > 120:
            report.skipped += 1
            continue
        source_id, wanted = entry
        seen.add(source_id)
        current = directory.by_source.get(source_id)
        if current is None:
            # A body already in the directory by hand or by the seed (same name, same department):
            # link it rather than add a duplicate.
            candidates = directory.unlinked and directory.unlinked.get((fold(wanted["name"]), wanted["department_code"]))
            if candidates:
                current = candidates.pop(0)
                batch.updates.append({"id": current["id"], "source_id": source_id})
                current["source_id"] = source_id
                directory.by_source[source_id] = current
        if current is None:
            batch.inserts.append({**wanted, "source_id": source_id, "search_text": _search_text(wanted)})
            batch.insert_changes[source_id] = wanted
            report.added += 1
        else:
            batch.update(current, wanted, directory, report)
        if len(batch) >= BATCH_SIZE:
            batch.flush()
    batch.flush()
    return report


def import_pradas(rows: Iterable[dict[str, str]]) -> Report:
    """Set the PRADA of the entries the CADA's list names, found by name and department (or
    postcode, or town); a row matching no entry, or several, is skipped."""
    report = Report()
    directory = _Directory()
    by_name: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for entry in [*directory.by_source.values(), *(e for entries in directory.unlinked.values() for e in entries)]:
        by_name[fold(entry["name"])].append(entry)
    batch = _Batch("Liste des PRADA (CADA)")
    for row in rows:
        candidates = by_name.get(fold(row.get("authority", "")), [])
        department = row.get("department_code", "").strip().upper()
        if department.isdigit() and len(department) == 1:
            department = "0" + department
        for key, value in (("department_code", department), ("postal_code", row.get("postal_code", "")),
                           ("city", row.get("city", ""))):
            if len(candidates) > 1 and value:
                candidates = [entry for entry in candidates if fold(entry[key]) == fold(value)]
        if len(candidates) != 1:
            report.skipped += 1
            continue
        current = candidates[0]
        wanted = {name: row[name][:254] for name in ("prada_name", "prada_email") if row.get(name)}
        batch.update(current, wanted, directory, report)
        if len(batch) >= BATCH_SIZE:
            batch.flush()
    batch.flush()
    return report


def open_text(path: str) -> IO[str]:
    """A file in UTF-8 (with or without BOM), else Windows-1252 (spreadsheets saved on Windows)."""
    with open(path, "rb") as raw:
        head = raw.read(1 << 16)
    try:
        head.decode("utf-8-sig")
        encoding = "utf-8-sig"
    except UnicodeDecodeError as error:
        encoding = "utf-8-sig" if error.start > len(head) - 4 else "cp1252"
    return io.open(path, encoding=encoding, newline="")
