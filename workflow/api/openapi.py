"""The OpenAPI 3.1 description of /api/v1, written by hand next to the routes."""
from workflow.api import bp
from workflow.models.authorities import AUTHORITY_KINDS

ERROR = {"$ref": "#/components/schemas/Error"}


def _error_responses(*codes: int) -> dict:
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

SPEC = {
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
        "/authorities": {
            "get": {
                "summary": "Lister et rechercher les autorités",
                "parameters": [
                    {"name": "q", "in": "query", "schema": {"type": "string"}},
                    {"name": "department", "in": "query", "schema": {"type": "string"}},
                    {"name": "page", "in": "query", "schema": {"type": "integer", "minimum": 1}},
                    {"name": "per_page", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 200}},
                ],
                "responses": {
                    "200": {"description": "Une page de résultats", "content": {"application/json": {"schema": {
                        "type": "object",
                        "properties": {
                            "items": {"type": "array", "items": {"$ref": "#/components/schemas/Authority"}},
                            "page": {"type": "integer"}, "pages": {"type": "integer"}, "total": {"type": "integer"},
                        },
                    }}}},
                    **_error_responses(401),
                },
            },
            "post": {
                "summary": "Ajouter une autorité à l'annuaire",
                "requestBody": {"required": True, "content": {"application/json": {
                    "schema": {"$ref": "#/components/schemas/AuthorityInput"}}}},
                "responses": {
                    "201": {"description": "Créée", "content": {"application/json": {
                        "schema": {"$ref": "#/components/schemas/Authority"}}}},
                    **_error_responses(400, 401, 422),
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
                    **_error_responses(401, 404),
                },
            },
        },
    },
}


@bp.get("/openapi.json")
def openapi():
    return SPEC
