"""Tests of the letter renderer (workflow/letters/, templates in letters/): content per CRPA
letter, dates from the deadline engine, HTML / PDF / DOCX / text in sync, missing facts, and
a PDF renderer that reads nothing outside letters/.

Plain pytest functions: no Flask application, no database.
"""

from __future__ import annotations

import io
import re
import subprocess
import sys
from dataclasses import replace

import docx
import pytest
from pypdf import PdfReader

from workflow.letters import pdf as letters_pdf
from workflow.letters import rendering as letters
from workflow.law.deadlines import RequestFacts, compute_deadlines
from workflow.law.states import STATUSES, next_action
from workflow.letters.rendering import (
    LETTER_KINDS,
    LETTERS_DIR,
    AssetRefused,
    LetterContext,
    LetterNotReady,
    Party,
    build_letter,
    letter_asset_path,
    letter_filename,
    render_docx,
    render_html,
    render_pdf,
    render_text,
)

from tests.letters.scenarios import court_explicit
from tests.letters.builders import ASSOCIATION, DELIBERATIONS, ITEMS, PERSON, ROOT, TA_STRASBOURG, VILLE, D, context, flat


# What each letter must contain (crpa.md §5): articles and dates, as flat text.
EXPECTED: dict[str, tuple[str, ...]] = {
    "request": (
        "L300-1 et suivants", "L311-1", "L311-9", "L311-7", "R112-5",
        "sans qu'elle ait à justifier d'un intérêt ni à indiquer les motifs",
        "Metz, le 8 janvier 2026",
        "À l'attention de la personne responsable de l'accès aux documents administratifs",
    ),
    "reminder": (
        "Relance", "demande du 9 janvier 2026", "LNT-2026-0001", "reçue par vos services le 11 janvier 2026",
        "a fait naître, le 11 février 2026, une décision implicite de refus", "R311-12", "R311-13",
        "je saisirai la Commission d'accès aux documents administratifs", "L342-1",
    ),
    "cada_referral": (
        "Commission d'accès aux documents administratifs", "TSA 50730", "75334 Paris Cedex 07",
        "L342-1", "R343-1", "Demandeur : Camille Durand, demeurant 3 rue Serpenoise, 57000 Metz",
        "Administrations concernées :",
        "; ainsi que : Préfecture de la Moselle, Metz Métropole, Commune de",
        "voici les 5 demandes de la série",
        "demande du 9 janvier 2026",
        "une décision implicite de refus est née le 11 février 2026",
        "Préfecture de la Moselle : demande du 9 janvier 2026 (réf. LNT-2026-0002), refus implicite né le 12 février 2026",
        "Metz Métropole : demande du 9 janvier 2026 (réf. LNT-2026-0003), refus explicite du 3 février 2026",
        "Ville de Metz : demande du 9 janvier 2026 (réf. LNT-2026-0001), refus implicite né le 11 février 2026 "
        "(refus objet de la présente saisine)",
        "Commune de Marly : demande du 9 janvier 2026 (réf. LNT-2026-0005), refus implicite né le 13 février 2026",
        "J'informe de la présente saisine chacune des autres administrations de la série.",
        "Pièces jointes", "Copie de ma demande du 9 janvier 2026",
        "réception par l'administration le 11 janvier 2026, d'où découle la naissance du refus implicite le 11 février 2026",
        "Pour chacune des autres demandes de la série (Préfecture de la Moselle, Metz Métropole, ",
        "Commune de Marly) : copie de la demande et preuve de son envoi",
    ),
    "cada_series_notice": (
        "Par une demande du 28 janvier 2026 (réf. LNT-2026-0001), reçue par vos services le 30 janvier 2026",
        "À ce jour, cette demande n'a fait l'objet d'aucune décision de refus.",
        "elle fait partie d'une série de 5 demandes ayant le même objet",
        "je vous informe que j'ai saisi la CADA, le 20 février 2026, du refus opposé par Metz Métropole à la "
        "demande de la série qui lui était adressée (réf. LNT-2026-0003)",
        "L342-1",
    ),
    "after_opinion": (
        "a rendu le 9 avril 2026 (dossier n° 20261234) un avis favorable", "R343-3",
        "au plus tard le 14 mai 2026", "Copie de l'avis de la CADA du 9 avril 2026",
        "la décision implicite de refus née le 11 février 2026", "L311-9", "L311-7",
        "refus confirmé (CRPA, art. R343-4 et R343-5)", "2 mai 2026",
    ),
    "recours_gracieux": (
        "recours gracieux", "L411-2", "Par une décision du 3 février 2026, vous avez refusé",
        "retirer votre décision du 3 février 2026", "ne remplace pas la saisine de la Commission d'accès",
        "L342-1", "Copie de la décision de refus du 3 février 2026", "L311-1", "L311-7",
    ),
    "court_application": (
        "Requête en annulation", "Tribunal administratif de Strasbourg", "31 avenue de la Paix",
        "Pour : Camille Durand", "Contre : la commune de Metz, représentée par son maire, Hôtel de Ville",
        "une décision implicite de refus confirmé est née le 25 janvier 2027", "R343-4", "R343-5",
        "qui a enregistré ma saisine le 25 novembre 2026 sous le n° 20267777",
        "Par un avis du 17 décembre 2026, la CADA a émis un avis favorable",
        "I. Faits et procédure", "II. Discussion", "III. Conclusions",
        "je demande au tribunal administratif de Strasbourg", "d'annuler la décision implicite",
        "d'enjoindre à l'administration (Ville de Metz) de me communiquer", "L911-1",
        "R421-1", "R421-2", "R412-1", "Le ministère d'avocat n'est pas obligatoire",
        "Productions", "Copie de la demande du 11 septembre 2026 et preuve de sa date de réception, le 14 septembre 2026",
        "Copie de la saisine de la CADA", "Copie de l'avis de la CADA du 17 décembre 2026",
    ),
    "court_withdrawal": (
        "Tribunal administratif de Strasbourg", "Désistement de ma requête n° 2701234 enregistrée le 10 février 2027",
        "Par une requête enregistrée au greffe le 10 février 2027 sous le n° 2701234",
        "Je vous informe que je me désiste de cette requête",
    ),
}


