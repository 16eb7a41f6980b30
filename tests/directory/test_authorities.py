"""The authority directory: seed, list, search, view, create, edit."""
from datetime import date

import pytest
from sqlalchemy import func, select

from tests.helpers import page_text
from workflow.directory.authorities import load_seed_data, seed_authorities
from workflow.core.extensions import db
from workflow.models import Authority, User


@pytest.fixture
def signed_in(auth):
    auth.signup()


@pytest.fixture
def maintainer(signed_in):
    user = db.session.scalar(select(User).where(User.email == "alice@example.org"))
    user.directory_maintainer = True
    db.session.commit()
    return user


def _authority(slug):
    return db.session.scalar(select(Authority).where(Authority.slug == slug))


def test_seed_adds_the_reference_bodies_once_and_keeps_user_edits(app):
    assert seed_authorities() == len(load_seed_data())
    metz = _authority("ville-de-metz")
    metz.prada_name = "Mme Exemple, PRADA"
    db.session.commit()

    assert seed_authorities() == 0
    assert db.session.scalar(select(func.count()).select_from(Authority)) == len(load_seed_data())
    assert _authority("ville-de-metz").prada_name == "Mme Exemple, PRADA"


def test_seed_marks_what_the_reference_could_not_verify(app):
    seed_authorities()
    cada = _authority("cada")
    assert cada.verified
    assert cada.postal_address == ["TSA 50730", "75334 Paris Cedex 07"]
    assert _authority("cnil").verified
    assert _authority("ta-strasbourg").postal_address == ["31 avenue de la Paix", "67070 Strasbourg"]
    prefecture = _authority("prefecture-moselle")
    assert not prefecture.verified
    assert prefecture.postal_address == ["9 place de la Préfecture", "BP 71014", "57034 Metz Cedex 1"]
    assert not _authority("ville-de-metz").verified
    metropole = _authority("metz-metropole")
    assert not metropole.verified
    assert metropole.name.startswith("Metz Métropole")
    assert "dénomination légale" in metropole.notes


def test_the_seed_command_is_idempotent(runner):
    first = runner.invoke(args=["seed"])
    second = runner.invoke(args=["seed"])
    assert first.exit_code == 0 and second.exit_code == 0
    assert f"Autorités ajoutées : {len(load_seed_data())}." in first.output
    assert "Autorités ajoutées : 0." in second.output


def test_list_and_search(client, signed_in):
    seed_authorities()
    text = page_text(client.get("/autorites/"))
    assert "Préfecture de la Moselle" in text and "Ville de Metz" in text
    assert "à vérifier" in text and "vérifiées" in text

    text = page_text(client.get("/autorites/?q=metz"))
    assert "Ville de Metz" in text
    assert "Commission d'accès aux documents administratifs" not in text

    text = page_text(client.get("/autorites/?q=PRÉFECTURE"))
    assert "Préfecture de la Moselle" in text

    text = page_text(client.get("/autorites/?departement=75"))
    assert "CNIL" in text and "Ville de Metz" not in text

    text = page_text(client.get("/autorites/?q=introuvable"))
    assert "0 autorité trouvée." in text


@pytest.mark.parametrize("query", ["prefecture moselle", "MOSELLE préfecture", "préfecture 57034", "prefecture 57",
                                   "Préfecture-de-la-Moselle", "metz prefecture"])
def test_search_ignores_accents_case_and_hyphens_and_each_word_must_match(client, signed_in, query):
    seed_authorities()
    text = page_text(client.get("/autorites/", query_string={"q": query}))
    assert "Préfecture de la Moselle" in text and "Ville de Metz" not in text


def _add(name, department, city=""):
    authority = Authority(name=name, kind="commune", department_code=department, city=city)
    db.session.add(authority)
    return authority


