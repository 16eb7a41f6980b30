"""Forms of the account and directory pages. Validation lives here, messages in French."""
from __future__ import annotations

import re

from flask_wtf import FlaskForm
from wtforms import BooleanField, DateField, EmailField, PasswordField, SelectField, StringField, TextAreaField, URLField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Email, EqualTo, Length, Optional, Regexp, ValidationError

from workflow.accounts import MIN_PASSWORD_LENGTH, find_user
from workflow.models.authorities import AUTHORITY_KINDS
from workflow.models.requests import CHANNELS
from workflow.states import EVENT_LABELS
from workflow.models.users import ROLE_LABELS

REQUIRED = "Ce champ est obligatoire."
DEPARTMENT_PATTERN = r"^(0[1-9]|[1-8][0-9]|9[0-5]|2A|2B|97[1-6])$"


def choices(labels: dict[str, str]) -> list[SelectChoice]:
    return [SelectChoice(value, label) for value, label in labels.items()]


class Form(FlaskForm):
    class Meta:
        locales = ["fr_FR", "fr"]  # WTForms' own French messages for the built-in validators


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

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        # Checked here, not on the field: Optional() stops the field's own chain when empty.
        if self.verified.data and self.last_checked_on.data is None and not self.last_checked_on.errors:
            self.last_checked_on.errors = ["Indiquez la date à laquelle les coordonnées ont été vérifiées."]
            valid = False
        return valid


OPINION_CHOICES = {"": "—", "favourable": "Favorable", "unfavourable": "Défavorable", "moot": "Sans objet",
                   "inadmissible": "Irrecevable"}
REPLY_CHOICES = {"": "—", "communicated": "Documents communiqués", "partial": "Communication partielle",
                 "refused": "Refus maintenu"}


class EventForm(Form):
    """Record what happened to a request. The fields under a type's fieldset only matter
    for that type; the others are ignored."""

    type = SelectField("Événement", choices=choices(EVENT_LABELS))
    occurred_on = FrenchDateField("Date", validators=[DataRequired("Indiquez la date de l'événement.")])
    channel = SelectField("Canal d'envoi", choices=choices({"": "Celui de la demande", **CHANNELS}), default="")
    registered_number = StringField("Numéro du recommandé", validators=[Optional(), Length(max=40)], filters=[_strip])
    r112_5 = BooleanField("L'accusé de réception indique la date de réception, la date de naissance du refus implicite, "
                          "le service chargé du dossier et les voies et délais de recours (CRPA, art. R112-5)")
    received_on = FrenchDateField("Date de réception indiquée par l'administration", validators=[Optional()])
    appeal_routes_stated = BooleanField("Le refus indique les voies et délais de recours, dont la saisine de la CADA "
                                        "(CRPA, art. L311-14)")
    case_number = StringField("Numéro de dossier CADA", validators=[Optional(), Length(max=40)], filters=[_strip])
    opinion_outcome = SelectField("Sens de l'avis", choices=choices(OPINION_CHOICES), default="")
    received_by_authority = FrenchDateField("Date de réception de l'avis par l'administration", validators=[Optional()])
    reply_outcome = SelectField("Réponse de l'administration", choices=choices(REPLY_CHOICES), default="")
    note = TextAreaField("Note", validators=[Optional(), Length(max=2000)], filters=[_strip])

    def event_data(self) -> dict:
        """The facts the deadline engine reads for this type of event."""
        kind = self.type.data
        data: dict = {}
        if kind == "sent":
            if self.channel.data:
                data["channel"] = self.channel.data
            if self.registered_number.data:
                data["registered_number"] = self.registered_number.data
        elif kind == "acknowledged":
            data["r112_5"] = bool(self.r112_5.data)
            if self.received_on.data:
                data["received_on"] = self.received_on.data.isoformat()
        elif kind == "refused":
            data["appeal_routes_stated"] = bool(self.appeal_routes_stated.data)
        elif kind == "cada_registered" and self.case_number.data:
            data["case_number"] = self.case_number.data
        elif kind == "cada_opinion":
            if self.opinion_outcome.data:
                data["outcome"] = self.opinion_outcome.data
            if self.received_by_authority.data:
                data["received_by_authority"] = self.received_by_authority.data.isoformat()
        elif kind == "authority_reply" and self.reply_outcome.data:
            data["outcome"] = self.reply_outcome.data
        return data


class CorrectionForm(Form):
    occurred_on = FrenchDateField("Date corrigée", validators=[DataRequired("Indiquez la date corrigée.")])
    note = StringField("Motif de la correction", validators=[DataRequired("Indiquez pourquoi vous corrigez cette date."),
                                                            Length(max=500)], filters=[_strip])
