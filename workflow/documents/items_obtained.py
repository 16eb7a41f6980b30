"""What each requested item obtained: the best outcome any filed document brought
(complete > redacted > refused), per request and per campaign.
"""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select

from workflow.accounts.access import editable_by, visible_to
from workflow.core.extensions import db
from workflow.models import Campaign, Document, DocumentItem, AccessRequest, RequestItem, User
from workflow.models.documents import OUTCOMES

_RANK = {"complete": 3, "redacted": 2, "refused": 1}


@dataclass
class ItemStatus:
    item: RequestItem
    outcome: str | None  # the best any document brought: complete > redacted > refused
    documents: list[tuple[Document, str]]

    @property
    def label(self) -> str:
        return OUTCOMES.get(self.outcome, "Pas encore obtenu")


@dataclass
class Obtained:
    items: list[ItemStatus]
    documents: int

    def count(self, outcome: str | None) -> int:
        return sum(1 for status in self.items if status.outcome == outcome)

    @property
    def complete(self) -> int:
        return self.count("complete")

    @property
    def redacted(self) -> int:
        return self.count("redacted")

    @property
    def refused(self) -> int:
        return self.count("refused")

    @property
    def missing(self) -> int:
        return self.count(None)

    @property
    def obtained(self) -> int:
        return self.complete + self.redacted

    @property
    def summary(self) -> str:
        """"Documents demandés obtenus : 2 sur 3 (dont 1 occulté), 1 refusé."."""
        if not self.items:
            return "Aucun document demandé."
        return "Documents demandés obtenus : " + outcome_counts(self.obtained, len(self.items), self.redacted, self.refused)


def outcome_counts(obtained: int, total: int, redacted: int, refused: int) -> str:
    text = f"{obtained} sur {total}"
    if redacted:
        text += f" (dont {redacted} occulté{'s' if redacted > 1 else ''})"
    if refused:
        text += f", {refused} refusé{'s' if refused > 1 else ''}"
    return text + "."


def _obtained_for(requests: list[AccessRequest]) -> dict[int, Obtained]:
    ids = [access_request.id for access_request in requests]
    links = db.session.execute(
        select(DocumentItem, Document).join(Document, Document.id == DocumentItem.document_id)
        .where(Document.request_id.in_(ids)).order_by(Document.id)).all() if ids else []
    by_item: dict[int, list[tuple[Document, str]]] = {}
    for link, document in links:
        by_item.setdefault(link.item_id, []).append((document, link.outcome))
    counts = dict(db.session.execute(
        select(Document.request_id, func.count()).where(Document.request_id.in_(ids), Document.parent_id.is_(None))
        .group_by(Document.request_id)).all()) if ids else {}
    result = {}
    for access_request in requests:
        statuses = []
        for item in access_request.items:
            brought = by_item.get(item.id, [])
            best = max((outcome for _document, outcome in brought), key=_RANK.get, default=None)
            statuses.append(ItemStatus(item, best, brought))
        result[access_request.id] = Obtained(statuses, counts.get(access_request.id, 0))
    return result


def obtained(access_request: AccessRequest) -> Obtained:
    return _obtained_for([access_request])[access_request.id]


@dataclass
class RequestDocuments:
    """What a request's page shows of its documents, for one user."""

    obtained: Obtained
    documents: list[Document]  # filed, newest first; the parts of a container are under it
    can_edit: bool


def request_documents(access_request: AccessRequest, user: User) -> RequestDocuments:
    can_edit = db.session.scalar(select(AccessRequest.id).where(AccessRequest.id == access_request.id, editable_by(AccessRequest, user)))
    roots = list(db.session.scalars(select(Document).where(Document.request_id == access_request.id, Document.parent_id.is_(None))
                                    .order_by(Document.received_on.desc(), Document.id.desc())))
    return RequestDocuments(obtained(access_request), roots, bool(can_edit))


@dataclass
class CampaignObtained:
    rows: list[tuple[AccessRequest, Obtained]]

    @property
    def items(self) -> int:
        return sum(len(row.items) for _found, row in self.rows)

    def total(self, attribute: str) -> int:
        return sum(getattr(row, attribute) for _found, row in self.rows)

    @property
    def summary(self) -> str:
        if not self.items:
            return "Aucun document demandé."
        return "Documents demandés obtenus : " + outcome_counts(
            self.total("obtained"), self.items, self.total("redacted"), self.total("refused"))


def campaign_obtained(campaign: Campaign, user: User) -> CampaignObtained:
    requests = list(db.session.scalars(select(AccessRequest).where(AccessRequest.campaign_id == campaign.id, visible_to(AccessRequest, user))
                                       .order_by(AccessRequest.reference)))
    by_id = _obtained_for(requests)
    return CampaignObtained([(access_request, by_id[access_request.id]) for access_request in requests])
