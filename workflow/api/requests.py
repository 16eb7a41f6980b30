"""/api/v1/requests: draft requests, read them with their status and deadlines."""
from __future__ import annotations

from datetime import date

from flask import g, url_for
from sqlalchemy import select

from workflow.letters import request_letters
from workflow.requests import limits
from workflow.requests import lifecycle as request_service
from workflow.accounts import users as accounts
from workflow.accounts.access import get_request_or_404, identity_problem
from workflow.api import ApiError, bp, json_body
from workflow.api import inbound as inbound_api
from workflow.mail import addresses
from workflow.core.extensions import db
from workflow.letters.rendering import LETTER_KINDS, LetterNotReady
from workflow.models import Authority, AccessRequest, RequesterIdentity
from workflow.models.users import IDENTITY_KINDS
from workflow.core.params import is_database_id
from workflow.law.events import data_problems, input_fields
from workflow.law.states import ACCESS_FORMATS, CHANNELS, EVENT_LABELS, STATUS_LABELS, TransitionError
from workflow.core.downloads import send_bytes

REQUEST_FIELDS = {"authority_ids", "subject", "items", "channel", "requester", "access_format", "legal_grounds",
                  "campaign_title"}


def deadline_json(kind: str, computed) -> dict:
    return {
        "kind": kind,
        "date": computed.date.isoformat(),
        "safe_date": computed.safe_date.isoformat() if computed.safe_date else None,
        "legal_date": computed.legal_date.isoformat() if computed.legal_date else None,
        "explanation": computed.explanation,
        "enforceable": computed.enforceable,
        "enforceability": computed.enforceability,
        "enforceability_note": computed.enforceability_note,
        "estimated": computed.estimated,
        "state": computed.state,
        "state_note": computed.state_note,
        "legal_date_probable": computed.legal_date_probable,
    }


def request_summary(access_request: AccessRequest) -> dict:
    return {"id": access_request.id, "reference": access_request.reference, "status": access_request.status}


def request_json(access_request: AccessRequest) -> dict:
    current = request_service.situation(access_request)
    return {
        **request_summary(access_request),
        "status": current.status,
        "status_label": STATUS_LABELS[current.status],
        "subject": access_request.subject,
        "authority": {"id": access_request.authority_id, "name": access_request.authority.name},
        "campaign_id": access_request.campaign_id,
        "channel": access_request.channel,
        "access_format": access_request.access_format,
        "items": [{"id": item.id, "description": item.description} for item in access_request.items],
        "received_on": current.received_on.isoformat() if current.received_on else None,
        "received_is_estimate": current.received_is_estimate,
        "next_action": {"key": current.next_action[0], "label": current.next_action[1]},
        # What the requester's identity lacks without blocking the letters (a missing RNA number...).
        "warnings": accounts.identity_warnings(access_request.requester),
        "deadlines": [deadline_json(kind, computed) for kind, computed in current.deadlines.items()],
        "events": [
            {"id": event.id, "type": event.type, "label": EVENT_LABELS.get(event.type, event.type),
             "date": event.occurred_on.isoformat(), "data": event.data or {}, "corrects_id": event.corrects_id}
            for event in access_request.events
        ],
        "reply_address": addresses.reply_address(access_request),
        "messages": inbound_api.messages_json(access_request),
    }


def _strings(value) -> bool:
    return isinstance(value, list) and all(isinstance(entry, str) for entry in value)


