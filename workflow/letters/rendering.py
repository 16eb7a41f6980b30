"""Letters of the CRPA chain: request, reminder, CADA referral, letter after the CADA's
opinion, recours gracieux and application to the tribunal administratif.

Pure rendering module: no Flask, no database, no network. A `LetterContext` goes in;
HTML, PDF, DOCX or plain text comes out.

Every letter is built once, in Python, as a `LetterDocument`: header blocks (sender,
recipient, place and date, subject) and a list of body `Block`s (headings, paragraphs,
lists). The three renderers only lay that structure out:

- HTML (the preview and the PDF source): Jinja templates in `letters/`, autoescaped;
- PDF: WeasyPrint on that HTML, with `letters/letter.css` parsed once per thread and a
  URL fetcher that serves files inside `letters/` only and refuses everything else;
- DOCX: python-docx, A4, 2 cm margins, page numbers as Word fields;
- text: the e-mail subject line and a plain-text body.

So the wording, the items and the dates are always the same in every format. Every date
comes from the context: events from its fields, deadlines from `context.deadlines`
(computed by `workflow.law.deadlines.compute_deadlines`). When a fact the letter needs is
missing, `LetterNotReady` says, in French, which one.

Code and comments are in English; the letters are in French.
"""

from __future__ import annotations

import functools
import io
import mimetypes
import re
import threading
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Callable, Mapping
from urllib.parse import unquote, urlsplit
from urllib.request import url2pathname

import jinja2

from workflow.law.deadlines import Deadline, format_date_fr
from workflow.law.states import ACCESS_FORMATS, CHANNELS

__all__ = [
    "CADA_PARTY",
    "LETTERS_DIR",
    "LETTER_KINDS",
    "letter_for_action",
    "AssetRefused",
    "Block",
    "LetterContext",
    "LetterDocument",
    "LetterNotReady",
    "Party",
    "SeriesEntry",
    "build_letter",
    "letter_asset_path",
    "letter_filename",
    "render_docx",
    "render_html",
    "render_pdf",
    "render_text",
]

LETTERS_DIR: Path = Path(__file__).resolve().parents[2] / "letters"
STYLESHEET: Path = LETTERS_DIR / "letter.css"

# Same titles as workflow.models.letters.LETTER_KINDS.
LETTER_KINDS: dict[str, str] = {
    "request": "Demande de communication",
    "reminder": "Relance",
    "cada_referral": "Saisine de la CADA",
    "after_opinion": "Courrier après avis favorable de la CADA",
    "recours_gracieux": "Recours gracieux",
    "court_application": "Requête au tribunal administratif",
}


def letter_for_action(action: str) -> str | None:
    """The letter that carries out a next action (workflow.law.states.next_action's key),
    if one does: the pages offer it as a button."""
    kind = "request" if action == "send" else action
    return kind if kind in LETTER_KINDS else None

_FILENAME_SLUGS: dict[str, str] = {
    "request": "demande",
    "reminder": "relance",
    "cada_referral": "saisine-cada",
    "after_opinion": "apres-avis-cada",
    "recours_gracieux": "recours-gracieux",
    "court_application": "requete-tribunal",
}


# Files the PDF renderer may read, all inside letters/.
_ASSET_SUFFIXES = frozenset({".css", ".ttf", ".otf", ".woff", ".woff2", ".png", ".jpg", ".jpeg", ".svg"})


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


class AssetRefused(ValueError):
    """The PDF renderer asked for a resource outside letters/ (or not a file URL)."""


# ------------------------------------------------------------------------ context


@dataclass(frozen=True)
class Party:
    """The requester (sender) or an authority (recipient)."""

    name: str
    address_lines: tuple[str, ...] = ()  # full postal address, last line "57000 Metz"
    email: str = ""
    kind: str = "person"  # sender: "person" | "association"; recipient: free text
    rna_number: str = ""  # association: W + 9 digits
    representative: str = ""  # association's representative, e.g. "Jeanne Martin"
    representative_role: str = ""  # e.g. "présidente"
    prada_name: str = ""  # recipient only: the person responsible for access (PRADA)


@dataclass(frozen=True)
class SeriesEntry:
    """One more administration asked the same thing (L342-1 §2), for the CADA referral."""

    authority: str
    reference: str
    sent_on: date | None
    refusal: str  # French phrase: "refus implicite né le 11 février 2026"


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
    opinion_outcome: str = ""  # "favourable" | "unfavourable" | "moot" | "inadmissible"
    series: tuple[SeriesEntry, ...] = ()
    annexes: tuple[str, ...] = ()  # extra annexes, after each letter's standard ones


# The CADA's postal address (crpa.md §6, verified); used when the recipient has none.
CADA_PARTY = Party(
    name="Commission d'accès aux documents administratifs (CADA)",
    address_lines=("TSA 50730", "75334 Paris Cedex 07"),
    kind="autorite_independante",
)


# ---------------------------------------------------------------- the structure


@dataclass(frozen=True)
class Block:
    """One piece of a letter's body."""

    kind: str  # "heading" | "subheading" | "paragraph" | "list"
    text: str = ""
    label: str = ""  # paragraph only: bold lead-in, e.g. "Demandeur :"
    items: tuple[str, ...] = ()  # list only
    ordered: bool = True  # list only

    @property
    def line(self) -> str:
        """The paragraph as one line of text (label and text)."""
        return f"{self.label} {self.text}" if self.label else self.text


@dataclass(frozen=True)
class LetterDocument:
    """A letter laid out once; HTML, PDF, DOCX and text render this."""

    kind: str
    reference: str
    document_title: str  # <title> of the HTML / PDF metadata
    sender_lines: tuple[str, ...]
    recipient_lines: tuple[str, ...]
    place_date: str
    mentions: tuple[str, ...]  # e.g. "Lettre recommandée avec demande d'avis de réception"
    subject_line: str  # shown after "Objet :"
    reference_line: str  # "Réf. : LNT-2026-0001"
    title: str  # a heading above the body (court application only)
    salutation: str
    blocks: tuple[Block, ...]
    closing: str
    signature_lines: tuple[str, ...]
    annexes_title: str  # "Pièces jointes" / "Productions"
    annexes: tuple[str, ...]
    email_subject: str

    @property
    def subject_label(self) -> str:
        return "Objet\u00a0:"


# --------------------------------------------------------------- French helpers

_NBSP = "\u00a0"
_TYPO_RULES = (
    (re.compile(r" +([:;?!»])"), _NBSP + r"\1"),
    (re.compile(r"« +"), "«" + _NBSP),
    (re.compile(r"\bn° +"), "n°" + _NBSP),
)


_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def _typo(text: str) -> str:
    """One clean line with French typography.

    Control characters (which a DOCX cannot hold) and line breaks become spaces, runs of
    spaces collapse; then a non-breaking space goes before : ; ? ! » and after « and n°.
    Only spaces already there are replaced, so user text is never rewritten otherwise.
    """
    text = " ".join(_CONTROL.sub(" ", text).split())
    for pattern, replacement in _TYPO_RULES:
        text = pattern.sub(replacement, text)
    return text


def _d(day: date) -> str:
    return format_date_fr(day)


def _cap(text: str) -> str:
    return text[:1].upper() + text[1:]


def _joined_address(party: Party) -> str:
    return ", ".join(line.strip() for line in party.address_lines if line.strip())


def _clean(values) -> tuple[str, ...]:
    return tuple(str(v).strip() for v in (values or ()) if str(v).strip())


def _is_association(party: Party) -> bool:
    return party.kind == "association"


