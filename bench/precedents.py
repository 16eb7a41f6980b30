"""The CADA's opinions at the size of its open data: importing the CSV file, searching
the opinions, suggesting them for requests.

1. Import: a file in the exact shape of "Avis et conseils de la CADA" (60,000 rows,
   quick 10,000; multi-line quoted texts of about 2,000 characters, HTML entities) is
   generated, then imported by `precedents.import_opinions` into an empty table, then
   indexed for search by the job the import queues (`precedents.indexing.index_awaiting`,
   timed apart: it runs in a worker after the import has returned), then imported again
   (nothing changes). Baseline: Python's `csv.reader` reading every row of the same file,
   in the same run (best of 3). Target: import ≤ 10× the baseline; the index job and the
   sum of both (the time until every opinion is found by its words) are reported too.
2. Search: 60 queries (one to three words, with and without accents, common and rare
   words, with filters) through `precedents.search` as the page runs it (first page of
   20 with excerpts). Target: p95 ≤ 100 ms.
3. Suggestions: `precedents.suggestions` for 40 requests of varied subjects and items.
   Target: p95 ≤ 150 ms.
Each ratio to a 20-row primary-key lookup of the same run is printed too.

    .venv/bin/python bench/precedents.py [--quick] [--database-url URL] [--redis-url URL]
"""
from __future__ import annotations

import csv
import random
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import common  # noqa: E402
from common import Backend, Summary, table  # noqa: E402

IMPORT_TARGET = 10.0
SEARCH_TARGET_MS = 100.0
SUGGEST_TARGET_MS = 150.0

COLUMNS = ("Numéro de dossier", "Administration", "Type", "Année", "Séance", "Objet", "Thème et sous thème",
           "Mots clés", "Sens et motivation", "Partie", "Avis")
TOPICS = [
    ("le système de vidéoprotection", "Ordre public, Vidéoprotection", "Vidéoprotection, Caméras"),
    ("les marchés publics de vidéosurveillance", "Marchés publics, Vidéoprotection", "Marché public, Vidéosurveillance"),
    ("l'arrêté préfectoral d'autorisation", "Ordre public, Police administrative", "Arrêté préfectoral, Autorisation"),
    ("l'acquisition de caméras thermiques", "Marchés publics", "Caméras thermiques, Marché public"),
    ("l'expérimentation de reconnaissance faciale", "Libertés publiques", "Reconnaissance faciale, CNIL"),
    ("le permis de construire", "Urbanisme", "Permis de construire, Urbanisme"),
    ("les délibérations du conseil municipal", "Collectivités territoriales", "Délibération, Conseil municipal"),
    ("le budget primitif et le compte administratif", "Finances locales", "Budget, Compte administratif"),
    ("le dossier individuel d'un agent", "Fonction publique", "Dossier individuel, Agent public"),
    ("le rapport d'inspection de l'établissement", "Santé", "Inspection, Établissement"),
    ("les données de pollution de l'air", "Environnement", "Environnement, Pollution"),
    ("le contrat de délégation de service public", "Marchés publics", "Délégation de service public, Contrat"),
    ("les procès-verbaux du jury de concours", "Enseignement", "Concours, Jury"),
    ("les statistiques de la délinquance", "Ordre public", "Statistiques, Délinquance"),
    ("le plan local d'urbanisme", "Urbanisme", "PLU, Urbanisme"),
    ("les factures de la régie municipale", "Finances locales", "Facture, Régie"),
    ("le logiciel d'analyse d'images", "Libertés publiques", "Algorithme, Logiciel, Vidéoprotection"),
    ("l'usage de drones par la police nationale", "Ordre public", "Drone, Police"),
]
ADMINISTRATIONS = ["Maire de {town}", "Préfet de la {region}", "Président de la communauté de communes de {town}",
                   "Ministre de l'intérieur", "Directeur du centre hospitalier de {town}",
                   "Président du conseil départemental de la {region}", "Directeur général de l'agence régionale de "
                   "santé", "Recteur de l'académie de {town}", "Président de {town} Métropole"]
TOWNS = ["Metz", "Nancy", "Nice", "Lyon", "Lille", "Rennes", "Brest", "Thionville", "Woippy", "Toulouse", "Bordeaux",
         "Strasbourg", "Montigny-lès-Metz", "Épinal", "Verdun", "Sarreguemines", "Forbach", "Annecy", "Grenoble"]
