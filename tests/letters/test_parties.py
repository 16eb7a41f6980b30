"""Who writes and whom the court application is against: an association déclarée,
inscrite (local law of Moselle, Bas-Rhin, Haut-Rhin) or with no number yet, a group
without legal personality; the defendant by its legal person and representative; and
CGCT L2121-26 / L5211-46 cited only for the documents they cover."""
from __future__ import annotations

from dataclasses import replace

import pytest

from tests.letters.builders import (ASSOCIATION, ASSOCIATION_INSCRITE, CNIL, DELIBERATIONS, GROUP, ITEMS, METROPOLE,
                                    POLICE, PREFECTURE, VILLE, context, flat)
from workflow.letters.rendering import LetterNotReady, Party, build_letter, check_letter, render_text


def _text(kind: str, **overrides) -> str:
    return flat(render_text(context(kind, **overrides))[1])


def _lines(kind: str, role: str, **overrides) -> tuple[str, ...]:
    letter = build_letter(context(kind, **overrides))
    return tuple(flat(line) for part in letter.parts if part.role == role for line in part.lines)


# ------------------------------------------------------------------ who writes


def test_an_association_inscrite_names_its_register_entry():
    assert _lines("request", "sender", sender=ASSOCIATION_INSCRITE)[:3] == (
        "Les Amis de la transparence messine",
        "Association inscrite au registre des associations du Tribunal judiciaire de Metz, volume 148, folio 12",
        "Représentée par Paul Schmitt, secrétaire",
    )
    for kind in ("cada_referral", "court_application"):
        assert ("Les Amis de la transparence messine, association inscrite au registre des associations du "
                "Tribunal judiciaire de Metz, volume 148, folio 12, dont le siège est situé 5 rue Mazelle, "
                "57000 Metz") in _text(kind, sender=ASSOCIATION_INSCRITE), kind
    # An entry that does not start with the court is quoted as typed, in brackets.
    other = replace(ASSOCIATION_INSCRITE, local_register="TJ Strasbourg, vol. 52, fo 7")
    assert "Association inscrite au registre des associations (TJ Strasbourg, vol. 52, fo 7)" in _lines(
        "request", "sender", sender=other)


def test_an_association_without_a_number_still_gets_its_letters():
    sender = replace(ASSOCIATION, rna_number="")
    check_letter(context("request", sender=sender))
    assert _lines("request", "sender", sender=sender)[:2] == (
        "Collectif Lanterne Metz", "Représentée par Jeanne Martin, présidente")
    assert "RNA" not in _text("request", sender=sender)
    assert "Collectif Lanterne Metz, association, dont le siège est situé" in _text("cada_referral", sender=sender)


def test_a_group_writes_through_a_named_person():
    assert _lines("request", "sender", sender=GROUP)[:2] == ("Jeanne Martin", "Pour le collectif « Technopolice Metz »")
    assert _lines("request", "signature", sender=GROUP) == ("Jeanne Martin", "Pour le collectif « Technopolice Metz »")
    assert "Pour le collectif « Technopolice Metz », j'ai l'honneur de vous demander" in _text("request", sender=GROUP)
    assert ("Demandeur : Jeanne Martin, pour le collectif « Technopolice Metz », demeurant 8 rue du Pont-des-Morts, "
            "57000 Metz") in _text("cada_referral", sender=GROUP)
    # Before the court the person is the applicant ("je"), a member of the group.
    text = _text("court_application", sender=GROUP)
    assert "Pour : Jeanne Martin, membre du collectif « Technopolice Metz », demeurant" in text
    assert "je demande au tribunal administratif de Strasbourg" in text
    assert "Statuts" not in text
    with pytest.raises(LetterNotReady, match="le nom de la personne qui écrit pour le collectif"):
        check_letter(context("request", sender=replace(GROUP, representative="")))


# ------------------------------------------------------------------ the court application


def test_an_association_is_one_applicant_with_its_statutes_and_mandate():
    text = _text("court_application", sender=ASSOCIATION)
    assert ("Pour : Collectif Lanterne Metz, association déclarée (RNA n° W572012345), dont le siège est situé "
            "12 rue des Jardins, 57000 Metz, représentée par Jeanne Martin, présidente, dûment mandaté(e)") in text
    # The association speaks of itself; its representative never says "je".
    assert "l'association requérante a demandé à l'administration (Ville de Metz)" in text
    assert "l'association requérante a saisi la Commission d'accès" in text and "enregistré sa saisine" in text
    assert "l'association requérante demande au tribunal administratif de Strasbourg" in text
    assert "de lui communiquer les documents demandés" in text
    for first_person in ("j'ai demandé", "j'ai saisi", "ma saisine", "je demande", "de me communiquer"):
        assert first_person not in text, first_person
    assert "4. Statuts de l'association" in text
    assert ("5. Mandat ou délibération de l'organe compétent de l'association autorisant Jeanne Martin à agir en "
            "justice en son nom") in text