def _sender_identity(sender: Party, with_email: bool = True) -> str:
    """One sentence naming the requester, for the CADA and the court."""
    address = _joined_address(sender)
    if _is_association(sender):
        text = sender.name
        text += f", association déclarée (RNA n° {sender.rna_number})" if sender.rna_number else ", association"
        if address:
            text += f", dont le siège est situé {address}"
        if sender.representative:
            text += f", représentée par {sender.representative}"
            if sender.representative_role:
                text += f", {sender.representative_role}"
    else:
        text = sender.name
        if address:
            text += f", demeurant {address}"
    if with_email and sender.email:
        text += f" (courriel : {sender.email})"
    return text


def _authority_identity(authority: Party) -> str:
    address = _joined_address(authority)
    return f"{authority.name}, {address}" if address else authority.name


def _on_behalf(sender: Party) -> str:
    """Lead-in for the opening sentence when an association writes."""
    if _is_association(sender):
        return f"Au nom de l'association « {sender.name} », que je représente, "
    return ""


def _court_name(name: str) -> str:
    """'Tribunal administratif de Strasbourg' -> 'le tribunal administratif de Strasbourg'."""
    if name.lower().startswith("tribunal"):
        return "le " + name[:1].lower() + name[1:]
    return name


# ------------------------------------------------------------ fact extraction


class _Facts:
    """Reads the context; collects what is missing instead of failing on the first gap."""

    def __init__(self, context: LetterContext):
        self.ctx = context
        self.missing: list[str] = []

    def need(self, value, label: str):
        if value is None or value == "" or value == ():
            self.missing.append(label)
        return value

    def deadline(self, kind: str, label: str) -> Deadline | None:
        deadline = self.ctx.deadlines.get(kind) if self.ctx.deadlines else None
        if deadline is None:
            self.missing.append(label)
        return deadline

    def check(self) -> None:
        if self.missing:
            # Keep the order, drop duplicates.
            raise LetterNotReady(self.ctx.kind, tuple(dict.fromkeys(self.missing)))

    # Derived facts ------------------------------------------------------------

    def received(self) -> date | None:
        """Receipt of the request: the context's date, else the implicit-refusal deadline's start."""
        if self.ctx.request_received_on is not None:
            return self.ctx.request_received_on
        implicit = self.ctx.deadlines.get("implicit_refusal") if self.ctx.deadlines else None
        return implicit.starts_from if implicit is not None else None

    def received_phrase(self, by: str) -> str:
        """', reçue par vos services le 11 janvier 2026' (empty when unknown)."""
        received = self.received()
        if received is None:
            return ""
        estimate = " (date estimée)" if self.ctx.received_is_estimate else ""
        return f", reçue {by} le {_d(received)}{estimate}"

    def request_phrase(self, by: str) -> str:
        """'une demande du 10 janvier 2026 (réf. LNT-2026-0001), reçue … le …'."""
        sent = self.ctx.request_sent_on
        text = f"une demande du {_d(sent)}" if sent else "une demande"
        if self.ctx.reference:
            text += f" (réf. {self.ctx.reference})"
        return text + self.received_phrase(by)


def _first_refusal(facts: _Facts, *, require: bool, letter_date: date) -> tuple[str, date, bool] | None:
    """The administration's first answer: ('explicit'|'implicit' wording, date, implicit?).

    An explicit refusal (refusal_on, unless refusal_is_implicit) wins; otherwise the
    implicit refusal born from silence (deadlines["implicit_refusal"]), which must be
    born (at the end of its day) before the letter's date.
    """
    ctx = facts.ctx
    if ctx.refusal_on is not None and not ctx.refusal_is_implicit:
        return ("explicit", ctx.refusal_on, False)
    implicit = ctx.deadlines.get("implicit_refusal") if ctx.deadlines else None
    if implicit is None:
        if require:
            facts.missing.append(
                "la date du refus explicite, ou la date de réception de la demande "
                "(d'où découle la naissance du refus implicite)"
            )
        return None
    if require and letter_date <= implicit.date:
        raise LetterNotReady(
            ctx.kind,
            message=(
                f"Le courrier « {LETTER_KINDS[ctx.kind]} » ne peut pas encore être préparé : "
                f"le refus implicite ne naît qu'à la fin de la journée du {_d(implicit.date)} "
                "(CRPA, art. R311-12 et R311-13). Datez le courrier d'un jour postérieur."
            ),
        )
    return ("implicit", implicit.date, True)


def _refusal_sentence(kind: str, day: date, estimated: bool, subject: str) -> str:
    """What the administration did, with 'subject' naming it ('vous' or 'l'administration')."""
    if kind == "explicit":
        if subject == "vous":
            return f"Par une décision du {_d(day)}, vous avez refusé de me communiquer ces documents."
        return f"Par une décision du {_d(day)}, {subject} a refusé de communiquer ces documents."
    estimate = " (date calculée à partir d'une date de réception estimée)" if estimated else ""
    if subject == "vous":
        lead = "Vous n'avez pas répondu à cette demande dans le délai d'un mois"
    else:
        lead = f"{_cap(subject)} n'a pas répondu à cette demande dans le délai d'un mois"
    return (
        f"{lead} : une décision implicite de refus est née le {_d(day)}{estimate} "
        "(CRPA, art. R311-12 et R311-13)."
    )


# -------------------------------------------------------------- shared sentences


def _access_sentence(ctx: LetterContext) -> str:
    if ctx.access_format == "email":
        return (
            "Conformément à l'article L311-9 du CRPA, je souhaite recevoir ces documents par "
            f"courrier électronique, sans frais, à l'adresse {ctx.sender.email}, dans un standard "
            "ouvert, aisément réutilisable et exploitable par un système de traitement "
            "automatisé (CRPA, art. L300-4). Pour les documents qui n'existeraient que sur "
            "papier, je vous remercie de m'en adresser une copie numérisée ou, à défaut, une "
            "copie papier, dont les frais ne peuvent excéder le coût de la reproduction et de "
            "l'envoi (CRPA, art. R311-11)."
        )
    if ctx.access_format == "paper":
        return (
            "Conformément à l'article L311-9 du CRPA, je souhaite recevoir une copie papier de "
            "ces documents à l'adresse postale indiquée ci-dessus. Les frais éventuels ne "
            "peuvent excéder le coût de la reproduction et de l'envoi (CRPA, art. R311-11) ; "
            "je vous remercie de m'en indiquer le montant au préalable."
        )
    return (
        "Conformément à l'article L311-9 du CRPA, je souhaite consulter ces documents sur "
        "place ; je vous remercie de m'indiquer le lieu, les jours et les heures où cette "
        "consultation sera possible."
    )


_REDACTION = (
    "Si certains de ces documents comportent des mentions qui ne sont pas communicables, je "
    "vous remercie de me les communiquer après occultation de ces seules mentions, "
    "conformément à l'article L311-7 du CRPA, en précisant le fondement de chaque occultation."
)


_CRPA_GROUND = re.compile(r"CRPA,\s*art\.\s*([LR]\d+-\d+)(\s+et\s+suivants)?\.?", re.I)

# CRPA articles each letter cites in its own wording (extra grounds repeating them are dropped).
_CITED: dict[str, frozenset[str]] = {
    "request": frozenset({"L300-1", "L311-1", "L311-7", "L311-9"}),
    "reminder": frozenset({"L300-1", "L311-1", "L311-7", "L311-9"}),
    "cada_referral": frozenset({"L300-2", "L311-1", "L311-7"}),
    "after_opinion": frozenset({"L300-1", "L311-1", "L311-7", "L311-9"}),
    "recours_gracieux": frozenset({"L300-1", "L300-2", "L311-1", "L311-7", "L311-9"}),
    "court_application": frozenset({"L300-1", "L300-2", "L311-1", "L311-7"}),
}

