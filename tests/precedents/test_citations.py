"""Avis comparables on a request: suggestions (favourable first), citing with a sentence
of the holding, un-citing, on the page and in the API; the cited opinions quoted in the
letters (PDF, DOCX, text) and listed in the dossier export."""
import io
import json
import zipfile
from datetime import date

import pytest
from docx import Document as DocxDocument
from pypdf import PdfReader
from sqlalchemy import select

from tests.helpers import make_request, page_text
from workflow.accounts import users as accounts
from workflow.core.extensions import db
from workflow.directory.authorities import seed_authorities
from workflow.models import Authority
from workflow.requests import lifecycle as service

TODAY = date(2026, 3, 1)
HOLDING = ("La commission émet donc un avis favorable à la communication des documents demandés, sous réserve de "
           "l'occultation des mentions relatives à l'emplacement des caméras.")


@pytest.fixture(autouse=True)
def frozen_today(monkeypatch):
    monkeypatch.setattr("workflow.core.clock.today", lambda: TODAY)


@pytest.fixture
def refused(alice, opinions):
    """Alice's request to the city for its CCTV contracts, sent on 9 January: refused by
    silence on 9 February, the CADA can be referred."""
    seed_authorities()
    metz = db.session.scalar(select(Authority).where(Authority.slug == "ville-de-metz"))
    access_request = make_request(alice, metz, "LNT-2026-0001", subject="Contrats de vidéoprotection")
    service.record_event(access_request, "sent", date(2026, 1, 9))
    return access_request


@pytest.fixture
def headers(alice):
    return {"Authorization": f"Bearer {accounts.issue_token(alice)}"}


def test_the_request_page_suggests_comparable_opinions_favourable_first(client, refused):
    text = page_text(client.get(f"/avis-cada/demandes/{refused.id}"))
    assert "Avis les plus proches de cette demande" in text
    # Favourable, then partially favourable, then unfavourable (thermal cameras: only "marché" in common).
    assert text.index("Avis n° 20204505") < text.index("Avis n° 20215065") < text.index("Avis n° 20226001")
    assert "Mots en commun : vidéoprotection" in text
    assert "Aucun avis n'est encore cité." in text


def test_when_every_word_is_common_the_two_least_common_still_suggest(refused, monkeypatch):
    """On PostgreSQL a word the planner expects in many opinions is not read (only its
    estimate); when all are so, the two least common are read after all. (On SQLite every
    word is read: the same suggestions.)"""
    from workflow import precedents
    from workflow.precedents import citations

    expected = [entry.opinion.number for entry in precedents.suggestions(refused)]
    assert expected[0] == "20204505"
    monkeypatch.setattr(citations, "COMMON_ESTIMATE", -1)  # every word "common"
    monkeypatch.setattr(citations, "TERM_CAP", 0)  # and none distinctive, on SQLite too
    found = precedents.suggestions(refused)
    assert found and {entry.opinion.number for entry in found} <= set(expected)
    assert all(entry.words for entry in found)


def test_citing_on_the_page_then_uncititing(client, refused):
    response = client.post(f"/avis-cada/demandes/{refused.id}/citations", data={"number": "20204505", "holding": HOLDING})
    assert response.status_code == 303
    text = page_text(client.get(response.headers["Location"]))
    assert "Avis n° 20204505 cité." in text
    assert f"Phrase citée : « {HOLDING} »" in text
    request_page = page_text(client.get(f"/demandes/{refused.id}"))
    assert f"Avis n° 20204505 du 10 décembre 2020 : « {HOLDING} »" in request_page
    assert "Avis de la CADA n° 20204505 cité" in request_page  # the timeline

    invented = client.post(f"/avis-cada/demandes/{refused.id}/citations",
                           data={"number": "20215065", "holding": "Tout est communicable."}, follow_redirects=True)
    assert "La phrase citée doit figurer, mot pour mot, dans le texte de l'avis n° 20215065." in page_text(invented)

    client.post(f"/avis-cada/demandes/{refused.id}/citations/20204505/retirer")
    text = page_text(client.get(f"/avis-cada/demandes/{refused.id}"))
    assert "Aucun avis n'est encore cité." in text
    assert "Aucun avis de la CADA n'est cité." in page_text(client.get(f"/demandes/{refused.id}"))


