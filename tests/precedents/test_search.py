"""Searching the CADA's opinions: a French word, with or without accents, on the page and
in the API; filters; results show number, date, administration, subject, outcome and a
highlighted excerpt. Opinions are read-only for users."""
import pytest

from tests.helpers import page_text
from workflow import precedents
from workflow.accounts import users as accounts


def numbers(results) -> list[str]:
    return [hit.opinion.number for hit in results.hits]


@pytest.mark.parametrize("query", ["videoprotection", "vidéoprotection", "VIDÉOPROTECTION", "Vidéoprotections"])
def test_a_french_word_finds_its_opinions_with_or_without_accents(opinions, query):
    assert sorted(numbers(precedents.search(query))) == ["20204505", "20215065"]


def test_every_word_must_match_and_plurals_do_not_count(opinions):
    assert numbers(precedents.search("caméra thermique")) == ["20226001"]
    assert numbers(precedents.search("cameras thermiques")) == ["20226001"]
    assert sorted(numbers(precedents.search("arrêtés préfectoraux"))) == ["20215065"]
    assert numbers(precedents.search("reconnaissance faciale")) == []


def test_filters_on_outcome_year_and_administration_kind(opinions):
    assert numbers(precedents.search("vidéoprotection", precedents.Filters(outcome="favourable"))) == ["20204505"]
    assert numbers(precedents.search("", precedents.Filters(year=2021))) == ["20215065"]
    assert numbers(precedents.search("caméras", precedents.Filters(kind="intercommunalite"))) == ["20226001"]
    assert numbers(precedents.search("", precedents.Filters(outcome="partially_favourable"))) == ["20215065"]


def test_the_search_page_shows_each_result(client, alice, opinions):
    text = page_text(client.get("/avis-cada/?q=videoprotection&sens=favourable"))
    assert "1 avis trouvé pour « videoprotection »." in text
    assert "Avis n° 20204505 du 10 décembre 2020 — Favorable" in text
    assert "Maire de Nice" in text
    assert "Objet : Communication des études d'impact du système de vidéoprotection" in text
    body = client.get("/avis-cada/?q=videoprotection").get_data(as_text=True)
    assert "<mark>vidéoprotection</mark>" in body
    assert "Aucun avis ne correspond à « introuvable »." in page_text(client.get("/avis-cada/?q=introuvable"))


def test_the_opinion_page_shows_its_whole_text(client, alice, opinions):
    text = page_text(client.get("/avis-cada/20215065"))
    assert "Avis n° 20215065 du 25 novembre 2021" in text
    assert "Partiellement favorable (Favorable, Défavorable/Sécurité publique)" in text
    assert "n'est pas communicable, sa communication portant atteinte à la sécurité publique" in text
    assert client.get("/avis-cada/99999999").status_code == 404


def test_the_api_searches_and_reads_opinions(client, make_user, opinions):
    headers = {"Authorization": f"Bearer {accounts.issue_token(make_user('script@example.org'))}"}
    found = client.get("/api/v1/cada/opinions?q=videoprotection&outcome=favourable", headers=headers).json
    assert found["total"] == 1
    hit = found["results"][0]
    assert (hit["number"], hit["date"], hit["administration"], hit["outcome"]) == (
        "20204505", "2020-12-10", "Maire de Nice", "favourable")
    assert "<mark>vidéoprotection</mark>" in hit["excerpt_html"] and "<mark>" not in hit["excerpt"]
    assert hit["keywords"] == ["Vidéoprotection", "Marché public", "CNIL", "Caméras"]
    assert [r["number"] for r in client.get("/api/v1/cada/opinions?year=2022", headers=headers).json["results"]] == [
        "20226001"]
    assert client.get("/api/v1/cada/opinions?outcome=maybe", headers=headers).status_code == 400
    one = client.get("/api/v1/cada/opinions/20215065", headers=headers).json
    assert one["outcomes"] == ["Favorable", "Défavorable/Sécurité publique"] and "sécurité publique" in one["text"]
    assert client.get("/api/v1/cada/opinions/1", headers=headers).status_code == 404
    # Reference data: no route writes an opinion.
    assert client.post("/api/v1/cada/opinions", json={}, headers=headers).status_code == 405
    assert client.delete("/api/v1/cada/opinions/20215065", headers=headers).status_code == 405


def test_before_any_import_the_search_page_says_how_to_import(client, alice):
    text = page_text(client.get("/avis-cada/"))
    assert "Aucun avis de la CADA n'est encore importé." in text
    assert "flask --app app cada import FICHIER.csv" in text


def test_once_imported_the_page_does_not_ask_for_it(client, alice, opinions):
    assert "n'est encore importé" not in page_text(client.get("/avis-cada/"))



def test_the_search_pages_link_to_the_next_page_with_the_query(client, alice, opinions, monkeypatch):
    one_a_page = precedents.search
    monkeypatch.setattr(precedents, "search", lambda query, filters, page: one_a_page(query, filters, page, per_page=1))
    body = client.get("/avis-cada/?q=commission").get_data(as_text=True)
    assert "Page 1 sur" in body
    assert 'href="/avis-cada/?page=2&amp;q=commission" rel="next"' in body
