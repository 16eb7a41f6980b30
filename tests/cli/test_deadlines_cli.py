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


# ------------------------------------------- decisions, sending, acknowledgement (crpa.md §3)


def test_metz_a_refusal_during_the_cada_review_is_contested_in_court(cli):
    result = cli("--received", "2026-09-01", "--cada-referred", "2026-10-05", "--cada-registered", "2026-10-09",
                 "--refused-after-referral", "2026-10-15", "--department", "57")
    assert result.exit_code == 0, result.stderr
    payload = json.loads(result.stdout)
    assert payload["court_appeal_safe"] == "2026-12-15"
    assert payload["court_appeal_legal"] == "2026-12-16"
    assert "confirmed_refusal" not in payload  # no refusal is born of silence after the explicit one
    assert payload["cada_opinion_expected"] == "2026-11-09"
    assert payload["cada_referral_safe"] == "2026-12-01"  # from the implicit refusal of 1 October (met)
    assert "le refus explicite du 15 octobre 2026, jour de sa notification" in (
        payload["explanations"]["court_appeal_safe"])
    # Without it, the confirmed refusal opens the court window.
    without = json.loads(cli("--received", "2026-09-01", "--cada-referred", "2026-10-05",
                             "--cada-registered", "2026-10-09").stdout)
    assert (without["confirmed_refusal"], without["court_appeal_safe"]) == ("2026-12-09", "2027-02-09")


def test_a_partial_communication_refusing_the_rest(cli):
    payload = json.loads(cli("--received", "2026-01-05", "--partially-answered", "2026-01-20", "--refuses-rest").stdout)
    assert "implicit_refusal" not in payload
    assert (payload["cada_referral_safe"], payload["cada_referral_legal"]) == ("2026-03-20", "2026-03-23")
    assert "la communication partielle refusant le reste du 20 janvier 2026" in payload["explanations"]["cada_referral_safe"]
    # Silent on the rest: the rest is refused implicitly when the month ends; the dates do not move.
    silent = json.loads(cli("--received", "2026-01-05", "--partially-answered", "2026-01-20").stdout)
    assert silent == json.loads(cli("--received", "2026-01-05").stdout)
    assert (silent["implicit_refusal"], silent["cada_referral_safe"]) == ("2026-02-05", "2026-04-05")


def test_a_postal_sending_without_receipt_counts_from_the_sending(cli):
    payload = json.loads(cli("--sent", "2026-01-05", "--postal").stdout)
    assert payload["implicit_refusal"] == "2026-02-08"  # an estimate: three days of post
    assert payload["cada_referral_safe"] == "2026-04-05"  # two months after the sending + one month
    assert "comptées à partir de l'envoi, le 5 janvier 2026" in payload["explanations"]["cada_referral_safe"]
    assert any("est estimée" in warning for warning in payload["warnings"])
    # Sent by e-mail, the request arrives the day it is sent; a known receipt wins.
    assert json.loads(cli("--sent", "2026-01-05").stdout)["implicit_refusal"] == "2026-02-05"
    known = json.loads(cli("--sent", "2026-01-05", "--postal", "--received", "2026-01-09").stdout)
    assert (known["implicit_refusal"], known["cada_referral_safe"]) == ("2026-02-09", "2026-04-09")


def test_the_acknowledgement_and_the_appeal_routes_decide_whether_the_delays_run(cli):
    unknown = json.loads(cli("--received", "2026-01-05").stdout)
    assert any(warning.startswith("À vérifier") for warning in unknown["warnings"])
    assert "warnings" not in json.loads(cli("--received", "2026-01-05", "--acknowledgement", "compliant").stdout)
    none = json.loads(cli("--received", "2026-01-05", "--acknowledgement", "none").stdout)
    assert any("aucun accusé de réception" in warning for warning in none["warnings"])
    non_compliant = json.loads(cli("--received", "2026-01-05", "--acknowledgement", "non_compliant").stdout)
    assert any("R112-5" in warning and "ne vous est pas opposable" in warning for warning in non_compliant["warnings"])
    refusal = json.loads(cli("--received", "2026-01-05", "--refused", "2026-01-20", "--no-appeal-routes").stdout)
    assert refusal["cada_referral_safe"] == "2026-03-20"  # still the date to act by
    assert any("L311-14" in warning for warning in refusal["warnings"])
    stated = json.loads(cli("--received", "2026-01-05", "--refused", "2026-01-20").stdout)
    assert "warnings" not in stated  # a notified explicit decision makes the delay run (L112-6)


@pytest.mark.parametrize(("args", "message"), [
    (["--sent", "2026-13-01"], "--sent attend une date au format AAAA-MM-JJ"),
    (["--received", "2026-01-05", "--refused-after-referral", "2026-1-5"],
     "--refused-after-referral attend une date au format AAAA-MM-JJ"),
    (["--received", "2026-01-05", "--acknowledgement", "yes"], "--acknowledgement attend un de : compliant"),
    (["--postal", "--received", "2026-01-05"], "indiquez aussi la date d'envoi (--sent)"),
    (["--sent", "2026-01-10", "--received", "2026-01-05"], "la réception (--received) ne peut pas précéder l'envoi"),
    (["--received", "2026-01-05", "--refuses-rest"], "indiquez sa date (--partially-answered)"),
    (["--received", "2026-01-05", "--no-appeal-routes"], "--no-appeal-routes porte sur un refus explicite"),
    (["--received", "2026-01-05", "--partially-answered", "2026-01-01"],
     "la communication partielle (--partially-answered) ne peut pas précéder la réception"),
    (["--sent", "2026-01-05", "--refused", "2026-01-02"], "le refus (--refused) ne peut pas précéder l'envoi"),
    (["--received", "2026-01-05", "--cada-referred", "2026-01-20"],
     "le refus implicite ne naît que le 5 février 2026"),
    (["--received", "2026-01-05", "--cada-referred", "2026-03-01", "--cada-registered", "2026-02-25"],
     "ne peut pas précéder la saisine (--cada-referred)"),
    (["--received", "2026-01-05", "--refused-after-referral", "2026-03-01"], "indiquez la date de la saisine"),
    (["--received", "2026-01-05", "--cada-referred", "2026-03-01", "--refused-after-referral", "2026-02-20"],
     "doit être postérieur à la saisine de la CADA (--cada-referred)"),
    (["--received", "2026-01-05", "--cada-referred", "2026-03-01", "--refused", "2026-03-10"],
     "utilisez --refused-after-referral"),
])
def test_inconsistent_decisions_are_one_line_on_stderr_and_status_2(cli, args, message):
    result = cli(*args)
    assert result.exit_code == 2
    assert result.stdout == ""
    assert message in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_a_referral_after_an_explicit_refusal_needs_no_implicit_one(cli):
    payload = json.loads(cli("--received", "2026-01-05", "--refused", "2026-01-12", "--cada-referred", "2026-01-20",
                             "--cada-registered", "2026-01-22").stdout)
    assert payload["confirmed_refusal"] == "2026-03-22"
