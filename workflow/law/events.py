"""What happens to a request (its event types) and the data each type carries, declared once.

Pure module. `EVENT_DATA` is the single declaration of each event type's data: the page's
event form (workflow/forms.py), the API's validation and its OpenAPI description
(workflow/api/), the checks of `states.check_event` and the lines of the request's
timeline are all derived from it. To add a piece of data to an event type, add an
`EventField` here; nothing else needs to name it.

Every event also has a type, a date and a free note: they are not data and are not
declared here. A filed proof's document id (`proof_document_id`) may be added to any
event by the page that files it.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from types import MappingProxyType
from typing import Any, Literal, Mapping

from workflow.law.calendar import format_date_fr

__all__ = [
    "EVENT_TYPES", "EVENT_LABELS", "CHANNELS", "CHANNEL_LABELS", "ACCESS_FORMATS", "ACCESS_FORMAT_LABELS",
    "OPINION_LABELS", "REPLY_LABELS", "OPINION_OUTCOMES", "REPLY_OUTCOMES", "EventField", "EVENT_DATA",
    "input_fields", "field_problem", "data_problems", "event_lines", "as_date", "ITEM_OPINION_LABELS", "JUDGMENT_LABELS",
    "JUDGMENTS_OPEN_TO_CASSATION", "REDACTION_LABELS", "format_amount_fr",
]

EV_SENT = "sent"
EV_RECEIVED = "received"
EV_ACKNOWLEDGED = "acknowledged"
EV_ANSWERED = "answered"
EV_PARTIALLY_ANSWERED = "partially_answered"
EV_REFUSED = "refused"
EV_CADA_REFERRED = "cada_referred"
EV_CADA_REGISTERED = "cada_registered"
EV_CADA_OPINION = "cada_opinion"
EV_AUTHORITY_REPLY = "authority_reply"
EV_COURT_FILED = "court_filed"
EV_CLOSED = "closed"
EV_NO_ACKNOWLEDGEMENT = "no_acknowledgement"
EV_DOCUMENTS_NOT_HELD = "documents_not_held"
EV_TRANSFERRED = "transferred"
EV_FEES_REQUESTED = "fees_requested"
EV_FEES_PAID = "fees_paid"
EV_ALREADY_PUBLISHED = "already_published"
EV_DOCUMENTS_DURING_PROCEEDINGS = "documents_during_proceedings"
EV_COURT_WITHDRAWN = "court_withdrawn"
EV_JUDGMENT = "judgment"
EV_REASONS_REQUESTED = "reasons_requested"
EV_REASONS_GIVEN = "reasons_given"

EVENT_LABELS: Mapping[str, str] = MappingProxyType({
    EV_SENT: "Envoi de la demande",
    EV_RECEIVED: "Réception par l'administration",
    EV_ACKNOWLEDGED: "Accusé de réception de l'administration",
    EV_NO_ACKNOWLEDGEMENT: "Aucun accusé de réception reçu",
    EV_ANSWERED: "Communication des documents",
    EV_PARTIALLY_ANSWERED: "Communication partielle",
    EV_REFUSED: "Refus explicite",
    EV_DOCUMENTS_NOT_HELD: "L'administration ne détient pas les documents",
    EV_TRANSFERRED: "Demande transmise à une autre administration",
    EV_FEES_REQUESTED: "Frais de reproduction demandés",
    EV_FEES_PAID: "Frais payés",
    EV_ALREADY_PUBLISHED: "Documents déjà publiés (réponse par un lien)",
    EV_CADA_REFERRED: "Saisine de la CADA",
    EV_CADA_REGISTERED: "Enregistrement de la saisine par la CADA",
    EV_CADA_OPINION: "Avis de la CADA",
    EV_AUTHORITY_REPLY: "Réponse de l'administration après l'avis",
    EV_REASONS_REQUESTED: "Demande des motifs du refus implicite (CRPA, art. L232-4)",
    EV_REASONS_GIVEN: "Communication des motifs du refus implicite",
    EV_COURT_FILED: "Requête au tribunal administratif",
    EV_DOCUMENTS_DURING_PROCEEDINGS: "Documents communiqués pendant l'instance",
    EV_COURT_WITHDRAWN: "Désistement",
    EV_JUDGMENT: "Jugement du tribunal administratif",
    EV_CLOSED: "Clôture de la demande",
})
EVENT_TYPES: tuple[str, ...] = tuple(EVENT_LABELS)

CHANNEL_LABELS: Mapping[str, str] = MappingProxyType({
    "email": "Courrier électronique",
    "postal": "Lettre recommandée avec accusé de réception",
    "online_form": "Téléservice de l'administration",
    "hand": "Remise en main propre",
})
CHANNELS: tuple[str, ...] = tuple(CHANNEL_LABELS)
# How the requester wants the documents (CRPA L311-9).
ACCESS_FORMAT_LABELS: Mapping[str, str] = MappingProxyType({
    "email": "Copie par courrier électronique",
    "paper": "Copie papier",
    "consultation": "Consultation sur place",
})
ACCESS_FORMATS: tuple[str, ...] = tuple(ACCESS_FORMAT_LABELS)

OPINION_LABELS: Mapping[str, str] = MappingProxyType({
    "favourable": "Favorable", "partially_favourable": "Partiellement favorable", "unfavourable": "Défavorable",
    "moot": "Sans objet", "incompetent": "Incompétence de la CADA", "inadmissible": "Irrecevable",
})
# The outcome of the CADA's opinion on one requested document, where it gives one.
ITEM_OPINION_LABELS: Mapping[str, str] = MappingProxyType({
    "favourable": "Favorable", "unfavourable": "Défavorable", "moot": "Sans objet",
})
JUDGMENT_LABELS: Mapping[str, str] = MappingProxyType({
    "annulled": "Annulation du refus (et injonction de communiquer)",
    "partially_annulled": "Annulation partielle",
    "rejected": "Rejet de la requête",
    "moot": "Non-lieu à statuer",
})
# Judgments that leave the requester something to contest: open to cassation only (CJA R811-1, 2°).
JUDGMENTS_OPEN_TO_CASSATION: frozenset[str] = frozenset({"partially_annulled", "rejected"})
# Why parts of a communicated document were blacked out (CRPA L311-5 to L311-7).
REDACTION_LABELS: Mapping[str, str] = MappingProxyType({
    "public_security": "Sécurité publique, sûreté des personnes ou des systèmes d'information (L311-5, 2°)",
    "privacy": "Vie privée, appréciation sur une personne (L311-6)",
    "business_secrecy": "Secret des affaires (L311-6)",
    "other": "Autre motif, ou non indiqué",
})
REPLY_LABELS: Mapping[str, str] = MappingProxyType({
    "communicated": "Documents communiqués", "partial": "Communication partielle", "refused": "Refus maintenu",
})
OPINION_OUTCOMES: tuple[str, ...] = tuple(OPINION_LABELS)
REPLY_OUTCOMES: tuple[str, ...] = tuple(REPLY_LABELS)

Kind = Literal["date", "text", "longtext", "choice", "bool", "amount", "url", "item_outcomes"]


@dataclass(frozen=True)
class EventField:
    """One piece of data an event type carries.

    `name` is its key in the event's data and in the API's JSON; `form_name` names its
    input in the page's form when several types share a name. `noun` is how error
    messages name it: the subject of « … inconnu » for a choice, the complement of « Date
    invalide pour … » for a date (default: the label). `line` is how the timeline shows
    it: a format where `{value}` is the shown value (a choice's label, a date in French)
    and `{lower}` the same with a lower-case initial (article numbers such as « L311-5 » keep
    their capital), or one line per value (bool, choices). `system`
    data is written by Lanterne itself (e.g. the Message-ID of a request it sent): shown,
    never taken from the form or the API.
    """

    name: str
    kind: Kind
    label: str
    choices: Mapping[str, str] = field(default_factory=dict)
    required: bool = False
    max_length: int | None = None
    form_name: str = ""
    blank: str = "—"
    description: str = ""
    noun: str = ""
    line: str | Mapping[Any, str] = ""
    system: bool = False

    @property
    def input_name(self) -> str:
        return self.form_name or self.name

    @property
    def what(self) -> str:
        return self.noun or self.label

    def shown(self, value: Any) -> str | None:
        """The timeline's line for this value, or None."""
        if value is None or value == "" or not self.line:
            return None
        if self.kind == "item_outcomes" and isinstance(value, Mapping) and isinstance(self.line, str):
            return "; ".join(self.line.format(value=f"document n° {position} : {self.choices.get(outcome, outcome).lower()}",
                                              lower="") for position, outcome in sorted(value.items(), key=_position))
        if self.kind == "amount" and isinstance(self.line, str):
            return self.line.format(value=format_amount_fr(value), lower="")
        if not isinstance(self.line, str):
            # A value the mapping does not name shows nothing (an unticked "abusive" box).
            return self.line.get(value)
        if self.kind == "choice":
            text = self.choices.get(value, str(value))
        elif self.kind == "date":
            try:
                text = format_date_fr(as_date(value))
            except ValueError:
                text = str(value)
        else:
            text = str(value)
        return self.line.format(value=text, lower=text[:1].lower() + text[1:])


def _position(entry: tuple[str, Any]) -> tuple[int, str]:
    key = str(entry[0])
    return (int(key), key) if key.isdigit() else (10**9, key)


def format_amount_fr(value: Any) -> str:
    """12.5 -> "12,50 €"."""
    try:
        return f"{float(value):.2f}".replace(".", ",") + " €"
    except (TypeError, ValueError):
        return str(value)


# Data several types of event carry; each type's form input has a name of its own.
def _appeal_routes(form_name: str = "") -> EventField:
    return EventField(
        "appeal_routes_stated", "bool",
        "La réponse indique les voies et délais de recours, dont la saisine de la CADA (CRPA, art. L311-14)",
        form_name=form_name, noun="La mention des voies et délais de recours",
        line={True: "Voies et délais de recours indiqués", False: "Voies et délais de recours non indiqués"})


def _grounds(form_name: str = "") -> EventField:
    return EventField("grounds", "longtext", "Motifs invoqués", max_length=2000, form_name=form_name,
                      description="Recopiez les motifs invoqués par l'administration.", line="Motifs : {value}")


def _redactions(form_name: str = "") -> EventField:
    return EventField(
        "redactions", "choice", "Occultations", choices=REDACTION_LABELS, blank="Aucune occultation",
        form_name=form_name, noun="Motif des occultations",
        description="Si des passages ont été occultés (noircis), le motif invoqué (CRPA, art. L311-5 à L311-7).",
        line="Documents communiqués avec des occultations : {lower}")


EVENT_DATA: Mapping[str, tuple[EventField, ...]] = MappingProxyType({
    EV_SENT: (
        EventField("channel", "choice", "Canal d'envoi", choices=CHANNEL_LABELS, blank="Celui de la demande",
                   line="Canal : {value}"),
        EventField("registered_number", "text", "Numéro du recommandé", max_length=40, line="Recommandé n° {value}"),
        EventField("message_id", "text", "Message-ID", system=True, line="Envoyé par Lanterne, Message-ID {value}"),
        EventField("eml_sha256", "text", "Empreinte du message envoyé", system=True),
    ),
    EV_ACKNOWLEDGED: (
        EventField("r112_5", "bool",
                   "L'accusé de réception indique la date de réception, la date de naissance du refus implicite, "
                   "le service chargé du dossier et les voies et délais de recours (CRPA, art. R112-5)",
                   noun="La conformité de l'accusé de réception (R112-5)",
                   line={True: "Accusé de réception conforme à l'article R112-5",
                         False: "Accusé de réception sans les mentions de l'article R112-5"}),
        EventField("received_on", "date", "Date de réception indiquée par l'administration",
                   noun="la date de réception", line="Réception indiquée par l'administration : {value}"),
    ),
    EV_ANSWERED: (_redactions(),),
    EV_PARTIALLY_ANSWERED: (
        EventField("refuses_rest", "bool",
                   "La réponse refuse expressément, par écrit et en donnant ses motifs, les autres documents",
                   noun="Le refus exprès du reste",
                   line={True: "Refus exprès des autres documents",
                         False: "Rien n'est dit des autres documents : refus implicite à la fin du délai d'un mois"}),
        _redactions("partial_redactions"), _appeal_routes("partial_appeal_routes_stated"), _grounds("partial_grounds"),
    ),
    EV_REFUSED: (
        _appeal_routes(), _grounds(),
        EventField("abusive", "bool", "Refus au motif que la demande serait abusive (CRPA, art. L311-2, dernier alinéa)",
                   noun="Le motif de demande abusive", line={True: "Refus pour demande abusive"}),
    ),
    EV_DOCUMENTS_NOT_HELD: (
        _appeal_routes("not_held_appeal_routes_stated"),
        EventField("holder", "text", "Administration qui détiendrait les documents, selon la réponse", max_length=200,
                   line="Détenteur indiqué : {value}"),
    ),
    EV_TRANSFERRED: (
        EventField("to", "text", "Administration à laquelle la demande a été transmise", required=True,
                   max_length=200, line="Transmise à : {value}",
                   description="Son nom (ou, par l'API, son identifiant dans l'annuaire)."),
        EventField("to_authority_id", "text", "Identifiant de l'administration dans l'annuaire", system=True),
    ),
    EV_FEES_REQUESTED: (
        EventField("amount_eur", "amount", "Montant demandé (en euros)", required=True, noun="le montant demandé",
                   line="Montant demandé : {value}"),
    ),
    EV_ALREADY_PUBLISHED: (
        EventField("url", "url", "Adresse de la publication indiquée", required=True, max_length=500,
                   noun="L'adresse de la publication", line="Publication : {value}"),
    ),
    EV_CADA_REFERRED: (
        EventField("how", "choice", "Saisine faite par", form_name="referral_how", noun="Mode de saisine de la CADA",
                   choices={"online_form": "Formulaire en ligne de la CADA", "email": "Courrier électronique",
                            "postal": "Courrier postal"},
                   line={"online_form": "Saisine par le formulaire en ligne", "email": "Saisine par courriel",
                         "postal": "Saisine par courrier"}),
    ),
    EV_CADA_REGISTERED: (
        EventField("case_number", "text", "Numéro de dossier CADA", max_length=40, line="Dossier CADA n° {value}"),
    ),
    EV_CADA_OPINION: (
        EventField("outcome", "choice", "Sens de l'avis", choices=OPINION_LABELS, form_name="opinion_outcome",
                   noun="Sens de l'avis de la CADA",
                   line={"favourable": "Avis favorable", "partially_favourable": "Avis partiellement favorable",
                         "unfavourable": "Avis défavorable", "moot": "Avis sans objet",
                         "incompetent": "La CADA s'est déclarée incompétente", "inadmissible": "Avis irrecevable"}),
        EventField("item_outcomes", "item_outcomes", "Sens de l'avis document par document", choices=ITEM_OPINION_LABELS,
                   noun="Le sens de l'avis par document", line="{value}",
                   description="Pour un avis partiellement favorable : une ligne par document demandé, par son "
                               "numéro dans la liste, par exemple « 1 : favorable », « 2 : défavorable », "
                               "« 3 : sans objet »."),
        EventField("received_by_authority", "date", "Date de réception de l'avis par l'administration",
                   noun="la réception de l'avis", line="Avis reçu par l'administration le {value}"),
    ),
    EV_AUTHORITY_REPLY: (
        EventField("outcome", "choice", "Réponse de l'administration", choices=REPLY_LABELS, form_name="reply_outcome",
                   noun="Sens de la réponse de l'administration", line="{value}"),
    ),
    EV_COURT_FILED: (
        EventField("case_number", "text", "Numéro d'enregistrement de la requête", form_name="court_case_number",
                   max_length=40, line="Requête n° {value}",
                   description="Le numéro que le greffe ou Télérecours citoyens a donné à la requête."),
    ),
    EV_JUDGMENT: (
        EventField("outcome", "choice", "Sens du jugement", choices=JUDGMENT_LABELS, form_name="judgment_outcome",
                   required=True, noun="Sens du jugement", line="{value}"),
        EventField("notified_on", "date", "Date de notification du jugement", noun="la notification du jugement",
                   line="Jugement notifié le {value}",
                   description="Le délai de pourvoi court de la notification ; sans elle, Lanterne compte "
                               "prudemment à partir de la date du jugement."),
    ),
})


def input_fields(event_type: str, declaration: Mapping[str, tuple[EventField, ...]] | None = None) -> tuple[EventField, ...]:
    """The data a user (page or API) may give for this type of event."""
    return tuple(f for f in (declaration or EVENT_DATA).get(event_type, ()) if not f.system)


def as_date(value: Any) -> date:
    """A date from a date, a datetime or an ISO string; ValueError otherwise."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        return date.fromisoformat(value)
    raise ValueError(value)


def field_problem(spec: EventField, value: Any) -> str | None:
    """What is wrong with `value` for this field (French), or None. None and "" mean absent."""
    if value is None or value == "":
        return f"{spec.label} : ce champ est obligatoire." if spec.required else None
    if spec.kind == "choice":
        if not isinstance(value, str) or value not in spec.choices:
            return f"{spec.what} inconnu : « {value} »."
    elif spec.kind == "bool":
        if not isinstance(value, bool):
            return f"{spec.what} : vrai ou faux (true ou false) attendu, pas « {value} »."
    elif spec.kind == "date":
        try:
            as_date(value)
        except ValueError:
            return f"Date invalide pour {spec.what} : « {value} » (format attendu AAAA-MM-JJ)."
    elif spec.kind == "amount":
        if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0 or value > 1_000_000:
            return f"Montant invalide pour {spec.what} : « {value} » (un nombre d'euros, par exemple 12,50)."
    elif spec.kind == "item_outcomes":
        if not isinstance(value, Mapping) or not value:
            return f"{spec.what} : un document au moins, par son numéro, avec le sens de l'avis."
        for position, outcome in value.items():
            if not str(position).isdigit() or int(position) < 1:
                return f"{spec.what} : « {position} » n'est pas un numéro de document."
            if outcome not in spec.choices:
                return f"{spec.what} : sens inconnu « {outcome} » (un de : {', '.join(spec.choices)})."
    elif spec.kind == "url":
        if not isinstance(value, str) or not value.startswith(("https://", "http://")) or " " in value.strip():
            return f"{spec.what} : une adresse commençant par https:// ou http:// est attendue."
        if spec.max_length is not None and len(value) > spec.max_length:
            return f"{spec.label} : {spec.max_length} caractères au plus."
    elif not isinstance(value, str):
        return f"{spec.label} : du texte est attendu."
    elif spec.max_length is not None and len(value) > spec.max_length:
        return f"{spec.label} : {spec.max_length} caractères au plus."
    return None


def data_problems(event_type: str, data: Mapping[str, Any],
                  declaration: Mapping[str, tuple[EventField, ...]] | None = None) -> dict[str, str]:
    """Field name → what is wrong (French), for the declared data of this event type.
    Undeclared keys are not judged here: the API refuses them, Lanterne may add its own;
    nor is the `system` data Lanterne writes itself (an authority's id, a Message-ID)."""
    problems = {}
    for spec in input_fields(event_type, declaration):
        problem = field_problem(spec, data.get(spec.name))
        if problem is not None:
            problems[spec.name] = problem
    return problems


def event_lines(event_type: str, data: Mapping[str, Any] | None) -> list[str]:
    """The lines under an event in the timeline, in the declaration's order."""
    data = data or {}
    lines = []
    for spec in EVENT_DATA.get(event_type, ()):
        if spec.name in data:
            line = spec.shown(data[spec.name])
            if line:
                lines.append(line)
    return lines
