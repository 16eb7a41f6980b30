"""The OpenAPI 3.1 description of /api/v1, written by hand next to the routes.

An API module with its own routes may add them with `SPEC["paths"].update({...})`."""
from typing import Any, Mapping

from workflow.api import bp
from workflow.law.deadlines import DEADLINE_STATES, ENFORCEABLE, KINDS, NOT_ENFORCEABLE, TO_CHECK
from workflow.law.events import ACCESS_FORMATS, CHANNELS, EVENT_DATA, EVENT_LABELS, EVENT_TYPES, EventField, input_fields
from workflow.models.authorities import AUTHORITY_KINDS
from workflow.models.users import IDENTITY_KINDS
from workflow.requests import limits

ERROR = {"$ref": "#/components/schemas/Error"}


def error_responses(*codes: int) -> dict:
    return {str(code): {"description": "Erreur", "content": {"application/json": {"schema": ERROR}}} for code in codes}


AUTHORITY_FIELDS = {
    "name": {"type": "string", "maxLength": 200},
    "kind": {"type": "string", "enum": list(AUTHORITY_KINDS)},
    "address_lines": {"type": "array", "items": {"type": "string"}},
    "postal_code": {"type": "string", "pattern": "^[0-9]{5}$"},
    "city": {"type": "string", "maxLength": 120},
    "email": {"type": "string", "format": "email"},
    "prada_name": {"type": "string", "maxLength": 200},
    "prada_email": {"type": "string", "format": "email"},
    "website": {"type": "string", "format": "uri"},
    "online_request_url": {"type": "string", "format": "uri"},
    "department_code": {"type": "string"},
    "verified": {"type": "boolean"},
    "last_checked_on": {"type": ["string", "null"], "format": "date"},
    "notes": {"type": "string"},
}

DEADLINE = {
    "type": "object",
    "required": ["kind", "date", "explanation"],
    "properties": {
        "kind": {"type": "string", "enum": list(KINDS)},
        "date": {"type": "string", "format": "date"},
        "safe_date": {"type": ["string", "null"], "format": "date"},
        "legal_date": {"type": ["string", "null"], "format": "date"},
        "explanation": {"type": "string"},
        "enforceable": {"type": "boolean"},
        "enforceability": {"type": "string", "enum": [ENFORCEABLE, NOT_ENFORCEABLE, TO_CHECK],
                           "description": "to_check : aucun accusé de réception enregistré, à vérifier"},
        "enforceability_note": {"type": ["string", "null"]},
        "estimated": {"type": "boolean"},
        "state": {"type": "string", "enum": list(DEADLINE_STATES),
                  "description": "open : à venir ; met : respecté ; passed : échu ; superseded : sans objet"},
        "state_note": {"type": "string"},
        "legal_date_probable": {"type": "boolean",
                                "description": "Le dernier jour légal repose sur une règle non tranchée"},
    },
}

def _data_schema(spec: EventField) -> dict:
    """The JSON schema of one declared piece of event data."""
    schema: dict = {"description": spec.label}
    if spec.kind == "choice":
        schema.update(type="string", enum=list(spec.choices))
    elif spec.kind == "bool":
        schema["type"] = "boolean"
    elif spec.kind == "date":
        schema.update(type="string", format="date")
    elif spec.kind == "amount":
        schema.update(type="number", minimum=0)
    elif spec.kind == "item_outcomes":
        schema.update(type="object", propertyNames={"pattern": "^[1-9][0-9]*$"},
                      additionalProperties={"type": "string", "enum": list(spec.choices)},
                      description=f"{spec.label} : numéro du document dans la liste → sens de l'avis")
    elif spec.kind == "url":
        schema.update(type="string", format="uri", maxLength=spec.max_length)
    else:
        schema["type"] = "string"
        if spec.max_length is not None:
            schema["maxLength"] = spec.max_length
    return schema