def lines(letter, role: str) -> tuple[str, ...]:
    """The lines (or texts) of the parts of `role` in a built letter."""
    lines: list[str] = []
    for part in letter.parts:
        if part.role == role:
            lines.extend(part.lines or (part.text,))
    return tuple(lines)


def _common_expectations(ctx: LetterContext) -> tuple[str, ...]:
    return (ctx.authority.name, *ctx.authority.address_lines, *ctx.items, ctx.reference, "Camille Durand")


# ------------------------------------------------------------------ content, per kind


@pytest.mark.parametrize("kind", list(LETTER_KINDS))
def test_text_contains_the_required_mentions(kind):
    ctx = context(kind)
    subject, body = render_text(ctx)
    text = flat(body)
    for expected in (*_common_expectations(ctx), *EXPECTED[kind]):
        assert flat(expected) in text, f"{kind}: {expected!r} missing"
    assert subject.endswith("– Réf. LNT-2026-0001")
    assert "\n" not in subject


@pytest.mark.parametrize("kind", list(LETTER_KINDS))
def test_pdf_has_the_same_text(kind):
    ctx = context(kind)
    pdf = render_pdf(ctx)
    assert pdf.startswith(b"%PDF")
    reader = PdfReader(io.BytesIO(pdf))
    text = flat(" ".join(page.extract_text() for page in reader.pages))
    for expected in (*_common_expectations(ctx), *EXPECTED[kind]):
        assert flat(expected) in text, f"{kind}: {expected!r} missing from the PDF"
    assert f"Page 1 sur {len(reader.pages)}" in text
    box = reader.pages[0].mediabox  # A4 in points
    assert round(float(box.width)) == 595 and round(float(box.height)) == 842


