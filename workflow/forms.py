"""Forms of the pages, which the API also uses to validate its JSON. Validation lives here,
messages in French."""
from __future__ import annotations

import re
import unicodedata
from typing import Mapping, Sequence

from flask_wtf import FlaskForm
from flask_wtf.file import FileField, MultipleFileField
from wtforms import (BooleanField, DateField, EmailField, IntegerField, PasswordField, SelectField, SelectMultipleField, StringField,
                     TextAreaField, URLField)
from wtforms.widgets import CheckboxInput, ListWidget
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Email, EqualTo, Length, NumberRange, Optional, Regexp, ValidationError

from workflow.accounts import users as accounts_rules
from workflow.accounts.users import MIN_PASSWORD_LENGTH, find_user, password_problem
from workflow.documents.filing import FilingMeta
from workflow.models import Document, AccessRequest
from workflow.models.authorities import AUTHORITY_KINDS
from workflow.models.documents import CAME_BY, OUTCOMES
from workflow.requests import limits
from workflow.requests.reminders import offsets_for
from workflow.law.events import ACCESS_FORMAT_LABELS, CHANNEL_LABELS, EVENT_DATA, EVENT_LABELS, EventField, input_fields
from workflow.models.users import IDENTITY_KINDS, ROLE_LABELS

REQUIRED = "Ce champ est obligatoire."
DEPARTMENT_PATTERN = r"^(0[1-9]|[1-8][0-9]|9[0-5]|2A|2B|97[1-6])$"


def choices(labels: Mapping[str, str]) -> list[SelectChoice]:
    return [SelectChoice(value, label) for value, label in labels.items()]


def sharing_choices(user) -> list[SelectChoice]:
    """The "share with" choices: private, or an organisation the user may write for."""
    return [SelectChoice("", "Personne : privé")] + [
        SelectChoice(str(organisation.id), organisation.name) for organisation in user.writable_organisations
    ]


class Form(FlaskForm):
    class Meta:
        locales = ["fr_FR", "fr"]  # WTForms' own French messages for the built-in validators


def prefix_ids(form: FlaskForm, prefix: str) -> FlaskForm:
    """Give the form's fields (its CSRF token too) element ids starting with `prefix`, their
    names unchanged: a page that shows several forms keeps every id unique."""
    for input_field in form:
        if not input_field.id.startswith(prefix):
            input_field.id = prefix + input_field.id
            input_field.label.field_id = input_field.id
    return form


class LoginForm(Form):
    email = EmailField("Adresse électronique", validators=[DataRequired(REQUIRED), Email("Adresse électronique non valide.")])
    password = PasswordField("Mot de passe", validators=[DataRequired(REQUIRED)])
    remember = BooleanField("Rester connecté sur cet appareil")


class SignupForm(Form):
    display_name = StringField("Nom ou pseudonyme", validators=[Optional(), Length(max=120)],
                               description="Visible des membres de vos associations. Un pseudonyme suffit.")
    email = EmailField("Adresse électronique", validators=[DataRequired(REQUIRED), Email("Adresse électronique non valide."), Length(max=254)])
    password = PasswordField(
        "Mot de passe",
        validators=[DataRequired(REQUIRED), Length(min=MIN_PASSWORD_LENGTH, max=256,
                    message=f"Le mot de passe doit compter entre {MIN_PASSWORD_LENGTH} et 256 caractères.")],
        description=f"Au moins {MIN_PASSWORD_LENGTH} caractères.",
    )
    confirm = PasswordField("Confirmation du mot de passe",
                            validators=[DataRequired(REQUIRED), EqualTo("password", "Les deux mots de passe ne sont pas identiques.")])

    def validate_email(self, field):
        if find_user(field.data) is not None:
            raise ValidationError("Un compte existe déjà pour cette adresse électronique.")

    def validate_password(self, field):
        if field.errors:  # too short or too long: said already
            return
        problem = password_problem(field.data or "", self.email.data or "", self.display_name.data or "")
        if problem:
            raise ValidationError(problem)


