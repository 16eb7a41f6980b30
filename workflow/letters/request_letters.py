"""The letters of one request: their context read from the database, and freezing a
letter when it is sent (its bytes stored by SHA-256, never changed again).

The wording lives in the templates of `letters/`, rendered by the pure module
`workflow.letters.rendering`; every date they print comes from the request's events and from
the deadline engine, through `requests.situation`."""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select

from workflow.core import clock
from workflow.letters import rendering as letter_rendering
from workflow.letters import series as campaign_series
from workflow.letters.facts import PRECEDENT_LETTERS, defendant
from workflow.precedents import citations
from workflow.requests import limits
from workflow.requests import lifecycle as request_service
from workflow.core.extensions import db
from workflow.directory import sharing
from workflow.mail import addresses, notify
from workflow.letters.rendering import (CADA_PARTY, LetterContext, LetterNotReady, Party, Precedent, SeriesEntry,
                                       SeriesReferral)
from workflow.models import Authority, AuthorityChange, Letter, OutgoingMail, AccessRequest, User
from workflow.models.base import utcnow
from workflow.law import courts
from workflow.law.deadlines import OPEN
from workflow.law import series as series_law
from workflow.law.states import TransitionError
from workflow.core.storage import file_store

# The event that sending a letter records, where the chain has one.
EVENT_OF_LETTER = {"request": "sent", "cada_referral": "cada_referred", "court_application": "court_filed",
                   "court_withdrawal": "court_withdrawn"}
FORMATS = {"pdf": "application/pdf",
           "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
           "txt": "text/plain; charset=utf-8"}


def _authority_party(authority: Authority, access_request: AccessRequest) -> Party:
    # As this request's organisation (or owner) sees it: the shared entry, or its own override.
    seen = sharing.coordinates(authority, access_request)
    return Party(name=seen.name, address_lines=tuple(seen.postal_address), email=seen.email,
                 kind=seen.kind, prada_name=seen.prada_name)


def _sender(access_request: AccessRequest) -> Party:
    identity = access_request.requester
    if identity is None:
        raise LetterNotReady("request", message="Choisissez l'identité du demandeur avant de préparer un courrier.")
    return Party(name=identity.name, address_lines=identity.address_lines, email=identity.email, kind=identity.kind,
                 rna_number=identity.rna_number or "", local_register=identity.local_register or "",
                 representative=identity.representative or "",
                 representative_role=identity.representative_role or "")


def _place(sender: Party, authority: Authority) -> str:
    # The town of the sender's postal address: its last line, "57000 Metz".
    if sender.address_lines:
        match = re.match(r"^\s*\d{5}\s+(.+?)(\s+cedex.*)?$", sender.address_lines[-1], flags=re.I)
        if match:
            return match.group(1).strip()
    return authority.city or ""


def _by_slug(slug: str) -> Authority | None:
    return db.session.scalar(select(Authority).where(Authority.slug == slug))


def _court(access_request: AccessRequest) -> Party:
    """The tribunal administratif of the authority's department (CJA R221-3: workflow/law/courts.py),
    found in the directory by its slug, else by its exact name."""
    department = (access_request.authority.department_code or "").strip().upper()
    court = courts.court_for(department)
    if court is None:
        raise LetterNotReady("court_application", message=(
            "Indiquez le département de l'autorité dans l'annuaire : il désigne le tribunal administratif "
            "compétent pour la requête."))
    entry = _by_slug(court.slug) or db.session.scalar(
        select(Authority).where(Authority.name == court.name).order_by(Authority.id))
    if entry is None:
        raise LetterNotReady("court_application", message=(
            f"Ajoutez à l'annuaire le {court.name} (compétent pour le département {department}, "
            "code de justice administrative, art. R221-3) pour préparer la requête."))
    return _authority_party(entry, access_request)


def _recipient(access_request: AccessRequest, kind: str) -> Party:
    if kind == "cada_referral":
        cada = _by_slug("cada")
        return _authority_party(cada, access_request) if cada else CADA_PARTY
    if kind in ("court_application", "court_withdrawal"):
        return _court(access_request)
    return _authority_party(access_request.authority, access_request)


def _first_event(events, type_: str):
    return next((event for event in events if event.type == type_), None)


