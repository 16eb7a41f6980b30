"""The facts a letter states, derived from its `LetterContext`: which dates, which
refusal, which items, which flags. The templates in `letters/` say them in French.

Nothing here is wording of a letter. What is French here are the `LetterNotReady`
messages (UI errors shown when a fact is missing) and the `missing` labels they list.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date
from typing import Any, Callable

from workflow.law.deadlines import SUPERSEDED, Deadline, format_date_fr
from workflow.law.states import ACCESS_FORMATS, CHANNELS
from workflow.letters.context import CADA_PARTY, LETTER_KINDS, LetterContext, LetterNotReady, Party, Precedent

# The letters that quote the CADA's opinions the request cites.
PRECEDENT_LETTERS = frozenset({"cada_referral", "after_opinion", "court_application"})


def clean(values) -> tuple[str, ...]:
    """Non-empty values, stripped."""
    return tuple(str(v).strip() for v in (values or ()) if str(v).strip())


@dataclass(frozen=True)
class Refusal:
    """The administration's answer: an explicit decision, or an implicit one born from silence."""

    implicit: bool
    day: date
    estimated: bool = False  # implicit, and computed from an estimated date of receipt
    confirmed: bool = False  # implicit, born of the silence kept after the CADA referral (R343-5)
    # Explicit: what kind of answer it was (workflow.law.deadlines.ExplicitDecision.cause).
    cause: str = "refusal"


class _Facts:
    """Reads the context; collects what is missing instead of failing on the first gap."""

    def __init__(self, context: LetterContext):
        self.ctx = context
        self.missing: list[str] = []

    def need(self, value, label: str):
        if value is None or value == "" or value == ():
            self.missing.append(label)
        return value

    def deadline(self, kind: str) -> Deadline | None:
        return self.ctx.deadlines.get(kind) if self.ctx.deadlines else None

    def check(self) -> None:
        if self.missing:
            # Keep the order, drop duplicates.
            raise LetterNotReady(self.ctx.kind, tuple(dict.fromkeys(self.missing)))

    def received(self) -> date | None:
        """Receipt of the request: the context's date, else the implicit-refusal deadline's start."""
        if self.ctx.request_received_on is not None:
            return self.ctx.request_received_on
        implicit = self.deadline("implicit_refusal")
        return implicit.starts_from if implicit is not None else None

    def first_refusal(self, *, require: bool) -> Refusal | None:
        """The first answer: an explicit refusal (refusal_on, unless refusal_is_implicit)
        wins; otherwise the implicit refusal born from silence, which must be born (at the
        end of its day) before the letter's date when `require`."""
        ctx = self.ctx
        referral = self.deadline("cada_referral")
        if referral is not None:
            # The refusal the CADA window runs from (the law module): an explicit decision
            # notified after the implicit refusal was born, or after the referral, is not it.
            if referral.decision:
                return Refusal(implicit=False, day=referral.starts_from, cause=referral.decision_cause or "refusal")
        elif ctx.refusal_on is not None and not ctx.refusal_is_implicit:
            return Refusal(implicit=False, day=ctx.refusal_on)
        implicit = self.deadline("implicit_refusal")
        if implicit is None:
            if require:
                self.missing.append(
                    "la date du refus explicite, ou la date de réception de la demande "
                    "(d'où découle la naissance du refus implicite)"
                )
            return None
        if require and ctx.letter_date <= implicit.date:
            raise LetterNotReady(
                ctx.kind,
                message=(
                    f"Le courrier « {LETTER_KINDS[ctx.kind]} » ne peut pas encore être préparé : "
                    f"le refus implicite ne naît qu'à la fin de la journée du {format_date_fr(implicit.date)} "
                    "(CRPA, art. R311-12 et R311-13). Datez le courrier d'un jour postérieur."
                ),
            )
        return Refusal(implicit=True, day=implicit.date, estimated=ctx.received_is_estimate)

    def decision_in_force(self) -> Refusal | None:
        """The decision a recours gracieux targets: once the CADA was referred, the decision
        to take to court (an explicit refusal since the referral, or the confirmed refusal
        born of silence), never the first refusal; before, the refusal referred."""
        court = self.deadline("court_appeal")
        if court is None or court.state == SUPERSEDED:
            if self.ctx.cada_registered_on is not None or self.deadline("confirmed_refusal") is not None:
                raise LetterNotReady(self.ctx.kind, message=(
                    "La CADA examine votre saisine : la décision à contester sera le refus que l'administration "
                    "vous notifiera, ou le refus confirmé né de son silence. Préparez le recours gracieux ensuite."))
            return self.first_refusal(require=True)
        if court.decision:
            return Refusal(implicit=False, day=court.starts_from, cause=court.decision_cause or "refusal")
        if self.ctx.letter_date <= court.starts_from:
            raise LetterNotReady(self.ctx.kind, message=(
                f"Le refus confirmé ne naît qu'à la fin de la journée du {format_date_fr(court.starts_from)} "
                "(CRPA, art. R343-4 et R343-5) : c'est lui que viserait le recours gracieux. Datez le courrier d'un "
                "jour postérieur."))
        return Refusal(implicit=True, day=court.starts_from, confirmed=True)


