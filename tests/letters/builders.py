"""Parties, items and a realistic context for each letter: what the letter tests and the
golden scenarios build on."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

from workflow.law.deadlines import RequestFacts, compute_deadlines
from workflow.letters.rendering import CADA_PARTY, LetterContext, Party, SeriesEntry, SeriesReferral

D = date.fromisoformat
ROOT = Path(__file__).resolve().parents[2]

PERSON = Party(
    name="Camille Durand",
    address_lines=("3 rue Serpenoise", "57000 Metz"),
    email="camille.durand@example.org",
)
ASSOCIATION = Party(
    name="Collectif Lanterne Metz",
    address_lines=("12 rue des Jardins", "57000 Metz"),
    email="contact@lanterne.example",
    kind="association",
    rna_number="W572012345",
    representative="Jeanne Martin",
    representative_role="présidente",
)
# An association under the local law of Moselle: "inscrite", no RNA number.
ASSOCIATION_INSCRITE = Party(
    name="Les Amis de la transparence messine",
    address_lines=("5 rue Mazelle", "57000 Metz"),
    email="amis@transparence.example",
    kind="association",
    local_register="Tribunal judiciaire de Metz, volume 148, folio 12",
    representative="Paul Schmitt",
    representative_role="secrétaire",
)
# A group without legal personality: Jeanne Martin writes for it.
GROUP = Party(
    name="Technopolice Metz",
    address_lines=("8 rue du Pont-des-Morts", "57000 Metz"),
    email="technopolice-metz@example.org",
    kind="group",
    representative="Jeanne Martin",
)
PREFECTURE = Party(
    name="Préfecture de la Moselle",
    address_lines=("9 place de la Préfecture", "57034 Metz Cedex 1"),
    kind="prefecture",
)
METROPOLE = Party(
    name="Metz Métropole (Eurométropole de Metz)",
    address_lines=("Harmony Park", "11 boulevard Solidarité", "57070 Metz"),
    kind="intercommunalite",
)
CNIL = Party(
    name="Commission nationale de l'informatique et des libertés (CNIL)",
    address_lines=("3 place de Fontenoy", "TSA 80715", "75334 Paris Cedex 07"),
    kind="autorite_independante",
)
POLICE = Party(
    name="Direction interdépartementale de la police nationale de la Moselle",
    address_lines=("45 rue Belle-Isle", "57000 Metz"),
    kind="police",
)
DELIBERATIONS = (
    "Les délibérations du conseil municipal adoptées depuis le 1er janvier 2020 relatives au système de "
    "vidéoprotection, avec leurs annexes",
    "Les procès-verbaux des séances au cours desquelles ces délibérations ont été adoptées",
)
VILLE = Party(
    name="Ville de Metz",
    address_lines=("Hôtel de Ville", "1 place d'Armes J.-F. Blondel", "BP 21025", "57036 Metz Cedex 1"),
    kind="commune",
)
TA_STRASBOURG = Party(
    name="Tribunal administratif de Strasbourg",
    address_lines=("31 avenue de la Paix", "67070 Strasbourg"),
    kind="juridiction",
)
ITEMS = (
    "Le ou les marchés publics conclus depuis le 1er janvier 2020 pour l'extension du système "
    "de vidéoprotection, avec leurs actes d'engagement",
    "Le cahier des clauses techniques particulières (CCTP) de ces marchés",
    "Le rapport d'analyse des offres de chacune de ces consultations",
)
SERIES = (
    SeriesEntry(
        authority="Préfecture de la Moselle",
        reference="LNT-2026-0002",
        sent_on=D("2026-01-09"),
        refusal_kind="implicit",
        refused_on=D("2026-02-12"),
    ),
    SeriesEntry(
        authority="Metz Métropole",
        reference="LNT-2026-0003",
        sent_on=D("2026-01-09"),
        refusal_kind="explicit",
        refused_on=D("2026-02-03"),
    ),
)

# The same request to five administrations: a series (CRPA L342-1; threshold in
# workflow/law/series.py), every other request refused.
SERIES_OF_FIVE = (
    *SERIES,
    SeriesEntry(
        authority="Commune de Montigny-lès-Metz",
        reference="LNT-2026-0004",
        sent_on=D("2026-01-09"),
        refusal_kind="explicit",
        refused_on=D("2026-02-10"),
    ),
    SeriesEntry(
        authority="Commune de Marly",
        reference="LNT-2026-0005",
        sent_on=D("2026-01-09"),
        refusal_kind="implicit",
        refused_on=D("2026-02-13"),
    ),
)
# The series' one referral, recorded on the request to Metz Métropole.
REFERRAL = SeriesReferral(authority="Metz Métropole", reference="LNT-2026-0003", referred_on=D("2026-02-20"))


def flat(text: str) -> str:
    """Spaces normalised: non-breaking spaces to spaces, runs of white space to one."""
    return re.sub(r"\s+", " ", text.replace("\u00a0", " ").replace("\u202f", " ")).strip()


def context(kind: str, **overrides) -> LetterContext:
    """A realistic context for each kind, with deadlines from the deadline engine."""
    base = dict(
        kind=kind,
        reference="LNT-2026-0001",
        sender=PERSON,
        recipient=VILLE,
        authority=VILLE,
        place="Metz",
        letter_date=D("2026-01-08"),
        subject="Marchés de vidéoprotection de la ville de Metz",
        items=ITEMS,
        legal_grounds=("CGCT, art. L2121-26",),
    )
    facts = RequestFacts()
    if kind == "reminder":
        facts = RequestFacts(received=D("2026-01-11"))
        base.update(letter_date=D("2026-02-20"), request_sent_on=D("2026-01-09"), request_received_on=D("2026-01-11"))
    elif kind == "cada_referral":
        facts = RequestFacts(received=D("2026-01-11"))
        base.update(
            recipient=CADA_PARTY,
            letter_date=D("2026-02-20"),
            request_sent_on=D("2026-01-09"),
            request_received_on=D("2026-01-11"),
            refusal_is_implicit=True,
            series=SERIES_OF_FIVE,
            is_series=True,
        )
    elif kind == "cada_series_notice":
        # Received 30 January: the implicit refusal is born on 28 February, after the letter.
        facts = RequestFacts(received=D("2026-01-30"))
        base.update(
            letter_date=D("2026-02-25"),
            request_sent_on=D("2026-01-28"),
            request_received_on=D("2026-01-30"),
            series=SERIES_OF_FIVE,
            is_series=True,
            series_referral=REFERRAL,
        )
    elif kind == "after_opinion":
        facts = RequestFacts(
            received=D("2026-01-11"),
            cada_registered=D("2026-03-02"),
            cada_opinion=D("2026-04-09"),
            opinion_received_by_authority=D("2026-04-14"),
        )
        base.update(
            letter_date=D("2026-04-20"),
            request_sent_on=D("2026-01-09"),
            request_received_on=D("2026-01-11"),
            refusal_is_implicit=True,
            cada_registered_on=D("2026-03-02"),
            cada_case_number="20261234",
            opinion_on=D("2026-04-09"),
            opinion_outcome="favourable",
        )
    elif kind == "recours_gracieux":
        facts = RequestFacts(received=D("2026-01-11"), refused=D("2026-02-03"))
        base.update(
            letter_date=D("2026-02-20"),
            request_sent_on=D("2026-01-09"),
            request_received_on=D("2026-01-11"),
            refusal_on=D("2026-02-03"),
        )
    elif kind == "court_application":
        # CADA registration 25 Nov 2026 -> confirmed refusal born 25 Jan 2027 (R343-5).
        facts = RequestFacts(
            received=D("2026-09-14"),
            cada_registered=D("2026-11-25"),
            cada_opinion=D("2026-12-17"),
            department="57",
        )
        base.update(
            recipient=TA_STRASBOURG,
            letter_date=D("2027-02-10"),
            request_sent_on=D("2026-09-11"),
            request_received_on=D("2026-09-14"),
            refusal_is_implicit=True,
            cada_registered_on=D("2026-11-25"),
            cada_case_number="20267777",
            opinion_on=D("2026-12-17"),
            opinion_outcome="favourable",
        )
    elif kind == "court_withdrawal":
        facts = RequestFacts(received=D("2026-09-14"), cada_registered=D("2026-11-25"), department="57",
                             court_filed=D("2027-02-10"))
        base.update(
            recipient=TA_STRASBOURG,
            letter_date=D("2027-04-02"),
            request_sent_on=D("2026-09-11"),
            request_received_on=D("2026-09-14"),
            cada_registered_on=D("2026-11-25"),
            court_filed_on=D("2027-02-10"),
            court_case_number="2701234",
        )
    base["deadlines"] = compute_deadlines(facts)
    base.update(overrides)
    return LetterContext(**base)
