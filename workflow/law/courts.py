"""The tribunal administratif competent for each department.

Code de justice administrative, art. R221-3 ("Le siège et le ressort des tribunaux
administratifs sont fixés comme suit"), in its version since the creation of the
tribunals of Nîmes (décret n° 2006-903), Toulon (2008) and Montreuil (2009, Seine-Saint-Denis
taken from Cergy-Pontoise, Hauts-de-Seine given to Cergy-Pontoise by Paris). The table was
written from the article's text and checked against a consolidated copy of it; check it
again against Légifrance if the map of the tribunals changes.

Which department decides is the authority's (the author of the decision: CJA R312-1, the
general rule; the special rules of R312-2 and following are not modelled here).

Pure module: no database; the directory finds the tribunal by `court_slug`.
"""
from __future__ import annotations

from dataclasses import dataclass
from types import MappingProxyType
from typing import Mapping

__all__ = ["COURTS", "COURT_OF_DEPARTMENT", "Court", "court_for", "court_slug"]


@dataclass(frozen=True)
class Court:
    seat: str   # the town of the seat, as R221-3 names it
    name: str   # "Tribunal administratif de Strasbourg"
    slug: str   # key of its entry in the directory: "ta-strasbourg"


# Seat -> departments in its territorial jurisdiction (CJA R221-3).
_JURISDICTIONS: dict[str, tuple[str, ...]] = {
    "Amiens": ("02", "60", "80"),                      # Aisne, Oise, Somme
    "Bastia": ("2A", "2B"),                            # Corse-du-Sud, Haute-Corse
    "Besançon": ("25", "39", "70", "90"),              # Doubs, Jura, Haute-Saône, Territoire de Belfort
    "Bordeaux": ("24", "33", "47"),                    # Dordogne, Gironde, Lot-et-Garonne
    "Caen": ("14", "50", "61"),                        # Calvados, Manche, Orne
    "Cergy-Pontoise": ("92", "95"),                    # Hauts-de-Seine, Val-d'Oise
    "Châlons-en-Champagne": ("08", "10", "51", "52"),  # Ardennes, Aube, Marne, Haute-Marne
    "Clermont-Ferrand": ("03", "15", "43", "63"),      # Allier, Cantal, Haute-Loire, Puy-de-Dôme
    "Dijon": ("21", "58", "71", "89"),                 # Côte-d'Or, Nièvre, Saône-et-Loire, Yonne
    "Grenoble": ("26", "38", "73", "74"),              # Drôme, Isère, Savoie, Haute-Savoie
    "Lille": ("59", "62"),                             # Nord, Pas-de-Calais
    "Limoges": ("19", "23", "36", "87"),               # Corrèze, Creuse, Indre, Haute-Vienne
    "Lyon": ("01", "07", "42", "69"),                  # Ain, Ardèche, Loire, Rhône
    "Marseille": ("04", "05", "13"),                   # Alpes-de-Haute-Provence, Hautes-Alpes, Bouches-du-Rhône
    "Melun": ("77", "94"),                             # Seine-et-Marne, Val-de-Marne
    "Montpellier": ("11", "34", "66"),                 # Aude, Hérault, Pyrénées-Orientales
    "Montreuil": ("93",),                              # Seine-Saint-Denis
    "Nancy": ("54", "55", "88"),                       # Meurthe-et-Moselle, Meuse, Vosges
    "Nantes": ("44", "49", "53", "72", "85"),          # Loire-Atlantique, Maine-et-Loire, Mayenne, Sarthe, Vendée
    "Nice": ("06",),                                   # Alpes-Maritimes
    "Nîmes": ("30", "48", "84"),                       # Gard, Lozère, Vaucluse
    "Orléans": ("18", "28", "37", "41", "45"),         # Cher, Eure-et-Loir, Indre-et-Loire, Loir-et-Cher, Loiret
    "Paris": ("75",),                                  # Ville de Paris
    "Pau": ("32", "40", "64", "65"),                   # Gers, Landes, Pyrénées-Atlantiques, Hautes-Pyrénées
    "Poitiers": ("16", "17", "79", "86"),              # Charente, Charente-Maritime, Deux-Sèvres, Vienne
    "Rennes": ("22", "29", "35", "56"),                # Côtes-d'Armor, Finistère, Ille-et-Vilaine, Morbihan
    "Rouen": ("27", "76"),                             # Eure, Seine-Maritime
    "Strasbourg": ("57", "67", "68"),                  # Moselle, Bas-Rhin, Haut-Rhin
    "Toulon": ("83",),                                 # Var
    "Toulouse": ("09", "12", "31", "46", "81", "82"),  # Ariège, Aveyron, Haute-Garonne, Lot, Tarn, Tarn-et-Garonne
    "Versailles": ("78", "91"),                        # Yvelines, Essonne
    # Overseas (R221-3 names the territory; Basse-Terre's also covers Saint-Barthélemy and
    # Saint-Martin, Saint-Denis's the TAAF, neither a department).
    "Basse-Terre": ("971",),                           # Guadeloupe
    "Fort-de-France": ("972",),                        # Martinique
    "Cayenne": ("973",),                               # Guyane
    "Saint-Denis": ("974",),                           # La Réunion
    "Mamoudzou": ("976",),                             # Mayotte
}


def _slug(seat: str) -> str:
    plain = seat.lower().translate(str.maketrans("âàçéèêëîïôûù", "aaceeeeiiouu"))
    return "ta-" + "-".join(plain.replace("'", " ").replace("-", " ").split())


# The overseas tribunals are named after their territory, not their seat.
_OVERSEAS_NAMES = {"Basse-Terre": "de la Guadeloupe", "Fort-de-France": "de la Martinique", "Cayenne": "de la Guyane",
                   "Saint-Denis": "de La Réunion", "Mamoudzou": "de Mayotte"}


def _name(seat: str) -> str:
    # No metropolitan seat starts with a vowel sound needing "d'".
    return f"Tribunal administratif {_OVERSEAS_NAMES.get(seat, 'de ' + seat)}"


COURTS: Mapping[str, Court] = MappingProxyType(
    {seat: Court(seat=seat, name=_name(seat), slug=_slug(seat)) for seat in _JURISDICTIONS})
COURT_OF_DEPARTMENT: Mapping[str, Court] = MappingProxyType(
    {department: COURTS[seat] for seat, departments in _JURISDICTIONS.items() for department in departments})


def court_for(department: str) -> Court | None:
    """The tribunal administratif for a canonical department code ("57", "2A", "974"); None
    for a code that is not a department."""
    return COURT_OF_DEPARTMENT.get(department.strip().upper())


def court_slug(department: str) -> str | None:
    court = court_for(department)
    return court.slug if court else None