def event_body_schema(declaration: Mapping[str, tuple[EventField, ...]] = EVENT_DATA) -> dict:
    """The body of POST /requests/{id}/events, from the declaration (workflow/law/events.py):
    one alternative per event type that carries data, one for the types that carry none."""
    common = {"date": {"type": "string", "format": "date"},
              "note": {"type": "string", "maxLength": limits.EVENT_NOTE_MAX_LENGTH}}
    bare = [event_type for event_type in EVENT_TYPES if not input_fields(event_type, declaration)]
    alternatives = [{"type": "object", "required": ["type", "date"], "additionalProperties": False,
                     "properties": {"type": {"type": "string", "enum": bare}, **common}}] if bare else []
    for event_type in EVENT_TYPES:
        specs = input_fields(event_type, declaration)
        if specs:
            alternatives.append({
                "type": "object", "title": EVENT_LABELS[event_type], "additionalProperties": False,
                "required": ["type", "date", *(spec.name for spec in specs if spec.required)],
                "properties": {"type": {"type": "string", "const": event_type}, **common,
                               **{spec.name: _data_schema(spec) for spec in specs}},
            })
    return {"oneOf": alternatives}


REQUEST_PATHS = {
    "/requests": {
        "post": {
            "summary": "Rédiger une demande (plusieurs autorités : une demande chacune, dans une campagne)",
            "requestBody": {"required": True, "content": {"application/json": {"schema": {
                "type": "object",
                "required": ["authority_ids", "subject", "items", "requester"],
                "additionalProperties": False,
                "properties": {
                    "authority_ids": {"type": "array", "minItems": 1, "maxItems": limits.AUTHORITIES_MAX,
                                      "items": {"type": "integer"}},
                    "subject": {"type": "string", "minLength": 1, "maxLength": limits.SUBJECT_MAX_LENGTH},
                    "items": {"type": "array", "minItems": 1, "maxItems": limits.ITEMS_MAX,
                              "items": {"type": "string", "maxLength": limits.ITEM_MAX_LENGTH}},
                    "channel": {"type": "string", "enum": list(CHANNELS)},
                    "access_format": {"type": "string", "enum": list(ACCESS_FORMATS)},
                    "legal_grounds": {"type": "array", "items": {"type": "string"},
                                      "description": f"{limits.LEGAL_GROUNDS_MAX_LENGTH} caractères au plus en tout"},
                    "campaign_title": {"type": "string", "maxLength": limits.CAMPAIGN_TITLE_MAX_LENGTH},
                    "requester": {"type": "object", "required": ["name", "address", "email"], "properties": {
                        **{name: {"type": "string", "maxLength": limits.IDENTITY_MAX_LENGTHS[name]}
                           for name in ("name", "address", "email")},
                        "kind": {"type": "string", "enum": list(IDENTITY_KINDS), "default": "person",
                                 "description": "person : une personne ; association : une association, déclarée "
                                                "(rna_number) ou inscrite sous le droit local de la Moselle, du "
                                                "Bas-Rhin et du Haut-Rhin (local_register), ou sans l'un ni l'autre "
                                                "(la demande porte alors un avertissement, CRPA, art. R112-9-1) ; "
                                                "group : un collectif sans personnalité juridique, au nom duquel "
                                                "écrit la personne nommée dans representative."},
                        "rna_number": {"type": "string", "pattern": "^[Ww][0-9]{9}$",
                                       "description": "Association déclarée : W suivi de neuf chiffres. Un autre "
                                                      "format est refusé (422)."},
                        "local_register": {"type": "string", "maxLength": limits.IDENTITY_MAX_LENGTHS["local_register"],
                                           "description": "Association inscrite : son inscription au registre des "
                                                          "associations, en texte libre (« Tribunal judiciaire de "
                                                          "Metz, volume 148, folio 12 ») ; jamais avec rna_number."},
                        "representative": {"type": "string", "maxLength": limits.IDENTITY_MAX_LENGTHS["representative"],
                                           "description": "Obligatoire pour une association (qui la représente) et "
                                                          "pour un collectif (la personne qui écrit et signe)."},
                    }},
                },
            }}}},
            "responses": {
                "201": {"description": "Brouillons créés", "content": {"application/json": {"schema": {
                    "type": "object",
                    "properties": {
                        "requests": {"type": "array", "items": {"$ref": "#/components/schemas/RequestSummary"}},
                        "campaign": {"type": ["object", "null"]},
                    },
                }}}},
                **error_responses(400, 401, 422),
            },
        },
    },
    "/requests/{request_id}": {
        "get": {
            "summary": "Une demande, son statut et ses échéances",
            "parameters": [{"name": "request_id", "in": "path", "required": True, "schema": {"type": "integer"}}],
            "responses": {
                "200": {"description": "La demande", "content": {"application/json": {"schema": {
                    "allOf": [{"$ref": "#/components/schemas/RequestSummary"}, {"type": "object", "properties": {
                        "deadlines": {"type": "array", "items": DEADLINE},
                        "warnings": {"type": "array", "items": {"type": "string"},
                                     "description": "Ce qui manque à l'identité du demandeur sans empêcher les "
                                                    "courriers (numéro RNA ou inscription au registre...), en français"},
                        "events": {"type": "array", "items": {"type": "object"}},
                        "items": {"type": "array", "items": {"type": "object"}},
                        "reply_address": {"type": ["string", "null"],
                                          "description": "L'adresse de réponse propre à la demande (null sans "
                                                         "INBOUND_ADDRESS)"},
                        "messages": {"type": "array", "items": {"type": "object", "properties": {
                            "direction": {"type": "string", "enum": ["in", "out"]},
                            "date": {"type": ["string", "null"], "format": "date-time"},
                            "from": {"type": "string"}, "subject": {"type": "string"},
                            "matched_by": {"type": ["string", "null"],
                                           "enum": ["tag", "thread", "reference", "sender", "assigned", "claimed", None]},
                            "document_id": {"type": ["integer", "null"]},
                            "proposed_event": {"type": ["object", "null"]}}},
                            "description": "Courriels envoyés et reçus, du plus ancien au plus récent"},
                    }}],
                }}}},
                **error_responses(401, 404),
            },
        },
    },
}

