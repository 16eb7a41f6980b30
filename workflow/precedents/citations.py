"""The precedents of one request: the opinions most like it (suggestions), and the ones
its user cites, each with one sentence of its holding that the letters quote.

Suggestions: the distinctive words of the request's subject and items (a word found in
a large share of the opinions, "documents", "copie", says nothing), each weighted by how
rare it is among the opinions; an opinion scores the weights of the words it holds, more
when its administration is of the request's authority's kind. The best are shown
favourable ones first. Each word is looked up in the index on its own, capped: the cost
does not grow with the number of opinions that hold a common word.

Citing is a change to the request (its owner or editors), recorded in its history; the
opinions themselves are never changed here.
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass

from sqlalchemy import Select, func, select, text

from workflow.core.estimates import estimated_rows
from workflow.core.extensions import db
from workflow.core.french_search import fold, keys_of_word, query_words
from workflow.models import AccessRequest, HistoryEntry, User
from workflow.models.precedents import CadaOpinion, RequestPrecedent
from workflow.precedents.search import FTS_TABLE, PG_VECTOR, fts_term, is_sqlite, pg_any_of

HOLDING_MAX_LENGTH = 1000
SUGGESTIONS = 10
TERM_CAP = 3000  # opinions looked at per word: a word found more often than this is not distinctive
# PostgreSQL: a word the planner expects in more opinions than this is common without
# reading its first TERM_CAP + 1 (13 ms a word at 60,000 opinions); the estimate may be
# off, so the words near the cap are still read.
COMMON_ESTIMATE = 2 * TERM_CAP
WORDS = 12
# Words of a request that say nothing of its subject (folded).
GENERIC_WORDS = frozenset(
    "document documents copie copies ensemble relatif relatifs relative relatives concernant liste listes dossier "
    "dossiers annexe annexes administratif administratifs administrative administratives communication demande "
    "demandes tout tous toute toutes depuis entre leurs leur ainsi notamment cadre objet date dates annee annees "
    "version versions integralite integral integrale format electronique courrier courriers piece pieces "
    "ville commune mairie".split())
# A word and what the CADA's opinions also call it (folded): each finds the other.
SYNONYMS = {
    "videosurveillance": ("videoprotection",), "videoprotection": ("videosurveillance",),
    "cctv": ("videoprotection", "videosurveillance"),
}
OUTCOME_ORDER = {"favourable": 0, "partially_favourable": 1, "other": 2, "moot": 3, "inadmissible": 3,
                 "incompetent": 3, "unfavourable": 4}


class CitationError(ValueError):
    """Why an opinion cannot be cited so (French)."""


# ----------------------------------------------------------------- suggestions


@dataclass
class Suggestion:
    opinion: CadaOpinion
    score: float
    same_kind: bool
    words: list[str]  # the request's words it holds


def request_terms(access_request: AccessRequest) -> list[str]:
    """The distinctive words of the request's subject and items, one per set of keys (a
    plural or a synonym of a word already there is left out)."""
    source = " ".join([access_request.subject, *(item.description for item in access_request.items)])
    terms: list[str] = []
    seen: set[tuple[str, ...]] = set()
    for word in query_words(source, limit=200):
        folded = fold(word)
        if folded in GENERIC_WORDS or len(folded) < 3 or folded.isdigit():
            continue
        keys = keys_of_word(word)
        for synonym in SYNONYMS.get(folded, ()):
            keys = tuple(dict.fromkeys((*keys, *keys_of_word(synonym))))
        if keys in seen:
            continue
        seen.add(keys)
        terms.append(word)
    return terms[:WORDS * 2]


def _holding(word: str) -> Select:
    """The ids of the opinions holding the word (or a synonym), as a statement."""
    if is_sqlite():
        return select(FTS_TABLE.c.rowid).where(text("cada_opinion_search MATCH :match").bindparams(
            match=fts_term(word, SYNONYMS.get(fold(word), ()))))
    return select(CadaOpinion.id).where(PG_VECTOR.op("@@")(pg_any_of([word, *SYNONYMS.get(fold(word), ())])))


def _ids_holding(word: str) -> list[int]:
    """The opinions holding the word, at most TERM_CAP + 1."""
    return list(db.session.scalars(_holding(word).limit(TERM_CAP + 1)))


def _look_up(word: str) -> tuple[list[int] | None, int]:
    """(the opinions holding the word, at most TERM_CAP + 1, or None when PostgreSQL's
    planner expects it in more than COMMON_ESTIMATE; how many hold it: counted, or that
    estimate)."""
    if not is_sqlite():
        estimate = estimated_rows(_holding(word))
        if estimate > COMMON_ESTIMATE:
            return None, estimate
    ids = _ids_holding(word)
    return ids, len(ids)


def suggestions(access_request: AccessRequest, limit: int = SUGGESTIONS, exclude: set[int] | None = None
                ) -> list[Suggestion]:
    """The opinions most like the request, favourable ones first (see the module's doc)."""
    terms = request_terms(access_request)
    if not terms:
        return []
    total = db.session.scalar(select(func.count()).select_from(CadaOpinion)) or 0
    if not total:
        return []
    found = [(word, *_look_up(word)) for word in terms]
    distinctive = [(word, ids) for word, ids, _held in found if ids is not None and 0 < len(ids) <= TERM_CAP]
    if not distinctive:  # only common words: the two least common, their first opinions
        least_common = sorted(((word, ids, held) for word, ids, held in found if held), key=lambda entry: entry[2])[:2]
        distinctive = [(word, ids if ids is not None else _ids_holding(word)) for word, ids, _held in least_common]
    distinctive = sorted(distinctive, key=lambda entry: len(entry[1]))[:WORDS]
    scores: dict[int, float] = {}
    words_of: dict[int, list[str]] = {}
    for word, ids in distinctive:
        weight = math.log(1 + total / len(ids))
        for opinion_id in ids:
            scores[opinion_id] = scores.get(opinion_id, 0.0) + weight
            words_of.setdefault(opinion_id, []).append(word)
    exclude = exclude or set()
    best = sorted(((score, opinion_id) for opinion_id, score in scores.items() if opinion_id not in exclude),
                  reverse=True)[:limit * 5]
    if not best:
        return []
    kind = access_request.authority.kind if access_request.authority else ""
    rows = {row.id: row for row in db.session.execute(select(
        CadaOpinion.id, CadaOpinion.administration_kind).where(CadaOpinion.id.in_([entry[1] for entry in best])))}
    top_weight = max(math.log(1 + total / len(ids)) for _word, ids in distinctive)
    ranked = []
    for score, opinion_id in best:
        same_kind = bool(kind) and kind != "autre" and rows[opinion_id].administration_kind == kind
        ranked.append((score + (0.5 * top_weight if same_kind else 0.0), opinion_id, same_kind))
    ranked = sorted(ranked, reverse=True)[:limit]
    opinions = {opinion.id: opinion for opinion in db.session.scalars(
        select(CadaOpinion).where(CadaOpinion.id.in_([entry[1] for entry in ranked])))}
    chosen = [Suggestion(opinions[opinion_id], score, same_kind, words_of[opinion_id])
              for score, opinion_id, same_kind in ranked]
    # Favourable ones first; within each outcome, the most relevant first.
    return sorted(chosen, key=lambda entry: (OUTCOME_ORDER.get(entry.opinion.outcome, 2), -entry.score))


# -------------------------------------------------------------------- citations

_SENTENCE_END = re.compile(r"(?<=[.;!?»])\s+(?=[A-ZÀ-Ý«(])")


def sentences(opinion_text: str) -> list[str]:
    """The opinion's sentences a user may quote (long enough to hold a holding)."""
    flat = " ".join(opinion_text.split())
    return [sentence for sentence in _SENTENCE_END.split(flat) if 20 <= len(sentence) <= HOLDING_MAX_LENGTH]


def suggested_holding(opinion: CadaOpinion) -> str:
    """The sentence most likely to state the holding: the last one giving the Commission's
    view ("émet un avis favorable", "estime que", "communicable"), else the last one."""
    found = sentences(opinion.text)
    for pattern in (r"avis (favorable|defavorable)", r"\bestime\b|\bcommunicable", r"\bcommission\b"):
        matching = [sentence for sentence in found if re.search(pattern, fold(sentence))]
        if matching:
            return matching[-1]
    return found[-1] if found else ""


def _flat(value: str) -> str:
    return " ".join(value.replace("’", "'").replace("\u00a0", " ").split()).lower()


def cited(access_request: AccessRequest) -> list[RequestPrecedent]:
    return list(db.session.scalars(select(RequestPrecedent).where(RequestPrecedent.request_id == access_request.id)
                                   .order_by(RequestPrecedent.cited_at, RequestPrecedent.id)))


def opinion_by_number(number: str) -> CadaOpinion | None:
    return db.session.scalar(select(CadaOpinion).where(CadaOpinion.number == str(number).strip()[:20]))


def cite(access_request: AccessRequest, number: str, holding: str, user: User | None) -> tuple[RequestPrecedent, bool]:
    """Cite the opinion on the request, quoting `holding` (a passage of its text); citing it
    again changes the quoted passage. Returns (the citation, whether it is new); commits.
    CitationError (French) when the opinion is unknown or the passage is not in it."""
    opinion = opinion_by_number(number)
    if opinion is None:
        raise CitationError(f"Aucun avis de la CADA n'a le numéro « {str(number).strip()[:20]} ».")
    holding = " ".join(str(holding or "").split())
    if not holding:
        raise CitationError("Choisissez la phrase de l'avis à citer.")
    if len(holding) > HOLDING_MAX_LENGTH:
        raise CitationError(f"La phrase citée dépasse {HOLDING_MAX_LENGTH} caractères : choisissez-en une plus courte.")
    if _flat(holding) not in _flat(opinion.text):
        raise CitationError(f"La phrase citée doit figurer, mot pour mot, dans le texte de l'avis n° {opinion.number}.")
    citation = db.session.scalar(select(RequestPrecedent).where(
        RequestPrecedent.request_id == access_request.id, RequestPrecedent.opinion_id == opinion.id))
    new = citation is None
    if citation is None:
        citation = RequestPrecedent(request_id=access_request.id, opinion_id=opinion.id, holding=holding,
                                    cited_by_id=user.id if user else None)
        db.session.add(citation)
        summary = f"Avis de la CADA n° {opinion.number} cité"
    elif citation.holding != holding:
        citation.holding = holding
        summary = f"Citation de l'avis de la CADA n° {opinion.number} modifiée"
    else:
        return citation, False
    db.session.add(HistoryEntry(request_id=access_request.id, author_id=user.id if user else None,
                                kind="precedent_cited", summary=summary,
                                data={"number": opinion.number, "holding": holding}))
    db.session.commit()
    return citation, new


def uncite(access_request: AccessRequest, number: str, user: User | None) -> bool:
    """Stop citing the opinion on the request; False when it was not cited. Commits."""
    opinion = opinion_by_number(number)
    citation = opinion and db.session.scalar(select(RequestPrecedent).where(
        RequestPrecedent.request_id == access_request.id, RequestPrecedent.opinion_id == opinion.id))
    if not citation:
        return False
    db.session.delete(citation)
    db.session.add(HistoryEntry(request_id=access_request.id, author_id=user.id if user else None,
                                kind="precedent_uncited", summary=f"Avis de la CADA n° {opinion.number} plus cité",
                                data={"number": opinion.number}))
    db.session.commit()
    return True