_GROUNDS_LEAD = "Cette demande se fonde également sur les dispositions suivantes"


def _grounds_sentence(ctx: LetterContext, lead: str = _GROUNDS_LEAD) -> str:
    """The context's extra grounds, minus the CRPA articles the letter cites anyway."""
    cited = _CITED[ctx.kind]
    extra = []
    for ground in _clean(ctx.legal_grounds):
        match = _CRPA_GROUND.fullmatch(ground)
        if match and match.group(1).upper() in cited:
            continue
        extra.append(ground)
    return f"{lead} : {' ; '.join(extra)}." if extra else ""


def _series_line(entry: SeriesEntry) -> str:
    parts = [entry.authority.strip()]
    request = f"demande du {_d(entry.sent_on)}" if entry.sent_on else "demande"
    if entry.reference.strip():
        request += f" (réf. {entry.reference.strip()})"
    parts.append(request)
    if entry.refusal.strip():
        parts.append(entry.refusal.strip())
    return parts[0] + " : " + ", ".join(parts[1:])


# -------------------------------------------------------------------- builders


@dataclass
class _Draft:
    """What a kind-specific builder fills in; the common parts are added around it."""

    subject_line: str
    email_subject: str
    blocks: list[Block]
    annexes: list[str]
    salutation: str = "Madame, Monsieur,"
    closing: str = "Je vous prie d'agréer, Madame, Monsieur, l'expression de mes salutations distinguées."
    title: str = ""
    annexes_title: str = "Pièces jointes"
    reference_extra: str = ""


_BY_AUTHORITY = "par l'administration"


def _p(text: str, label: str = "") -> Block:
    return Block("paragraph", text=text, label=label)


def _optional(text: str) -> tuple[Block, ...]:
    return (_p(text),) if text else ()


def _ol(items) -> Block:
    return Block("list", items=tuple(items), ordered=True)


def _ul(items) -> Block:
    return Block("list", items=tuple(items), ordered=False)


def _h(text: str) -> Block:
    return Block("heading", text=text)


def _h2(text: str) -> Block:
    return Block("subheading", text=text)


def _build_request(facts: _Facts) -> _Draft:
    ctx = facts.ctx
    items = _clean(ctx.items)
    blocks = [
        _p(_cap(
            _on_behalf(ctx.sender)
            + "j'ai l'honneur de vous demander, en application des articles L300-1 et suivants du "
            "code des relations entre le public et l'administration (CRPA), et notamment de son "
            "article L311-1, la communication des documents administratifs suivants, avec leurs "
            "annexes :"
        )),
        _ol(items),
    ]
    grounds = _grounds_sentence(ctx)
    if grounds:
        blocks.append(_p(grounds))
    blocks += [
        _p(
            "Le droit d'accès aux documents administratifs est ouvert à toute personne, sans "
            "qu'elle ait à justifier d'un intérêt ni à indiquer les motifs de sa demande."
        ),
        _p(_access_sentence(ctx)),
        _p(_REDACTION),
        _p(
            "Si certains de ces documents ne sont pas détenus par vos services, je vous "
            "remercie de transmettre ma demande à l'administration qui les détient et de m'en "
            "aviser (CRPA, art. L114-2)."
        ),
        _p(
            "Je vous remercie de m'adresser un accusé de réception de la présente demande "
            "comportant les mentions prévues par les articles L112-3 et R112-5 du CRPA : la date "
            "de réception de la demande, la date à laquelle, à défaut de réponse, elle sera "
            "réputée rejetée, la désignation du service chargé du dossier, ainsi que les voies "
            "et délais de recours."
        ),
        _p(
            "À défaut de réponse dans le délai d'un mois à compter de sa réception, le silence "
            "gardé sur cette demande vaudra décision implicite de refus (CRPA, art. R311-12 et "
            "R311-13), que je pourrai contester devant la Commission d'accès aux documents "
            "administratifs (CADA)."
        ),
    ]
    return _Draft(
        subject_line=f"Demande de communication de documents administratifs – {ctx.subject}",
        email_subject="Demande de communication de documents administratifs",
        blocks=blocks,
        annexes=[],
    )


def _recall_request(ctx: LetterContext, facts: _Facts) -> Block:
    """The opening of a letter written back to the administration about the request."""
    return _p(_cap(
        _on_behalf(ctx.sender)
        + f"par {facts.request_phrase('par vos services')}, je vous ai demandé, sur le "
        "fondement des articles L300-1 et suivants et L311-1 du code des relations entre le "
        "public et l'administration (CRPA), la communication des documents administratifs "
        "suivants :"
    ))


def _build_reminder(facts: _Facts) -> _Draft:
    ctx = facts.ctx
    sent = facts.need(ctx.request_sent_on, "la date d'envoi de la demande initiale")
    implicit = facts.deadline(
        "implicit_refusal",
        "la date de réception de la demande initiale (d'où découle la date du refus implicite)",
    )
    if ctx.refusal_on is not None and not ctx.refusal_is_implicit:
        raise LetterNotReady(
            ctx.kind,
            message=(
                f"Une relance n'a plus d'objet : l'administration a refusé explicitement la "
                f"demande le {_d(ctx.refusal_on)}. Préparez plutôt la saisine de la CADA."
            ),
        )
    facts.check()
    assert sent is not None and implicit is not None
    items = _clean(ctx.items)
    estimate = " (date calculée à partir d'une date de réception estimée)" if implicit.estimated else ""
    if ctx.letter_date > implicit.date:
        silence = (
            "En application des articles R311-12 et R311-13 du CRPA, le silence gardé pendant "
            "un mois sur ma demande a fait naître, le "
            f"{_d(implicit.date)}{estimate}, une décision implicite de refus."
        )
    else:
        silence = (
            "En application des articles R311-12 et R311-13 du CRPA, à défaut de réponse, le "
            "silence gardé pendant un mois sur ma demande fera naître, le "
            f"{_d(implicit.date)}{estimate}, une décision implicite de refus."
        )
    blocks = [
        _recall_request(ctx, facts),
        _ol(items),
        *_optional(_grounds_sentence(ctx)),
        _p("À ce jour, je n'ai reçu ni ces documents ni aucune réponse de votre part."),
        _p(silence),
        _p(
            "Je vous remercie de bien vouloir me communiquer ces documents dans les meilleurs "
            "délais. " + _access_sentence(ctx)
        ),
        _p(_REDACTION),
        _p(
            "À défaut de communication, je saisirai la Commission d'accès aux documents "
            "administratifs (CADA), conformément à l'article L342-1 du CRPA."
        ),
    ]
    return _Draft(
        subject_line=f"Relance de ma demande du {_d(sent)} – {ctx.subject}",
        email_subject=f"Relance – demande de communication de documents administratifs du {_d(sent)}",
        blocks=blocks,
        annexes=[f"Copie de ma demande du {_d(sent)}"],
    )


