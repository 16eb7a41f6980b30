"""E-mails in the API: a request's messages (in `GET /requests/<id>`), confirming or
dismissing the event one proposes, and the inbox of unmatched mail (site administrators)."""
from __future__ import annotations

import email
import email.policy

from flask import g

from workflow.accounts.access import get_request_or_404
from workflow.api import ApiError, bp, json_body
from workflow.api.openapi import ERROR, SPEC, error_responses
from workflow.core.extensions import db
from workflow.core.params import is_database_id
from workflow.core.storage import file_store
from workflow.documents import mail as email_reading
from workflow.inbound import receiving
from workflow.law.states import TransitionError
from workflow.models import AccessRequest, InboundMessage, OutgoingMail


def _time(moment) -> str | None:
    return moment.isoformat() if moment else None


def received_json(message: InboundMessage) -> dict:
    proposal = message.proposed_event
    return {
        "id": message.id, "direction": "in", "kind": message.kind, "date": _time(message.arrived_at),
        "sent_at": _time(message.sent_at), "from": message.sender, "to": message.recipients,
        "subject": message.subject, "matched_by": message.matched_by, "document_id": message.document_id,
        "filing_note": message.filing_note or None,
        "proposed_event": None if proposal is None else {
            "type": proposal["type"], "date": proposal["occurred_on"], "why": proposal["why"],
            "status": message.proposal_status, "event_id": message.event_id},
        "bounced_mail_id": message.bounced_mail_id,
    }


def _sender_of(outgoing: OutgoingMail) -> str:
    """The From the message went out with, read off its stored bytes (the setting may have changed since)."""
    try:
        head = file_store().read(outgoing.eml_sha256).split(b"\r\n\r\n", 1)[0]
    except OSError:
        return ""
    return email_reading.header(email.message_from_bytes(head, policy=email.policy.default), "From")


def sent_json(outgoing: OutgoingMail) -> dict:
    return {"id": outgoing.id, "direction": "out", "kind": "letter", "date": _time(outgoing.sent_at),
            "from": _sender_of(outgoing), "to": outgoing.to_address, "subject": outgoing.subject, "message_id": outgoing.message_id,
            "status": outgoing.status, "error": outgoing.last_error or None}


def messages_json(access_request: AccessRequest) -> list[dict]:
    """Sent and received, oldest first."""
    messages = [sent_json(outgoing) for outgoing in receiving.sent_of_request(access_request)]
    messages += [received_json(message) for message in receiving.of_request(access_request)]
    return sorted(messages, key=lambda entry: entry["date"] or "9999")


def _message_of(access_request: AccessRequest, message_id: int) -> InboundMessage:
    message = db.session.get(InboundMessage, message_id)
    if message is None or message.request_id != access_request.id:
        raise ApiError(404, "Ce courriel n'existe pas sur cette demande.")
    return message


@bp.post("/requests/<int:request_id>/messages/<int:message_id>/confirm")
def confirm_message_event(request_id: int, message_id: int):
    """Record the event a received message proposes (the user's confirmation)."""
    access_request = get_request_or_404(request_id, g.api_user, for_change=True)
    message = _message_of(access_request, message_id)
    try:
        receiving.confirm(message, g.api_user)
    except (receiving.InboundError, TransitionError) as error:
        raise ApiError(409, str(error)) from error
    return received_json(message)


@bp.post("/requests/<int:request_id>/messages/<int:message_id>/dismiss")
def dismiss_message_event(request_id: int, message_id: int):
    access_request = get_request_or_404(request_id, g.api_user, for_change=True)
    message = _message_of(access_request, message_id)
    try:
        receiving.dismiss(message, g.api_user)
    except receiving.InboundError as error:
        raise ApiError(409, str(error)) from error
    return received_json(message)


def _require_admin() -> None:
    if not g.api_user.site_admin:
        raise ApiError(403, "Seuls les administrateurs du site voient les courriels à classer.")


@bp.get("/inbox")
def inbox():
    _require_admin()
    return {"messages": [{**received_json(message), "suggested_authority_id": message.suggested_authority_id}
                         for message in receiving.unplaced()]}


@bp.post("/inbox/<int:message_id>/assign")
def assign_message(message_id: int):
    _require_admin()
    message = db.session.get(InboundMessage, message_id)
    if message is None:
        raise ApiError(404, "Ce courriel n'existe pas.")
    request_id = json_body().get("request_id")
    if not is_database_id(request_id):
        raise ApiError(422, "Indiquez la demande (request_id).", fields={"request_id": ["Identifiant invalide."]})
    access_request = db.session.get(AccessRequest, request_id)
    if access_request is None:
        raise ApiError(404, "Cette demande n'existe pas.")
    try:
        receiving.assign(message, access_request, g.api_user)
    except receiving.InboundError as error:
        raise ApiError(409, str(error)) from error
    return received_json(message)


_ID = {"type": "integer", "minimum": 1}
_MESSAGE = {"type": "object", "properties": {
    "id": _ID, "direction": {"type": "string", "enum": ["in"]},
    "kind": {"type": "string", "enum": ["message", "auto_reply", "bounce"]},
    "date": {"type": "string", "format": "date-time"}, "from": {"type": "string"}, "subject": {"type": "string"},
    "matched_by": {"type": ["string", "null"]}, "document_id": {"type": ["integer", "null"]},
    "proposed_event": {"type": ["object", "null"]}}}
_JSON = lambda schema: {"application/json": {"schema": schema}}  # noqa: E731


def _decision(summary: str) -> dict:
    return {"post": {
        "summary": summary,
        "parameters": [{"name": name, "in": "path", "required": True, "schema": _ID}
                       for name in ("request_id", "message_id")],
        "responses": {"200": {"description": "Le courriel", "content": _JSON(_MESSAGE)},
                      "409": {"description": "Plus rien à décider, ou l'événement n'est pas possible",
                              "content": _JSON(ERROR)},
                      **error_responses(401, 403, 404)}}}


SPEC["paths"].update({
    "/requests/{request_id}/messages/{message_id}/confirm": _decision(
        "Enregistrer l'événement qu'un courriel reçu propose (la confirmation de l'utilisateur)"),
    "/requests/{request_id}/messages/{message_id}/dismiss": _decision("Écarter l'événement proposé"),
    "/inbox": {"get": {
        "summary": "Les courriels reçus qu'aucune demande n'a reconnus (administrateurs du site)",
        "responses": {"200": {"description": "Les courriels à classer", "content": _JSON(
            {"type": "object", "properties": {"messages": {"type": "array", "items": _MESSAGE}}})},
            **error_responses(401, 403)}}},
    "/inbox/{message_id}/assign": {"post": {
        "summary": "Classer un courriel sur une demande (administrateurs du site)",
        "parameters": [{"name": "message_id", "in": "path", "required": True, "schema": _ID}],
        "requestBody": {"required": True, "content": _JSON({"type": "object", "required": ["request_id"],
                                                           "properties": {"request_id": _ID}})},
        "responses": {"200": {"description": "Le courriel, classé", "content": _JSON(_MESSAGE)},
                      "409": {"description": "Déjà classé", "content": _JSON(ERROR)},
                      **error_responses(400, 401, 403, 404, 422)}}},
})