def _refusal(current: request_service.Situation) -> tuple[str, date | None]:
    """("explicit" | "implicit" | "", date): the refusal the request's CADA window runs
    from (the law module), if any: a later refusal is not the one referred."""
    referral = current.deadlines.get("cada_referral")
    if referral is not None and referral.decision:
        return "explicit", referral.starts_from
    implicit = current.deadlines.get("implicit_refusal")
    if implicit is not None and implicit.date < current.today:
        return "implicit", implicit.date
    return "", None


def _series(access_request: AccessRequest, today: date) -> tuple[tuple[SeriesEntry, ...], bool]:
    """The other requests of the same campaign that were sent, with their recorded refusal
    (explicit, or implicit as the deadline engine dates it), for the CADA referral and its
    notice; and whether the campaign is a series (L342-1, workflow/law/series.py)."""
    if access_request.campaign is None:
        return (), False
    requests = campaign_series.sent_requests(access_request.campaign)
    entries = []
    for sibling in requests:
        if sibling.id == access_request.id:
            continue
        events = request_service.effective_events(sibling)
        sent = _first_event(events, "sent")
        current = request_service.situation(sibling, today)
        refusal_kind, refused_on = _refusal(current)
        entries.append(SeriesEntry(authority=sibling.authority.name, reference=sibling.reference,
                                   sent_on=sent.occurred_on if sent else None,
                                   refusal_kind=refusal_kind, refused_on=refused_on))
    return tuple(entries), series_law.is_series(len(requests))


def _series_referral(access_request: AccessRequest, kind: str, is_series: bool) -> SeriesReferral | None:
    """For a series: the one referral recorded on another of its requests. Its referral
    letter is then not to be written again (the CADA "ne peut être saisie que d'un refus"),
    and the notice of it is; the notice needs it."""
    if kind not in ("cada_referral", campaign_series.NOTICE):
        return None
    found = campaign_series.referral(campaign_series.sent_requests(access_request.campaign)) if is_series else None
    if kind == "cada_referral":
        if found is not None and found.request.id != access_request.id:
            raise LetterNotReady(kind, message=(
                f"Cette demande fait partie d'une série de demandes ayant le même objet (CRPA, art. L342-1) : "
                f"la CADA, qui ne peut être saisie que d'un refus pour toute la série, l'a été le "
                f"{letter_rendering.format_date_fr(found.referred_on)} (demande {found.request.reference}, "
                f"{found.request.authority.name}). Préparez plutôt l'information de la saisine de la CADA "
                "pour cette administration."))
        return None
    if not is_series:
        raise LetterNotReady(kind, message=(
            "Ce courrier ne concerne que les demandes d'une série (la même demande envoyée à "
            f"{series_law.SERIES_MIN_REQUESTS} administrations ou plus, CRPA, art. L342-1) : "
            "cette demande n'en fait pas partie."))
    if found is None:
        raise LetterNotReady(kind, message=(
            "Ce courrier sera disponible une fois la saisine de la CADA enregistrée sur l'une des demandes de "
            "la série (courrier « Saisine de la CADA » marqué comme envoyé)."))
    if found.request.id == access_request.id:
        raise LetterNotReady(kind, message=(
            "C'est le refus de cette demande que la CADA examine pour toute la série : l'information de la "
            "saisine est à envoyer aux autres administrations de la série."))
    return SeriesReferral(authority=found.request.authority.name, reference=found.request.reference,
                          referred_on=found.referred_on, registered_on=found.registered_on,
                          case_number=found.case_number)


def _precedents(access_request: AccessRequest, kind: str) -> tuple[Precedent, ...]:
    """The CADA's opinions the request cites, for the letters that quote them."""
    if kind not in PRECEDENT_LETTERS:
        return ()
    return tuple(Precedent(number=citation.opinion.number, decided_on=citation.opinion.session_on,
                           holding=citation.holding, year=citation.opinion.year)
                 for citation in citations.cited(access_request))


