"""What the document tests share: a request to file documents on, the contract they file,
and filing files from the request page."""
import io

from sqlalchemy import select

from tests.documents.samples import make_pdf
from workflow.core.extensions import db
from workflow.models import Authority, RequesterIdentity
from workflow.requests import lifecycle as request_service

CONTRACT = make_pdf(["Acte d'engagement du marché de vidéoprotection.",
                     "Les caméras sont installées par le titulaire des contrats."])


def make_request(owner, authority_name="Ville de Metz", items=("Acte d'engagement", "CCTP"), campaign_with=()):
    """A request drafted as the form would, to a new authority (a campaign, one request
    per authority, with `campaign_with`)."""
    identity = db.session.scalar(select(RequesterIdentity).where(RequesterIdentity.owner_id == owner.id))
    if identity is None:
        identity = RequesterIdentity(owner_id=owner.id, name="Alice Martin", address="1 rue X\n57000 Metz",
                                     email="alice@example.org")
        db.session.add(identity)
    authorities = []
    for name in (authority_name, *campaign_with):
        authority = Authority(name=name, kind="commune", city="Metz", department_code="57")
        db.session.add(authority)
        authorities.append(authority)
    db.session.commit()
    for row in (owner, identity, *authorities):
        db.session.refresh(row)
    created, _campaign = request_service.create_requests(owner, authorities, request_service.Draft(
        subject="Vidéoprotection", items=list(items), requester=identity))
    return created[0] if not campaign_with else created


def upload(client, access_request, files, follow=True, **fields):
    """Files `files` ((name, bytes) pairs) from the request page."""
    data = {"files": [(io.BytesIO(content), name) for name, content in files], **fields}
    return client.post(f"/documents/demandes/{access_request.id}/envoi", data=data, content_type="multipart/form-data",
                       follow_redirects=follow)