def test_someone_else_can_neither_see_nor_cite(client, refused, make_user, client_for):
    make_user("bob@example.org")
    bob = client_for("bob@example.org")
    assert bob.get(f"/avis-cada/demandes/{refused.id}").status_code == 404
    assert bob.post(f"/avis-cada/demandes/{refused.id}/citations",
                    data={"number": "20204505", "holding": HOLDING}).status_code == 404
    assert bob.get("/avis-cada/?q=videoprotection").status_code == 200  # reference data: everyone reads it


def test_the_api_lists_cites_and_uncites(client, refused, headers):
    path = f"/api/v1/requests/{refused.id}/precedents"
    listed = client.get(path, headers=headers).json
    assert listed["cited"] == []
    assert [entry["number"] for entry in listed["suggested"]] == ["20204505", "20215065", "20226001"]
    assert listed["suggested"][0]["suggested_holding"] == HOLDING

    created = client.post(path, json={"number": "20204505", "holding": HOLDING}, headers=headers)
    assert created.status_code == 201
    assert created.json["opinion"]["number"] == "20204505" and created.json["holding"] == HOLDING
    assert client.post(path, json={"number": "20204505", "holding": HOLDING}, headers=headers).status_code == 200
    listed = client.get(path, headers=headers).json
    assert [entry["opinion"]["number"] for entry in listed["cited"]] == ["20204505"]
    assert [entry["number"] for entry in listed["suggested"]] == ["20215065", "20226001"]

    assert client.post(path, json={"number": "1", "holding": "x"}, headers=headers).status_code == 404
    wrong = client.post(path, json={"number": "20215065", "holding": "Tout est communicable."}, headers=headers)
    assert wrong.status_code == 422 and "mot pour mot" in wrong.json["error"]["message"]
    assert client.post(path, json={"number": "20215065"}, headers=headers).status_code == 422

    assert client.delete(f"{path}/20204505", headers=headers).status_code == 204
    assert client.delete(f"{path}/20204505", headers=headers).status_code == 404
    assert client.get(path, headers=headers).json["cited"] == []


def _pdf_text(content: bytes) -> str:
    return " ".join(" ".join((page.extract_text() or "").split()) for page in PdfReader(io.BytesIO(content)).pages)


def test_a_cited_opinion_is_quoted_in_the_cada_referral_pdf_docx_and_text(client, refused, headers):
    client.post(f"/api/v1/requests/{refused.id}/precedents", json={"number": "20204505", "holding": HOLDING},
                headers=headers)
    quoted = "avis n° 20204505 du 10 décembre 2020 : « La commission émet donc un avis favorable"
    base = f"/demandes/{refused.id}/courriers/cada_referral"
    flat = lambda value: " ".join(value.replace("\u00a0", " ").replace("\u202f", " ").split())  # noqa: E731
    text = flat(client.get(f"{base}.txt").get_data(as_text=True))
    assert "La Commission s'est déjà prononcée dans des affaires comparables :" in text
    assert flat(quoted) in text and "l'emplacement des caméras »." in text
    assert flat(quoted) in flat(_pdf_text(client.get(f"{base}.pdf").data))
    document = DocxDocument(io.BytesIO(client.get(f"{base}.docx").data))
    assert flat(quoted) in flat(" ".join(paragraph.text for paragraph in document.paragraphs))
    # The reminder argues nothing: it quotes no opinion.
    assert "20204505" not in client.get(f"/demandes/{refused.id}/courriers/reminder.txt").get_data(as_text=True)


def test_the_dossier_export_lists_the_cited_opinions(client, refused, headers):
    client.post(f"/api/v1/requests/{refused.id}/precedents", json={"number": "20204505", "holding": HOLDING},
                headers=headers)
    bundle = zipfile.ZipFile(io.BytesIO(client.get(f"/api/v1/requests/{refused.id}/export.zip", headers=headers).data))
    listing = next(name for name in bundle.namelist() if name.endswith("avis-cada-cites.csv"))
    content = bundle.read(listing).decode("utf-8-sig")
    assert content.splitlines()[0] == "numéro;date de séance;administration;objet;sens;phrase citée"
    assert content.splitlines()[1].startswith("20204505;2020-12-10;Maire de Nice;") and HOLDING in content
    manifest = json.loads(bundle.read(next(name for name in bundle.namelist() if name.endswith("manifest.json"))))
    assert manifest["requests"][0]["precedents"] == [{"number": "20204505", "date": "2020-12-10",
                                                     "administration": "Maire de Nice", "outcome": "favourable",
                                                     "holding": HOLDING}]