def size_problem(access_request: AccessRequest) -> str | None:
    """Why the request is too large for a letter (French): the drafting limits
    (workflow/requests/limits.py) bound what any letter renders, whatever wrote the request."""
    problems = limits.draft_problems(
        access_request.subject, [item.description for item in access_request.items],
        request_service.clean_lines(access_request.legal_grounds),
        authorities=db.session.scalar(select(func.count()).select_from(AccessRequest).where(
            AccessRequest.campaign_id == access_request.campaign_id)) if access_request.campaign_id else 1)
    if not problems:
        return None
    return ("Cette demande est trop longue pour un courrier : "
            + " ".join(problem for messages in problems.values() for problem in messages)
            + " Raccourcissez le brouillon avant de préparer ses courriers.")


def build_context(access_request: AccessRequest, kind: str, letter_date: date | None = None) -> LetterContext:
    if kind not in letter_rendering.LETTER_KINDS:
        raise LetterNotReady(kind, message="Type de courrier inconnu.")
    too_large = size_problem(access_request)
    if too_large:
        raise LetterNotReady(kind, message=too_large)
    today = letter_date or clock.today()
    current = request_service.situation(access_request, today)
    events = request_service.effective_events(access_request)
    sender = _sender(access_request)
    sent = _first_event(events, "sent")
    refused = _first_event(events, "refused")
    registered = _first_event(events, "cada_registered")
    opinion = _first_event(events, "cada_opinion")
    implicit = current.deadlines.get("implicit_refusal")
    letter_channel = {"cada_referral": "email", "court_application": "postal",
                      "court_withdrawal": "postal"}.get(kind, access_request.channel)
    court_filed = _first_event(events, "court_filed")
    documents_later = _first_event(events, "documents_during_proceedings")
    series, is_series = (_series(access_request, today) if kind in ("cada_referral", campaign_series.NOTICE)
                         else ((), False))
    series_referral = _series_referral(access_request, kind, is_series)
    return LetterContext(
        kind=kind, reference=access_request.reference, sender=sender, recipient=_recipient(access_request, kind),
        authority=_authority_party(access_request.authority, access_request), place=_place(sender, access_request.authority), letter_date=today,
        subject=access_request.subject, items=tuple(item.description for item in access_request.items),
        legal_grounds=tuple(request_service.clean_lines(access_request.legal_grounds)), access_format=access_request.access_format,
        channel=letter_channel,
        request_sent_on=sent.occurred_on if sent else None,
        request_received_on=current.received_on, received_is_estimate=current.received_is_estimate,
        refusal_on=refused.occurred_on if refused else None,
        refusal_is_implicit=refused is None and implicit is not None and implicit.date < today,
        deadlines=current.deadlines,
        cada_registered_on=registered.occurred_on if registered else None,
        cada_case_number=(registered.data or {}).get("case_number", "") if registered else "",
        opinion_on=opinion.occurred_on if opinion else None,
        opinion_outcome=(opinion.data or {}).get("outcome", "") if opinion else "",
        opinion_item_outcomes=dict((opinion.data or {}).get("item_outcomes") or {}) if opinion else {},
        series=series, is_series=is_series, series_referral=series_referral,
        court_filed_on=court_filed.occurred_on if court_filed else None,
        court_case_number=(court_filed.data or {}).get("case_number", "") if court_filed else "",
        documents_during_proceedings_on=documents_later.occurred_on if documents_later else None,
        precedents=_precedents(access_request, kind),
    )


def court_deadline(access_request: AccessRequest):
    """The court application's deadline while it is still to meet, else None: a recours
    gracieux never moves it (crpa.md §3.3), and its page says so."""
    deadline = request_service.situation(access_request).deadlines.get("court_appeal")
    return deadline if deadline is not None and deadline.state == OPEN else None


def letter_kinds(access_request: AccessRequest) -> dict[str, str]:
    """The letters a request can have: the notice of a series' referral only in a campaign."""
    return {kind: title for kind, title in letter_rendering.LETTER_KINDS.items()
            if kind != campaign_series.NOTICE or access_request.campaign is not None}


def not_ready_reason(access_request: AccessRequest, kind: str) -> str:
    """Why this letter cannot be written yet (in French), or "" when it can."""
    try:
        letter_rendering.check_letter(build_context(access_request, kind))
    except LetterNotReady as error:
        return str(error)
    return ""


@dataclass(frozen=True)
class RenderedLetter:
    filename: str
    media_type: str
    content: bytes


