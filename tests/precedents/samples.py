"""Files in the exact shape of the CADA's "Avis et conseils de la CADA" CSV: the official
header, comma-separated, every cell double-quoted, multi-line cells, HTML entities."""
from __future__ import annotations

import csv
import io
from pathlib import Path

from workflow.precedents.importing import COLUMNS

# Two real opinion numbers (crpa.md §4) with texts written for the tests.
CCTV = {
    "Numéro de dossier": "20204505", "Administration": "Maire de Nice", "Type": "Avis", "Année": "2020",
    "Séance": "10/12/2020",
    "Objet": "Communication des études d&#039;impact du système de vidéoprotection, des marchés publics et des "
             "échanges avec la CNIL relatifs au logiciel d&#039;analyse d&#039;images.",
    "Thème et sous thème": "Ordre public, Vidéoprotection",
    "Mots clés": "Vidéoprotection, Marché public, CNIL, Caméras",
    "Sens et motivation": "Favorable",
    "Partie": "III",
    "Avis": "Monsieur X a saisi la commission d&#039;accès aux documents administratifs, par courrier enregistré "
            "à son secrétariat le 2 octobre 2020, à la suite du refus opposé par le maire de Nice à sa demande de "
            "copie des documents suivants :\n1) les études d&#039;impact du système de vidéoprotection ;\n"
            "2) les marchés publics relatifs aux caméras.\n"
            "La commission rappelle que les marchés publics et les documents qui s&#039;y rapportent sont des "
            "documents administratifs communicables à toute personne qui en fait la demande.\n"
            "La commission émet donc un avis favorable à la communication des documents demandés, sous réserve "
            "de l&#039;occultation des mentions relatives à l&#039;emplacement des caméras.",
}
PREFECT = {
    "Numéro de dossier": "20215065", "Administration": "Préfet des Alpes-Maritimes", "Type": "Avis",
    "Année": "2021", "Séance": "25/11/2021",
    "Objet": "Liste des sites équipés de caméras, dossier de financement, plan et arrêté préfectoral "
             "d&quot;autorisation du système de vidéoprotection.",
    "Thème et sous thème": "Ordre public, Vidéoprotection",
    "Mots clés": "Vidéoprotection, Arrêté préfectoral, Plan",
    "Sens et motivation": "Favorable, Défavorable/Sécurité publique",
    "Partie": "III",
    "Avis": "La commission estime que l&#039;arrêté préfectoral autorisant un système de vidéoprotection est "
            "communicable à toute personne qui en fait la demande.\nElle estime en revanche que le plan "
            "d&#039;implantation des caméras n&#039;est pas communicable, sa communication portant atteinte "
            "à la sécurité publique.",
}
THERMAL = {
    "Numéro de dossier": "20226001", "Administration": "Président de Metz Métropole", "Type": "Avis",
    "Année": "2022", "Séance": "03/03/2022",
    "Objet": "Contrat d&amp;apos;acquisition de caméras thermiques.",
    "Thème et sous thème": "Marchés publics", "Mots clés": "Caméras thermiques, Marché public",
    "Sens et motivation": "Défavorable/Document inexistant", "Partie": "II",
    "Avis": "La commission prend note de la réponse du président selon laquelle le contrat demandé n&#039;existe "
            "pas. Elle ne peut dès lors qu&#039;émettre un avis défavorable.",
}


def csv_text(rows: list[dict[str, str]], header=COLUMNS) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, quoting=csv.QUOTE_ALL, lineterminator="\r\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow([row.get(name, "") for name in header] if isinstance(row, dict) else row)
    return buffer.getvalue()


def write(path: Path, rows: list, header=COLUMNS, encoding="utf-8") -> Path:
    path.write_text(csv_text(rows, header), encoding=encoding, newline="")
    return path