def _build_cada_referral(facts: _Facts) -> _Draft:
    ctx = facts.ctx
    sent = facts.need(ctx.request_sent_on, "la date d'envoi de la demande")
    refusal = _first_refusal(facts, require=True, letter_date=ctx.letter_date)
    facts.check()
    assert sent is not None and refusal is not None
    refusal_kind, refusal_day, implicit = refusal
    items = _clean(ctx.items)
    series = tuple(ctx.series)
    estimated = implicit and ctx.received_is_estimate

    blocks = [
        _p(_cap(
            _on_behalf(ctx.sender)
            + "j'ai l'honneur, en application des articles L342-1 et R343-1 du code des relations "
            "entre le public et l'administration (CRPA), de saisir la Commission d'accès aux "
            "documents administratifs du refus opposé à ma demande de communication de "
            "documents administratifs."
            + (" La même demande ayant été adressée à plusieurs administrations, la présente "
               "saisine porte sur l'ensemble de leurs refus." if series else "")
        )),
        _p(_sender_identity(ctx.sender), label="Demandeur :"),
        _p(
            _authority_identity(ctx.authority)
            + ("" if not series else " ; ainsi que : " + ", ".join(e.authority.strip() for e in series)
               + " (voir la liste ci-dessous)"),
            label="Administrations concernées :" if series else "Administration concernée :",
        ),
        _p(
            f"Par {facts.request_phrase(_BY_AUTHORITY)}, j'ai demandé à "
            f"l'administration ({ctx.authority.name}) la communication des documents "
            "administratifs suivants :"
        ),
        _ol(items),
        _p(_refusal_sentence(refusal_kind, refusal_day, estimated, "l'administration")),
    ]
    if series:
        main = SeriesEntry(
            authority=ctx.authority.name,
            reference=ctx.reference,
            sent_on=sent,
            refusal=(
                f"refus explicite du {_d(refusal_day)}"
                if not implicit
                else f"refus implicite né le {_d(refusal_day)}"
            ),
        )
        blocks += [
            _p(
                "Conformément au deuxième alinéa de l'article L342-1 du CRPA, la même demande a "
                "été adressée aux administrations suivantes, qui l'ont toutes refusée ; je vous "
                "saisis de l'ensemble de ces refus :"
            ),
            _ol(_series_line(entry) for entry in (main, *series)),
            _p("Chacune de ces administrations est informée de la présente saisine."),
        ]
    grounds = _grounds_sentence(ctx, "La communication de ces documents est en outre prévue par")
    blocks += [
        _p(
            "Ces documents sont des documents administratifs au sens de l'article L300-2 du "
            "CRPA, communicables à toute personne qui en fait la demande en application de "
            "l'article L311-1 du même code." + (" " + grounds if grounds else "")
        ),
        _p(
            "Je vous prie de bien vouloir émettre un avis favorable à leur communication, le cas "
            "échéant après occultation des seules mentions protégées par la loi (CRPA, "
            "art. L311-7)."
        ),
    ]
    if ctx.sender.email:
        blocks.append(_p(
            f"Vous pouvez me joindre à l'adresse électronique {ctx.sender.email}, à laquelle je "
            "vous remercie de m'adresser l'accusé d'enregistrement de cette saisine et votre avis."
        ))
    annexes = [f"Copie de ma demande du {_d(sent)} adressée à l'administration ({ctx.authority.name})"]
    received = facts.received()
    if implicit:
        proof = "Preuve de l'envoi de la demande et de sa réception par l'administration"
        if received is not None:
            proof += f" le {_d(received)}"
        proof += (
            f", d'où découle la naissance du refus implicite le {_d(refusal_day)} (avis de "
            "réception, accusé de réception ou courriel d'envoi)"
        )
        annexes.append(proof)
    else:
        annexes += [
            f"Copie de la décision de refus du {_d(refusal_day)}",
            "Preuve de l'envoi de la demande et de sa réception par l'administration (avis de "
            "réception, accusé de réception ou courriel d'envoi)",
        ]
    if series:
        names = ", ".join(entry.authority.strip() for entry in series)
        annexes.append(
            f"Pour chacune des autres administrations ({names}) : copie de la demande, de la "
            "décision de refus ou de la preuve de la naissance du refus implicite, et preuve de "
            "l'envoi et de la réception de la demande"
        )
    return _Draft(
        subject_line=f"Saisine de la CADA – refus de communication ({ctx.authority.name})"
        + (" et d'autres administrations" if series else "")
        + f" – {ctx.subject}",
        email_subject="Saisine de la CADA – refus de communication de documents administratifs",
        blocks=blocks,
        annexes=annexes,
    )


def _build_after_opinion(facts: _Facts) -> _Draft:
    ctx = facts.ctx
    sent = facts.need(ctx.request_sent_on, "la date d'envoi de la demande")
    opinion = facts.need(ctx.opinion_on, "la date de l'avis de la CADA")
    facts.need(ctx.opinion_outcome, "le sens de l'avis de la CADA")
    facts.check()
    assert sent is not None and opinion is not None
    if ctx.opinion_outcome != "favourable":
        raise LetterNotReady(
            ctx.kind,
            message=(
                "Ce courrier suppose un avis favorable de la CADA ; l'avis enregistré n'est pas "
                "favorable. Envisagez plutôt un recours devant le tribunal administratif."
            ),
        )
    items = _clean(ctx.items)
    case = f" (dossier n° {ctx.cada_case_number})" if ctx.cada_case_number else ""
    refusal = _first_refusal(facts, require=False, letter_date=ctx.letter_date)
    if refusal is not None and (refusal[0] == "explicit" or ctx.letter_date > refusal[1]):
        what = (
            f"votre décision de refus du {_d(refusal[1])}"
            if refusal[0] == "explicit"
            else f"la décision implicite de refus née le {_d(refusal[1])}"
        )
        referral = f"Saisie de {what}, la Commission d'accès aux documents administratifs (CADA)"
    else:
        referral = "Saisie de votre refus, la Commission d'accès aux documents administratifs (CADA)"
    answer = ctx.deadlines.get("authority_answer_expected") if ctx.deadlines else None
    duty = (
        "Je vous rappelle qu'en application de l'article R343-3 du CRPA, il vous appartient de "
        "faire connaître à la CADA, dans le délai d'un mois à compter de la réception de son "
        "avis, la suite que vous entendez donner à ma demande"
    )
    if answer is not None and not answer.estimated:
        duty += f", soit au plus tard le {_d(answer.date)}."
    else:
        duty += "."
    blocks = [
        _p(_cap(
            _on_behalf(ctx.sender)
            + f"par {facts.request_phrase('par vos services')}, je vous ai demandé la "
            "communication des documents administratifs suivants, sur le fondement des "
            "articles L300-1 et suivants et L311-1 du code des relations entre le public et "
            "l'administration (CRPA) :"
        )),
        _ol(items),
        *_optional(_grounds_sentence(ctx)),
        _p(
            f"{referral} a rendu le {_d(opinion)}{case} un avis favorable à la communication de "
            "ces documents. Vous en trouverez une copie ci-jointe."
        ),
        _p(
            "Je vous demande donc de nouveau de bien vouloir me communiquer ces documents. "
            + _access_sentence(ctx)
        ),
        _p(_REDACTION),
        _p(duty),
    ]
    confirmed = ctx.deadlines.get("confirmed_refusal") if ctx.deadlines else None
    if confirmed is not None:
        blocks.append(_p(
            "À défaut de communication, votre silence fera naître le "
            f"{_d(confirmed.date)} une décision de refus confirmé (CRPA, art. R343-4 et R343-5), "
            "que je pourrai déférer au tribunal administratif."
        ))
    return _Draft(
        subject_line=f"Avis favorable de la CADA du {_d(opinion)} – {ctx.subject}",
        email_subject="Avis favorable de la CADA – demande de communication de documents administratifs",
        blocks=blocks,
        annexes=[f"Copie de l'avis de la CADA du {_d(opinion)}{case}", f"Copie de ma demande du {_d(sent)}"],
        reference_extra=f"dossier CADA n° {ctx.cada_case_number}" if ctx.cada_case_number else "",
    )