REQUEST_PATHS["/requests/{request_id}/letters/{kind}.{extension}"] = {
    "get": {
        "summary": "Un courrier de la demande (la dernière version envoyée, sinon le brouillon)",
        "parameters": [
            {"name": "request_id", "in": "path", "required": True, "schema": {"type": "integer"}},
            {"name": "kind", "in": "path", "required": True, "schema": {"type": "string", "enum": [
                "request", "reminder", "cada_referral", "after_opinion", "recours_gracieux", "court_application"]}},
            {"name": "extension", "in": "path", "required": True, "schema": {"type": "string", "enum": ["pdf", "docx", "txt"]}},
        ],
        "responses": {
            "200": {"description": "Le fichier", "content": {
                "application/pdf": {}, "text/plain": {},
                "application/vnd.openxmlformats-officedocument.wordprocessingml.document": {}}},
            "409": {"description": "L'étape de ce courrier n'est pas atteinte", "content": {"application/json": {"schema": ERROR}}},
            **error_responses(401, 404),
        },
    },
}

REQUEST_PATHS["/requests/{request_id}/events"] = {
    "post": {
        "summary": "Enregistrer un événement de la demande ; les échéances sont recalculées",
        "parameters": [{"name": "request_id", "in": "path", "required": True, "schema": {"type": "integer"}}],
        "requestBody": {"required": True, "content": {"application/json": {"schema": event_body_schema()}}},
        "responses": {
            "201": {"description": "La demande, avec son statut et ses échéances", "content": {"application/json": {
                "schema": {"$ref": "#/components/schemas/RequestSummary"}}}},
            "409": {"description": "Événement incohérent avec l'historique", "content": {"application/json": {"schema": ERROR}}},
            **error_responses(400, 401, 403, 404, 422),
        },
    },
}

