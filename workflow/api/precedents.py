"""/api/v1: the CADA's opinions (read-only reference data) and the precedents of a
request: the opinions most like it, the ones it cites; citing and un-citing."""
from __future__ import annotations

from flask import g, request, url_for

from workflow import precedents
from workflow.accounts.access import get_request_or_404
from workflow.api import ApiError, bp, json_body
from workflow.api.openapi import SPEC, error_responses
from workflow.core.params import page_number
from workflow.documents.formats import plain_excerpt
from workflow.models.authorities import AUTHORITY_KINDS
from workflow.models.precedents import OUTCOME_LABELS, CadaOpinion, RequestPrecedent


def _list(value: str) -> list[str]:
    return [entry.strip() for entry in value.split(",") if entry.strip()]


def opinion_json(opinion: CadaOpinion, full: bool = False) -> dict:
    body = {
        "number": opinion.number,
        "date": opinion.session_on.isoformat() if opinion.session_on else None,
        "year": opinion.year,
        "administration": opinion.administration,
        "administration_kind": opinion.administration_kind,
        "type": opinion.type,
        "subject": opinion.subject,
        "outcome": opinion.outcome,
        "outcome_label": OUTCOME_LABELS.get(opinion.outcome, opinion.outcome),
        "outcomes": _list(opinion.outcomes),
        "part": opinion.part,
        "themes": _list(opinion.themes),
        "keywords": _list(opinion.keywords),
        "url": url_for("api.get_cada_opinion", number=opinion.number),
    }
    if full:
        body["text"] = opinion.text
    return body


def citation_json(citation: RequestPrecedent) -> dict:
    return {"opinion": opinion_json(citation.opinion), "holding": citation.holding,
            "cited_at": citation.cited_at.isoformat()}


@bp.get("/cada/opinions")
def search_cada_opinions():
    args = request.args
    outcome, kind = args.get("outcome", ""), args.get("kind", "")
    if outcome and outcome not in OUTCOME_LABELS:
        raise ApiError(400, f"« outcome » attend un de : {', '.join(OUTCOME_LABELS)}.")
    if kind and kind not in AUTHORITY_KINDS:
        raise ApiError(400, f"« kind » attend un de : {', '.join(AUTHORITY_KINDS)}.")
    year = args.get("year", type=int)
    if "year" in args and (year is None or not 1900 <= year <= 2999):
        raise ApiError(400, "« year » attend une année (AAAA).")
    page = args.get("page", 1, type=page_number)
    per_page = min(args.get("per_page", 20, type=page_number), 100)
    results = precedents.search(args.get("q", ""), precedents.Filters(outcome=outcome, year=year, kind=kind), page,
                                per_page)
    return {
        "query": results.query, "total": results.total, "capped": results.capped, "page": results.page,
        "pages": results.pages, "awaiting_index": results.awaiting_index,
        "results": [{**opinion_json(hit.opinion), "excerpt_html": str(hit.excerpt),
                     "excerpt": plain_excerpt(hit.excerpt)} for hit in results.hits],
    }


@bp.get("/cada/opinions/<number>")
def get_cada_opinion(number: str):
    opinion = precedents.opinion(number)
    if opinion is None:
        raise ApiError(404, "Aucun avis de la CADA n'a ce numéro.")
    return opinion_json(opinion, full=True)


@bp.get("/requests/<int:request_id>/precedents")
def list_precedents(request_id: int):
    access_request = get_request_or_404(request_id, g.api_user)
    cited = precedents.cited(access_request)
    suggested = precedents.suggestions(access_request, exclude={citation.opinion_id for citation in cited})
    return {
        "cited": [citation_json(citation) for citation in cited],
        "suggested": [{**opinion_json(entry.opinion), "same_administration_kind": entry.same_kind,
                       "matched_words": entry.words, "suggested_holding": precedents.suggested_holding(entry.opinion)}
                      for entry in suggested],
        "awaiting_index": precedents.awaiting_count(),
    }


@bp.post("/requests/<int:request_id>/precedents")
def cite_precedent(request_id: int):
    access_request = get_request_or_404(request_id, g.api_user, for_change=True)
    payload = json_body()
    unknown = sorted(set(payload) - {"number", "holding"})
    if unknown:
        raise ApiError(400, f"Champs inconnus : {', '.join(unknown)}.")
    number, holding = payload.get("number"), payload.get("holding")
    if isinstance(number, int) and not isinstance(number, bool):
        number = str(number)
    errors = {}
    if not isinstance(number, str) or not number.strip():
        errors["number"] = ["Indiquez le numéro de l'avis (« Numéro de dossier »)."]
    if not isinstance(holding, str) or not holding.strip():
        errors["holding"] = ["Indiquez la phrase de l'avis à citer, mot pour mot."]
    if errors:
        raise ApiError(422, "Données invalides.", errors)
    if precedents.opinion_by_number(number) is None:
        raise ApiError(404, f"Aucun avis de la CADA n'a le numéro « {number.strip()[:20]} ».")
    try:
        citation, new = precedents.cite(access_request, number, holding, g.api_user)
    except precedents.CitationError as error:
        raise ApiError(422, str(error), {"holding": [str(error)]})
    return citation_json(citation), 201 if new else 200


@bp.delete("/requests/<int:request_id>/precedents/<number>")
def uncite_precedent(request_id: int, number: str):
    access_request = get_request_or_404(request_id, g.api_user, for_change=True)
    if not precedents.uncite(access_request, number, g.api_user):
        raise ApiError(404, "Cet avis n'est pas cité dans la demande.")
    return "", 204