def _new_password_field(label: str = "Nouveau mot de passe") -> PasswordField:
    return PasswordField(
        label,
        validators=[DataRequired(REQUIRED), Length(min=MIN_PASSWORD_LENGTH, max=256,
                    message=f"Le mot de passe doit compter entre {MIN_PASSWORD_LENGTH} et 256 caractères.")],
        description=f"Au moins {MIN_PASSWORD_LENGTH} caractères.",
    )


class PasswordResetRequestForm(Form):
    email = EmailField("Adresse électronique", validators=[DataRequired(REQUIRED), Email("Adresse électronique non valide.")])


class NewPasswordForm(Form):
    """A new password, twice; `personal` (the account's address and name) must not make it guessable."""

    password = _new_password_field()
    confirm = PasswordField("Confirmation du mot de passe",
                            validators=[DataRequired(REQUIRED), EqualTo("password", "Les deux mots de passe ne sont pas identiques.")])
    personal: tuple[str, ...] = ()

    def validate_password(self, field):
        if field.errors:
            return
        problem = password_problem(field.data or "", *self.personal)
        if problem:
            raise ValidationError(problem)


class ChangePasswordForm(NewPasswordForm):
    current = PasswordField("Mot de passe actuel", validators=[DataRequired(REQUIRED)])


class OrganisationForm(Form):
    name = StringField("Nom de l'association", validators=[DataRequired(REQUIRED), Length(max=200)])


class MemberForm(Form):
    email = EmailField("Adresse électronique du membre", validators=[DataRequired(REQUIRED), Email("Adresse électronique non valide.")])
    role = SelectField("Rôle", choices=choices(ROLE_LABELS), default="editor")


class FrenchDateField(DateField):
    """An ISO date (what <input type="date"> sends), with a French message when it is not one."""

    def process_formdata(self, valuelist):
        try:
            super().process_formdata(valuelist)
        except ValueError:
            self.data = None
            raise ValueError("Date non valide : utilisez le format AAAA-MM-JJ.")


def _int_or_none(value):
    return int(value) if value not in (None, "", "None") else None


def _strip(value):
    return value.strip() if isinstance(value, str) else value


class AuthorityForm(Form):
    name = StringField("Nom", validators=[DataRequired(REQUIRED), Length(max=200)], filters=[_strip])
    kind = SelectField("Type", choices=choices(AUTHORITY_KINDS), default="autre")
    address_lines = TextAreaField("Adresse", validators=[Optional(), Length(max=1000)], filters=[_strip],
                                  description="Une ligne par ligne d'adresse, sans le code postal ni la ville.")
    postal_code = StringField("Code postal", validators=[Optional(), Regexp(r"^\d{5}$", message="Un code postal compte cinq chiffres.")],
                              filters=[_strip])
    city = StringField("Ville (et mention Cedex)", validators=[Optional(), Length(max=120)], filters=[_strip])
    email = EmailField("Adresse électronique", validators=[Optional(), Email("Adresse électronique non valide.")], filters=[_strip])
    prada_name = StringField("Personne responsable de l'accès aux documents (PRADA)", validators=[Optional(), Length(max=200)],
                             filters=[_strip])
    prada_email = EmailField("Adresse électronique de la PRADA", validators=[Optional(), Email("Adresse électronique non valide.")],
                             filters=[_strip])
    website = URLField("Site internet", validators=[Optional(), Length(max=500), Regexp(r"^https?://", re.I, "L'adresse doit commencer par http:// ou https://.")],
                       filters=[_strip])
    online_request_url = URLField("Téléservice de demande en ligne",
                                  validators=[Optional(), Length(max=500), Regexp(r"^https?://", re.I, "L'adresse doit commencer par http:// ou https://.")],
                                  filters=[_strip],
                                  description="Si l'administration a créé un téléservice dédié, seul ce canal compte (CRPA, art. L112-9).")
    department_code = StringField("Département", validators=[Optional(), Regexp(DEPARTMENT_PATTERN, message="Code de département inconnu (ex. 57, 2A, 974).")],
                                  filters=[lambda value: value.strip().upper() if isinstance(value, str) else value],
                                  description="Détermine le calendrier des jours fériés du tribunal compétent (57, 67, 68 : Alsace-Moselle).")
    verified = BooleanField("Coordonnées vérifiées")
    last_checked_on = FrenchDateField("Date de la dernière vérification", validators=[Optional()])
    notes = TextAreaField("Notes", validators=[Optional(), Length(max=5000)], filters=[_strip])
    # Where the change goes (workflow/directory/sharing.py: scopes) and why; the choices are the user's.
    scope = SelectField("Cette modification vaut pour", validate_choice=False)
    reason = TextAreaField("D'où vient cette modification ?", validators=[Optional(), Length(max=2000)], filters=[_strip],
                           description="Un appel, un courrier, une page officielle... Obligatoire pour une proposition.")

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        # Checked here, not on the field: Optional() stops the field's own chain when empty.
        if self.verified.data and self.last_checked_on.data is None and not self.last_checked_on.errors:
            self.last_checked_on.errors = ["Indiquez la date à laquelle les coordonnées ont été vérifiées."]
            valid = False
        return valid