REGIONS = ["Moselle", "Meuse", "Haute-Savoie", "Gironde", "Savoie", "Marne", "Somme", "Sarthe", "Vienne", "Loire"]
OUTCOMES = ["Favorable"] * 5 + ["Défavorable/Secret des affaires", "Défavorable/Sécurité publique",
                                "Favorable, Défavorable/Vie privée", "Sans objet/Document inexistant",
                                "Incompétence", "Irrecevable", "Défavorable/Document préparatoire"]
SENTENCES = [
    "Monsieur X a saisi la commission d'accès aux documents administratifs, par courrier enregistré à son "
    "secrétariat le {day}, à la suite du refus opposé par {admin} à sa demande de copie des documents relatifs à "
    "{topic}.",
    "La commission rappelle qu'en application de l'article L311-1 du code des relations entre le public et "
    "l'administration, les administrations sont tenues de communiquer les documents administratifs qu'elles "
    "détiennent aux personnes qui en font la demande.",
    "Elle estime que les documents relatifs à {topic} constituent des documents administratifs au sens de "
    "l'article L300-2 du même code.",
    "La commission précise que ces documents sont communicables sous réserve de l'occultation préalable des "
    "mentions dont la communication porterait atteinte à la sécurité publique ou au secret des affaires.",
    "En réponse à la demande qui lui a été adressée, {admin} a informé la commission que les documents sollicités "
    "n'existaient pas sous la forme demandée.",
    "La commission considère que la communication de ces éléments, qui révèlerait la stratégie commerciale de "
    "l'entreprise attributaire, porterait atteinte au secret des affaires protégé par l'article L311-6.",
    "Elle relève que le document sollicité présente un caractère préparatoire tant que la décision n'a pas été "
    "prise.",
    "&quot;Les mentions relatives à la vie privée des agents&quot; doivent être occultées avant toute communication.",
    "La commission émet donc un avis {sense} à la communication des documents relatifs à {topic}.",
    "Elle rappelle enfin que le demandeur peut choisir entre la consultation sur place, la copie ou l'envoi par "
    "courrier électronique, en application de l'article L311-9.",
]


def row(index: int, rng: random.Random) -> list[str]:
    year = rng.randint(1990, 2024)
    topic, themes, keywords = rng.choice(TOPICS)
    second = rng.choice(TOPICS)
    admin = rng.choice(ADMINISTRATIONS).format(town=rng.choice(TOWNS), region=rng.choice(REGIONS))
    outcome = rng.choice(OUTCOMES)
    sense = "favorable" if outcome.startswith("Favorable") else "défavorable"
    day = f"{rng.randint(1, 28):02d}/{rng.randint(1, 12):02d}/{year}"
    sentences = [SENTENCES[0], *rng.sample(SENTENCES[1:-2], 6), SENTENCES[-2], SENTENCES[-1]]
    paragraphs = []
    for sentence in sentences:
        paragraphs.append(sentence.format(day=day, admin=admin.lower(), sense=sense,
                                          topic=rng.choice((topic, topic, second[0]))))
    text = "\n".join(paragraphs)
    return [f"{year}{index:05d}", admin, rng.choice(("Avis", "Avis", "Avis", "Conseil")), str(year), day,
            f"Communication des documents relatifs à {topic} et à {second[0]} (&amp; annexes).", themes, keywords,
            outcome, rng.choice(("I", "II", "III", "IV")), text]


def write_file(path: Path, count: int) -> None:
    rng = random.Random(17)
    with path.open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out, quoting=csv.QUOTE_ALL, lineterminator="\r\n")
        writer.writerow(COLUMNS)
        for index in range(count):
            writer.writerow(row(index, rng))