@dataclass(frozen=True)
class OpinionItem:
    """The CADA's opinion on one requested document, quoted as the opinion gives it."""

    position: int
    description: str
    outcome: str  # favourable | unfavourable | moot


def opinion_items(ctx: LetterContext) -> tuple[OpinionItem, ...]:
    """The per-document outcomes recorded with the opinion, for the documents of the request."""
    items = []
    for key, outcome in sorted(ctx.opinion_item_outcomes.items(), key=lambda entry: int(entry[0])):
        position = int(key)
        if 1 <= position <= len(ctx.items):
            items.append(OpinionItem(position, ctx.items[position - 1], outcome))
    return tuple(items)


_CRPA_GROUND = re.compile(r"CRPA,\s*art\.\s*([LR]\d+-\d+)(\s+et\s+suivants)?\.?", re.I)

# CRPA articles each letter cites in its own wording (extra grounds repeating them are dropped).
_CITED: dict[str, frozenset[str]] = {
    "request": frozenset({"L300-1", "L311-1", "L311-7", "L311-9"}),
    "reminder": frozenset({"L300-1", "L311-1", "L311-7", "L311-9"}),
    "cada_referral": frozenset({"L300-2", "L311-1", "L311-7"}),
    "cada_series_notice": frozenset({"L300-1", "L311-1", "L342-1"}),
    "after_opinion": frozenset({"L300-1", "L311-1", "L311-7", "L311-9"}),
    "recours_gracieux": frozenset({"L300-1", "L300-2", "L311-1", "L311-7", "L311-9"}),
    "court_application": frozenset({"L300-1", "L300-2", "L311-1", "L311-7"}),
    "court_withdrawal": frozenset(),
}


# CGCT L2121-26 (communes) and L5211-46 (their groupings) open to anyone the council's
# deliberations and minutes, the budgets and accounts and the mayor's (or president's)
# orders; nothing else. The letter cites them only when an item (or the subject) is one of
# these documents, recognised by these words (accents and case folded).
_CGCT_GROUND = re.compile(r"\bL\.?\s*(2121-26|5211-46)\b", re.I)
_CGCT_DOCUMENTS = re.compile(
    r"deliberation|proces[- ]verba|\bbudget|\bcomptes? administratifs?\b|\bcomptes? de gestion\b"
    r"|\bcomptes? (de la commune|communaux)\b|\barretes? municipa"
    r"|\barretes?\b[^.;]{0,60}\b(du|de la) (maire|president|presidente)\b")