class EventFormBase(Form):
    """Record what happened to a request. The data fields are added by `event_form_class`
    from the declaration (workflow/law/events.py); a type's fields only matter for that
    type, the others are ignored."""

    declaration: Mapping[str, tuple[EventField, ...]] = EVENT_DATA

    type = SelectField("Événement", choices=choices(EVENT_LABELS))
    occurred_on = FrenchDateField("Date", validators=[DataRequired("Indiquez la date de l'événement.")])
    note = TextAreaField("Note", validators=[Optional(), Length(max=limits.EVENT_NOTE_MAX_LENGTH)], filters=[_strip])
    proof = FileField("Justificatif (facultatif)",
                      description="Preuve de dépôt ou avis de réception, accusé de réception, lettre de refus, avis de "
                                  "la CADA… Il est classé avec les documents de la demande et joint au dossier exporté.")

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        for spec in input_fields(self.type.data, self.declaration):
            field = self[spec.input_name]
            if spec.required and _event_value(spec, field.data) in (None, "") and not field.errors:
                field.errors = [REQUIRED]
                valid = False
        return valid

    def event_data(self) -> dict:
        """The data of the chosen type of event, as the declaration names it."""
        data: dict = {}
        for spec in input_fields(self.type.data, self.declaration):
            value = _event_value(spec, self[spec.input_name].data)
            if spec.kind == "bool" or value not in (None, ""):  # an unticked box says no
                data[spec.name] = value
        return data

    def offer_only(self, types: Sequence[str], keep_chosen: bool = False) -> None:
        """Offer only these types of event (and the one chosen, for a form that came back refused)."""
        kept = set(types) | ({self.type.data} if keep_chosen and self.type.data else set())
        self.type.choices = [choice for choice in choices(EVENT_LABELS) if choice.value in kept]

    def fieldsets(self) -> list[tuple[str, list]]:
        """(legend, fields) for each offered event type that carries data, in the declaration's order."""
        offered = {choice[0] if isinstance(choice, tuple) else choice.value for choice in self.type.choices or []}
        return [(EVENT_LABELS.get(event_type, event_type), [self[spec.input_name] for spec in specs])
                for event_type in self.declaration
                if event_type in offered and (specs := input_fields(event_type, self.declaration))]


_ITEM_OUTCOME_WORDS = {"favorable": "favourable", "defavorable": "unfavourable", "sans objet": "moot"}


def _event_value(spec: EventField, value):
    """A form field's value as the event's data keeps it. What cannot be read is kept as
    typed: the declaration's check (workflow/law/events.py) then says what is wrong."""
    if spec.kind == "bool":
        return bool(value)
    if spec.kind == "date":
        return value.isoformat() if value else None
    if spec.kind == "amount" and value:
        try:
            return float(value.replace(" ", "").replace("\u202f", "").replace("€", "").replace(",", "."))
        except ValueError:
            return value
    if spec.kind == "item_outcomes" and value:
        return _item_outcomes(value)
    return value


