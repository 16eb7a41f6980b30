"""Named letter scenarios covering every letter and its main conditions (person or
association, e-mail or post, single request or campaign series, with or without the
CADA's opinion...). The golden files in tests/letters/golden/ are their full text."""

from __future__ import annotations

from dataclasses import replace

from tests.letters.builders import (ASSOCIATION, ASSOCIATION_INSCRITE, CNIL, DELIBERATIONS, GROUP, ITEMS, METROPOLE,
                                    PERSON, POLICE, PREFECTURE, REFERRAL, SERIES, SERIES_OF_FIVE, TA_STRASBOURG, VILLE, D,
                                    context)
from workflow.law.deadlines import ExplicitDecision, RequestFacts, compute_deadlines
from workflow.letters.rendering import LetterContext, Party, Precedent, SeriesEntry

POSTAL_VILLE = replace(VILLE, prada_name="Mme Claire Petit")
# A request of the series sent later, not refused yet.
# Opinions of the CADA the request cites (crpa.md §4), one with only its year known.
PRECEDENTS = (
    Precedent("20204505", D("2020-12-10"), "La commission émet donc un avis favorable à la communication des "
              "documents demandés, sous réserve de l'occultation des mentions relatives à l'emplacement des caméras."),
    Precedent("20215065", None, "La commission estime que l'arrêté préfectoral autorisant un système de "
              "vidéoprotection est communicable à toute personne qui en fait la demande.", year=2021),
)
PENDING = SeriesEntry(authority="Commune de Woippy", reference="LNT-2026-0006", sent_on=D("2026-01-28"))


def _refused_during_review(kind: str) -> LetterContext:
    """E-mailed 1 Sept 2026, implicit refusal 1 Oct, referred 5 Oct, registered 9 Oct,
    refused explicitly 15 Oct with the appeal routes."""
    facts = RequestFacts(received=D("2026-09-01"), cada_referred=D("2026-10-05"), cada_registered=D("2026-10-09"),
                         decisions=(ExplicitDecision(D("2026-10-15")),), department="57")
    return context(kind, recipient=TA_STRASBOURG if kind == "court_application" else VILLE,
                   letter_date=D("2026-11-02"), request_sent_on=D("2026-09-01"),
                   request_received_on=D("2026-09-01"), refusal_on=D("2026-10-15"), cada_registered_on=D("2026-10-09"),
                   cada_case_number="20265678", opinion_on=None, opinion_outcome="",
                   deadlines=compute_deadlines(facts))


def court_explicit(**overrides) -> LetterContext:
    facts = RequestFacts(
        received=D("2026-09-14"),
        cada_registered=D("2026-11-25"),
        cada_opinion=D("2026-12-17"),
        decision_after_opinion=D("2027-01-06"),
        department="57",
    )
    return context(
        "court_application",
        refusal_on=D("2027-01-06"),
        refusal_is_implicit=False,
        letter_date=D("2027-01-20"),
        deadlines=compute_deadlines(facts),
        **overrides,
    )


def _court_without_opinion(**overrides) -> LetterContext:
    facts = RequestFacts(received=D("2026-09-14"), cada_registered=D("2026-11-25"), department="57")
    return context(
        "court_application",
        opinion_on=None,
        opinion_outcome="",
        cada_case_number="",
        deadlines=compute_deadlines(facts),
        **overrides,
    )


def _cada_explicit(**overrides) -> LetterContext:
    facts = RequestFacts(received=D("2026-01-11"), refused=D("2026-01-28"))
    return context(
        "cada_referral",
        refusal_is_implicit=False,
        refusal_on=D("2026-01-28"),
        series=(),
        letter_date=D("2026-02-02"),
        deadlines=compute_deadlines(facts),
        **overrides,
    )


def _recours_implicit(**overrides) -> LetterContext:
    facts = RequestFacts(received=D("2026-01-11"))
    return context("recours_gracieux", refusal_on=None, refusal_is_implicit=True,
                   deadlines=compute_deadlines(facts), **overrides)


def _notice_refused(**overrides) -> LetterContext:
    """The notice to an administration that refused by silence, once the CADA registered the referral."""
    facts = RequestFacts(received=D("2026-01-11"))
    return context("cada_series_notice", request_sent_on=D("2026-01-09"), request_received_on=D("2026-01-11"),
                   letter_date=D("2026-03-05"), deadlines=compute_deadlines(facts),
                   series_referral=replace(REFERRAL, registered_on=D("2026-03-02"), case_number="20261234"),
                   **overrides)


def _estimated(kind: str, **overrides) -> LetterContext:
    facts = RequestFacts(received=D("2026-01-11"), received_is_estimate=True)
    return context(kind, received_is_estimate=True, deadlines=compute_deadlines(facts), **overrides)


