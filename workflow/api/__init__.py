"""The JSON API under /api/v1, authenticated by `Authorization: Bearer <token>`."""
from __future__ import annotations

from typing import Any

from flask import Blueprint, g, jsonify, request
from werkzeug.datastructures import MultiDict
from werkzeug.exceptions import HTTPException

from workflow.accounts import users as accounts
from workflow.core.extensions import csrf

bp = Blueprint("api", __name__, url_prefix="/api/v1")
csrf.exempt(bp)  # bearer tokens, not cookies: no cross-site forgery to guard against

PUBLIC_ENDPOINTS = {"api.openapi"}


class ApiError(HTTPException):
    """An error with a French message (and field errors) returned as JSON."""

    def __init__(self, code: int, message: str, fields: dict[str, list[str]] | None = None):
        super().__init__(message)
        self.code = code
        self.fields = fields


def error_response(code: int, message: str, fields: dict[str, list[str]] | None = None):
    body: dict[str, Any] = {"error": {"code": code, "message": message}}
    if fields:
        body["error"]["fields"] = fields
    return jsonify(body), code


@bp.before_request
def authenticate():
    if request.endpoint in PUBLIC_ENDPOINTS:
        return None
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return error_response(401, "Authentification requise : en-tête « Authorization: Bearer <jeton> ».")
    user = accounts.user_for_token(token.strip())
    if user is None:
        return error_response(401, "Jeton d'API inconnu ou révoqué.")
    g.api_user = user
    return None


def json_body() -> dict[str, Any]:
    try:
        payload = request.get_json(silent=True)
    except RecursionError as error:  # json gives up on deep nesting with this, not a ValueError
        raise ApiError(400, "Le corps JSON est imbriqué trop profondément.") from error
    if not isinstance(payload, dict):
        raise ApiError(400, "Le corps de la requête doit être un objet JSON (Content-Type: application/json).")
    return payload


def form_from_json(form_class, payload: dict[str, Any], allowed: set[str]):
    """Validate a JSON payload with the same form as the HTML page, so both share rules."""
    unknown = sorted(set(payload) - allowed)
    if unknown:
        raise ApiError(400, f"Champs inconnus : {', '.join(unknown)}.")
    formdata: MultiDict[str, str] = MultiDict()
    for key, value in payload.items():
        if isinstance(value, bool):
            if value:
                formdata.add(key, "y")  # an absent BooleanField is false
        elif value is not None:
            formdata.add(key, str(value))
    form = form_class(formdata=formdata, meta={"csrf": False})
    if not form.validate():
        raise ApiError(422, "Données invalides.", fields=form.errors)
    return form


@bp.errorhandler(ApiError)
def handle_api_error(error: ApiError):
    return error_response(error.code, error.description, error.fields)


from workflow.api import authorities, documents, inbound, openapi, precedents, requests  # noqa: E402,F401  (routes register on bp)