def _docx_paragraphs(data: bytes) -> list[str]:
    document = docx.Document(io.BytesIO(data))
    return [p.text for p in document.paragraphs]


@pytest.mark.parametrize("kind", list(LETTER_KINDS))
def test_docx_and_text_have_the_same_paragraphs(kind):
    ctx = context(kind)
    paragraphs = {flat(p) for p in _docx_paragraphs(render_docx(ctx)) if p.strip()}
    _, body = render_text(ctx)
    for line in body.splitlines():
        if not line.strip():
            continue
        line = re.sub(r"^(\d+\. |– )", "", line)  # list numbers are Word numbering in the DOCX
        title = "".join(lines(build_letter(ctx), "title"))
        if title and line == title.upper():  # the court application's title, capitalised
            line = title
        assert flat(line) in paragraphs, f"{kind}: {line!r} not a DOCX paragraph"
    # And nothing in the DOCX that the text version lacks.
    text = flat(body)
    for paragraph in paragraphs:
        assert paragraph in text or paragraph.upper() in text


@pytest.mark.parametrize("kind", list(LETTER_KINDS))
def test_html_has_the_same_content(kind):
    ctx = context(kind)
    html = render_html(ctx)
    assert html.startswith("<!DOCTYPE html>")
    assert '<html lang="fr">' in html
    assert "<style>" in html and "@page" in html  # standalone: the stylesheet is inlined
    letter = build_letter(ctx)
    import html as html_module

    text = flat(html_module.unescape(re.sub(r"<[^>]+>", " ", html)))
    assert letter.parts
    for part in letter.parts:
        for piece in (part.text, *part.items, *part.lines):
            assert flat(piece) in text


def test_docx_page_setup_and_footer():
    document = docx.Document(io.BytesIO(render_docx(context("request", annexes=("Copie de l'arrêté préfectoral",)))))
    section = document.sections[0]
    assert abs(section.page_width.cm - 21) < 0.01 and abs(section.page_height.cm - 29.7) < 0.01
    for margin in (section.left_margin, section.right_margin, section.top_margin, section.bottom_margin):
        assert abs(margin.cm - 2) < 0.01
    footer_xml = section.footer.paragraphs[0]._p.xml
    assert "PAGE" in footer_xml and "NUMPAGES" in footer_xml and "w:fldChar" in footer_xml
    # The subject line is bold; the items are a numbered list restarting at 1.
    subject = next(p for p in document.paragraphs if p.text.startswith("Objet"))
    assert all(run.bold for run in subject.runs if run.text.strip())
    numbered = [p for p in document.paragraphs if p.style.name == "List Number"]
    assert [flat(p.text) for p in numbered[: len(ITEMS)]] == [flat(i) for i in ITEMS]
    assert flat(numbered[-1].text) == "Copie de l'arrêté préfectoral"
    # Two lists (items, annexes), each its own numbering instance, so both start at 1.
    num_ids = {p._p.pPr.numPr.numId.val for p in numbered}
    assert len(num_ids) == 2


def test_text_version_numbers_items():
    _, body = render_text(context("request"))
    for number, item in enumerate(ITEMS, 1):
        assert f"{number}. {item}" in body
    subject, _ = render_text(context("request"))
    assert subject == "Demande de communication de documents administratifs – Réf. LNT-2026-0001"


# --------------------------------------------------------------------- dates


def test_reminder_before_the_birth_of_the_implicit_refusal_uses_the_future():
    _, body = render_text(context("reminder", letter_date=D("2026-02-05")))
    assert "fera naître, le 11 février 2026, une décision implicite de refus" in flat(body)