def _folded(text: str) -> str:
    return "".join(char for char in unicodedata.normalize("NFKD", text.lower()) if not unicodedata.combining(char))


def cgct_documents_asked(subject: str, items: tuple[str, ...] | list[str]) -> bool:
    """Whether the subject or an item is a document CGCT L2121-26 / L5211-46 covers:
    deliberations, minutes, budgets, accounts, mayoral (or presidential) orders."""
    return any(_CGCT_DOCUMENTS.search(_folded(text)) for text in (subject, *items))


def extra_grounds(ctx: LetterContext) -> tuple[str, ...]:
    """The context's extra grounds, minus the CRPA articles the letter cites anyway, and
    minus CGCT L2121-26 / L5211-46 when no document asked for is of the kinds they cover."""
    cited = _CITED[ctx.kind]
    cgct_applies = cgct_documents_asked(ctx.subject, clean(ctx.items))
    extra = []
    for ground in clean(ctx.legal_grounds):
        match = _CRPA_GROUND.fullmatch(ground)
        if match and match.group(1).upper() in cited:
            continue
        if not cgct_applies and _CGCT_GROUND.search(ground):
            continue
        extra.append(ground)
    return tuple(extra)


@dataclass(frozen=True)
class Defendant:
    """The administration as a party before the court: its legal person and who represents
    it, derived from the directory's kind and name. `form` names the template's sentence:
    "commune" (`place`: "de Metz"), "state" (`representative`: "préfet de la Moselle"),
    "intercommunality", "department", "region" (`name`, `article`), "hospital",
    "cnil"; or "unknown" when nothing can be derived: the letter then leaves a placeholder
    for the user to fill, it never guesses."""

    form: str
    name: str  # the name as the letter writes it
    article: str = ""  # "la ", "l'", "le " or "" before `name`
    place: str = ""
    representative: str = ""


# "Ville de Metz" -> "de Metz"; "Commune d'Ars-sur-Moselle" -> "d'Ars-sur-Moselle"; "Mairie du Ban-Saint-Martin".
_COMMUNE = re.compile(r"^(?:ville|commune|mairie)\s+((?:de la |de l'|de l’|de |d'|d’|du |des )\S.*)$", re.I)
_TRAILING_ALIAS = re.compile(r"\s*\([^()]*\)\s*$")  # "Metz Métropole (Eurométropole de Metz)"
_ARTICLE_OF = {"métropole": "la ", "eurométropole": "l'", "communauté": "la "}


def _article(name: str) -> str:
    return _ARTICLE_OF.get(name.split(" ", 1)[0].lower(), "")


def defendant(authority: Party) -> Defendant:
    """Who the application is against (crpa.md §5: "la commune de Metz, représentée par son
    maire", "l'État, représenté par le préfet de la Moselle")."""
    name = _TRAILING_ALIAS.sub("", authority.name.strip()) or authority.name.strip()
    folded = _folded(name)
    kind = authority.kind
    if kind == "commune":
        match = _COMMUNE.match(name)
        if match:
            return Defendant("commune", name, place=match.group(1))
    elif kind == "prefecture" and re.match(r"^préfecture\s+(de|du|des)\b", name, re.I):
        return Defendant("state", name, representative="préfet" + name[len("préfecture"):])
    elif kind == "ministere" and re.match(r"^ministère\s+(de|du|des)\b", name, re.I):
        return Defendant("state", name, representative="ministre" + name[len("ministère"):])
    elif kind == "intercommunalite" and re.search(r"\b(metropole|eurometropole|communaute)\b", folded):
        return Defendant("intercommunality", name, article=_article(name))
    elif kind == "departement" and re.match(r"^département\s+((de la |de l'|de l’|de |d'|d’|du |des )\S.*)$", name, re.I):
        return Defendant("department", name, place=name[len("département "):])
    elif kind == "region" and re.match(r"^région\s+\S", name, re.I):
        return Defendant("region", name, place=name[len("région "):])
    elif kind == "etablissement_public" and folded.startswith("centre hospitalier"):
        return Defendant("hospital", name, article="le ")
    elif kind == "autorite_independante" and folded == "commission nationale de l'informatique et des libertes":
        return Defendant("cnil", name, article="la ")
    return Defendant("unknown", authority.name.strip())