def _build_recours_gracieux(facts: _Facts) -> _Draft:
    ctx = facts.ctx
    sent = facts.need(ctx.request_sent_on, "la date d'envoi de la demande")
    refusal = _first_refusal(facts, require=True, letter_date=ctx.letter_date)
    facts.check()
    assert sent is not None and refusal is not None
    refusal_kind, refusal_day, implicit = refusal
    items = _clean(ctx.items)
    estimated = implicit and ctx.received_is_estimate
    if implicit:
        contested = f"la décision implicite de refus née le {_d(refusal_day)}"
    else:
        contested = f"votre décision du {_d(refusal_day)} refusant la communication de ces documents"
    grounds = _grounds_sentence(ctx, "Leur communication est en outre prévue par")
    blocks = [
        _recall_request(ctx, facts),
        _ol(items),
        _p(_refusal_sentence(refusal_kind, refusal_day, estimated, "vous")),
        _p(
            "Par le présent recours gracieux, formé en application de l'article L411-2 du CRPA, "
            f"je vous demande de bien vouloir retirer {contested} et de me communiquer les "
            "documents demandés."
        ),
        _p(
            "Ces documents sont des documents administratifs au sens de l'article L300-2 du "
            "CRPA, communicables à toute personne qui en fait la demande en application de "
            "l'article L311-1 du même code." + (" " + grounds if grounds else "")
            + " Seules les mentions protégées par les articles L311-5 et L311-6 peuvent être "
            "refusées, le reste des documents devant être communiqué après occultation de ces "
            "mentions (CRPA, art. L311-7)."
        ),
    ]
    if implicit:
        blocks.append(_p(
            "Cette décision implicite n'étant pas motivée, je vous demande également, en "
            "application de l'article L232-4 du CRPA, de m'en communiquer les motifs dans le "
            "délai d'un mois."
        ))
    blocks += [
        _p(_access_sentence(ctx)),
        _p(
            "Ce recours gracieux ne remplace pas la saisine de la Commission d'accès aux "
            "documents administratifs (CADA), obligatoire avant tout recours contentieux (CRPA, "
            "art. L342-1) : il est formé sans préjudice de cette saisine."
        ),
    ]
    annexes = [f"Copie de ma demande du {_d(sent)}"]
    if implicit:
        received = facts.received()
        annexes.append(
            "Preuve de la réception de la demande"
            + (f" le {_d(received)}" if received else "")
            + " (avis de réception, accusé de réception ou courriel d'envoi)"
        )
    else:
        annexes.append(f"Copie de la décision de refus du {_d(refusal_day)}")
    return _Draft(
        subject_line=f"Recours gracieux contre le refus de communication de documents administratifs – {ctx.subject}",
        email_subject="Recours gracieux – refus de communication de documents administratifs",
        blocks=blocks,
        annexes=annexes,
    )


_OPINION_SENTENCES = {
    "favourable": "la CADA a émis un avis favorable à la communication des documents demandés",
    "unfavourable": "la CADA a émis un avis défavorable à la communication des documents demandés",
    "moot": "la CADA a déclaré la demande d'avis sans objet",
    "inadmissible": "la CADA a déclaré la demande d'avis irrecevable",
}


