"""A series of requests (CRPA L342-1, as amended by loi n° 2022-217 du 21 février 2022,
art. 163): "une série de demandes ayant le même objet, adressées par le même demandeur à
différentes administrations". For a series the CADA "ne peut être saisie que d'un refus"
and gives one opinion; the requester identifies the whole series when referring, and
informs each administration of the series of the referral.

The number of requests from which a series exists is set by décret n° 2022-1335 du
19 octobre 2022 (JORF n° 0244 du 20 octobre 2022, NOR PRMX2223379D), which inserted
article R343-3-1. Its official notice (Légifrance, JORFTEXT000046446779) says that it
"fixe le seuil de nombre de demandes relevant d'une série", without giving the number.
The number 5 ("5 demandes (ou plus)") is given by a commentary published the day after
(blog.landot-avocats.net, 20 octobre 2022, "Saisines en série de documents
administratifs"). The text of R343-3-1 itself could not be read from here: 5 is
unconfirmed against the official text, and the pages say so (SERIES_SOURCE).

The reading kept while unconfirmed is the one that cannot cost the requester a
referral: only requests actually sent count (a draft is not "adressée"), each
administration once; below the threshold every refusal gets its own referral, as
before the reform (separate referrals are never inadmissible for want of a series);
at or above it the one referral names every request of the series with its recorded
facts, so that each refusal is identified to the CADA either way.

Pure: no application import."""
from __future__ import annotations

SERIES_MIN_REQUESTS = 5

SERIES_SOURCE = (
    "Selon l'article L342-1 du CRPA (modifié par la loi n° 2022-217 du 21 février 2022, art. 163), "
    "une série de demandes ayant le même objet, adressées par le même demandeur à différentes "
    "administrations, ne donne lieu qu'à une seule saisine de la CADA, qui n'émet qu'un avis ; le "
    "demandeur identifie toute la série dans sa saisine et informe chaque administration de la série. "
    "Le seuil de la série est fixé par le décret n° 2022-1335 du 19 octobre 2022 (article R343-3-1 du "
    f"CRPA) : {SERIES_MIN_REQUESTS} demandes selon un commentaire publié lors de sa parution. Lanterne "
    "n'a pas pu vérifier ce nombre dans le texte officiel : vérifiez-le sur Légifrance avant d'envoyer "
    "la saisine."
)


def is_series(requests_sent_to_distinct_administrations: int) -> bool:
    """Whether so many requests of the same object, sent to different administrations,
    form a series in the sense of L342-1 (see the module's note on the threshold)."""
    return requests_sent_to_distinct_administrations >= SERIES_MIN_REQUESTS
