"""`flask --app app deadlines`: the engine's public contract, JSON on stdout."""
import json

import pytest

from app import create_app


@pytest.fixture(scope="module")
def cli(instance_path):
    application = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": "sqlite://"})
    runner = application.test_cli_runner()

    def invoke(*args):
        return runner.invoke(args=["deadlines", *args])

    return invoke


def test_received_only(cli):
    result = cli("--received", "2026-01-11")
    assert result.exit_code == 0
    payload = json.loads(result.stdout)
    assert payload["implicit_refusal"] == "2026-02-11"
    assert payload["cada_referral_safe"] == "2026-04-11"
    assert payload["cada_referral_legal"] == "2026-04-13"  # 12 April 2026 is a Sunday
    assert set(payload) >= {"implicit_refusal", "cada_referral_safe", "cada_referral_legal", "explanations"}
    assert "court_appeal_safe" not in payload and "confirmed_refusal" not in payload
    assert payload["explanations"]["implicit_refusal"].startswith(
        "Sans réponse au 11 février 2026, la demande est implicitement rejetée (CRPA, art. R311-12 et R311-13)")
    assert set(payload["explanations"]) == {key for key in payload if key not in ("explanations", "department", "warnings")}


def test_the_whole_chain_in_moselle_and_in_paris(cli):
    moselle = json.loads(cli("--received", "2026-10-20", "--cada-registered", "2026-11-25").stdout)
    assert moselle["cada_opinion_expected"] == "2026-12-25"
    assert moselle["confirmed_refusal"] == "2027-01-25"
    assert moselle["court_appeal_safe"] == "2027-03-25"
    assert moselle["court_appeal_legal"] == "2027-03-30"  # Good Friday, weekend, Easter Monday
    assert "Vendredi saint" in moselle["explanations"]["court_appeal_legal"]
    paris = json.loads(cli("--received", "2026-10-20", "--cada-registered", "2026-11-25", "--department", "75").stdout)
    assert paris["court_appeal_legal"] == "2027-03-26"


def test_explicit_refusal_replaces_the_implicit_one(cli):
    payload = json.loads(cli("--received", "2026-01-05", "--refused", "2026-01-20").stdout)
    assert "implicit_refusal" not in payload
    assert payload["cada_referral_safe"] == "2026-03-20"
    assert payload["cada_referral_legal"] == "2026-03-23"  # 21 March 2026 is a Saturday


@pytest.mark.parametrize(("args", "message"), [
    (["--received", "2026-02-30"], "--received attend une date au format AAAA-MM-JJ"),
    (["--received", "11/01/2026"], "--received attend une date au format AAAA-MM-JJ"),
    (["--received", "2026-01-11", "--department", "99"], "Département inconnu : « 99 »"),
    (["--received", "2026-03-01", "--refused", "2026-02-01"], "ne peut pas précéder la réception"),
])
def test_bad_input_is_one_line_on_stderr_and_status_2(cli, args, message):
    result = cli(*args)
    assert result.exit_code == 2
    assert result.stdout == ""
    assert message in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