_OPINION = {
    "type": "object",
    "required": ["number", "outcome"],
    "properties": {
        "number": {"type": "string", "description": "Numéro de dossier de la CADA, ex. 20204505"},
        "date": {"type": ["string", "null"], "format": "date", "description": "Date de la séance"},
        "year": {"type": ["integer", "null"]},
        "administration": {"type": "string"},
        "administration_kind": {"type": "string", "enum": list(AUTHORITY_KINDS),
                                "description": "Type d'administration, déduit de son nom"},
        "type": {"type": "string"},
        "subject": {"type": "string"},
        "outcome": {"type": "string", "enum": list(OUTCOME_LABELS)},
        "outcome_label": {"type": "string"},
        "outcomes": {"type": "array", "items": {"type": "string"}, "description": "« Sens et motivation » du fichier"},
        "part": {"type": "string", "enum": ["", "I", "II", "III", "IV"]},
        "themes": {"type": "array", "items": {"type": "string"}},
        "keywords": {"type": "array", "items": {"type": "string"}},
        "url": {"type": "string"},
        "text": {"type": "string", "description": "Texte complet de l'avis (fiche d'un avis seulement)"},
    },
}
_CITATION = {"type": "object", "properties": {
    "opinion": {"$ref": "#/components/schemas/CadaOpinion"}, "holding": {"type": "string"},
    "cited_at": {"type": "string", "format": "date-time"}}}
_REQUEST_ID = {"name": "request_id", "in": "path", "required": True, "schema": {"type": "integer"}}
_NUMBER = {"name": "number", "in": "path", "required": True, "schema": {"type": "string", "maxLength": 20}}

SPEC["components"]["schemas"]["CadaOpinion"] = _OPINION
SPEC["paths"].update({
    "/cada/opinions": {
        "get": {
            "summary": "Recherche plein texte (en français : accents et pluriels ignorés) dans les avis de la CADA, "
                       "avec filtres ; sans mots, les avis les plus récents que gardent les filtres",
            "parameters": [
                {"name": "q", "in": "query", "schema": {"type": "string"}},
                {"name": "outcome", "in": "query", "schema": {"type": "string", "enum": list(OUTCOME_LABELS)}},
                {"name": "kind", "in": "query", "schema": {"type": "string", "enum": list(AUTHORITY_KINDS)},
                 "description": "Type d'administration"},
                {"name": "year", "in": "query", "schema": {"type": "integer", "minimum": 1900, "maximum": 2999}},
                {"name": "page", "in": "query", "schema": {"type": "integer", "minimum": 1}},
                {"name": "per_page", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 100}},
            ],
            "responses": {
                "200": {"description": "Les avis trouvés, les plus pertinents d'abord", "content": {"application/json": {
                    "schema": {"type": "object", "properties": {
                        "query": {"type": "string"}, "total": {"type": "integer"}, "page": {"type": "integer"},
                        "pages": {"type": "integer"},
                        "capped": {"type": "boolean", "description": "Trop d'avis correspondent : seuls les plus "
                                                                      "récents sont classés."},
                        "awaiting_index": {"type": "integer", "description": "Avis importés pas encore indexés : "
                                                                             "une recherche par mots ne les trouve pas "
                                                                             "encore (quelques minutes après un import)."},
                        "results": {"type": "array", "items": {"allOf": [
                            {"$ref": "#/components/schemas/CadaOpinion"},
                            {"type": "object", "properties": {
                                "excerpt_html": {"type": "string", "description": "Extrait échappé, mots en <mark>"},
                                "excerpt": {"type": "string"}}}]}}}}}}},
                **error_responses(400, 401),
            },
        },
    },
    "/cada/opinions/{number}": {
        "get": {"summary": "Un avis de la CADA, texte complet", "parameters": [_NUMBER], "responses": {
            "200": {"description": "L'avis", "content": {"application/json": {
                "schema": {"$ref": "#/components/schemas/CadaOpinion"}}}},
            **error_responses(401, 404)}},
    },
    "/requests/{request_id}/precedents": {
        "get": {
            "summary": "Les avis de la CADA cités par la demande et les plus proches d'elle (favorables d'abord)",
            "parameters": [_REQUEST_ID],
            "responses": {
                "200": {"description": "Avis cités et suggérés", "content": {"application/json": {"schema": {
                    "type": "object", "properties": {
                        "cited": {"type": "array", "items": _CITATION},
                        "suggested": {"type": "array", "items": {"$ref": "#/components/schemas/CadaOpinion"}}}}}}},
                **error_responses(401, 404),
            },
        },
        "post": {
            "summary": "Citer un avis dans la demande, avec la phrase de l'avis que reprennent la saisine de la CADA, "
                       "le courrier après son avis et la requête (mot pour mot) ; citer à nouveau change la phrase",
            "parameters": [_REQUEST_ID],
            "requestBody": {"required": True, "content": {"application/json": {"schema": {
                "type": "object", "required": ["number", "holding"], "additionalProperties": False,
                "properties": {"number": {"type": "string", "maxLength": 20},
                               "holding": {"type": "string", "maxLength": 1000}}}}}},
            "responses": {
                "201": {"description": "Avis cité", "content": {"application/json": {"schema": _CITATION}}},
                "200": {"description": "Avis déjà cité : phrase mise à jour",
                        "content": {"application/json": {"schema": _CITATION}}},
                **error_responses(400, 401, 403, 404, 422),
            },
        },
    },
    "/requests/{request_id}/precedents/{number}": {
        "delete": {"summary": "Ne plus citer l'avis dans la demande", "parameters": [_REQUEST_ID, _NUMBER],
                   "responses": {"204": {"description": "Avis retiré"}, **error_responses(401, 403, 404)}},
    },
})