def test_reminder_says_when_the_receipt_date_is_estimated():
    facts = RequestFacts(received=D("2026-01-11"), received_is_estimate=True)
    ctx = context("reminder", received_is_estimate=True, deadlines=compute_deadlines(facts))
    text = flat(render_text(ctx)[1])
    assert "le 11 février 2026 (date calculée à partir d'une date de réception estimée)" in text
    assert "reçue par vos services le 11 janvier 2026 (date estimée)" in text


def test_reminder_takes_the_date_from_the_deadlines_not_from_arithmetic():
    # Received 31 January: the implicit refusal is born on 28 February (CPC 641), which
    # only the deadline engine knows.
    facts = RequestFacts(received=D("2026-01-31"))
    ctx = context(
        "reminder",
        request_sent_on=D("2026-01-29"),
        request_received_on=D("2026-01-31"),
        letter_date=D("2026-03-05"),
        deadlines=compute_deadlines(facts),
    )
    assert "a fait naître, le 28 février 2026" in flat(render_text(ctx)[1])


def test_cada_referral_after_an_explicit_refusal():
    facts = RequestFacts(received=D("2026-01-11"), refused=D("2026-01-28"))
    ctx = context(
        "cada_referral",
        refusal_is_implicit=False,
        refusal_on=D("2026-01-28"),
        series=(),
        letter_date=D("2026-02-02"),
        deadlines=compute_deadlines(facts),
    )
    text = flat(render_text(ctx)[1])
    assert "Par une décision du 28 janvier 2026, l'administration a refusé de communiquer ces documents." in text
    assert "Copie de la décision de refus du 28 janvier 2026" in text
    assert "Administration concernée : Ville de Metz" in text
    assert "Pour chacune des autres administrations" not in text


def test_cada_referral_uses_the_cada_address_by_default():
    ctx = context("cada_referral", recipient=Party(name="Commission d'accès aux documents administratifs"))
    text = flat(render_text(ctx)[1])
    assert "TSA 50730" in text and "75334 Paris Cedex 07" in text


def test_court_application_for_an_explicit_decision_after_the_opinion():
    ctx = court_explicit()
    text = flat(render_text(ctx)[1])
    assert "Par une décision du 6 janvier 2027, prise après l'avis de la CADA" in text
    assert "Copie de la décision attaquée du 6 janvier 2027 (CJA, art. R412-1)" in text
    # The first refusal was implicit, born from the silence on the request.
    assert "une décision implicite de refus est née le 14 octobre 2026" in text


# ------------------------------------------------------------------- senders


def test_person_sender_block():
    letter = build_letter(context("request"))
    assert lines(letter, "sender") == (
        "Camille Durand", "3 rue Serpenoise", "57000 Metz", "Courriel\u00a0: camille.durand@example.org"
    )
    assert lines(letter, "signature") == ("Camille Durand",)
    assert "Au nom de l'association" not in flat(render_text(context("request"))[1])


def test_association_sender_block():
    ctx = context("request", sender=ASSOCIATION)
    letter = build_letter(ctx)
    assert lines(letter, "sender")[:3] == (
        "Collectif Lanterne Metz",
        "Association déclarée, RNA n°\u00a0W572012345",
        "Représentée par Jeanne Martin, présidente",
    )
    assert "12 rue des Jardins" in lines(letter, "sender") and "57000 Metz" in lines(letter, "sender")
    assert lines(letter, "signature") == (
        "Pour l'association «\u00a0Collectif Lanterne Metz\u00a0»", "Jeanne Martin", "Présidente"
    )
    text = flat(render_text(ctx)[1])
    assert "Au nom de l'association « Collectif Lanterne Metz », que je représente, j'ai l'honneur" in text
    pdf_text = flat(" ".join(p.extract_text() for p in PdfReader(io.BytesIO(render_pdf(ctx))).pages))
    assert "Association déclarée, RNA n° W572012345" in pdf_text
    assert "Représentée par Jeanne Martin, présidente" in pdf_text


