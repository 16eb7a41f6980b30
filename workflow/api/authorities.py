"""/api/v1/authorities: the directory."""
from flask import g, request, url_for

from workflow.api import ApiError, bp, form_from_json, json_body
from workflow.directory import authorities, sharing
from workflow.core.extensions import db
from workflow.forms import AuthorityForm
from workflow.models import Authority
from workflow.models.authorities import AUTHORITY_KINDS
from workflow.core.params import is_database_id, page_number


def authority_json(authority: Authority) -> dict:
    return {
        "id": authority.id,
        "name": authority.name,
        "kind": authority.kind,
        "address_lines": authority.address_lines.splitlines(),
        "postal_code": authority.postal_code,
        "city": authority.city,
        "email": authority.email,
        "prada_name": authority.prada_name,
        "prada_email": authority.prada_email,
        "website": authority.website,
        "online_request_url": authority.online_request_url,
        "department_code": authority.department_code,
        "verified": authority.verified,
        "last_checked_on": authority.last_checked_on.isoformat() if authority.last_checked_on else None,
        "notes": authority.notes,
    }


@bp.get("/authorities")
def list_authorities():
    """The whole directory: `q` (each word in the name, town, postcode or department's code
    or name, accents, case and hyphens aside), `department`, `kind`, `page`, `per_page`."""
    per_page = min(request.args.get("per_page", 50, type=page_number), 200)
    kind = request.args.get("kind", "").strip()
    if kind and kind not in AUTHORITY_KINDS:
        raise ApiError(422, "« kind » doit être l'un de : " + ", ".join(AUTHORITY_KINDS) + ".")
    page = authorities.search_page(
        authorities.search_query(request.args.get("q", ""), request.args.get("department", "").strip().upper(), kind),
        request.args.get("page", 1, type=page_number), per_page=per_page,
    )
    return {
        "items": [authority_json(authority) for authority in page.items],
        "page": page.page,
        "pages": page.pages,
        "total": page.total,
        "more": page.more,
    }


@bp.get("/authorities/<int:authority_id>")
def get_authority(authority_id: int):
    return authority_json(db.get_or_404(Authority, authority_id, description="Cette autorité n'existe pas."))


@bp.post("/authorities")
def create_authority():
    payload = json_body()
    if isinstance(payload.get("address_lines"), list):
        payload["address_lines"] = "\n".join(str(line) for line in payload["address_lines"])
    form = form_from_json(AuthorityForm, payload, allowed=set(authorities.EDITABLE_FIELDS))
    try:
        authority = sharing.create(g.api_user, form.data, "api")
    except sharing.DirectoryError as error:
        raise ApiError(403, str(error)) from error
    return authority_json(authority), 201, {"Location": url_for("api.get_authority", authority_id=authority.id)}


def _target_scope(scope: object, organisation_id: object) -> str | None:
    """The `sharing.submit` scope a PATCH asks for; None: the default for the caller."""
    if scope is None:
        return None
    if scope == "personal":
        return "personal"
    if scope != "organisation":
        raise ApiError(422, "« scope » vaut « organisation » ou « personal ».")
    if organisation_id is not None:
        if not is_database_id(organisation_id):
            raise ApiError(422, "« organisation_id » doit être un identifiant d'organisation.")
        return f"organisation:{organisation_id}"
    writable = [organisation.id for organisation in g.api_user.writable_organisations]
    if len(writable) != 1:
        raise ApiError(422 if writable else 403, "Précisez « organisation_id »." if writable else
                       "Vous n'êtes rédacteur d'aucune organisation : utilisez « scope »: « personal ».")
    return f"organisation:{writable[0]}"


@bp.patch("/authorities/<int:authority_id>")
def change_authority(authority_id: int):
    """Applied for a maintainer; for anyone else, a proposal (202), or with `scope` an
    override for the caller's organisation (or own requests). Never a silent change for
    other users."""
    authority = db.get_or_404(Authority, authority_id, description="Cette autorité n'existe pas.")
    payload = json_body()
    scope = _target_scope(payload.pop("scope", None), payload.pop("organisation_id", None))
    reason = payload.pop("reason", "")
    if not isinstance(reason, str):
        raise ApiError(422, "« reason » doit être un texte.")
    if isinstance(payload.get("address_lines"), list):
        payload["address_lines"] = "\n".join(str(line) for line in payload["address_lines"])
    current = {**authority_json(authority), "address_lines": authority.address_lines}
    current.pop("id")
    form = form_from_json(AuthorityForm, {**current, **payload}, allowed=set(authorities.EDITABLE_FIELDS))
    fields = {name: form.data[name] for name in payload}
    if scope is None:
        scope = "directory" if sharing.is_maintainer(g.api_user) else "proposal"
    try:
        outcome = sharing.submit(g.api_user, authority, fields, scope, reason, "api")
    except sharing.NotAllowed as error:
        raise ApiError(403, str(error)) from error
    except sharing.DirectoryError as error:
        raise ApiError(422, str(error)) from error
    if outcome.kind == "proposed":
        proposal = outcome.proposal
        return {"proposal": {"id": proposal.id, "status": proposal.status, "changes": proposal.changes,
                             "reason": proposal.reason}}, 202
    if outcome.kind == "kept":
        override = outcome.override
        return {"override": {"organisation_id": outcome.organisation.id if outcome.organisation else None,
                             "fields": override.fields} if override else None,
                "authority": authority_json(authority)}
    return authority_json(authority)