def test_a_person_is_the_applicant_in_the_first_person():
    text = _text("court_application")
    assert "j'ai demandé à l'administration" in text and "je demande au tribunal" in text
    assert "requérante" not in text and "Statuts" not in text


def test_the_exhibits_of_an_implicit_refusal_prove_the_request_and_its_receipt():
    text = _text("court_application")
    assert ("1. Copie de la demande du 11 septembre 2026 et preuve de sa date de réception, le 14 septembre 2026, "
            "la décision attaquée étant implicite (CJA, art. R412-1 et R421-2)") in text
    assert "2. Copie de la saisine de la CADA et de son accusé d'enregistrement du 25 novembre 2026" in text
    assert "3. Copie de l'avis de la CADA du 17 décembre 2026" in text
    without_opinion = _text("court_application", opinion_on=None, opinion_outcome="")
    assert "avis de la CADA du" not in without_opinion


@pytest.mark.parametrize(("authority", "expected"), [
    (VILLE, "Contre : la commune de Metz, représentée par son maire, Hôtel de Ville"),
    (Party(name="Commune d'Ars-sur-Moselle", kind="commune"), "Contre : la commune d'Ars-sur-Moselle, représentée par son maire"),
    (PREFECTURE, "Contre : l'État, représenté par le préfet de la Moselle, 9 place de la Préfecture"),
    (Party(name="Ministère de l'Intérieur", kind="ministere"), "Contre : l'État, représenté par le ministre de l'Intérieur"),
    (METROPOLE, "Contre : Metz Métropole, représentée par le président de son conseil, Harmony Park"),
    (Party(name="Eurométropole de Strasbourg", kind="intercommunalite"),
     "Contre : l'Eurométropole de Strasbourg, représentée par le président de son conseil"),
    (Party(name="Département de la Moselle", kind="departement"),
     "Contre : le département de la Moselle, représenté par le président du conseil départemental"),
    (Party(name="Région Grand Est", kind="region"),
     "Contre : la région Grand Est, représentée par le président du conseil régional"),
    (Party(name="Centre hospitalier régional Metz-Thionville", kind="etablissement_public"),
     "Contre : le centre hospitalier régional Metz-Thionville, représenté par son directeur"),
    (CNIL, "Contre : la Commission nationale de l'informatique et des libertés, représentée par sa présidente, "
           "3 place de Fontenoy"),
])
def test_the_defendant_by_its_legal_person_and_representative(authority, expected):
    assert expected in _text("court_application", authority=authority)


@pytest.mark.parametrize("authority", [
    POLICE,
    Party(name="Syndicat mixte des transports", kind="intercommunalite"),
    Party(name="Metz", kind="commune"),
    Party(name="Conseil régional du Grand Est", kind="region"),
])
def test_a_defendant_that_cannot_be_derived_is_left_for_the_user_to_fill(authority):
    text = _text("court_application", authority=authority)
    assert (f"Contre : {authority.name} [à compléter : la personne morale défenderesse et son représentant légal]"
            in text)
    assert "représenté" not in text.split("Contre :")[1].split("Décision attaquée")[0]


# ------------------------------------------------------------------ CGCT L2121-26 / L5211-46


@pytest.mark.parametrize("kind", ["request", "cada_referral", "court_application"])
def test_cgct_is_cited_for_deliberations_minutes_budgets_and_orders(kind):
    grounds = ("CGCT, art. L2121-26", "CGCT, art. L5211-46")
    assert "CGCT, art. L2121-26" in _text(kind, items=DELIBERATIONS, legal_grounds=grounds)
    for items in (("Le compte administratif 2024 de la commune",), ("Les arrêtés du maire relatifs aux caméras",),
                  ("Le budget primitif 2025",)):
        assert "CGCT, art. L5211-46" in _text(kind, items=items, legal_grounds=grounds), items
    # The subject may say it for the items.
    assert "CGCT, art. L2121-26" in _text(kind, subject="Délibérations sur la vidéoprotection",
                                          items=("Celles de 2024, avec leurs annexes",), legal_grounds=grounds)


@pytest.mark.parametrize("kind", ["request", "cada_referral", "court_application"])
def test_cgct_is_not_cited_for_other_documents_even_from_a_commune(kind):
    grounds = ("CGCT, art. L2121-26", "CGCT, art. L5211-46", "Code de la sécurité intérieure, art. L252-1")
    text = _text(kind, items=ITEMS, legal_grounds=grounds)  # contracts, asked of the Ville de Metz
    assert "L2121-26" not in text and "L5211-46" not in text
    assert "Code de la sécurité intérieure, art. L252-1" in text
