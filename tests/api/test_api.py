"""The JSON API: bearer tokens, authorities, OpenAPI description, JSON errors."""
import pytest

from workflow.core.text import fold

from workflow.accounts import users as accounts
from workflow.directory.authorities import seed_authorities


@pytest.fixture
def token(make_user):
    return accounts.issue_token(make_user("script@example.org"), "tests")


@pytest.fixture
def api(client, token):
    class Api:
        def get(self, path, **kwargs):
            return client.get(path, headers={"Authorization": f"Bearer {token}"}, **kwargs)

        def post(self, path, **kwargs):
            return client.post(path, headers={"Authorization": f"Bearer {token}"}, **kwargs)

    return Api()


@pytest.mark.parametrize("header", [None, "Bearer", "Basic dXNlcjpwdw==", "Bearer lnt_not-a-real-token"])
def test_without_a_valid_token_the_api_answers_401_in_json(client, header):
    headers = {"Authorization": header} if header else {}
    response = client.get("/api/v1/authorities", headers=headers)
    assert response.status_code == 401
    assert response.is_json
    assert response.json["error"]["code"] == 401
    assert response.json["error"]["message"]


def test_revoked_token_is_refused(client, make_user):
    user = make_user("script@example.org")
    token = accounts.issue_token(user)
    assert client.get("/api/v1/authorities", headers={"Authorization": f"Bearer {token}"}).status_code == 200
    from workflow.core.extensions import db
    from workflow.models import ApiToken

    token_id = db.session.scalar(db.select(ApiToken.id).where(ApiToken.user_id == user.id))
    assert accounts.revoke_token(user, token_id)
    response = client.get("/api/v1/authorities", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 401
    assert response.json["error"]["message"] == "Jeton d'API inconnu ou révoqué."


def test_tokens_are_stored_hashed(app, token):
    from workflow.core.extensions import db
    from workflow.models import ApiToken

    stored = db.session.scalar(db.select(ApiToken))
    assert token not in stored.token_hash
    assert len(stored.token_hash) == 64


def test_list_search_and_get_authorities(api):
    seed_authorities()
    listing = api.get("/api/v1/authorities").json
    assert listing["total"] == 11
    names = [item["name"] for item in listing["items"]]
    assert names == sorted(names, key=fold)  # alphabetical, accents and case aside

    listing = api.get("/api/v1/authorities?q=préfecture").json
    by_name = {item["name"]: item for item in listing["items"]}
    assert "Préfecture de la Moselle" in by_name and "Ville de Metz" not in by_name
    prefecture = by_name["Préfecture de la Moselle"]
    assert prefecture["address_lines"] == ["9 place de la Préfecture", "BP 71014"]
    assert prefecture["postal_code"] == "57034"
    assert prefecture["verified"] is False

    one = api.get(f"/api/v1/authorities/{prefecture['id']}")
    assert one.status_code == 200
    assert one.json == prefecture

    page = api.get("/api/v1/authorities?per_page=5&page=3").json
    assert (page["page"], page["pages"], len(page["items"])) == (3, 3, 1)


def test_create_an_authority(api):
    response = api.post("/api/v1/authorities", json={
        "name": "Commune de Montigny-lès-Metz", "kind": "commune",
        "address_lines": ["Hôtel de ville", "Rue de l'Hôtel de Ville"], "postal_code": "57950",
        "city": "Montigny-lès-Metz", "department_code": "57", "verified": False,
    })
    assert response.status_code == 201
    created = response.json
    assert created["name"] == "Commune de Montigny-lès-Metz"
    assert created["address_lines"] == ["Hôtel de ville", "Rue de l'Hôtel de Ville"]
    assert response.headers["Location"].endswith(f"/api/v1/authorities/{created['id']}")
    assert api.get(f"/api/v1/authorities/{created['id']}").json == created


def test_invalid_authority_gets_field_errors(api):
    response = api.post("/api/v1/authorities", json={"name": "", "postal_code": "ABCDE", "verified": True})
    assert response.status_code == 422
    fields = response.json["error"]["fields"]
    assert fields["name"] == ["Ce champ est obligatoire."]
    assert fields["postal_code"] == ["Un code postal compte cinq chiffres."]
    assert fields["last_checked_on"] == ["Indiquez la date à laquelle les coordonnées ont été vérifiées."]
    assert api.get("/api/v1/authorities").json["total"] == 0


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"data": "not json", "content_type": "text/plain"}, "Le corps de la requête doit être un objet JSON"),
    ({"json": ["a", "list"]}, "Le corps de la requête doit être un objet JSON"),
    ({"json": {"name": "X", "colour": "blue"}}, "Champs inconnus : colour."),
])
def test_malformed_bodies_get_a_400(api, kwargs, message):
    response = api.post("/api/v1/authorities", **kwargs)
    assert response.status_code == 400
    assert response.json["error"]["message"].startswith(message)