@pytest.mark.parametrize(("query", "found", "not_found"), [
    ("moselle", {"Ville de Metz", "Centre hospitalier régional Metz-Thionville"}, {"Tribunal administratif de Strasbourg"}),
    ("MOSELLE ville", {"Ville de Metz"}, {"Préfecture de la Moselle"}),
    ("seine-saint-denis", {"Mairie de Montreuil", "Mairie de Bobigny"}, {"Mairie de Rouen", "Ville de Metz"}),
    ("Seine Saint Denis montreuil", {"Mairie de Montreuil"}, {"Mairie de Bobigny"}),
    ("seine", {"Mairie de Montreuil", "Mairie de Rouen"}, {"Ville de Metz"}),
    ("bas rhin", {"Tribunal administratif de Strasbourg", "Région Grand Est"}, {"Ville de Metz"}),
    ("corse", {"Mairie d'Ajaccio", "Mairie de Bastia"}, {"Mairie de Rouen"}),
    ("Corse-du-Sud", {"Mairie d'Ajaccio"}, {"Mairie de Bastia"}),
    ("haute corse", {"Mairie de Bastia"}, {"Mairie d'Ajaccio"}),
    ("côte-d'or", {"Mairie de Dijon"}, {"Mairie d'Ajaccio"}),
    ("la réunion", {"Mairie de Saint-Denis (La Réunion)"}, {"Mairie de Montreuil"}),
    ("REUNION saint denis", {"Mairie de Saint-Denis (La Réunion)"}, {"Mairie de Montreuil"}),
    ("guadeloupe", {"Mairie de Pointe-à-Pitre"}, {"Mairie de Cayenne"}),
    ("guyane", {"Mairie de Cayenne"}, {"Mairie de Pointe-à-Pitre"}),
    ("martinique", {"Mairie de Fort-de-France"}, set()),
    ("mayotte", {"Mairie de Mamoudzou"}, set()),
])
def test_a_departments_name_finds_its_bodies(client, signed_in, query, found, not_found):
    seed_authorities()
    for name, department in [("Mairie de Montreuil", "93"), ("Mairie de Bobigny", "93"), ("Mairie de Rouen", "76"),
                             ("Mairie d'Ajaccio", "2A"), ("Mairie de Bastia", "2B"), ("Mairie de Dijon", "21"),
                             ("Mairie de Saint-Denis (La Réunion)", "974"), ("Mairie de Pointe-à-Pitre", "971"),
                             ("Mairie de Fort-de-France", "972"), ("Mairie de Cayenne", "973"),
                             ("Mairie de Mamoudzou", "976")]:
        _add(name, department)
    db.session.commit()
    text = page_text(client.get("/autorites/", query_string={"q": query}))
    assert all(name in text for name in found), text
    assert not any(name in text for name in not_found), text


def test_the_department_name_follows_the_department(app):
    metz = Authority(name="Ville de Metz", department_code="57")
    db.session.add(metz)
    db.session.commit()
    assert metz.search_text == "ville de metz 57 moselle"
    metz.department_code = "2B"
    db.session.commit()
    assert metz.search_text == "ville de metz 2b haute corse"
    metz.department_code = ""
    db.session.commit()
    assert metz.search_text == "ville de metz"


def test_search_text_follows_every_save(app):
    seed_authorities()
    metz = _authority("ville-de-metz")
    assert metz.search_text.startswith("ville de metz metz cedex 1 57036 57")
    metz.city = "Metz-Cédex"
    db.session.commit()
    assert "metz cedex" in metz.search_text
    assert db.session.scalar(select(func.count()).select_from(Authority).where(
        Authority.search_text.like("%prefecture%"))) == 1


def test_view_shows_what_a_letter_needs(client, signed_in):
    seed_authorities()
    prefecture = _authority("prefecture-moselle")
    text = page_text(client.get(f"/autorites/{prefecture.id}"))
    assert "Coordonnées non vérifiées : contrôlez-les avant tout envoi." in text
    assert "9 place de la Préfecture BP 71014 57034 Metz Cedex 1" in text
    assert "PRADA non renseignée" in text


def test_create_an_authority(client, signed_in):
    response = client.post("/autorites/nouvelle", data={
        "name": "Commune de Woippy", "kind": "commune", "address_lines": "Hôtel de ville\n1 place de l'Hôtel de Ville",
        "postal_code": "57140", "city": "Woippy", "email": "mairie@woippy.example", "department_code": "57",
        "prada_name": "Service juridique",
    })
    assert response.status_code == 302
    created = db.session.scalar(select(Authority).where(Authority.name == "Commune de Woippy"))
    assert created.postal_address == ["Hôtel de ville", "1 place de l'Hôtel de Ville", "57140 Woippy"]
    assert created.verified is False
    text = page_text(client.get(response.headers["Location"]))
    assert "L'autorité « Commune de Woippy » est ajoutée à l'annuaire." in text