def _check_common(facts: _Facts) -> None:
    ctx = facts.ctx
    if ctx.kind not in _KIND_FACTS:
        raise ValueError(f"Unknown letter kind: {ctx.kind!r}")
    if ctx.access_format not in ACCESS_FORMATS:
        raise ValueError(f"Unknown access format: {ctx.access_format!r}")
    if ctx.channel not in CHANNELS:
        raise ValueError(f"Unknown channel: {ctx.channel!r}")
    facts.need(ctx.sender.name.strip(), "le nom du demandeur")
    facts.need(clean(ctx.sender.address_lines), "l'adresse postale du demandeur")
    if ctx.sender.kind == "association":
        facts.need(ctx.sender.representative.strip(), "le nom de la personne qui représente l'association")
    elif ctx.sender.kind == "group":
        facts.need(ctx.sender.representative.strip(), "le nom de la personne qui écrit pour le collectif")
    if ctx.access_format == "email" or ctx.channel == "email":
        facts.need(ctx.sender.email.strip(), "l'adresse électronique du demandeur")
    facts.need(ctx.authority.name.strip(), "le nom de l'administration")
    facts.need(ctx.recipient.name.strip(), "le destinataire du courrier")
    facts.need(ctx.place.strip(), "le lieu où le courrier est écrit")
    facts.need(clean(ctx.items), "la liste des documents demandés")
    if ctx.channel == "postal" and ctx.kind != "cada_referral":
        facts.need(clean(ctx.recipient.address_lines), "l'adresse postale du destinataire")


def _recipient(ctx: LetterContext) -> Party:
    """The recipient as addressed; the CADA's own address when the context has none."""
    if ctx.kind != "cada_referral":
        return ctx.recipient
    return Party(
        name=ctx.recipient.name.strip() or CADA_PARTY.name,
        address_lines=clean(ctx.recipient.address_lines) or CADA_PARTY.address_lines,
        kind=ctx.recipient.kind,
    )


def letter_facts(context: LetterContext) -> dict[str, Any]:
    """Everything the letter's template needs; LetterNotReady when a fact is missing."""
    facts = _Facts(context)
    _check_common(facts)
    facts.check()
    specific = _KIND_FACTS[context.kind](facts)
    facts.check()
    return {
        "ctx": context,
        "kind": context.kind,
        "title": LETTER_KINDS[context.kind],
        "sender": context.sender,
        "association": context.sender.kind == "association",
        "group": context.sender.kind == "group",
        "register_names_court": _folded(context.sender.local_register.strip()).startswith("tribunal"),
        "recipient": _recipient(context),
        "authority": context.authority,
        "items": clean(context.items),
        "extra_grounds": extra_grounds(context),
        "extra_annexes": clean(context.annexes),
        "received": facts.received(),
        "precedents": cited_precedents(context),
        **specific,
    }



def cited_precedents(context: LetterContext) -> tuple[Precedent, ...]:
    """The opinions the letter quotes: those cited with a holding, in the letters that
    argue (the CADA referral, the letter after its opinion, the court application)."""
    if context.kind not in PRECEDENT_LETTERS:
        return ()
    return tuple(precedent for precedent in context.precedents if precedent.number.strip() and precedent.holding.strip())


# ------------------------------------------------------------------ per letter