def test_association_identity_before_the_cada_and_the_court():
    for kind in ("cada_referral", "court_application"):
        text = flat(render_text(context(kind, sender=ASSOCIATION))[1])
        assert (
            "Collectif Lanterne Metz, association déclarée (RNA n° W572012345), dont le siège est "
            "situé 12 rue des Jardins, 57000 Metz, représentée par Jeanne Martin, présidente"
        ) in text


def test_prada_name_and_postal_mention():
    recipient = replace(VILLE, prada_name="Mme Claire Petit")
    ctx = context("request", recipient=recipient, authority=recipient, channel="postal")
    letter = build_letter(ctx)
    assert lines(letter, "recipient")[:3] == (
        "Ville de Metz",
        "À l'attention de la personne responsable de l'accès aux documents administratifs",
        "Mme Claire Petit",
    )
    assert lines(letter, "mention") == ("Lettre recommandée avec demande d'avis de réception",)
    assert "Lettre recommandée avec demande d'avis de réception" in render_text(ctx)[1]


@pytest.mark.parametrize(
    ("access_format", "expected"),
    [
        ("email", "par courrier électronique, sans frais, à l'adresse camille.durand@example.org"),
        ("paper", "je souhaite recevoir une copie papier de ces documents"),
        ("consultation", "je souhaite consulter ces documents sur place"),
    ],
)
def test_access_format(access_format, expected):
    text = flat(render_text(context("request", access_format=access_format))[1])
    assert expected in text
    assert "L311-9" in text


# ---------------------------------------------------------------- missing facts


@pytest.mark.parametrize(
    ("kind", "overrides", "message"),
    [
        ("reminder", {"request_sent_on": None}, "la date d'envoi de la demande initiale"),
        ("reminder", {"deadlines": {}}, "la date de réception de la demande initiale"),
        ("reminder", {"refusal_on": D("2026-02-01")}, "Une relance n'a plus d'objet"),
        ("cada_referral", {"deadlines": {}}, "la date du refus explicite, ou la date de réception"),
        ("cada_referral", {"letter_date": D("2026-02-11")}, "ne naît qu'à la fin de la journée du 11 février 2026"),
        ("after_opinion", {"opinion_on": None}, "la date de l'avis de la CADA"),
        ("after_opinion", {"opinion_outcome": "unfavourable"}, "suppose un avis favorable"),
        ("recours_gracieux", {"request_sent_on": None}, "la date d'envoi de la demande"),
        ("court_application", {"cada_registered_on": None}, "la date d'enregistrement de la saisine par la CADA"),
        ("court_application", {"deadlines": {}}, "le délai de recours contentieux"),
        ("court_application", {"letter_date": D("2027-01-25")}, "le refus confirmé ne naît qu'à la fin de la journée du 25 janvier 2027"),
        ("request", {"items": ()}, "la liste des documents demandés"),
        ("request", {"sender": replace(PERSON, email="")}, "l'adresse électronique du demandeur"),
        ("request", {"sender": replace(PERSON, address_lines=())}, "l'adresse postale du demandeur"),
        ("request", {"sender": replace(ASSOCIATION, representative="")}, "la personne qui représente l'association"),
        ("request", {"channel": "postal", "recipient": replace(VILLE, address_lines=())}, "l'adresse postale du destinataire"),
    ],
)
def test_missing_facts_raise_letter_not_ready(kind, overrides, message):
    ctx = context(kind, **overrides)
    for render in (render_text, render_html, render_docx, render_pdf):
        with pytest.raises(LetterNotReady) as caught:
            render(ctx)
        assert message in str(caught.value)
        assert isinstance(caught.value, ValueError)


def test_check_letter_raises_like_the_renderers():
    letters.check_letter(context("court_application"))
    with pytest.raises(LetterNotReady) as caught:
        letters.check_letter(context("court_application", cada_registered_on=None))
    assert "la date d'enregistrement de la saisine par la CADA" in str(caught.value)