def _item_outcomes(text: str) -> dict | str:
    """"1 : favorable" per line (or "1 favorable, 2 défavorable") → {"1": "favourable", ...}."""
    outcomes = {}
    for part in re.split(r"[\n;,]+", text):
        part = part.strip()
        if not part:
            continue
        match = re.fullmatch(r"(?:n°|no|document)?\s*(\d+)\s*[:\-–]?\s*(.+)", part, re.IGNORECASE)
        if match is None:
            return text
        word = unicodedata.normalize("NFKD", match.group(2)).encode("ascii", "ignore").decode().lower().strip(" .")
        if word not in _ITEM_OUTCOME_WORDS:
            return text
        outcomes[match.group(1)] = _ITEM_OUTCOME_WORDS[word]
    return outcomes or text


def _event_input(spec: EventField):
    """The form field of one declared piece of event data."""
    if spec.kind == "bool":
        return BooleanField(spec.label, description=spec.description)
    if spec.kind == "choice":
        return SelectField(spec.label, choices=choices({"": spec.blank, **spec.choices}), default="",
                           description=spec.description)
    if spec.kind == "date":
        return FrenchDateField(spec.label, validators=[Optional()], description=spec.description)
    validators = [Optional()]
    if spec.max_length is not None:  # the page's error summary names the field: the message does not
        validators.append(Length(max=spec.max_length, message=f"{spec.max_length} caractères au plus."))
    field_class = TextAreaField if spec.kind in ("longtext", "item_outcomes") else StringField
    return field_class(spec.label, validators=validators, filters=[_strip], description=spec.description)


def event_form_class(declaration: Mapping[str, tuple[EventField, ...]] = EVENT_DATA) -> type[EventFormBase]:
    """The event form with one input per declared piece of data (types sharing a data name
    give their inputs distinct `form_name`s)."""
    inputs: dict[str, EventField] = {}
    for event_type in declaration:
        for spec in input_fields(event_type, declaration):
            if spec.input_name in inputs and inputs[spec.input_name] != spec:
                raise ValueError(f"Two event fields are named {spec.input_name!r} in the form: give one a form_name.")
            inputs[spec.input_name] = spec
    attributes = {name: _event_input(spec) for name, spec in inputs.items()}
    return type("EventForm", (EventFormBase,), {"declaration": declaration, **attributes})


EventForm = event_form_class()


class TeamForm(Form):
    """Who follows the request, and the team's notes (never in a letter)."""

    assignee_id = SelectField("Assignée à", coerce=_int_or_none, validate_choice=False)
    internal_notes = TextAreaField("Notes internes", validators=[Optional(), Length(max=10000)],
                                   description="Pour l'équipe seulement : elles n'apparaissent dans aucun courrier, "
                                               "aucun dossier exporté.")


class CorrectionForm(Form):
    occurred_on = FrenchDateField("Date corrigée", validators=[DataRequired("Indiquez la date corrigée.")])
    note = StringField("Motif de la correction", validators=[DataRequired("Indiquez pourquoi vous corrigez cette date."),
                                                            Length(max=500)], filters=[_strip])


_IDENTITY = limits.IDENTITY_MAX_LENGTHS