def _reminder(facts: _Facts) -> dict[str, Any]:
    ctx = facts.ctx
    sent = facts.need(ctx.request_sent_on, "la date d'envoi de la demande initiale")
    implicit = facts.deadline("implicit_refusal")
    if implicit is None:
        facts.missing.append(
            "la date de réception de la demande initiale (d'où découle la date du refus implicite)"
        )
    if ctx.refusal_on is not None and not ctx.refusal_is_implicit:
        raise LetterNotReady(
            ctx.kind,
            message=(
                f"Une relance n'a plus d'objet : l'administration a refusé explicitement la "
                f"demande le {format_date_fr(ctx.refusal_on)}. Préparez plutôt la saisine de la CADA."
            ),
        )
    facts.check()
    assert sent is not None and implicit is not None
    return {
        "sent": sent,
        "implicit_refusal": implicit,
        "refusal_born": ctx.letter_date > implicit.date,
    }


def _cada_referral(facts: _Facts) -> dict[str, Any]:
    ctx = facts.ctx
    sent = facts.need(ctx.request_sent_on, "la date d'envoi de la demande")
    refusal = facts.first_refusal(require=True)
    facts.check()
    assert sent is not None and refusal is not None
    series = tuple(ctx.series)
    return {
        "sent": sent,
        "refusal": refusal,
        "series": series,
        "is_series": ctx.is_series and bool(series),
        "series_count": len(series) + 1,
        "series_authorities": tuple(entry.authority.strip() for entry in series),
    }


def _cada_series_notice(facts: _Facts) -> dict[str, Any]:
    ctx = facts.ctx
    sent = facts.need(ctx.request_sent_on, "la date d'envoi de la demande")
    referral = ctx.series_referral
    if referral is None or not ctx.is_series:
        raise LetterNotReady(ctx.kind, message=(
            "L'information de la saisine de la CADA ne concerne que les demandes d'une série (CRPA, "
            "art. L342-1) dont la saisine est enregistrée sur une autre demande de la série."))
    facts.check()
    refusal = facts.first_refusal(require=False)
    if refusal is not None and refusal.implicit and ctx.letter_date <= refusal.day:
        refusal = None  # not born yet on the letter's date
    return {"sent": sent, "refusal": refusal, "referral": referral, "series_count": len(ctx.series) + 1}


def _after_opinion(facts: _Facts) -> dict[str, Any]:
    ctx = facts.ctx
    sent = facts.need(ctx.request_sent_on, "la date d'envoi de la demande")
    opinion = facts.need(ctx.opinion_on, "la date de l'avis de la CADA")
    facts.need(ctx.opinion_outcome, "le sens de l'avis de la CADA")
    facts.check()
    assert sent is not None and opinion is not None
    if ctx.opinion_outcome not in ("favourable", "partially_favourable"):
        raise LetterNotReady(
            ctx.kind,
            message=(
                "Ce courrier suppose un avis favorable, ou partiellement favorable, de la CADA ; l'avis "
                "enregistré ne l'est pas. Envisagez plutôt un recours devant le tribunal administratif."
            ),
        )
    refusal = facts.first_refusal(require=False)
    if refusal is not None and refusal.implicit and ctx.letter_date <= refusal.day:
        refusal = None  # not born yet on the letter's date: say "your refusal" only
    answer = facts.deadline("authority_answer_expected")
    return {
        "sent": sent,
        "opinion_on": opinion,
        "case_number": ctx.cada_case_number,
        "partial": ctx.opinion_outcome == "partially_favourable",
        "opinion_items": opinion_items(ctx),
        "refusal": refusal,
        "answer_due": answer.date if answer is not None and not answer.estimated else None,
        "confirmed_refusal": facts.deadline("confirmed_refusal"),
    }


def _recours_gracieux(facts: _Facts) -> dict[str, Any]:
    ctx = facts.ctx
    sent = facts.need(ctx.request_sent_on, "la date d'envoi de la demande")
    facts.check()
    refusal = facts.decision_in_force()
    facts.check()
    assert sent is not None and refusal is not None
    court = facts.deadline("court_appeal")
    after_cada = court is not None and court.state != SUPERSEDED
    return {
        "sent": sent,
        "refusal": refusal,
        "after_cada": after_cada,
        # Lanterne's safe court date: the recours gracieux never moves it (crpa.md §3.3).
        "court_safe_date": court.safe_date if after_cada and court is not None else None,
        "registered_on": ctx.cada_registered_on,
        "opinion_on": ctx.opinion_on,
    }