def test_missing_facts_are_all_listed_at_once():
    ctx = context("reminder", request_sent_on=None, deadlines={})
    with pytest.raises(LetterNotReady) as caught:
        build_letter(ctx)
    assert len(caught.value.missing) == 2
    assert str(caught.value).startswith("Le courrier « Relance » ne peut pas encore être préparé. Il manque :")


def test_unknown_kind_is_a_programming_error():
    with pytest.raises(ValueError) as caught:
        build_letter(replace(context("request"), kind="menace"))
    assert not isinstance(caught.value, LetterNotReady)


# ------------------------------------------------------- nothing fetched from outside


def test_asset_path_serves_only_files_inside_letters():
    stylesheet = LETTERS_DIR / "letter.css"
    assert letter_asset_path(stylesheet.as_uri()) == stylesheet.resolve()
    for url in (
        "file:///etc/passwd",
        "http://127.0.0.1/",
        "https://fonts.googleapis.com/css2?family=Inter",
        "data:text/css,body{}",
        (LETTERS_DIR / ".." / "workflow" / "letters.py").as_uri(),
        LETTERS_DIR.as_uri() + "/../requirements.txt",
        LETTERS_DIR.as_uri() + "/%2e%2e/requirements.txt",
        (LETTERS_DIR / "base.html").as_uri(),  # a template, not an asset
        "file://evil.example/share/letter.css",
    ):
        with pytest.raises(AssetRefused):
            letter_asset_path(url)


HOSTILE_SUBJECT = '<img src="file:///etc/passwd">'
HOSTILE_ITEM = '<link rel="stylesheet" href="http://127.0.0.1/">'


@pytest.fixture
def fetch_spy(monkeypatch):
    """Records every URL the PDF renderer asks for."""
    requested: list[str] = []
    original = letters_pdf.letter_asset_path

    def spy(url):
        requested.append(url)
        return original(url)

    monkeypatch.setattr(letters_pdf, "letter_asset_path", spy)
    return requested


def test_user_text_is_escaped_and_never_fetched(fetch_spy):
    ctx = context("request", subject=HOSTILE_SUBJECT, items=(HOSTILE_ITEM, *ITEMS))
    html = render_html(ctx)
    assert "<img" not in html and "<link" not in html
    assert "&lt;img src=&#34;file:///etc/passwd&#34;&gt;" in html

    pdf = render_pdf(ctx)
    assert pdf.startswith(b"%PDF")
    assert not [url for url in fetch_spy if "passwd" in url or "127.0.0.1" in url]
    assert all(url.startswith(LETTERS_DIR.as_uri()) for url in fetch_spy)
    text = flat(" ".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages))
    assert HOSTILE_SUBJECT in text
    assert HOSTILE_ITEM in text

    docx_text = "\n".join(_docx_paragraphs(render_docx(ctx)))
    assert HOSTILE_ITEM in docx_text
    assert HOSTILE_SUBJECT in render_text(ctx)[1]


def test_the_fetcher_refuses_real_references(fetch_spy):
    # Control: markup that does reference those URLs reaches the fetcher, which refuses
    # them; the PDF still renders (WeasyPrint skips what it could not load).
    html = (
        f'<!DOCTYPE html><html><head>{HOSTILE_ITEM}</head><body><p>Bonjour</p>{HOSTILE_SUBJECT}'
        '<img src="data:image/png;base64,iVBORw0KGgo="></body></html>'
    )
    pdf = letters_pdf.html_to_pdf(html)
    assert pdf.startswith(b"%PDF")
    assert "file:///etc/passwd" in fetch_spy
    assert "http://127.0.0.1/" in fetch_spy
    assert any(url.startswith("data:") for url in fetch_spy)


def test_templates_and_stylesheet_reference_nothing_external():
    for path in LETTERS_DIR.iterdir():
        if path.suffix in (".html", ".css"):
            content = path.read_text(encoding="utf-8")
            assert "http://" not in content and "https://" not in content, path
            assert "@import" not in content and "url(" not in content, path


# ----------------------------------------------------------------------- misc


