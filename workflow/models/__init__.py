"""Typed models, one module per aggregate. Importing this package registers them all."""
from workflow.models.authorities import Authority, AuthorityChange, AuthorityOverride, AuthorityProposal
from workflow.models.campaigns import Campaign
from workflow.models.documents import Document, DocumentItem
from workflow.models.inbound import InboundMessage
from workflow.models.jobs import JobRun
from workflow.models.letters import Letter
from workflow.models.notifications import Notification, OutgoingMail
from workflow.models.precedents import CadaOpinion, RequestPrecedent
from workflow.models.reminders import CalendarFeed, Deadline, Reminder
from workflow.models.requests import Event, AccessRequest, HistoryEntry, RequestItem
from workflow.models.stored_files import FileStoreOwner
from workflow.models.subjects import Subject
from workflow.models.users import ApiToken, Invitation, LoginAttempt, Membership, Organisation, RequesterIdentity, User
from workflow.models.versions import DataVersion

__all__ = [
    "ApiToken", "Authority", "CadaOpinion", "AuthorityChange", "AuthorityOverride", "AuthorityProposal", "CalendarFeed", "Campaign",
    "DataVersion", "Deadline", "Document", "DocumentItem", "Event", "FileStoreOwner", "HistoryEntry", "InboundMessage", "Invitation", "JobRun", "Letter",
    "LoginAttempt", "Membership", "Notification", "Organisation", "OutgoingMail", "Reminder", "AccessRequest", "RequestItem",
    "RequesterIdentity", "RequestPrecedent", "Subject", "User",
]