class IdentityForm(Form):
    """Who a request is sent as (CRPA R112-9-1: surname, first name, postal and e-mail
    addresses; an association also gives its RNA number, or its register entry under local
    law). The rules are workflow/accounts/users.py's; a missing number is only a warning."""

    kind = SelectField("Vous écrivez en tant que", choices=choices(IDENTITY_KINDS), default="person",
                       description="Un collectif sans personnalité juridique (ni déclaré ni inscrit) écrit par l'une "
                                   "de ses membres, qui signe les courriers en le nommant.")
    name = StringField("Nom et prénom, ou nom de l'association ou du collectif",
                       validators=[DataRequired(REQUIRED), Length(max=_IDENTITY['name'])], filters=[_strip])
    rna_number = StringField("Numéro RNA de l'association (association déclarée)",
                             filters=[lambda value: value.strip().upper() if isinstance(value, str) else value],
                             validators=[Optional(), Length(max=_IDENTITY['rna_number'], message=accounts_rules.RNA_FORMAT)],
                             description="W suivi de neuf chiffres. Une demande envoyée par voie électronique le "
                                         "mentionne (CRPA, art. R112-9-1).")
    local_register = StringField("Inscription au registre des associations (association inscrite de la Moselle, "
                                 "du Bas-Rhin ou du Haut-Rhin)",
                                 validators=[Optional(), Length(max=_IDENTITY['local_register'])], filters=[_strip],
                                 description="Par exemple : Tribunal judiciaire de Metz, volume 148, folio 12.")
    representative = StringField("Représentée par, ou personne qui écrit pour le collectif",
                                 validators=[Optional(), Length(max=_IDENTITY['representative'])], filters=[_strip],
                                 description="Nom et prénom de la personne qui signe pour l'association ou le collectif.")
    representative_role = StringField("Qualité du représentant de l'association",
                                      validators=[Optional(), Length(max=_IDENTITY['representative_role'])], filters=[_strip],
                                      description="Par exemple : président, présidente, secrétaire.")
    address = TextAreaField("Adresse postale", validators=[DataRequired(REQUIRED), Length(max=_IDENTITY['address'])], filters=[_strip],
                            description="Une ligne par ligne d'adresse, code postal et ville compris.")
    email = EmailField("Adresse électronique",
                       validators=[DataRequired(REQUIRED), Email("Adresse électronique non valide."), Length(max=_IDENTITY["email"])],
                       filters=[_strip])
    phone = StringField("Téléphone (facultatif)", validators=[Optional(), Length(max=_IDENTITY['phone'])], filters=[_strip])
    organisation_id = SelectField("Partager avec", coerce=_int_or_none,
                                  description="Les membres de l'association pourront envoyer des demandes sous cette identité.")

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        problems = accounts_rules.identity_problems(self.kind.data, self.rna_number.data or "",
                                                    self.local_register.data or "", self.representative.data or "")
        for name, problem in problems.items():
            if not self[name].errors:
                self[name].errors = [problem]
            valid = False
        return valid


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class DraftFieldsForm(Form):
    """What every draft carries, whether new (several authorities) or edited (one)."""

    subject = StringField("Objet de la demande", validators=[DataRequired(REQUIRED), Length(max=limits.SUBJECT_MAX_LENGTH)],
                          filters=[_strip],
                          description="Une phrase qui résume ce que vous demandez.")
    items = TextAreaField("Documents demandés", validators=[DataRequired("Indiquez au moins un document demandé.")],
                          description="Un document par ligne, le plus précisément possible (nature, date, objet), annexes comprises.")
    legal_grounds = TextAreaField("Fondements juridiques complémentaires (facultatif)",
                                  validators=[Optional(), Length(max=limits.LEGAL_GROUNDS_MAX_LENGTH)],
                                  description="Un par ligne, par exemple « CGCT, art. L2121-26 » pour les délibérations. "
                                              "Le CRPA (art. L300-1 et suivants, L311-1) est toujours cité.")
    requester_id = SelectField("Demandeur", coerce=_int_or_none, validators=[DataRequired("Choisissez au nom de qui la demande est faite.")])
    channel = SelectField("Mode d'envoi", choices=choices(CHANNEL_LABELS), default="email")
    access_format = SelectField("Forme de communication souhaitée", choices=choices(ACCESS_FORMAT_LABELS), default="email",
                                description="Le choix vous appartient (CRPA, art. L311-9) ; la copie par courriel est gratuite.")
    organisation_id = SelectField("Partager avec", coerce=_int_or_none)

    def validate_items(self, field):
        lines = [line for line in (field.data or "").splitlines() if line.strip()]
        if not lines:
            raise ValidationError("Indiquez au moins un document demandé.")
        problem = limits.items_problem([line.strip() for line in lines])
        if problem:
            raise ValidationError(problem)