def test_a_maintainer_edits_an_authority_and_marks_it_verified(client, maintainer):
    seed_authorities()
    metz = _authority("ville-de-metz")
    form = client.get(f"/autorites/{metz.id}/modifier")
    assert 'value="Ville de Metz"' in form.get_data(as_text=True)
    response = client.post(f"/autorites/{metz.id}/modifier", data={
        "name": "Ville de Metz", "kind": "commune", "address_lines": metz.address_lines, "postal_code": "57036",
        "city": "Metz Cedex 1", "department_code": "57", "prada_name": "Direction des affaires juridiques",
        "prada_email": "prada@metz.example", "verified": "y", "last_checked_on": "2026-11-20",
    })
    assert response.status_code == 302
    db.session.refresh(metz)
    assert metz.verified and metz.last_checked_on == date(2026, 11, 20)
    assert metz.prada_email == "prada@metz.example"
    assert "Coordonnées vérifiées le 20 novembre 2026." in page_text(client.get(f"/autorites/{metz.id}"))


@pytest.mark.parametrize(("fields", "message"), [
    ({"name": ""}, "Ce champ est obligatoire."),
    ({"postal_code": "5700"}, "Un code postal compte cinq chiffres."),
    ({"department_code": "99"}, "Code de département inconnu (ex. 57, 2A, 974)."),
    ({"email": "mairie-at-metz"}, "Adresse électronique non valide."),
    ({"website": "javascript:alert(1)"}, "L'adresse doit commencer par http:// ou https://."),
    ({"verified": "y"}, "Indiquez la date à laquelle les coordonnées ont été vérifiées."),
    ({"last_checked_on": "31/02/2026"}, "Date non valide"),
])
def test_bad_authority_input_is_refused_and_nothing_is_saved(client, signed_in, fields, message):
    data = {"name": "Commune de Test", "kind": "commune", "postal_code": "57000", "city": "Metz", **fields}
    response = client.post("/autorites/nouvelle", data=data)
    assert response.status_code == 422
    assert message in page_text(response)
    assert db.session.scalar(select(func.count()).select_from(Authority)) == 0


def test_unknown_authority_is_a_french_404(client, signed_in):
    for path in ("/autorites/999", "/autorites/999/modifier"):
        response = client.get(path)
        assert response.status_code == 404
        assert "Cette autorité n'existe pas." in page_text(response)


def test_user_text_is_escaped(client, signed_in):
    client.post("/autorites/nouvelle", data={"name": "<script>alert(1)</script>", "kind": "autre"})
    body = client.get("/autorites/").get_data(as_text=True)
    assert "<script>alert(1)</script>" not in body
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in body


def test_a_broad_search_counts_up_to_a_limit(client, signed_in, monkeypatch):
    seed_authorities()
    monkeypatch.setattr("workflow.directory.authorities.COUNT_LIMIT", 3)
    assert "Plus de 1 000 autorités trouvées : précisez la recherche." in page_text(client.get("/autorites/?q=metz"))
    assert "1 autorité trouvée." in page_text(client.get("/autorites/?q=prefecture+moselle"))


def test_the_search_indexes_are_there(app):
    """The order's index on each backend (and no other index of search_text to maintain);
    on PostgreSQL the trigram index, created even when pg_trgm already exists in a schema
    that is not on the search path (a database with a schema per test run). Without them
    the search still answers, by reading the whole table, and no other test would notice."""
    from sqlalchemy import inspect, text

    from workflow.directory.authorities import search_query

    with db.engine.connect() as connection:
        indexes = {index["name"] for index in inspect(connection).get_indexes("authorities")}
    assert "ix_authorities_search_text" not in indexes
    if db.engine.dialect.name == "postgresql":
        for name in ("authority_search_trgm", "authority_search_order"):
            assert db.session.scalar(text(f"SELECT to_regclass('{name}') IS NOT NULL")), name
    else:
        ids = search_query("mairie").with_only_columns(Authority.id).limit(1001)
        sql = str(ids.compile(db.engine, compile_kwargs={"literal_binds": True}))
        plan = " ".join(str(row[-1]) for row in db.session.execute(text("EXPLAIN QUERY PLAN " + sql)))
        assert "COVERING INDEX authority_search_order" in plan and "TEMP B-TREE" not in plan, plan