SPEC: dict[str, Any] = {
    "openapi": "3.1.0",
    "info": {
        "title": "Lanterne API",
        "version": "1",
        "description": "Demandes de communication de documents administratifs (CRPA, livre III).",
    },
    "servers": [{"url": "/api/v1"}],
    "security": [{"bearer": []}],
    "components": {
        "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer",
                                       "description": "Jeton créé par `flask --app app user token EMAIL` ou depuis la page Compte."}},
        "schemas": {
            "Error": {
                "type": "object",
                "required": ["error"],
                "properties": {"error": {"type": "object", "required": ["code", "message"], "properties": {
                    "code": {"type": "integer"},
                    "message": {"type": "string"},
                    "fields": {"type": "object", "additionalProperties": {"type": "array", "items": {"type": "string"}}},
                }}},
            },
            "Authority": {
                "type": "object",
                "required": ["id", "name", "kind", "verified"],
                "properties": {"id": {"type": "integer"}, **AUTHORITY_FIELDS},
            },
            "RequestSummary": {
                "type": "object",
                "required": ["id", "reference", "status"],
                "properties": {"id": {"type": "integer"}, "reference": {"type": "string"}, "status": {"type": "string"}},
            },
            "AuthorityInput": {
                "type": "object",
                "required": ["name"],
                "additionalProperties": False,
                "properties": {**AUTHORITY_FIELDS, "address_lines": {"oneOf": [
                    {"type": "array", "items": {"type": "string"}}, {"type": "string"}]}},
            },
        },
    },
    "paths": {
        **REQUEST_PATHS,
        "/authorities": {
            "get": {
                "summary": "Lister et rechercher les autorités",
                "description": "Tout l'annuaire, par ordre alphabétique. Chaque mot de « q » doit se trouver "
                               "dans le nom, la commune, le code postal ou le département (son numéro ou son "
                               "nom : « moselle », « seine saint denis »), sans tenir compte des accents, "
                               "des majuscules ni des traits d'union.",
                "parameters": [
                    {"name": "q", "in": "query", "schema": {"type": "string"},
                     "description": "Mots cherchés, par exemple « prefecture moselle »."},
                    {"name": "department", "in": "query", "schema": {"type": "string"},
                     "description": "Code du département : 57, 2A, 974..."},
                    {"name": "kind", "in": "query", "schema": {"type": "string", "enum": list(AUTHORITY_KINDS)},
                     "description": "Type d'autorité."},
                    {"name": "page", "in": "query", "schema": {"type": "integer", "minimum": 1}},
                    {"name": "per_page", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 200}},
                ],
                "responses": {
                    "200": {"description": "Une page de résultats", "content": {"application/json": {"schema": {
                        "type": "object",
                        "properties": {
                            "items": {"type": "array", "items": {"$ref": "#/components/schemas/Authority"}},
                            "page": {"type": "integer"}, "pages": {"type": "integer"},
                            "total": {"type": "integer", "description": "Compté jusqu'à 1 001 au plus."},
                            "more": {"type": "boolean",
                                     "description": "Plus de 1 000 résultats : « total » et « pages » sont des "
                                                    "minimums ; précisez la recherche."},
                        },
                    }}}},
                    **error_responses(401, 422),
                },
            },
            "post": {
                "summary": "Ajouter une autorité à l'annuaire",
                "requestBody": {"required": True, "content": {"application/json": {
                    "schema": {"$ref": "#/components/schemas/AuthorityInput"}}}},
                "responses": {
                    "201": {"description": "Créée", "content": {"application/json": {
                        "schema": {"$ref": "#/components/schemas/Authority"}}}},
                    **error_responses(400, 401, 403, 422),
                },
            },
        },
        "/authorities/{authority_id}": {
            "get": {
                "summary": "Une autorité",
                "parameters": [{"name": "authority_id", "in": "path", "required": True, "schema": {"type": "integer"}}],
                "responses": {
                    "200": {"description": "L'autorité", "content": {"application/json": {
                        "schema": {"$ref": "#/components/schemas/Authority"}}}},
                    **error_responses(401, 404),
                },
            },
            "patch": {
                "summary": "Modifier une autorité : appliqué pour un responsable de l'annuaire ; pour les autres, "
                           "une proposition (202), ou avec « scope » des coordonnées gardées pour les courriers "
                           "de son organisation (« organisation ») ou de ses demandes non partagées (« personal »)",
                "parameters": [{"name": "authority_id", "in": "path", "required": True, "schema": {"type": "integer"}}],
                "requestBody": {"required": True, "content": {"application/json": {"schema": {
                    "type": "object",
                    "properties": {**AUTHORITY_FIELDS,
                                   "address_lines": {"oneOf": [{"type": "array", "items": {"type": "string"}},
                                                               {"type": "string"}]},
                                   "scope": {"type": "string", "enum": ["organisation", "personal"]},
                                   "organisation_id": {"type": "integer"},
                                   "reason": {"type": "string", "maxLength": 2000}},
                }}}},
                "responses": {
                    "200": {"description": "Appliquée (l'autorité), ou gardée pour ses courriers "
                                           "(« override » et « authority »)",
                            "content": {"application/json": {"schema": {"type": "object"}}}},
                    "202": {"description": "Proposée aux responsables de l'annuaire",
                            "content": {"application/json": {"schema": {"type": "object", "properties": {
                                "proposal": {"type": "object"}}}}}},
                    **error_responses(400, 401, 403, 404, 422),
                },
            },
        },
    },
}


@bp.get("/openapi.json")
def openapi():
    return SPEC