SEARCHES = [
    "videoprotection", "vidéoprotection", "caméras thermiques", "reconnaissance faciale", "marché public",
    "arrêté préfectoral", "permis de construire", "budget", "délibérations conseil municipal", "secret des affaires",
    "commission", "documents administratifs", "vie privée", "drone police", "pollution air", "jury concours",
    "logiciel analyse images", "délégation service public", "régie factures", "plan local urbanisme",
    "introuvable", "occultation", "sécurité publique", "statistiques délinquance", "inspection établissement",
    "agent dossier individuel", "préparatoire", "Metz", "Nice", "courrier électronique",
]
FILTERS = [{}, {"outcome": "favourable"}, {"year": 2020}, {"kind": "commune"}, {"outcome": "unfavourable", "year": 2015}]

REQUESTS = [
    ("Contrats de vidéoprotection", ["Le marché de vidéoprotection urbaine", "Le CCTP", "L'arrêté préfectoral"]),
    ("Caméras thermiques", ["Le bon de commande des caméras thermiques", "La facture"]),
    ("Reconnaissance faciale", ["Le contrat du logiciel de reconnaissance faciale", "Les échanges avec la CNIL"]),
    ("Drones de la police", ["Les autorisations d'usage de drones", "Le registre des vols"]),
    ("Budget 2024", ["Le budget primitif 2024", "Le compte administratif 2023"]),
    ("Urbanisme", ["Le permis de construire du lotissement", "Le plan local d'urbanisme"]),
    ("Délibérations", ["Les délibérations du conseil municipal de 2024", "Les procès-verbaux des séances"]),
    ("Pollution", ["Les mesures de pollution de l'air", "Le rapport annuel"]),
]