def test_letter_filename():
    assert letter_filename(context("request"), "pdf") == "LNT-2026-0001-demande.pdf"
    assert letter_filename(context("reminder"), ".DOCX") == "LNT-2026-0001-relance.docx"
    assert letter_filename(context("cada_referral"), "txt") == "LNT-2026-0001-saisine-cada.txt"
    assert letter_filename(context("request", reference='a/../"b'), "pdf") == "a-b-demande.pdf"
    assert {letter_filename(context(kind), "pdf") for kind in LETTER_KINDS}.__len__() == len(LETTER_KINDS) == 8


def test_kinds_have_one_template_each():
    for kind in LETTER_KINDS:
        assert (LETTERS_DIR / f"{kind}.html").is_file()


def test_module_is_usable_without_flask():
    code = "import sys, workflow.letters.rendering; assert 'flask' not in sys.modules and 'sqlalchemy' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], cwd=ROOT, check=True)


def test_extra_grounds_skip_what_the_letter_already_cites():
    ctx = context("request", items=DELIBERATIONS,
                  legal_grounds=("CRPA, art. L311-1", "CGCT, art. L2121-26", "CRPA, art. L311-6"))
    text = flat(render_text(ctx)[1])
    assert "Cette demande se fonde également sur les dispositions suivantes : CGCT, art. L2121-26 ; CRPA, art. L311-6." in text
    assert "CRPA, art. L311-1" not in text
    for kind in ("reminder", "after_opinion", "recours_gracieux", "cada_referral", "court_application"):
        assert "CGCT, art. L2121-26" in flat(render_text(context(kind, items=DELIBERATIONS))[1]), kind
    assert "dispositions suivantes" not in flat(render_text(context("request", legal_grounds=("CRPA, art. L300-1",)))[1])


def test_control_characters_and_line_breaks_in_user_text():
    ctx = context("request", subject="Vidéo\x00protection\nMetz", items=("Premier\tdocument\r\nsur deux lignes\x0b", *ITEMS))
    _, body = render_text(ctx)
    assert "1. Premier document sur deux lignes\n" in body
    assert "Vidéo protection Metz" in body
    assert render_docx(ctx)[:2] == b"PK"
    assert render_pdf(ctx).startswith(b"%PDF")


def test_the_letter_for_each_next_action() -> None:
    assert letters.letter_for_action("send") == "request"
    assert letters.letter_for_action("reminder") == "reminder"
    assert letters.letter_for_action("court_application") == "court_application"
    assert letters.letter_for_action("await_opinion") is None
    offered = {letters.letter_for_action(next_action(status)[0]) for status in STATUSES} - {None}
    assert offered <= set(letters.LETTER_KINDS) and "cada_referral" in offered


def test_no_letter_wording_in_python():
    """The wording lives in letters/*.html only: no sentence of a letter in workflow/."""
    for path in (ROOT / "workflow").rglob("*.py"):
        content = path.read_text(encoding="utf-8")
        for sentence in ("Madame, Monsieur", "j'ai l'honneur", "J'ai l'honneur", "Je vous prie d'agréer",
                         "documents administratifs suivants", "Pièces jointes", "refus implicite né le"):
            assert sentence not in content, f"{path.relative_to(ROOT)}: {sentence!r}"


def test_user_text_through_template_filters_is_escaped_once():
    # The court application capitalises the contested decision, which names the authority.
    authority = replace(VILLE, name="Commune d'Ars <b>")
    ctx = context("court_application", authority=authority, recipient=replace(TA_STRASBOURG, name="Tribunal d'<i>"))
    html = render_html(ctx)
    assert "&amp;#39;" not in html and "&amp;lt;" not in html and "<b>" not in html and "<i>" not in html
    text = flat(render_text(ctx)[1])
    assert "Décision attaquée : La décision implicite par laquelle l'administration (Commune d'Ars <b>)" in text
    assert "je demande au tribunal d'<i> :" in text
