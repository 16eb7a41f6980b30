"""The authority directory at national scale: importing the Annuaire de l'administration,
and searching it.

1. Import: a file in the shape of the JSON export of `api-lannuaire-administration`
   (60,000 records, quick 10,000; nested lists JSON-encoded as strings for half of them,
   as the export gives them) is generated, then imported by `importing.import_annuaire`
   into an empty directory, then imported again (nothing changes). Baseline: `json.load`
   of the same file, in the same run (best of 3). Figure: import time / parse time.
2. Search: 60 queries (one to three words, with and without accents, town names,
   postcodes, departments) through `authorities.search_page` as the directory page runs
   it (the count, up to 1,001, and the first page of 25) on the imported directory (60,000
   entries, quick 10,000). Figure: p95, target 50 ms; its ratio to a primary-key lookup of 25 rows in
   the same run is printed too.

    .venv/bin/python bench/directory.py [--quick] [--database-url URL] [--redis-url URL]
"""
from __future__ import annotations

import json
import random
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import common  # noqa: E402
from common import Backend, Summary, table  # noqa: E402

IMPORT_TARGET = 20.0     # import time / json.load time, same file
SEARCH_TARGET_MS = 50.0  # p95 of one search (count + first page)

SYLLABLES = ("sa", "int", "mont", "ville", "bourg", "val", "ber", "lor", "é", "ta", "mé", "nil", "roc", "chê",
             "ne", "sur", "ar", "gent", "la", "fon", "tai", "pré", "sé", "co", "lom", "bey")
KINDS = (("Mairie - {town}", "mairie", 0.6), ("Gendarmerie - {town}", "gendarmerie", 0.15),
         ("Centre communal d'action sociale - {town}", "ccas", 0.1), ("Préfecture - {town}", "prefecture", 0.02),
         ("Communauté de communes du pays de {town}", "epci", 0.08), ("Office de tourisme - {town}", "ot", 0.05))
DEPARTMENTS = [f"{n:02d}" for n in range(1, 96) if n != 20] + ["2A", "2B", "971", "972", "973", "974", "976"]


def town(rng: random.Random) -> str:
    name = "".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 4))).capitalize()
    return rng.choice(("", "", "", "Saint-", "Sainte-", "Le ", "La ")) + name + rng.choice(("", "", "", "-sur-Moselle",
                                                                                          "-les-Bains", "-en-Forêt"))


def record(index: int, rng: random.Random, encode: bool) -> dict:
    department = rng.choice(DEPARTMENTS)
    postal = (department.replace("2A", "20").replace("2B", "20") + f"{rng.randint(0, 999):03d}")[:5]
    insee = department + f"{rng.randint(1, 999):03d}" if len(department) == 2 else department + f"{rng.randint(1, 99):02d}"
    place = town(rng)
    roll, total = rng.random(), 0.0
    name, pivot = KINDS[0][0], KINDS[0][1]
    for pattern, kind, share in KINDS:
        total += share
        if roll < total:
            name, pivot = pattern, kind
            break
    nested = {
        "adresse_courriel": [f"contact{index}@{place.lower().replace(' ', '')}.example"],
        "telephone": [{"valeur": f"03 87 {index % 100:02d} {index // 100 % 100:02d} 00", "description": ""}],
        "site_internet": [{"valeur": f"https://www.commune{index}.example", "libelle": ""}],
        "adresse": [{"type_adresse": "Adresse postale", "complement1": "Hôtel de ville", "complement2": "",
                     "numero_voie": f"{rng.randint(1, 99)} place de la Mairie", "service_distribution": "",
                     "code_postal": postal, "nom_commune": place, "pays": "France", "longitude": "", "latitude": ""}],
        "pivot": [{"type_service_local": pivot, "code_insee_commune": [insee]}],
    }
    if encode:
        nested = {key: json.dumps(value, ensure_ascii=False) for key, value in nested.items()}
    return {"id": f"{index:08x}-b1e5-4c2a-9d3f-{index:012x}", "nom": name.format(town=place), **nested,
            "code_insee_commune": insee, "siret": f"{21000000000000 + index}",
            "url_service_public": f"https://lannuaire.service-public.fr/x/{index}", "ancien_code_pivot": "",
            "date_modification": "2026-10-01 12:00:00", "sigle": "", "horaire": "[]"}