def test_unknown_authority_and_unknown_route_are_json_404(api):
    response = api.get("/api/v1/authorities/4242")
    assert response.status_code == 404
    assert response.json["error"]["message"] == "Cette autorité n'existe pas."
    response = api.get("/api/v1/nothing-here")
    assert response.status_code in (401, 404)
    assert response.is_json


def test_openapi_description_lists_the_endpoints(client):
    spec = client.get("/api/v1/openapi.json").json
    assert spec["openapi"].startswith("3.")
    assert set(spec["paths"]) >= {"/authorities", "/authorities/{authority_id}"}
    assert set(spec["paths"]["/authorities"]) == {"get", "post"}
    assert spec["components"]["securitySchemes"]["bearer"]["scheme"] == "bearer"


def test_cli_token_opens_the_api(runner, client):
    result = runner.invoke(args=["user", "create", "cli@example.org", "--password", "a long enough secret"])
    assert result.exit_code == 0, result.output
    assert "Compte créé : cli@example.org" in result.output
    token = runner.invoke(args=["user", "token", "cli@example.org"]).output.strip()
    assert token.startswith("lnt_")
    assert client.get("/api/v1/authorities", headers={"Authorization": f"Bearer {token}"}).status_code == 200


def test_cli_refuses_bad_accounts(runner):
    result = runner.invoke(args=["user", "create", "cli@example.org", "--password", "short"])
    assert result.exit_code != 0
    assert "au moins 10 caractères" in result.output
    result = runner.invoke(args=["user", "token", "nobody@example.org"])
    assert result.exit_code != 0
    assert "Aucun compte pour nobody@example.org" in result.output


def test_the_whole_directory_by_words_department_kind_and_page(api):
    seed_authorities()
    listing = api.get("/api/v1/authorities?q=prefecture+MOSELLE").json
    assert [item["name"] for item in listing["items"]] == ["Préfecture de la Moselle"] and listing["total"] == 1
    listing = api.get("/api/v1/authorities?q=metz&department=57&kind=commune").json
    assert [item["name"] for item in listing["items"]] == ["Ville de Metz"]
    assert api.get("/api/v1/authorities?kind=juridiction&department=75").json["total"] == 0
    listing = api.get("/api/v1/authorities?department=57&per_page=2&page=2").json
    assert (listing["page"], len(listing["items"])) == (2, 2) and listing["total"] > 4
    response = api.get("/api/v1/authorities?kind=tribunal")
    assert response.status_code == 422 and "kind" in response.json["error"]["message"]


def test_pages_follow_one_order_within_and_beyond_the_counted_results(api, monkeypatch):
    """A page within the counted results is cut from the walk that counts them; a page past
    them is read on its own: both in the same order."""
    seed_authorities()
    everything = [item["id"] for item in api.get("/api/v1/authorities?per_page=200").json["items"]]
    assert len(everything) == 11
    monkeypatch.setattr("workflow.directory.authorities.COUNT_LIMIT", 4)
    pages = [api.get(f"/api/v1/authorities?per_page=2&page={number}").json for number in range(1, 7)]
    assert [item["id"] for page in pages for item in page["items"]] == everything
    assert [(page["total"], page["more"]) for page in pages[:2]] == [(5, True), (5, True)]
    assert [len(page["items"]) for page in pages] == [2, 2, 2, 2, 2, 1]