def render(context: LetterContext, extension: str) -> RenderedLetter:
    if extension == "pdf":
        content = letter_rendering.render_pdf(context)
    elif extension == "docx":
        content = letter_rendering.render_docx(context)
    elif extension == "txt":
        subject, body = letter_rendering.render_text(context)
        content = f"Objet : {subject}\n\n{body}".encode()
    else:
        raise ValueError(extension)
    return RenderedLetter(letter_rendering.letter_filename(context, extension), FORMATS[extension], content)


def frozen_versions(access_request: AccessRequest, kind: str) -> list[Letter]:
    return list(db.session.scalars(
        select(Letter).where(Letter.request_id == access_request.id, Letter.kind == kind).order_by(Letter.version)))


@dataclass(frozen=True)
class SentVersion:
    letter: Letter
    sent_on: date  # the legal date of the sending: what the pages show


def sent_versions(access_request: AccessRequest, kind: str) -> list[SentVersion]:
    """The frozen versions of a letter with the day each was sent: the date of the event
    its sending recorded (`sent`, `cada_referred`, `court_filed`, as corrected), else the
    day the user gave, else (older rows) the day in Paris it was frozen; never the moment
    it was frozen."""
    event_type = EVENT_OF_LETTER.get(kind)
    recorded = {(event.data or {}).get("letter_version"): event.occurred_on
                for event in request_service.effective_events(access_request) if event.type == event_type}
    return [SentVersion(letter, recorded.get(letter.version) or letter.sent_on
                        or clock.paris_day(letter.sent_at or letter.created_at))
            for letter in frozen_versions(access_request, kind)]


def defendant_to_fill(access_request: AccessRequest) -> bool:
    """Whether the court application leaves the defendant's legal person and representative
    for the user to fill in (facts.defendant cannot derive them from the directory)."""
    return defendant(_authority_party(access_request.authority, access_request)).form == "unknown"


def stored(letter: Letter, extension: str) -> RenderedLetter:
    sha256 = {"pdf": letter.pdf_sha256, "docx": letter.docx_sha256, "txt": letter.text_sha256}[extension]
    name = f"{letter.request.reference}-{letter.kind}-v{letter.version}.{extension}"
    return RenderedLetter(name, FORMATS[extension], file_store().read(sha256))


def freeze(access_request: AccessRequest, kind: str, sent_on: date, user: User | None = None) -> Letter:
    """Mark a letter as sent: render it as it stands, store its bytes, record the event of
    the chain that goes with it. Raises LetterNotReady or TransitionError (French)."""
    context = build_context(access_request, kind, sent_on)
    store = file_store()
    hashes = {extension: store.put(render(context, extension).content) for extension in ("pdf", "docx", "txt")}
    version = (db.session.scalar(select(func.max(Letter.version)).where(
        Letter.request_id == access_request.id, Letter.kind == kind)) or 0) + 1
    letter = Letter(request_id=access_request.id, kind=kind, version=version, sent_at=utcnow(), sent_on=sent_on,
                    pdf_sha256=hashes["pdf"], docx_sha256=hashes["docx"], text_sha256=hashes["txt"])
    db.session.add(letter)
    event_type = EVENT_OF_LETTER.get(kind)
    already = event_type and _first_event(request_service.effective_events(access_request), event_type)
    if event_type and not already:
        data = {"channel": access_request.channel, "letter_version": version} if event_type == "sent" else {"letter_version": version}
        request_service.record_event(access_request, event_type, sent_on, data, author=user)  # commits both
    else:
        db.session.commit()
    return letter


class CannotEmail(ValueError):
    """Why a letter cannot be e-mailed from Lanterne (French)."""


def email_recipient(access_request: AccessRequest) -> str:
    # A request goes to the PRADA when the directory knows one (CRPA R330-4), at the address
    # this request's organisation uses.
    seen = sharing.coordinates(access_request.authority, access_request)
    return seen.prada_email or seen.email


def recipient_changes(access_request: AccessRequest) -> list[AuthorityChange]:
    """Changes to the address this request's e-mails go to since it was drafted."""
    return sharing.recipient_changes_since(access_request.authority, access_request, access_request.created_at)