def _court_appeal(facts: _Facts) -> tuple[date | None, date | None, Deadline | None]:
    ctx = facts.ctx
    sent = facts.need(ctx.request_sent_on, "la date d'envoi de la demande")
    registered = facts.need(ctx.cada_registered_on, "la date d'enregistrement de la saisine par la CADA")
    appeal = facts.deadline("court_appeal")
    if registered is not None and appeal is None:
        facts.missing.append(
            "le délai de recours contentieux (refus confirmé ou décision prise après l'avis de "
            "la CADA), à calculer à partir des faits de la demande"
        )
    facts.check()
    return sent, registered, appeal


def _court_application(facts: _Facts) -> dict[str, Any]:
    ctx = facts.ctx
    sent, registered, appeal = _court_appeal(facts)
    assert sent is not None and registered is not None and appeal is not None
    # The contested decision is the one the court window runs from (the law module).
    contested_implicit = not appeal.decision
    contested_day = appeal.starts_from
    if ctx.letter_date <= contested_day and contested_implicit:
        raise LetterNotReady(
            ctx.kind,
            message=(
                f"La requête ne peut pas encore être préparée : le refus confirmé ne naît qu'à la "
                f"fin de la journée du {format_date_fr(contested_day)} (CRPA, art. R343-4 et R343-5). "
                "Datez la requête d'un jour postérieur."
            ),
        )
    # The refusal referred to the CADA, unless it is the contested decision itself.
    first = facts.first_refusal(require=False)
    if first is not None and not first.implicit and not contested_implicit and first.day == contested_day:
        first = None
    return {
        "sent": sent,
        "registered_on": registered,
        "case_number": ctx.cada_case_number,
        "contested_implicit": contested_implicit,
        "contested_day": contested_day,
        # An explicit refusal notified while the CADA examined the referral is the decision
        # to contest, as one taken after its opinion is (crpa.md §3.1).
        "contested_when": ("après l'avis de la CADA" if ctx.opinion_on is not None and contested_day >= ctx.opinion_on
                           else "pendant l'examen de ma saisine par la CADA"),
        "first_refusal": first,
        "opinion_on": ctx.opinion_on,
        "opinion_outcome": ctx.opinion_outcome,
        "opinion_items": opinion_items(ctx),
        "in_time": ctx.letter_date <= (appeal.legal_date or appeal.date),
        "time_limit_unenforceable": not appeal.enforceable,
        "court_is_tribunal": ctx.recipient.name.lower().startswith("tribunal"),
        "defendant": defendant(ctx.authority),
    }


def _court_withdrawal(facts: _Facts) -> dict[str, Any]:
    """Withdrawing the application once the documents came during the proceedings: the
    letter names the application as recorded, and the communication if it is recorded."""
    ctx = facts.ctx
    filed = facts.need(ctx.court_filed_on, "la date d'enregistrement de la requête au tribunal administratif")
    facts.check()
    return {"filed_on": filed, "court_case_number": ctx.court_case_number,
            "documents_on": ctx.documents_during_proceedings_on, "defendant": defendant(ctx.authority)}


_KIND_FACTS: dict[str, Callable[[_Facts], dict[str, Any]]] = {
    "request": lambda facts: {},
    "reminder": _reminder,
    "cada_referral": _cada_referral,
    "cada_series_notice": _cada_series_notice,
    "after_opinion": _after_opinion,
    "recours_gracieux": _recours_gracieux,
    "court_application": _court_application,
    "court_withdrawal": _court_withdrawal,
}
