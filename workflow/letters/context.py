"""What a letter is written from: the parties, the context of one letter, a series entry,
and the error raised when a fact the letter needs is missing.

Pure data: no Flask, no database, no wording of the letters (that lives in `letters/`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Mapping

from workflow.law.deadlines import Deadline

LETTERS_DIR: Path = Path(__file__).resolve().parents[2] / "letters"
STYLESHEET: Path = LETTERS_DIR / "letter.css"

# The letters of the chain, with their titles (UI labels, and the <title> of a letter);
# "cada_series_notice" tells each other administration of a series (L342-1) that the CADA
# was referred.
LETTER_KINDS: dict[str, str] = {
    "request": "Demande de communication",
    "reminder": "Relance",
    "cada_referral": "Saisine de la CADA",
    "cada_series_notice": "Information de la saisine de la CADA",
    "after_opinion": "Courrier après avis favorable de la CADA",
    "recours_gracieux": "Recours gracieux",
    "court_application": "Requête au tribunal administratif",
    "court_withdrawal": "Désistement devant le tribunal administratif",
}


class LetterNotReady(ValueError):
    """A fact the letter needs is missing (the API answers 409 with the message)."""

    def __init__(self, kind: str, missing: tuple[str, ...] | list[str] = (), message: str | None = None):
        self.kind = kind
        self.missing = tuple(missing)
        title = LETTER_KINDS.get(kind, kind)
        if message is None:
            message = (
                f"Le courrier « {title} » ne peut pas encore être préparé. Il manque : "
                + " ; ".join(self.missing)
                + "."
            )
        super().__init__(message)


@dataclass(frozen=True)
class Party:
    """The requester (sender) or an authority (recipient)."""

    name: str
    address_lines: tuple[str, ...] = ()  # full postal address, last line "57000 Metz"
    email: str = ""
    kind: str = "person"  # sender: "person" | "association" | "group"; recipient: the directory's kind
    rna_number: str = ""  # association déclarée: W + 9 digits
    local_register: str = ""  # association inscrite (local law): "Tribunal judiciaire de Metz, volume 148, folio 12"
    representative: str = ""  # who signs for the association or group, e.g. "Jeanne Martin"
    representative_role: str = ""  # association: e.g. "présidente"
    prada_name: str = ""  # recipient only: the person responsible for access (PRADA)


@dataclass(frozen=True)
class SeriesEntry:
    """One more administration asked the same thing (L342-1 §2), for the CADA referral."""

    authority: str
    reference: str
    sent_on: date | None
    refusal_kind: str = ""  # "explicit" | "implicit" | "" (not refused yet)
    refused_on: date | None = None  # the explicit refusal, or the birth of the implicit one


@dataclass(frozen=True)
class SeriesReferral:
    """The one referral of a series (L342-1), as recorded on the request that carries it:
    what the notice to each other administration of the series states."""

    authority: str
    reference: str
    referred_on: date
    registered_on: date | None = None  # the CADA's registration, once recorded
    case_number: str = ""


@dataclass(frozen=True)
class Precedent:
    """An opinion of the CADA the request cites: the letters quote its number, its date
    and the one sentence of its holding the user chose."""

    number: str
    decided_on: date | None  # the session ("séance")
    holding: str
    year: int | None = None  # when the session's date is unknown


@dataclass(frozen=True)
class LetterContext:
    kind: str  # one of LETTER_KINDS
    reference: str  # "LNT-2026-0001"
    sender: Party
    recipient: Party  # the authority; the CADA; or the tribunal administratif
    authority: Party  # the administration the request was sent to
    place: str  # "Metz"
    letter_date: date
    subject: str
    items: tuple[str, ...]
    legal_grounds: tuple[str, ...] = ()  # extra grounds, e.g. "CGCT, art. L2121-26"
    access_format: str = "email"  # "email" | "paper" | "consultation"
    channel: str = "email"  # how this letter is sent: "email" | "postal" | "online_form" | "hand"
    request_sent_on: date | None = None
    request_received_on: date | None = None
    received_is_estimate: bool = False
    refusal_on: date | None = None  # notification of an explicit refusal
    refusal_is_implicit: bool = False
    deadlines: Mapping[str, Deadline] = field(default_factory=dict)
    cada_registered_on: date | None = None
    cada_case_number: str = ""
    opinion_on: date | None = None
    opinion_outcome: str = ""  # workflow.law.events.OPINION_LABELS' keys
    # Where the opinion gives one: its outcome per requested document, by its number in the list.
    opinion_item_outcomes: Mapping[str, str] = field(default_factory=dict)
    series: tuple[SeriesEntry, ...] = ()  # the other requests of the campaign that were sent
    is_series: bool = False  # the campaign is a series in the sense of L342-1 (law/series.py)
    series_referral: SeriesReferral | None = None  # for the notice: the series' one referral
    court_filed_on: date | None = None  # the application's registration at the court
    court_case_number: str = ""
    documents_during_proceedings_on: date | None = None  # documents communicated since the application
    annexes: tuple[str, ...] = ()  # extra annexes, after each letter's standard ones
    precedents: tuple[Precedent, ...] = ()  # opinions of the CADA cited (quoted where PRECEDENT_LETTERS say)


# The CADA's postal address (crpa.md §6, verified); used when the recipient has none.
CADA_PARTY = Party(
    name="Commission d'accès aux documents administratifs (CADA)",
    address_lines=("TSA 50730", "75334 Paris Cedex 07"),
    kind="autorite_independante",
)