def _build_court_application(facts: _Facts) -> _Draft:
    ctx = facts.ctx
    sent = facts.need(ctx.request_sent_on, "la date d'envoi de la demande")
    registered = facts.need(
        ctx.cada_registered_on, "la date d'enregistrement de la saisine par la CADA"
    )
    appeal = ctx.deadlines.get("court_appeal") if ctx.deadlines else None
    if registered is not None and appeal is None:
        facts.missing.append(
            "le délai de recours contentieux (refus confirmé ou décision prise après l'avis de "
            "la CADA), à calculer à partir des faits de la demande"
        )
    facts.check()
    assert sent is not None and registered is not None and appeal is not None

    confirmed = ctx.deadlines.get("confirmed_refusal")
    contested_implicit = confirmed is not None and appeal.starts_from == confirmed.date
    contested_day = appeal.starts_from
    if ctx.letter_date <= contested_day and contested_implicit:
        raise LetterNotReady(
            ctx.kind,
            message=(
                f"La requête ne peut pas encore être préparée : le refus confirmé ne naît qu'à la "
                f"fin de la journée du {_d(contested_day)} (CRPA, art. R343-4 et R343-5). Datez "
                "la requête d'un jour postérieur."
            ),
        )
    if contested_implicit:
        contested = (
            f"la décision implicite par laquelle l'administration ({ctx.authority.name}) a "
            f"confirmé, le {_d(contested_day)}, son refus de communiquer les documents "
            "administratifs demandés"
        )
    else:
        contested = (
            f"la décision du {_d(contested_day)} par laquelle l'administration "
            f"({ctx.authority.name}) a refusé, après l'avis de la CADA, de communiquer les "
            "documents administratifs demandés"
        )

    items = _clean(ctx.items)
    case = f" sous le n° {ctx.cada_case_number}" if ctx.cada_case_number else ""
    court = _court_name(ctx.recipient.name)

    facts_blocks = [
        _p(
            f"Par {facts.request_phrase(_BY_AUTHORITY)}, j'ai demandé à "
            f"l'administration ({ctx.authority.name}) la communication, sur le fondement des "
            "articles L300-1 et suivants et L311-1 du code des relations entre le public et "
            "l'administration (CRPA), des documents administratifs suivants :"
        ),
        _ol(items),
    ]
    # The first answer, unless it is the contested decision itself.
    first: tuple[str, date, bool] | None = None
    if ctx.refusal_on is not None and not ctx.refusal_is_implicit and (
        contested_implicit or ctx.refusal_on != contested_day
    ):
        first = ("explicit", ctx.refusal_on, False)
    elif ctx.deadlines.get("implicit_refusal") is not None:
        first = ("implicit", ctx.deadlines["implicit_refusal"].date, True)
    if first is not None:
        facts_blocks.append(_p(_refusal_sentence(
            first[0], first[1], first[2] and ctx.received_is_estimate, "l'administration"
        )))
    facts_blocks.append(_p(
        "Conformément à l'article L342-1 du CRPA, j'ai saisi la Commission d'accès aux "
        f"documents administratifs (CADA), qui a enregistré ma saisine le {_d(registered)}{case}."
    ))
    if ctx.opinion_on is not None and ctx.opinion_outcome in _OPINION_SENTENCES:
        facts_blocks.append(_p(f"Par un avis du {_d(ctx.opinion_on)}, {_OPINION_SENTENCES[ctx.opinion_outcome]}."))
    elif ctx.opinion_on is not None:
        facts_blocks.append(_p(f"La CADA a rendu son avis le {_d(ctx.opinion_on)}."))
    if contested_implicit:
        facts_blocks.append(_p(
            "L'administration n'ayant pas communiqué les documents dans le délai de deux mois "
            "suivant l'enregistrement de ma saisine par la CADA, une décision implicite de refus "
            f"confirmé est née le {_d(contested_day)} (CRPA, art. R343-4 et R343-5). C'est la "
            "décision attaquée."
        ))
    else:
        facts_blocks.append(_p(
            f"Par une décision du {_d(contested_day)}, prise après l'avis de la CADA, "
            "l'administration a refusé de communiquer les documents. C'est la décision attaquée."
        ))

    admissibility = (
        f"La présente requête est dirigée contre {contested}. La Commission d'accès aux "
        "documents administratifs a été préalablement saisie, comme l'exige l'article L342-1 "
        "du CRPA."
    )
    legal_last_day = appeal.legal_date or appeal.date
    if ctx.letter_date <= legal_last_day:
        admissibility += (
            " La requête est présentée dans le délai de recours de deux mois prévu par les "
            "articles R421-1 et R421-2 du code de justice administrative (CJA)."
        )
    elif not appeal.enforceable:
        admissibility += (
            " Les voies et délais de recours n'ayant pas été régulièrement portés à ma "
            "connaissance, le délai de recours de deux mois ne m'est pas opposable ; la requête "
            "est présentée dans un délai raisonnable (CE, Ass., 13 juillet 2016, n° 387763)."
        )
    admissibility += " Le ministère d'avocat n'est pas obligatoire pour la présente requête (CJA, art. R431-2)."

    grounds = _grounds_sentence(ctx, "Leur communication est en outre prévue par")
    merits = [
        _p(
            "Aux termes de l'article L311-1 du CRPA, les administrations sont tenues de "
            "communiquer les documents administratifs qu'elles détiennent aux personnes qui en "
            "font la demande. Les documents demandés, produits ou reçus par l'administration "
            "dans le cadre de sa mission de service public, sont des documents administratifs au "
            "sens de l'article L300-2 du même code." + (" " + grounds if grounds else "")
        ),
        _p(
            "Aucune des exceptions prévues aux articles L311-5 et L311-6 du CRPA ne saurait "
            "justifier un refus total de communication : à supposer que certaines mentions de "
            "ces documents soient protégées, il appartenait à l'administration de les occulter "
            "et de communiquer le reste, en application de l'article L311-7 du même code."
        ),
    ]
    if ctx.opinion_on is not None and ctx.opinion_outcome == "favourable":
        merits.append(_p(
            f"La CADA, dans son avis du {_d(ctx.opinion_on)}, a d'ailleurs estimé que ces "
            "documents étaient communicables."
        ))
    merits.append(_p(
        "La décision attaquée méconnaît ainsi les articles L300-2 et L311-1 du CRPA et doit "
        "être annulée."
    ))

    conclusions = [
        _p(f"Par ces motifs, je demande au {court.removeprefix('le ')} :" if court.startswith("le ")
           else f"Par ces motifs, je demande au tribunal ({court}) :"),
        _ol([
            f"d'annuler {contested} ;",
            f"d'enjoindre à l'administration ({ctx.authority.name}) de me communiquer les "
            "documents demandés dans un délai d'un mois à compter de la notification du "
            "jugement, en application de l'article L911-1 du code de justice administrative.",
        ]),
    ]

    blocks = [
        _p(_sender_identity(ctx.sender), label="Pour :"),
        _p(_authority_identity(ctx.authority), label="Contre :"),
        _p(_cap(contested) + ".", label="Décision attaquée :"),
        _h("I. Faits et procédure"),
        *facts_blocks,
        _h("II. Discussion"),
        _h2("Sur la recevabilité"),
        _p(admissibility),
        _h2("Sur la légalité de la décision attaquée"),
        *merits,
        _h("III. Conclusions"),
        *conclusions,
    ]

    received = facts.received()
    productions: list[str] = []
    if contested_implicit:
        productions.append(
            f"Copie de la demande du {_d(sent)} et preuve de sa date de réception"
            + (f", le {_d(received)}" if received else "")
            + ", la décision attaquée étant implicite (CJA, art. R412-1 et R421-2)"
        )
    else:
        productions.append(f"Copie de la décision attaquée du {_d(contested_day)} (CJA, art. R412-1)")
        productions.append(f"Copie de la demande du {_d(sent)}")
    if first is not None and first[0] == "explicit":
        productions.append(f"Copie de la décision de refus du {_d(first[1])}")
    productions.append(
        f"Copie de la saisine de la CADA et de son accusé d'enregistrement du {_d(registered)}{case}"
    )
    if ctx.opinion_on is not None:
        productions.append(f"Copie de l'avis de la CADA du {_d(ctx.opinion_on)}")
    return _Draft(
        subject_line=(
            "Requête en annulation d'un refus de communication de documents administratifs – "
            f"{ctx.subject}"
        ),
        email_subject="Requête en annulation – refus de communication de documents administratifs",
        blocks=blocks,
        annexes=productions,
        salutation="",
        closing="",
        title="Requête en annulation",
        annexes_title="Productions",
        reference_extra=f"dossier CADA n° {ctx.cada_case_number}" if ctx.cada_case_number else "",
    )


_BUILDERS: dict[str, Callable[[_Facts], _Draft]] = {
    "request": _build_request,
    "reminder": _build_reminder,
    "cada_referral": _build_cada_referral,
    "after_opinion": _build_after_opinion,
    "recours_gracieux": _build_recours_gracieux,
    "court_application": _build_court_application,
}

_MENTIONS = {
    "postal": "Lettre recommandée avec demande d'avis de réception",
    "email": "Envoi par courrier électronique",
    "online_form": "Envoi par téléservice",
    "hand": "Remise en main propre contre décharge",
}


def _sender_lines(sender: Party) -> tuple[str, ...]:
    lines = [sender.name.strip()]
    if _is_association(sender):
        if sender.rna_number.strip():
            lines.append(f"Association déclarée, RNA n° {sender.rna_number.strip()}")
        if sender.representative.strip():
            lines.append(
                f"Représentée par {sender.representative.strip()}"
                + (f", {sender.representative_role.strip()}" if sender.representative_role.strip() else "")
            )
    lines += _clean(sender.address_lines)
    if sender.email.strip():
        lines.append(f"Courriel : {sender.email.strip()}")
    return tuple(lines)


def _recipient_lines(ctx: LetterContext) -> tuple[str, ...]:
    recipient = ctx.recipient
    if ctx.kind == "cada_referral":
        address = _clean(recipient.address_lines) or CADA_PARTY.address_lines
        return (recipient.name.strip() or CADA_PARTY.name, *address)
    if ctx.kind == "court_application":
        return (recipient.name.strip(), "Greffe", *_clean(recipient.address_lines))
    lines = [
        recipient.name.strip(),
        "À l'attention de la personne responsable de l'accès aux documents administratifs",
    ]
    if recipient.prada_name.strip():
        lines.append(recipient.prada_name.strip())
    lines += _clean(recipient.address_lines)
    return tuple(lines)


def _signature_lines(sender: Party) -> tuple[str, ...]:
    if _is_association(sender):
        lines = [f"Pour l'association « {sender.name.strip()} »", sender.representative.strip()]
        if sender.representative_role.strip():
            lines.append(_cap(sender.representative_role.strip()))
        return tuple(lines)
    return (sender.name.strip(),)


def _check_common(facts: _Facts) -> None:
    ctx = facts.ctx
    if ctx.kind not in _BUILDERS:
        raise ValueError(f"Unknown letter kind: {ctx.kind!r}")
    if ctx.access_format not in ACCESS_FORMATS:
        raise ValueError(f"Unknown access format: {ctx.access_format!r}")
    if ctx.channel not in CHANNELS:
        raise ValueError(f"Unknown channel: {ctx.channel!r}")
    facts.need(ctx.sender.name.strip(), "le nom du demandeur")
    facts.need(_clean(ctx.sender.address_lines), "l'adresse postale du demandeur")
    if _is_association(ctx.sender):
        facts.need(ctx.sender.representative.strip(), "le nom de la personne qui représente l'association")
    if ctx.access_format == "email" or ctx.channel == "email":
        facts.need(ctx.sender.email.strip(), "l'adresse électronique du demandeur")
    facts.need(ctx.authority.name.strip(), "le nom de l'administration")
    facts.need(ctx.recipient.name.strip(), "le destinataire du courrier")
    facts.need(ctx.place.strip(), "le lieu où le courrier est écrit")
    facts.need(_clean(ctx.items), "la liste des documents demandés")
    if ctx.channel == "postal" and ctx.kind != "cada_referral":
        facts.need(_clean(ctx.recipient.address_lines), "l'adresse postale du destinataire")