def scenarios() -> dict[str, LetterContext]:
    postal = dict(channel="postal", recipient=POSTAL_VILLE, authority=POSTAL_VILLE)
    return {
        "person-email.request": context("request"),
        "association-postal.request": context("request", sender=ASSOCIATION, **postal),
        "paper-hand.request": context("request", access_format="paper", channel="hand", legal_grounds=()),
        "consultation-online.request": context(
            "request", access_format="consultation", channel="online_form",
            legal_grounds=("CRPA, art. L311-1", "CGCT, art. L2121-26", "CRPA, art. L311-6"),
            annexes=("Copie de l'arrêté préfectoral",),
        ),
        "person-email.reminder": context("reminder"),
        "before-refusal.reminder": context("reminder", letter_date=D("2026-02-05")),
        "estimated-receipt.reminder": _estimated("reminder"),
        "association-postal.reminder": context("reminder", sender=ASSOCIATION, **postal),
        "series.cada_referral": context("cada_referral"),
        "series-association-postal.cada_referral": context("cada_referral", sender=ASSOCIATION, channel="postal"),
        "series-pending.cada_referral": context("cada_referral", series=(*SERIES_OF_FIVE[:3], PENDING)),
        "below-threshold.cada_referral": context("cada_referral", series=(*SERIES, PENDING), is_series=False),
        "pending.cada_series_notice": context("cada_series_notice"),
        "refused-registered.cada_series_notice": _notice_refused(),
        "association-postal.cada_series_notice": context("cada_series_notice", sender=ASSOCIATION, **postal),
        "single-implicit.cada_referral": context("cada_referral", series=()),
        "single-explicit.cada_referral": _cada_explicit(),
        "estimated-receipt.cada_referral": _estimated("cada_referral", series=()),
        "no-email-default-address.cada_referral": context(
            "cada_referral", series=(), channel="postal", access_format="paper",
            sender=replace(PERSON, email=""),
            recipient=Party(name="Commission d'accès aux documents administratifs"),
        ),
        "person-email.after_opinion": context("after_opinion"),
        "association-postal.after_opinion": context("after_opinion", sender=ASSOCIATION, **postal),
        "explicit-no-case-number.after_opinion": context(
            "after_opinion", refusal_on=D("2026-02-03"), refusal_is_implicit=False, cada_case_number="",
            deadlines={},
        ),
        "explicit.recours_gracieux": context("recours_gracieux"),
        "implicit.recours_gracieux": _recours_implicit(),
        "association-postal.recours_gracieux": context("recours_gracieux", sender=ASSOCIATION, **postal),
        "implicit-with-opinion.court_application": context("court_application"),
        # crpa.md §7, Metz: the city refused explicitly while the CADA examined the referral.
        "refused-during-review.court_application": _refused_during_review("court_application"),
        "refused-during-review.recours_gracieux": _refused_during_review("recours_gracieux"),
        "confirmed.recours_gracieux": context(
            "recours_gracieux", recipient=VILLE, letter_date=D("2027-02-10"), request_sent_on=D("2026-09-11"),
            request_received_on=D("2026-09-14"), cada_registered_on=D("2026-11-25"), opinion_on=D("2026-12-17"),
            deadlines=compute_deadlines(RequestFacts(received=D("2026-09-14"), cada_registered=D("2026-11-25"),
                                                     cada_opinion=D("2026-12-17"), department="57"))),
        "partial-items.after_opinion": context(
            "after_opinion", opinion_outcome="partially_favourable",
            opinion_item_outcomes={"1": "favourable", "2": "unfavourable"}),
        "partial.court_application": context(
            "court_application", opinion_outcome="partially_favourable",
            opinion_item_outcomes={"1": "favourable", "2": "unfavourable"}),
        "documents-received.court_withdrawal": context(
            "court_withdrawal", documents_during_proceedings_on=D("2027-03-25")),
        "association-no-number.court_withdrawal": context("court_withdrawal", sender=ASSOCIATION, court_case_number=""),
        "association-online.court_application": context(
            "court_application", sender=ASSOCIATION, channel="online_form"
        ),
        "explicit-after-opinion.court_application": court_explicit(),
        "without-opinion.court_application": _court_without_opinion(),
        "late.court_application": context("court_application", letter_date=D("2027-06-10")),
        "unfavourable.court_application": context("court_application", opinion_outcome="unfavourable",
                                                  items=ITEMS[:1]),
        # Who asks: an association inscrite (local law), one with no number yet, a group.
        "association-inscrite-postal.request": context("request", sender=ASSOCIATION_INSCRITE, **postal),
        "association-inscrite.court_application": context(
            "court_application", sender=ASSOCIATION_INSCRITE, authority=PREFECTURE),
        "association-without-number.cada_referral": context(
            "cada_referral", sender=replace(ASSOCIATION, rna_number="")),
        "group.request": context("request", sender=GROUP, items=DELIBERATIONS),
        "group.court_application": context("court_application", sender=GROUP, authority=METROPOLE),
        # Defendants the directory cannot name by law: the letter leaves a placeholder.
        "cnil.court_application": context("court_application", authority=CNIL),
        "police.court_application": context("court_application", authority=POLICE),
        # Opinions of the CADA cited on the request: quoted by the letters that argue, not by the others.
        "precedents.cada_referral": context("cada_referral", series=(), precedents=PRECEDENTS),
        "precedents.after_opinion": context("after_opinion", precedents=PRECEDENTS),
        "precedents.court_application": context("court_application", precedents=PRECEDENTS),
        "precedents.reminder": context("reminder", precedents=PRECEDENTS),
    }
