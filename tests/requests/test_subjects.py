"""Structure of the subject library (workflow/requests/subjects.json): ready-made requests for
the Metz investigation. Plain pytest functions: no Flask application, no database."""

from __future__ import annotations

import json
import re
import unicodedata
from pathlib import Path

import pytest

DATA = Path(__file__).resolve().parents[2] / "workflow" / "requests"
SUBJECTS = json.loads((DATA / "subjects.json").read_text(encoding="utf-8"))
AUTHORITY_SLUGS = {entry["slug"] for entry in json.loads((DATA.parent / "directory" / "authorities.json").read_text(encoding="utf-8"))}

REQUIRED_KEYS = {"slug", "title", "summary", "items", "legal_grounds", "suggested_authorities"}
OPTIONAL_KEYS = {"notes"}


def _fold(text: str) -> str:
    """Lower case without accents, for keyword search."""
    decomposed = unicodedata.normalize("NFKD", text.lower())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def _searchable(subject: dict) -> str:
    return _fold(" ".join([subject["title"], *subject["items"]]))


def test_is_a_list_of_8_to_12_subjects():
    assert isinstance(SUBJECTS, list)
    assert 8 <= len(SUBJECTS) <= 12


@pytest.mark.parametrize("subject", SUBJECTS, ids=lambda s: s.get("slug", "?"))
def test_subject_structure(subject):
    assert REQUIRED_KEYS <= set(subject) <= REQUIRED_KEYS | OPTIONAL_KEYS
    assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", subject["slug"])
    for key in ("title", "summary"):
        assert isinstance(subject[key], str) and subject[key].strip()
    assert isinstance(subject.get("notes", ""), str)
    for key in ("items", "legal_grounds", "suggested_authorities"):
        values = subject[key]
        assert isinstance(values, list) and values, key
        assert all(isinstance(v, str) and v.strip() == v and v for v in values), key
        assert len(set(values)) == len(values), f"duplicate in {key}"
    # Itemised documents, precise enough to be found: not one-word entries.
    assert all(len(item) >= 30 for item in subject["items"])


@pytest.mark.parametrize("subject", SUBJECTS, ids=lambda s: s["slug"])
def test_suggested_authorities_exist(subject):
    assert set(subject["suggested_authorities"]) <= AUTHORITY_SLUGS


@pytest.mark.parametrize("subject", SUBJECTS, ids=lambda s: s["slug"])
def test_cites_a_crpa_article(subject):
    assert any(re.fullmatch(r"CRPA, art\. [LR]\d{3}-\d+", g) for g in subject["legal_grounds"])
    # Grounds use one format: "<code>, art. <number>".
    assert all(re.fullmatch(r"[^,]+, art\. [LR]?\d[\w-]*", g) for g in subject["legal_grounds"])


def test_slugs_are_unique():
    slugs = [subject["slug"] for subject in SUBJECTS]
    assert len(slugs) == len(set(slugs))


def test_titles_are_unique():
    titles = [subject["title"] for subject in SUBJECTS]
    assert len(titles) == len(set(titles))


@pytest.mark.parametrize(
    "keywords",
    [
        ("videoprotection",),
        ("drone",),
        ("procedo",),
        ("two-i", "reconnaissance faciale"),
        ("cnil",),
        ("deliberation",),
        ("aipd", "analyse d'impact"),
        ("registre des activites de traitement", "registre des traitements"),
        ("acte d'engagement", "actes d'engagement"),
        ("cctp",),
        ("ccap",),
        ("bpu", "dpgf"),
        ("avenant",),
        ("bons de commande",),
        ("rapport d'analyse des offres",),
        ("arretes prefectoraux", "arrete prefectoral", "arretes du prefet"),
        ("commission departementale de videoprotection",),
        ("camera thermique", "cameras thermiques"),
        ("port du masque",),
        ("mise en demeure",),
        ("proces-verbal de controle", "proces-verbaux de controle"),
        ("convention",),
    ],
)
def test_every_topic_of_the_investigation_is_covered(keywords):
    assert any(any(_fold(k) in _searchable(s) for k in keywords) for s in SUBJECTS), keywords


@pytest.mark.parametrize(
    ("article", "keyword"),
    [
        ("CGCT, art. L2121-26", "conseil municipal"),
        ("CGCT, art. L5211-46", "metropol"),
    ],
)
def test_access_grounds_are_cited_where_they_apply(article, keyword):
    assert any(article in s["legal_grounds"] and _fold(keyword) in _searchable(s) for s in SUBJECTS)


@pytest.mark.parametrize(
    ("reference", "keyword"),
    [
        ("Code de la sécurité intérieure, art. L252-1", "videoprotection"),
        ("Code de la sécurité intérieure, art. L242-5", "drone"),
        ("RGPD art. 35", "analyse d'impact"),
        ("RGPD art. 30", "registre des activites de traitement"),
    ],
)
def test_items_name_the_text_that_creates_the_document(reference, keyword):
    # These articles make the document exist; they are not grounds of the right of access,
    # so they belong in the item's description, not in legal_grounds.
    assert any(
        reference in item and _fold(keyword) in _fold(item) for s in SUBJECTS for item in s["items"]
    )


def test_legal_grounds_are_access_grounds():
    for subject in SUBJECTS:
        assert all(g.startswith(("CRPA, ", "CGCT, ")) for g in subject["legal_grounds"]), subject["slug"]


def test_no_invented_identifiers():
    # Documents are described generically: no contract, deliberation or order numbers.
    for subject in SUBJECTS:
        for item in subject["items"]:
            assert not re.search(r"n°\s*\d", item), item


def test_subjects_feed_the_letter_renderer():
    """A subject's title, items and grounds make a valid request letter."""
    from datetime import date

    from workflow.letters.rendering import LetterContext, Party, render_text

    ville = Party(name="Ville de Metz", address_lines=("BP 21025", "57036 Metz Cedex 1"))
    sender = Party(name="Camille Durand", address_lines=("3 rue Serpenoise", "57000 Metz"), email="c@example.org")
    for subject in SUBJECTS:
        ctx = LetterContext(
            kind="request",
            reference="LNT-2026-0001",
            sender=sender,
            recipient=ville,
            authority=ville,
            place="Metz",
            letter_date=date(2026, 1, 8),
            subject=subject["title"],
            items=tuple(subject["items"]),
            legal_grounds=tuple(subject["legal_grounds"]),
        )
        _, body = render_text(ctx)
        body = " ".join(body.replace("\u00a0", " ").split())
        for number, item in enumerate(subject["items"], 1):
            assert f"{number}. {item}" in body
        for ground in subject["legal_grounds"]:
            assert ground.split(", art. ")[1] in body  # CRPA articles are cited in the wording