def email_letter(access_request: AccessRequest, kind: str, user: User, shown_recipient: str,
                 recipient_confirmed: bool = False) -> OutgoingMail:
    """Write the letter as an e-mail (text body, PDF attached) into the outbox; the worker
    sends it, and on success the letter is frozen and the sending recorded. It goes only to
    the address the user was shown (`shown_recipient`), and, if that address changed since
    the request was drafted, only once the user confirmed it."""
    recipient = email_recipient(access_request)
    if kind not in ("request", "reminder", "after_opinion", "recours_gracieux", campaign_series.NOTICE):
        raise CannotEmail("Ce courrier ne s'envoie pas à l'administration par courriel depuis Lanterne.")
    if not recipient:
        raise CannotEmail("L'annuaire ne connaît pas d'adresse électronique pour cette autorité : complétez sa fiche.")
    if shown_recipient.strip() != recipient:
        raise CannotEmail(f"L'adresse du destinataire a changé depuis l'affichage de la page : c'est maintenant "
                          f"« {recipient} ». Vérifiez-la, puis envoyez à nouveau.")
    if recipient_changes(access_request) and not recipient_confirmed:
        raise CannotEmail(f"L'adresse de l'autorité a changé depuis la rédaction de cette demande : confirmez "
                          f"l'envoi à « {recipient} » en cochant la case prévue.")
    if not notify.mail_enabled():
        raise CannotEmail("Aucun serveur d'envoi n'est configuré (MAIL_SERVER) : envoyez le courrier vous-même.")
    if kind == "request" and _first_event(request_service.effective_events(access_request), "sent"):
        raise CannotEmail("L'envoi de cette demande est déjà enregistré.")
    context = build_context(access_request, kind)
    pdf, docx = render(context, "pdf"), render(context, "docx")
    subject, body = letter_rendering.render_text(context)
    store = file_store()
    payload = {"kind": kind, "pdf_sha256": store.put(pdf.content), "docx_sha256": store.put(docx.content),
               "text_sha256": store.put(f"Objet : {subject}\n\n{body}".encode())}
    message = notify.build_message(recipient, subject, body, [(pdf.filename, pdf.media_type, pdf.content)],
                                   reply_to=addresses.reply_address(access_request))
    attempt = db.session.scalar(select(func.count()).select_from(OutgoingMail).where(
        OutgoingMail.request_id == access_request.id, OutgoingMail.purpose == "request_letter"))
    outgoing = notify.queue_mail(f"letter:{access_request.id}:{kind}:{attempt + 1}", "request_letter", message,
                                 user_id=user.id, request_id=access_request.id, payload=payload)
    db.session.commit()
    return outgoing


def record_emailed_letter(outgoing: OutgoingMail) -> None:
    """Once the SMTP server took a letter's message: freeze the letter with the bytes that
    were sent and record the sending, dated the day it left, with its Message-ID. Other
    messages (reminders, digests) record nothing."""
    if outgoing.purpose != "request_letter":
        return
    access_request = db.session.get(AccessRequest, outgoing.request_id)
    payload = outgoing.payload
    kind = payload["kind"]
    version = (db.session.scalar(select(func.max(Letter.version)).where(
        Letter.request_id == access_request.id, Letter.kind == kind)) or 0) + 1
    sent_on = outgoing.sent_at.astimezone(clock.PARIS).date()
    db.session.add(Letter(request_id=access_request.id, kind=kind, version=version, sent_at=outgoing.sent_at,
                          sent_on=sent_on, pdf_sha256=payload["pdf_sha256"], docx_sha256=payload["docx_sha256"],
                          text_sha256=payload["text_sha256"]))
    event_type = EVENT_OF_LETTER.get(kind)
    if event_type and not _first_event(request_service.effective_events(access_request), event_type):
        data = {"channel": "email", "message_id": outgoing.message_id, "eml_sha256": outgoing.eml_sha256,
                "letter_version": version}
        try:
            request_service.record_event(access_request, event_type, sent_on, data)
        except TransitionError as error:
            # The message left and the frozen letter proves it; tell the user what to fix.
            notify.notify(access_request.owner, f"letter-event:{outgoing.id}", "mail_failed",
                          "Courriel envoyé, mais l'envoi n'a pas pu être enregistré",
                          f"{error} Enregistrez l'envoi à la main (Message-ID {outgoing.message_id}).",
                          f"/demandes/{access_request.id}", request_id=access_request.id)