def main() -> int:
    options = common.parser(__doc__.split("\n\n")[0]).parse_args()
    count = 10_000 if options.quick else 60_000
    print(f"Lanterne — CADA opinions: import, search, suggestions ({count:,} opinions)")
    print(f"Machine: {common.machine()}")
    summary = Summary()
    work = Path(tempfile.mkdtemp(prefix="lanterne-cada-"))
    path = work / "cada.csv"
    write_file(path, count)
    size_mb = path.stat().st_size / 1e6

    def read_csv() -> None:
        with path.open(encoding="utf-8", newline="") as stream:
            for _row in csv.reader(stream):
                pass

    read_time = common.best_of(read_csv, 3)

    with Backend(options.database_url, options.redis_url) as backend:
        app = backend.make_app()
        common.migrate(app)
        with app.app_context(), common.quiet_logs():
            from sqlalchemy import select, text

            from workflow import precedents
            from workflow.core.extensions import db
            from workflow.directory.importing import open_text
            from workflow.directory.authorities import seed_authorities
            from workflow.models import AccessRequest, Authority, RequestItem
            from workflow.models.precedents import CadaOpinion

            with open_text(str(path)) as stream:
                start = time.perf_counter()
                report = precedents.import_opinions(stream)
                import_time = time.perf_counter() - start
            assert report.added == count and report.skipped == 0, report
            # The index job the import queues, run here as a worker runs it (after the import
            # returned: until it ends a search by words does not find the new opinions).
            from workflow.precedents import indexing

            start = time.perf_counter()
            indexed = indexing.index_awaiting()
            index_time = time.perf_counter() - start
            assert indexed == count, indexed
            with open_text(str(path)) as stream:
                start = time.perf_counter()
                again = precedents.import_opinions(stream)
                again_time = time.perf_counter() - start
            assert again.unchanged == count, again
            db.session.commit()
            if db.engine.dialect.name == "postgresql":
                with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
                    connection.execute(text("ANALYZE"))
            table(f"Import ({size_mb:.0f} MB, {count:,} rows, {backend.label})", ["step", "time", "vs csv.reader"], [
                ["csv.reader over the file (baseline)", common.fmt_ms(read_time), "1.00x"],
                ["import into an empty table", common.fmt_ms(import_time), common.fmt_ratio(import_time / read_time)],
                ["then the index job (a worker, after the import)", common.fmt_ms(index_time),
                 common.fmt_ratio(index_time / read_time)],
                ["import + index: until every opinion is found by its words", common.fmt_ms(import_time + index_time),
                 common.fmt_ratio((import_time + index_time) / read_time)],
                ["import again (all unchanged)", common.fmt_ms(again_time), common.fmt_ratio(again_time / read_time)],
            ])

            ids = list(db.session.scalars(select(CadaOpinion.id).limit(20)))

            def lookup() -> None:
                db.session.scalars(select(CadaOpinion).where(CadaOpinion.id.in_(ids))).all()

            baseline = common.median(common.timed(lookup, 50))

            rng = random.Random(3)
            cases = [(query, rng.choice(FILTERS)) for query in SEARCHES] + [(query, {}) for query in SEARCHES]
            for query, filters in cases[:5]:
                precedents.search(query, precedents.Filters(**filters))
            times, totals = [], []
            for query, filters in cases:
                start = time.perf_counter()
                results = precedents.search(query, precedents.Filters(**filters))
                times.append(time.perf_counter() - start)
                totals.append(results.total)
                db.session.rollback()
            slowest = sorted(zip(times, cases), key=lambda entry: entry[0], reverse=True)[:5]
            print("Slowest searches: " + ", ".join(f"{case[0]!r} {case[1]} {common.fmt_ms(seconds)}"
                                                   for seconds, case in slowest))
            search_p50, search_p95 = common.percentile(times, 50), common.percentile(times, 95)

            seed_authorities()
            owner_id = db.session.execute(text("SELECT id FROM users LIMIT 1")).scalar()
            if owner_id is None:
                from workflow.accounts import users as accounts

                owner_id = accounts.create_user("bench@example.org", "correct horse battery").id
            authorities = list(db.session.scalars(select(Authority)))
            requests = []
            for number in range(40):
                subject, items = REQUESTS[number % len(REQUESTS)]
                access_request = AccessRequest(reference=f"LNT-CADA-{number:04d}", owner_id=owner_id,
                                               authority_id=authorities[number % len(authorities)].id, subject=subject,
                                               items=[RequestItem(position=p, description=d)
                                                      for p, d in enumerate(items, 1)])
                db.session.add(access_request)
                requests.append(access_request)
            db.session.commit()
            for access_request in requests[:3]:
                precedents.suggestions(access_request)
            suggestion_times, found = [], []
            for access_request in requests:
                start = time.perf_counter()
                found.append(len(precedents.suggestions(access_request)))
                suggestion_times.append(time.perf_counter() - start)
            suggest_p50, suggest_p95 = (common.percentile(suggestion_times, 50),
                                        common.percentile(suggestion_times, 95))
            table(f"Search and suggestions ({count:,} opinions, {backend.label})", ["figure", "time", "vs 20 rows by id"], [
                ["20 rows by primary key (baseline)", common.fmt_ms(baseline), "1.00x"],
                [f"search p50 ({len(times)} searches)", common.fmt_ms(search_p50), common.fmt_ratio(search_p50 / baseline)],
                ["search p95", common.fmt_ms(search_p95), common.fmt_ratio(search_p95 / baseline)],
                ["results per search, median", str(int(common.median(totals))), ""],
                [f"suggestions p50 ({len(suggestion_times)} requests)", common.fmt_ms(suggest_p50),
                 common.fmt_ratio(suggest_p50 / baseline)],
                ["suggestions p95", common.fmt_ms(suggest_p95), common.fmt_ratio(suggest_p95 / baseline)],
                ["suggestions per request, median", str(int(common.median(found))), ""],
            ])
    ratio = import_time / read_time
    summary.add(f"precedents.import[{backend.label},{count}]",
                f"{common.fmt_ratio(ratio)} csv.reader ({import_time:.1f} s)", f"≤ {IMPORT_TARGET:.0f}x",
                ratio <= IMPORT_TARGET)
    summary.note(f"precedents.import_then_index[{backend.label},{count}]",
                 f"{common.fmt_ratio((import_time + index_time) / read_time)} csv.reader ({import_time + index_time:.1f} s)")
    summary.add(f"precedents.search_p95[{backend.label},{count}]", f"{search_p95 * 1000:.1f} ms",
                f"≤ {SEARCH_TARGET_MS:.0f} ms", search_p95 * 1000 <= SEARCH_TARGET_MS)
    summary.add(f"precedents.suggestions_p95[{backend.label},{count}]", f"{suggest_p95 * 1000:.1f} ms",
                f"≤ {SUGGEST_TARGET_MS:.0f} ms", suggest_p95 * 1000 <= SUGGEST_TARGET_MS)
    summary.print()
    path.unlink()
    work.rmdir()
    return 0


if __name__ == "__main__":
    sys.exit(main())
