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