class NewRequestForm(DraftFieldsForm):
    authority_ids = MultiCheckboxField("Autorités destinataires", coerce=int,
                                       validators=[DataRequired("Choisissez au moins une autorité.")],
                                       description="Plusieurs autorités : une demande par autorité, suivies ensemble dans une campagne.")
    campaign_title = StringField("Nom de la campagne (plusieurs autorités)",
                                 validators=[Optional(), Length(max=limits.CAMPAIGN_TITLE_MAX_LENGTH)], filters=[_strip])

    def validate_authority_ids(self, field):
        if len(field.data or []) > limits.AUTHORITIES_MAX:
            raise ValidationError(f"Une campagne compte au plus {limits.AUTHORITIES_MAX} autorités : scindez-la.")


class EditRequestForm(DraftFieldsForm):
    authority_id = SelectField("Autorité destinataire", coerce=_int_or_none, validators=[DataRequired("Choisissez une autorité.")])


class SubjectForm(Form):
    title = StringField("Titre", validators=[DataRequired(REQUIRED), Length(max=limits.SUBJECT_MAX_LENGTH)], filters=[_strip])
    summary = TextAreaField("Résumé", validators=[Optional(), Length(max=2000)], filters=[_strip])
    items = TextAreaField("Documents", validators=[DataRequired("Indiquez au moins un document.")],
                          description="Un document par ligne.")
    legal_grounds = TextAreaField("Fondements juridiques", validators=[Optional(), Length(max=limits.LEGAL_GROUNDS_MAX_LENGTH)],
                                  description="Un par ligne.")
    organisation_id = SelectField("Partager avec", coerce=_int_or_none)

    def validate_items(self, field):  # a subject becomes a draft: the same limits
        problem = limits.items_problem([line.strip() for line in (field.data or "").splitlines() if line.strip()])
        if problem:
            raise ValidationError(problem)


class SendLetterForm(Form):
    sent_on = FrenchDateField("Date d'envoi", validators=[DataRequired("Indiquez la date d'envoi.")])


class NotificationSettingsForm(Form):
    """When reminders go out (days relative to each deadline) and how."""

    implicit_refusal = StringField("Naissance du refus implicite", filters=[_strip],
                                   description="Jours avant (nombre négatif) ou après la date ; 0 : le jour même. Ex. « -7, -1, 0 ».")
    cada_referral = StringField("Fin du délai de saisine de la CADA (date sûre)", filters=[_strip])
    cada_opinion_expected = StringField("Avis de la CADA attendu", filters=[_strip],
                                        description="« 1 » : le lendemain de la date où l'avis était dû, s'il n'est pas arrivé.")
    court_appeal = StringField("Fin du délai de recours au tribunal (date sûre)", filters=[_strip])
    email_notifications = BooleanField("Recevoir les rappels par courriel")
    weekly_digest = BooleanField("Recevoir un récapitulatif chaque lundi")

    KINDS = ("implicit_refusal", "cada_referral", "cada_opinion_expected", "court_appeal")

    @classmethod
    def for_user(cls, user):
        offsets = offsets_for(user)
        return cls(data={**{kind: ", ".join(f"{day:d}" for day in offsets[kind]) for kind in cls.KINDS},
                         "email_notifications": user.email_notifications, "weekly_digest": user.weekly_digest})

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        for kind in self.KINDS:
            field = self[kind]
            try:
                days = [int(part) for part in (field.data or "").replace(";", ",").split(",") if part.strip()]
            except ValueError:
                field.errors = [f"{field.label.text} : des nombres entiers séparés par des virgules, par exemple « -7, -1, 0 »."]
                valid = False
                continue
            if any(abs(day) > 60 for day in days):
                field.errors = [f"{field.label.text} : au plus 60 jours avant ou après."]
                valid = False
        return valid

    def offsets(self) -> dict[str, list[int]]:
        return {kind: sorted({int(part) for part in (self[kind].data or "").replace(";", ",").split(",") if part.strip()})
                for kind in self.KINDS}

    def apply(self, user) -> None:
        user.reminder_offsets = self.offsets()
        user.email_notifications = bool(self.email_notifications.data)
        user.weekly_digest = bool(self.weekly_digest.data)


