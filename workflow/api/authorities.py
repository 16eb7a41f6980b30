"""/api/v1/authorities: the directory."""
from flask import request, url_for

from workflow.directory import authorities
from workflow.api import bp, form_from_json, json_body
from workflow.core.extensions import db
from workflow.forms import AuthorityForm
from workflow.models import Authority
from workflow.core.params import page_number, paginate


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
    per_page = min(request.args.get("per_page", 50, type=page_number), 200)
    page = paginate(
        authorities.search_query(request.args.get("q", ""), request.args.get("department", "").strip().upper()),
        per_page=per_page,
    )
    return {
        "items": [authority_json(authority) for authority in page.items],
        "page": page.page,
        "pages": page.pages,
        "total": page.total,
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
    authority = authorities.save(Authority(), form.data)
    return authority_json(authority), 201, {"Location": url_for("api.get_authority", authority_id=authority.id)}