def write_file(path: Path, count: int) -> list[str]:
    """The file, written record by record; returns some of its towns, for the searches."""
    rng = random.Random(16)
    towns = []
    with path.open("w", encoding="utf-8") as out:
        out.write("[")
        for index in range(count):
            entry = record(index, rng, encode=index % 2 == 0)
            if index % (count // 40) == 0:
                towns.append(entry["nom"].split(" - ")[-1])
            out.write(("," if index else "") + "\n" + json.dumps(entry, ensure_ascii=False))
        out.write("\n]\n")
    return towns


def queries(towns: list[str]) -> list[str]:
    rng = random.Random(7)
    fixed = ["mairie", "prefecture moselle", "Préfecture", "gendarmerie 57", "mairie 57000", "office tourisme",
             "communaute communes", "saint", "sur moselle", "les bains", "ccas", "centre communal action sociale",
             "introuvable", "mairie saint", "gendarmerie", "mairie 2A", "974", "prefecture 13", "la", "mont"]
    out = fixed + [rng.choice(("", "mairie ", "gendarmerie ")) + town for town in towns]
    return out[:60]


def main() -> int:
    options = common.parser(__doc__.split("\n\n")[0]).parse_args()
    count = 10_000 if options.quick else 60_000
    print(f"Lanterne — directory import and search benchmark ({count:,} records)")
    print(f"Machine: {common.machine()}")
    summary = Summary()
    work = Path(tempfile.mkdtemp(prefix="lanterne-directory-"))
    path = work / "api-lannuaire-administration.json"
    towns = write_file(path, count)
    size_mb = path.stat().st_size / 1e6

    def parse() -> None:
        with path.open(encoding="utf-8") as stream:
            json.load(stream)

    parse_time = common.best_of(parse, 3)

    with Backend(options.database_url, options.redis_url) as backend:
        app = backend.make_app()
        common.migrate(app)
        with app.app_context(), common.quiet_logs():
            from sqlalchemy import func, select

            from workflow.core.extensions import db
            from workflow.directory import authorities, importing
            from workflow.models import Authority

            with importing.open_text(str(path)) as stream:
                start = time.perf_counter()
                report = importing.import_annuaire(stream)
                import_time = time.perf_counter() - start
            assert report.added == count, report
            with importing.open_text(str(path)) as stream:
                start = time.perf_counter()
                again = importing.import_annuaire(stream)
                again_time = time.perf_counter() - start
            assert again.unchanged == count and again.added == again.updated == 0, again
            # (On PostgreSQL the import ends with VACUUM (ANALYZE) of the directory: the
            # statistics the searches are planned with are those of the imported rows.)
            total = db.session.scalar(select(func.count()).select_from(Authority))

            table(f"Import ({size_mb:.0f} MB, {count:,} records, {backend.label})", ["step", "time", "vs json.load"], [
                ["json.load (baseline)", common.fmt_ms(parse_time), "1.00x"],
                ["import into an empty directory", common.fmt_ms(import_time), common.fmt_ratio(import_time / parse_time)],
                ["import again (all unchanged)", common.fmt_ms(again_time), common.fmt_ratio(again_time / parse_time)],
            ])

            def search(text: str) -> int:
                page = authorities.search_page(authorities.search_query(text), 1, 25)
                return page.total or 0

            ids = list(db.session.scalars(select(Authority.id).limit(25)))

            def lookup() -> None:
                db.session.scalars(select(Authority).where(Authority.id.in_(ids))).all()

            texts = queries(towns)
            for text in texts[:5]:
                search(text)  # warm the cache, as a running server has it
            times, hits = [], []
            for _ in range(2):
                for text in texts:
                    start = time.perf_counter()
                    hits.append(search(text))
                    times.append(time.perf_counter() - start)
                    db.session.rollback()
            baseline = common.median(common.timed(lookup, 50))
            slowest = sorted(zip(times, texts * 2), reverse=True)[:6]
            print("Slowest searches: " + ", ".join(f"{text!r} {common.fmt_ms(seconds)}" for seconds, text in slowest))
            p50, p95 = common.percentile(times, 50), common.percentile(times, 95)
            table(f"Search ({total:,} authorities, {len(times)} searches, {backend.label})",
                  ["figure", "time", "vs 25 rows by id"], [
                      ["25 rows by primary key (baseline)", common.fmt_ms(baseline), "1.00x"],
                      ["search p50", common.fmt_ms(p50), common.fmt_ratio(p50 / baseline)],
                      ["search p95", common.fmt_ms(p95), common.fmt_ratio(p95 / baseline)],
                      ["results per search, median (counted up to 1,001)", str(int(common.median(hits))), ""],
                  ])
    ratio = import_time / parse_time
    summary.add(f"directory.import[{backend.label},{count}]", common.fmt_ratio(ratio) + " json.load",
                f"≤ {IMPORT_TARGET:.0f}x", ratio <= IMPORT_TARGET)
    summary.add(f"directory.search_p95[{backend.label},{total}]",
                f"{p95 * 1000:.1f} ms ({common.fmt_ratio(p95 / baseline)} a 25-row lookup)",
                f"≤ {SEARCH_TARGET_MS:.0f} ms", p95 * 1000 <= SEARCH_TARGET_MS)
    summary.print()
    path.unlink()
    work.rmdir()
    return 0


if __name__ == "__main__":
    sys.exit(main())