def _requester_identity(payload: dict) -> RequesterIdentity:
    """The API names the requester inline: reuse the caller's private identity with exactly
    these details, or create it. A missing RNA number or register entry is no error (the
    request page warns about it); a malformed RNA number is. (An API request is private: an organisation's identity
    is never used, workflow/accounts/access.py.)"""
    requester = payload.get("requester")
    if not isinstance(requester, dict):
        raise ApiError(422, "Données invalides.", {"requester": ["Indiquez le demandeur : name, address, email."]})
    errors = {}
    name, address, email = (str(requester.get(key) or "").strip() for key in ("name", "address", "email"))
    for key, value in (("name", name), ("address", address), ("email", email)):
        if not value:
            errors[f"requester.{key}"] = ["Ce champ est obligatoire (CRPA, art. R112-9-1)."]
    for key, limit in limits.IDENTITY_MAX_LENGTHS.items():
        if len(str(requester.get(key) or "").strip()) > limit:
            errors[f"requester.{key}"] = [f"{limit} caractères au plus."]
    if email and "@" not in email:
        errors["requester.email"] = ["Adresse électronique non valide."]
    kind = requester.get("kind", "person")
    if not isinstance(kind, str) or kind not in IDENTITY_KINDS:
        errors["requester.kind"] = [f"Un de : {', '.join(IDENTITY_KINDS)}."]
    rna_number, local_register, representative = (
        str(requester.get(key) or "").strip() for key in ("rna_number", "local_register", "representative"))
    rna_number = rna_number.upper()
    for key, problem in accounts.identity_problems(kind, rna_number, local_register, representative).items():
        # Without a representative the draft is made; its letters say what they lack (409).
        if key != "representative":
            errors.setdefault(f"requester.{key}", [problem])
    if errors:
        raise ApiError(422, "Données invalides.", errors)
    details = {"rna_number": rna_number if kind == "association" and rna_number else None,
               "local_register": local_register if kind == "association" and local_register else None,
               "representative": representative if kind != "person" and representative else None}
    existing = db.session.scalar(select(RequesterIdentity).where(
        RequesterIdentity.owner_id == g.api_user.id, RequesterIdentity.organisation_id.is_(None),
        RequesterIdentity.kind == kind, RequesterIdentity.name == name, RequesterIdentity.email == email,
        RequesterIdentity.address == address,
        *(getattr(RequesterIdentity, key).is_(None) if value is None else getattr(RequesterIdentity, key) == value
          for key, value in details.items())).order_by(RequesterIdentity.id).limit(1))
    if existing is not None:
        return existing
    identity = RequesterIdentity(owner_id=g.api_user.id, kind=kind, name=name, address=address, email=email, **details)
    db.session.add(identity)
    db.session.flush()
    return identity


@bp.post("/requests")
def create_requests():
    payload = json_body()
    unknown = sorted(set(payload) - REQUEST_FIELDS)
    if unknown:
        raise ApiError(400, f"Champs inconnus : {', '.join(unknown)}.")
    errors: dict[str, list[str]] = {}
    authority_ids = payload.get("authority_ids")
    authority_count = 0
    if not isinstance(authority_ids, list) or not authority_ids or not all(is_database_id(i) for i in authority_ids):
        errors["authority_ids"] = ["Une liste d'identifiants d'autorités (au moins un)."]
        authorities = []
    elif (authority_count := len(set(authority_ids))) > limits.AUTHORITIES_MAX:
        authorities = []
    else:
        authorities = db.session.scalars(select(Authority).where(Authority.id.in_(authority_ids))).all()
        missing = sorted(set(authority_ids) - {authority.id for authority in authorities})
        if missing:
            errors["authority_ids"] = [f"Autorités inconnues : {', '.join(map(str, missing))}."]
    subject = payload.get("subject")
    if not isinstance(subject, str) or not subject.strip():
        errors["subject"] = [f"L'objet est obligatoire ({limits.SUBJECT_MAX_LENGTH} caractères au plus)."]
    items = payload.get("items")
    if not _strings(items) or not request_service.clean_lines(items):
        errors["items"] = ["Une liste d'au moins un document demandé."]
    legal_grounds = payload.get("legal_grounds") or []
    if not _strings(legal_grounds):
        errors["legal_grounds"] = ["Une liste de fondements juridiques (des textes)."]
    campaign_title = payload.get("campaign_title") or ""
    if not isinstance(campaign_title, str):
        errors["campaign_title"] = ["Un texte."]
    # The form's limits (workflow/requests/limits.py), on what is not refused already.
    sizes = limits.draft_problems(
        subject.strip() if isinstance(subject, str) else "",
        request_service.clean_lines(items) if _strings(items) else [],
        request_service.clean_lines(legal_grounds) if _strings(legal_grounds) else [],
        campaign_title.strip() if isinstance(campaign_title, str) else "",
        authority_count)
    for name, problems in sizes.items():
        errors.setdefault(name, problems)
    channel = payload.get("channel", "email")
    if channel not in CHANNELS:
        errors["channel"] = [f"Un de : {', '.join(CHANNELS)}."]
    access_format = payload.get("access_format", "email")
    if access_format not in ACCESS_FORMATS:
        errors["access_format"] = [f"Un de : {', '.join(ACCESS_FORMATS)}."]
    if errors:
        raise ApiError(422, "Données invalides.", errors)
    draft = request_service.Draft(
        subject=subject, items=items, requester=_requester_identity(payload),
        channel=channel, access_format=access_format, legal_grounds=legal_grounds,
    )
    # Keep the caller's order of authorities: it is the order of the references.
    by_id = {authority.id: authority for authority in authorities}
    try:
        created, campaign = request_service.create_requests(
            g.api_user, [by_id[i] for i in dict.fromkeys(authority_ids)], draft, campaign_title)
    except request_service.DraftError as error:
        db.session.rollback()
        raise ApiError(422, str(error))
    body = {"requests": [request_summary(access_request) for access_request in created],
            "campaign": {"id": campaign.id, "title": campaign.title} if campaign else None}
    return body, 201, {"Location": url_for("api.get_request", request_id=created[0].id)}