# -- documents received


class UploadForm(Form):
    files = MultipleFileField("Fichiers reçus")
    received_on = FrenchDateField("Reçu le", validators=[Optional()],
                                  description="Aujourd'hui si vous ne dites rien ; pour un message électronique, sa date.")
    came_by = SelectField("Arrivé par", choices=choices({"": "— Non précisé —", **CAME_BY}), default="")
    sender = StringField("Expéditeur", validators=[Optional(), Length(max=200)],
                         description="Pour un message électronique, son expéditeur si vous ne dites rien.")
    item_ids = MultiCheckboxField("Documents demandés auxquels il répond", coerce=int, validate_choice=False)
    outcome = SelectField("Pour ces documents demandés", choices=choices(OUTCOMES), default="complete")
    notes = TextAreaField("Notes", validators=[Optional(), Length(max=5000)])

    def validate_files(self, field):
        if not [upload for upload in field.data or [] if upload and upload.filename]:
            raise ValidationError("Choisissez au moins un fichier à classer.")

    def meta_for(self, access_request: AccessRequest) -> FilingMeta:
        known = {item.id for item in access_request.items}
        return FilingMeta(
            received_on=self.received_on.data, came_by=self.came_by.data or "", sender=(self.sender.data or "").strip(),
            notes=(self.notes.data or "").strip(), item_ids=[i for i in self.item_ids.data or [] if i in known],
            outcome=self.outcome.data or "complete")


def upload_form(access_request: AccessRequest, **kwargs) -> UploadForm:
    form = UploadForm(**kwargs)
    form.item_ids.choices = [(item.id, item.description) for item in access_request.items]
    return prefix_ids(form, "classement-")  # shown on the request page beside the event form


class DocumentForm(Form):
    received_on = FrenchDateField("Reçu le", validators=[Optional()])
    came_by = SelectField("Arrivé par", choices=choices({"": "— Non précisé —", **CAME_BY}), default="")
    sender = StringField("Expéditeur", validators=[Optional(), Length(max=200)])
    pages = IntegerField("Nombre de pages", validators=[Optional(), NumberRange(min=1, max=100_000,
                                                        message="Un nombre de pages entre 1 et 100 000.")])
    notes = TextAreaField("Notes", validators=[Optional(), Length(max=5000)])


def document_form(document: Document, **kwargs) -> DocumentForm:
    """The metadata form, with one "what does it bring" choice per requested item."""
    outcomes = {link.item_id: link.outcome for link in document.item_links}

    class ItemsForm(DocumentForm):
        pass

    for item in document.request.items:
        setattr(ItemsForm, f"item_{item.id}", SelectField(
            item.description, choices=choices({"": "Sans rapport avec ce document", **OUTCOMES}),
            default=outcomes.get(item.id, "")))
    form = ItemsForm(obj=document, **kwargs)
    form.item_fields = [(item, form[f"item_{item.id}"]) for item in document.request.items]
    return form


class CitationForm(Form):
    """Cite a CADA opinion on a request, quoting one sentence of its holding (checked
    against the opinion's text by workflow.precedents.citations)."""

    number = StringField("Numéro de l'avis", validators=[DataRequired(REQUIRED), Length(max=20)])
    holding = StringField("Phrase de l'avis à citer", validators=[DataRequired(REQUIRED), Length(max=1000)],
                          description="Reprise mot pour mot dans la saisine de la CADA, le courrier après son avis "
                                      "et la requête au tribunal.")