def build_letter(context: LetterContext) -> LetterDocument:
    """The letter as structured blocks; raises LetterNotReady when a fact is missing."""
    facts = _Facts(context)
    _check_common(facts)
    facts.check()
    draft = _BUILDERS[context.kind](facts)
    facts.check()

    reference_line = f"Réf. : {context.reference}"
    if draft.reference_extra:
        reference_line += f" – {draft.reference_extra}"
    mentions = (_MENTIONS[context.channel],)
    if context.kind == "court_application" and context.channel == "online_form":
        mentions = ("Requête déposée par l'application Télérecours citoyens",)

    def typo_block(block: Block) -> Block:
        return Block(
            kind=block.kind,
            text=_typo(block.text),
            label=_typo(block.label),
            items=tuple(_typo(item) for item in block.items),
            ordered=block.ordered,
        )

    return LetterDocument(
        kind=context.kind,
        reference=context.reference,
        document_title=f"{LETTER_KINDS[context.kind]} – {context.reference}",
        sender_lines=tuple(_typo(line) for line in _sender_lines(context.sender)),
        recipient_lines=tuple(_typo(line) for line in _recipient_lines(context)),
        place_date=_typo(f"{context.place}, le {_d(context.letter_date)}"),
        mentions=tuple(_typo(m) for m in mentions),
        subject_line=_typo(draft.subject_line),
        reference_line=_typo(reference_line),
        title=_typo(draft.title),
        salutation=draft.salutation,
        blocks=tuple(typo_block(block) for block in draft.blocks),
        closing=draft.closing,
        signature_lines=tuple(_typo(line) for line in _signature_lines(context.sender)),
        annexes_title=draft.annexes_title,
        annexes=tuple(_typo(a) for a in (*draft.annexes, *_clean(context.annexes))),
        # A mail header: one line, plain spaces.
        email_subject=" ".join(_CONTROL.sub(" ", f"{draft.email_subject} – Réf. {context.reference}").split()),
    )


# ------------------------------------------------------------------------ HTML


@functools.cache
def _jinja_env() -> jinja2.Environment:
    # Built once per process. Autoescape on for every .html template: everything a user
    # typed is text, never markup.
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(LETTERS_DIR)),
        autoescape=jinja2.select_autoescape(enabled_extensions=("html",), default_for_string=True),
        trim_blocks=True,
        lstrip_blocks=True,
        undefined=jinja2.StrictUndefined,
    )


@functools.cache
def _stylesheet_text() -> str:
    return STYLESHEET.read_text(encoding="utf-8")


def _html(letter: LetterDocument, inline_css: str | None) -> str:
    template = _jinja_env().get_template(f"{letter.kind}.html")
    return template.render(letter=letter, inline_css=inline_css)


def render_html(context: LetterContext) -> str:
    """A standalone HTML document (stylesheet inlined): the preview and the PDF source."""
    return _html(build_letter(context), _stylesheet_text())


# ------------------------------------------------------------------------- PDF


def letter_asset_path(url: str) -> Path:
    """The file inside letters/ that `url` names; AssetRefused for anything else.

    Only file: URLs of an existing file with an asset suffix, resolved (symlinks
    included) inside letters/, are served: no http(s), no data:, no other file.
    """
    parts = urlsplit(url)
    if parts.scheme.lower() != "file" or parts.netloc not in ("", "localhost"):
        raise AssetRefused(f"Refused URL (not a letter asset): {url[:200]}")
    path = Path(url2pathname(unquote(parts.path))).resolve()
    root = LETTERS_DIR.resolve()
    if not path.is_relative_to(root) or not path.is_file() or path.suffix.lower() not in _ASSET_SUFFIXES:
        raise AssetRefused(f"Refused URL (outside letters/): {url[:200]}")
    return path


@functools.cache
def _fetcher_class():
    # WeasyPrint is imported on first PDF only: it takes half a second to import.
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    class LetterURLFetcher(URLFetcher):
        """Serves files inside letters/ and refuses every other URL."""

        def __init__(self) -> None:
            super().__init__(allowed_protocols=("file",), allow_redirects=False, fail_on_errors=False)

        def fetch(self, url, headers=None):
            path = letter_asset_path(url)
            mime = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
            return URLFetcherResponse(path.as_uri(), body=path.read_bytes(), headers={"Content-Type": mime})

    return LetterURLFetcher


class _PdfState(threading.local):
    """Per-thread WeasyPrint objects, built once: fetcher, font configuration, stylesheet."""

    def get(self):
        state = getattr(self, "value", None)
        if state is None:
            from weasyprint import CSS
            from weasyprint.text.fonts import FontConfiguration

            fetcher = _fetcher_class()()
            font_config = FontConfiguration()
            css = CSS(
                string=_stylesheet_text(),
                base_url=LETTERS_DIR.as_uri() + "/",
                url_fetcher=fetcher,
                font_config=font_config,
            )
            state = self.value = (fetcher, font_config, css)
        return state


_PDF_STATE = _PdfState()


def _html_to_pdf(html: str) -> bytes:
    from weasyprint import HTML

    fetcher, font_config, css = _PDF_STATE.get()
    document = HTML(string=html, base_url=LETTERS_DIR.as_uri() + "/", url_fetcher=fetcher)
    return document.write_pdf(stylesheets=[css], font_config=font_config)


def render_pdf(context: LetterContext) -> bytes:
    """The letter as an A4 PDF (WeasyPrint; reads nothing outside letters/)."""
    # Same HTML as render_html, but the stylesheet is the pre-parsed one, not inlined.
    return _html_to_pdf(_html(build_letter(context), None))


# ------------------------------------------------------------------------ DOCX

_DOCX_FONT = "Times New Roman"  # Liberation Serif has the same metrics
_RIGHT_COLUMN_CM = 8.5  # recipient, date and signature column, from the left margin


def _docx_field(paragraph, instruction: str) -> None:
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    def fld_char(kind: str):
        element = OxmlElement("w:fldChar")
        element.set(qn("w:fldCharType"), kind)
        return element

    run = paragraph.add_run()
    run._r.append(fld_char("begin"))
    run = paragraph.add_run()
    instr = OxmlElement("w:instrText")
    instr.set(qn("xml:space"), "preserve")
    instr.text = f" {instruction} "
    run._r.append(instr)
    run = paragraph.add_run()
    run._r.append(fld_char("separate"))
    paragraph.add_run("1")
    run = paragraph.add_run()
    run._r.append(fld_char("end"))


def _docx_new_numbering(document) -> int:
    """A fresh numbering instance of the 'List Number' style, restarting at 1."""
    numbering = document.part.numbering_part.element
    style = document.styles["List Number"]
    num_id = style.element.pPr.numPr.numId.val
    abstract_id = numbering.num_having_numId(num_id).abstractNumId.val
    num = numbering.add_num(abstract_id)
    num.add_lvlOverride(ilvl=0).add_startOverride(1)
    return num.numId