@bp.get("/requests/<int:request_id>")
def get_request(request_id: int):
    return request_json(get_request_or_404(request_id, g.api_user))


@bp.get("/requests/<int:request_id>/letters/<kind>.<any(pdf, docx, txt):extension>")
def get_letter(request_id: int, kind: str, extension: str):
    """The latest sent (frozen) version of the letter if there is one, else the draft."""
    access_request = get_request_or_404(request_id, g.api_user)
    problem = identity_problem(g.api_user, access_request)
    if problem:
        raise ApiError(403, problem)
    if kind not in LETTER_KINDS:
        raise ApiError(404, f"Type de courrier inconnu : « {kind} » (un de : {', '.join(LETTER_KINDS)}).")
    versions = request_letters.frozen_versions(access_request, kind)
    if versions:
        rendered = request_letters.stored(versions[-1], extension)
    else:
        try:
            rendered = request_letters.render(request_letters.build_context(access_request, kind), extension)
        except LetterNotReady as error:
            raise ApiError(409, str(error))
    return send_bytes(rendered.filename, rendered.media_type, rendered.content)


EVENT_FIELDS = {"type", "date", "note"}  # every event's; its data is declared in workflow/law/events.py


def event_data_from_json(event_type: str, payload: dict) -> dict:
    """The event's data from the JSON body, checked against the declaration: unknown names
    are a 400, values the law refuses a 422 with one French message per field."""
    specs = input_fields(event_type)
    unknown = sorted(set(payload) - EVENT_FIELDS - {spec.name for spec in specs})
    if unknown:
        raise ApiError(400, f"Champs inconnus pour « {event_type} » : {', '.join(unknown)}.")
    data = {spec.name: payload[spec.name] for spec in specs if payload.get(spec.name) not in (None, "")}
    problems = data_problems(event_type, data)
    if problems:
        raise ApiError(422, "Données invalides.", {name: [problem] for name, problem in problems.items()})
    return data


@bp.post("/requests/<int:request_id>/events")
def record_event(request_id: int):
    """Record what happened; the response is the request with its new status and deadlines."""
    access_request = get_request_or_404(request_id, g.api_user, for_change=True)
    payload = json_body()
    event_type, raw_date = payload.get("type"), payload.get("date")
    if event_type not in EVENT_LABELS:
        raise ApiError(422, "Données invalides.", {"type": [f"Un de : {', '.join(EVENT_LABELS)}."]})
    try:
        occurred_on = date.fromisoformat(str(raw_date))
    except ValueError:
        raise ApiError(422, "Données invalides.", {"date": ["Une date au format AAAA-MM-JJ."]})
    transferred_to = None
    if event_type == "transferred" and is_database_id(payload.get("to")):
        # `to` may name the authority by its id in the directory: the event keeps its name.
        transferred_to = db.session.get(Authority, payload["to"])
        if transferred_to is None:
            raise ApiError(422, "Données invalides.", {"to": [f"Aucune autorité n° {payload['to']} dans l'annuaire."]})
        payload = {**payload, "to": transferred_to.name}
    data = event_data_from_json(event_type, payload)
    # The law checks the shape of the opinion's outcomes by document; the request knows its documents.
    problem = request_service.item_outcomes_problem(access_request, data)
    if problem is not None:
        raise ApiError(422, "Données invalides.", {"item_outcomes": [problem]})
    if transferred_to is not None:
        data["to_authority_id"] = transferred_to.id
    note = payload.get("note") or ""
    if not isinstance(note, str) or len(note) > limits.EVENT_NOTE_MAX_LENGTH:
        raise ApiError(422, "Données invalides.", {"note": [f"Un texte de {limits.EVENT_NOTE_MAX_LENGTH} caractères au plus."]})
    try:
        request_service.record_event(access_request, event_type, occurred_on, data, author=g.api_user,
                                     note=note)
    except TransitionError as error:
        db.session.rollback()
        raise ApiError(409, str(error))
    return request_json(access_request), 201
