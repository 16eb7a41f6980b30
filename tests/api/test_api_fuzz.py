"""Fuzz the JSON API from its own OpenAPI description (schemathesis): whatever a script
sends, the answer is never a 500."""
import pytest
import schemathesis
from hypothesis import HealthCheck, settings

import workflow.api  # noqa: F401  (every API module adds its paths to the description)
from workflow.accounts import users as accounts
from workflow.api.openapi import SPEC
from workflow.directory.authorities import seed_authorities

schema = schemathesis.openapi.from_dict(SPEC)


@pytest.fixture
def bearer(app, make_user):
    seed_authorities()
    return {"Authorization": f"Bearer {accounts.issue_token(make_user('fuzz@example.org'))}"}


@schema.parametrize()
@settings(max_examples=25, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.filter_too_much])
def test_no_input_makes_the_api_fail(case, app, bearer):
    response = case.call(app=app, headers=bearer)
    assert response.status_code < 500, (case.method, case.formatted_path, response.text[:500])


def test_deeply_nested_json_is_a_400_not_a_500(client, bearer):
    body = "[" * 100_000 + "]" * 100_000
    for path in ("/api/v1/requests", "/api/v1/authorities"):
        response = client.post(path, data=body, content_type="application/json", headers=bearer)
        assert response.status_code == 400
        assert response.get_json()["error"]["message"] == "Le corps JSON est imbriqué trop profondément."


@pytest.mark.parametrize("month", ["0001-01", "9999-12", "1900-12", "2999-01", "-5-01", "2026-13", "abc"])
def test_calendar_months_out_of_bounds_are_a_4xx_or_today(client, auth, month):
    auth.signup()
    response = client.get(f"/calendrier/?mois={month}")
    assert response.status_code in (200, 400), (month, response.status_code)
    if response.status_code == 400:
        assert "Le calendrier va de 1901 à 2998." in response.get_data(as_text=True)


@pytest.mark.parametrize("month", ["1901-01", "2998-12"])
def test_calendar_shows_the_first_and_last_month_it_can(client, auth, month):
    auth.signup()
    assert client.get(f"/calendrier/?mois={month}").status_code == 200