def _docx_list(document, items, ordered: bool) -> None:
    from docx.shared import Pt

    num_id = _docx_new_numbering(document) if ordered else None
    # Setting `paragraph.style` by name makes python-docx scan every style of the document
    # for each paragraph (a third of the render time): the style id is looked up once.
    style_id = document.styles["List Number" if ordered else "List Bullet"].style_id
    for item in items:
        paragraph = document.add_paragraph(item)
        paragraph._p.get_or_add_pPr().style = style_id
        if num_id is not None:
            num_pr = paragraph._p.get_or_add_pPr().get_or_add_numPr()
            num_pr.get_or_add_ilvl().val = 0
            num_pr.get_or_add_numId().val = num_id
        paragraph.paragraph_format.space_after = Pt(2)


def render_docx(context: LetterContext) -> bytes:
    """The letter as an editable Word document (A4, 2 cm margins, page numbers)."""
    from docx import Document
    from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_TAB_ALIGNMENT
    from docx.shared import Cm, Pt, Twips

    letter = build_letter(context)
    document = Document()
    properties = document.core_properties
    properties.title = letter.document_title
    properties.author = ""
    properties.last_modified_by = ""
    properties.comments = ""

    section = document.sections[0]
    section.page_width, section.page_height = Cm(21), Cm(29.7)
    section.left_margin = section.right_margin = Cm(2)
    section.top_margin = section.bottom_margin = Cm(2)
    section.footer_distance = Cm(1)

    normal = document.styles["Normal"]
    normal.font.name = _DOCX_FONT
    normal.font.size = Pt(11)
    normal.paragraph_format.space_after = Pt(6)
    normal.paragraph_format.line_spacing = 1.15
    rpr = normal.element.get_or_add_rPr()
    rfonts = rpr.get_or_add_rFonts()
    for attribute in ("w:ascii", "w:hAnsi", "w:cs", "w:eastAsia"):
        rfonts.set(f"{{http://schemas.openxmlformats.org/wordprocessingml/2006/main}}{attribute.split(':')[1]}", _DOCX_FONT)
    for name in ("List Number", "List Bullet"):
        document.styles[name].font.name = _DOCX_FONT

    def lines(values, indent: bool = False, space_before: float = 0, bold_first: bool = False):
        for index, value in enumerate(values):
            paragraph = document.add_paragraph()
            run = paragraph.add_run(value)
            run.bold = bold_first and index == 0
            fmt = paragraph.paragraph_format
            fmt.space_after = Pt(0)
            if indent:
                fmt.left_indent = Cm(_RIGHT_COLUMN_CM)
            if index == 0 and space_before:
                fmt.space_before = Pt(space_before)

    def paragraph(text: str = "", label: str = "", bold: bool = False, justify: bool = True):
        para = document.add_paragraph()
        if label:
            para.add_run(label).bold = True
            para.add_run(" ")
        para.add_run(text).bold = bold
        if justify:
            para.alignment = WD_ALIGN_PARAGRAPH.JUSTIFY
        return para

    lines(letter.sender_lines, bold_first=True)
    lines(letter.recipient_lines, indent=True, space_before=36, bold_first=True)
    date_para = document.add_paragraph(letter.place_date)
    date_para.paragraph_format.left_indent = Cm(_RIGHT_COLUMN_CM)
    date_para.paragraph_format.space_before = Pt(24)
    date_para.paragraph_format.space_after = Pt(18)
    for mention in letter.mentions:
        document.add_paragraph().add_run(mention).italic = True
    subject = document.add_paragraph()
    subject.add_run(letter.subject_label + " " + letter.subject_line).bold = True
    subject.paragraph_format.space_after = Pt(0)
    ref = document.add_paragraph(letter.reference_line)
    ref.paragraph_format.space_after = Pt(18)
    if letter.title:
        title = document.add_paragraph()
        title.add_run(letter.title).bold = True
        title.alignment = WD_ALIGN_PARAGRAPH.CENTER
        title.paragraph_format.space_after = Pt(12)
    if letter.salutation:
        paragraph(letter.salutation, justify=False)
    for block in letter.blocks:
        if block.kind in ("heading", "subheading"):
            head = document.add_paragraph()
            run = head.add_run(block.text)
            run.bold = True
            run.italic = block.kind == "subheading"
            head.paragraph_format.keep_with_next = True
            head.paragraph_format.space_before = Pt(10 if block.kind == "heading" else 6)
        elif block.kind == "list":
            _docx_list(document, block.items, block.ordered)
        else:
            paragraph(block.text, label=block.label)
    if letter.closing:
        paragraph(letter.closing)
    lines(letter.signature_lines, indent=True, space_before=18)
    if letter.annexes:
        head = document.add_paragraph()
        head.add_run(letter.annexes_title + "\u00a0:").bold = True
        head.paragraph_format.space_before = Pt(24)
        head.paragraph_format.keep_with_next = True
        _docx_list(document, letter.annexes, ordered=True)

    footer = section.footer.paragraphs[0]
    footer.text = ""
    tabs = footer.paragraph_format.tab_stops
    for position in (4680, 9360):  # the Footer style's US-letter stops, in twips
        tabs.add_tab_stop(Twips(position), WD_TAB_ALIGNMENT.CLEAR)
    tabs.add_tab_stop(Cm(17), WD_TAB_ALIGNMENT.RIGHT)
    footer.add_run(letter.reference_line + "\tPage ")
    _docx_field(footer, "PAGE")
    footer.add_run(" sur ")
    _docx_field(footer, "NUMPAGES")
    for run in footer.runs:
        run.font.size = Pt(8.5)

    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


# ------------------------------------------------------------------------ text


def _text_body(letter: LetterDocument) -> str:
    out: list[str] = []

    def para(text: str) -> None:
        out.extend((text, ""))

    out.extend(letter.sender_lines)
    out.append("")
    out.extend(letter.recipient_lines)
    out.append("")
    para(letter.place_date)
    out.extend(letter.mentions)
    out.append(f"{letter.subject_label} {letter.subject_line}")
    para(letter.reference_line)
    if letter.title:
        para(letter.title.upper())
    if letter.salutation:
        para(letter.salutation)
    for block in letter.blocks:
        if block.kind == "list":
            for number, item in enumerate(block.items, 1):
                out.append(f"{number}. {item}" if block.ordered else f"– {item}")
            out.append("")
        elif block.kind == "heading":
            para(block.text)
        elif block.kind == "subheading":
            para(block.text)
        else:
            para(block.line)
    if letter.closing:
        para(letter.closing)
    out.extend(letter.signature_lines)
    if letter.annexes:
        out.extend(("", f"{letter.annexes_title}\u00a0:"))
        out.extend(f"{number}. {annex}" for number, annex in enumerate(letter.annexes, 1))
    return "\n".join(out).rstrip() + "\n"


def render_text(context: LetterContext) -> tuple[str, str]:
    """(e-mail subject line, plain-text body) with the same content as the PDF."""
    letter = build_letter(context)
    return letter.email_subject, _text_body(letter)


# ------------------------------------------------------------------- filenames


def letter_filename(context: LetterContext, extension: str) -> str:
    """'LNT-2026-0001-demande.pdf': safe for a Content-Disposition header."""
    if context.kind not in _FILENAME_SLUGS:
        raise ValueError(f"Unknown letter kind: {context.kind!r}")
    reference = re.sub(r"[^A-Za-z0-9_-]+", "-", context.reference).strip("-") or "courrier"
    ext = re.sub(r"[^a-z0-9]", "", extension.lower().lstrip("."))
    if not ext:
        raise ValueError(f"Invalid extension: {extension!r}")
    return f"{reference}-{_FILENAME_SLUGS[context.kind]}.{ext}"
