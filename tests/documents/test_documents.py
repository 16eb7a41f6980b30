"""Documents received, end to end: filed from the request page or the API, stored by
content, their text extracted by a real RQ job, found by a French word, counted per
requested item, served only to who may see them; a file that harms the server refused whole, any other kept with a note."""
import hashlib
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select, text

from tests.documents.helpers import CONTRACT, make_request, upload
from tests.documents.samples import make_docx, make_eml, make_odt, make_pdf, make_png, make_xlsx, make_zip
from tests.helpers import page_text, run_worker
from workflow.accounts import users as accounts
from workflow.core.extensions import db
from workflow.models import Document, DocumentItem
from workflow.models.documents import DocumentPage
from workflow.jobs.queues import queue
from workflow.core.storage import file_store

TODAY = date(2026, 3, 1)


@pytest.fixture(autouse=True)
def frozen_today(monkeypatch):
    monkeypatch.setattr("workflow.core.clock.today", lambda: TODAY)


@pytest.fixture
def access_request(alice):
    return make_request(alice)


def stored_files() -> list[str]:
    root = file_store().root
    return sorted(str(path.relative_to(root)) for path in root.rglob("*") if path.is_file()) if root.exists() else []


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


# ------------------------------------------------------------------ filing


def test_a_pdf_is_filed_by_content_and_found_by_a_french_word(client, access_request):
    before = stored_files()
    response = upload(client, access_request, [("Contrat vidéo.pdf", CONTRACT)], came_by="post", sender="Service juridique",
                      received_on="2026-02-20", item_ids=[str(access_request.items[0].id)], outcome="complete")
    assert response.status_code == 200
    assert "1 document classé : « Contrat vidéo.pdf »" in page_text(response)
    document = db.session.scalar(select(Document))
    assert document.sha256 == hashlib.sha256(CONTRACT).hexdigest()
    assert hashlib.sha256(file_store().read(document.sha256)).hexdigest() == document.sha256
    assert len(stored_files()) == len(before) + 1
    assert (document.media_type, document.pages, document.size) == ("application/pdf", 2, len(CONTRACT))
    assert (document.received_on, document.came_by, document.sender) == (date(2026, 2, 20), "post", "Service juridique")
    assert document.text_status == "pending"

    run_worker()
    db.session.refresh(document)
    assert document.text_status == "done"
    for query in ("caméra", "camera", "CONTRAT", "titulaires installés"):
        results = client.get("/documents/recherche", query_string={"q": query})
        body = results.get_data(as_text=True)
        assert "1 document trouvé" in page_text(results), query
        assert access_request.reference in body and "Contrat vidéo.pdf" in body and ", page 2" in body
    body = client.get("/documents/recherche", query_string={"q": "caméra"}).get_data(as_text=True)
    assert "<mark>caméras</mark>" in body
    assert "Aucun document ne contient « piscine »" in page_text(client.get("/documents/recherche?q=piscine"))

    page = client.get(f"/documents/{document.id}")
    assert page.status_code == 200
    assert document.sha256 in page_text(page) and "Texte extrait" in page_text(page)
    download = client.get(f"/documents/{document.id}/fichier")
    assert download.data == CONTRACT
    assert download.headers["Content-Disposition"].startswith("attachment;")
    assert download.headers["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in download.headers["Content-Security-Policy"]
    assert download.headers["Cache-Control"] == "private, no-store"


def test_every_kind_is_filed_unpacked_and_searchable(client, access_request):
    attachment = make_pdf(["Convention de délégation signée par le préfet."])
    email = make_eml("Veuillez trouver ci-joint la convention demandée.", attachments=[("convention.pdf", attachment)])
    archive = make_zip({
        "marché/CCTP.odt": make_odt("Cahier des clauses techniques : objectifs zoomables."),
        "marché/annexes/budget.xlsx": make_xlsx([["Poste", "Montant"], ["Maintenance", "42000"]]),
        "__MACOSX/._CCTP.odt": b"junk",
        "inner.zip": make_zip({"note.txt": "Note de synthèse sur l'éclairage".encode()}),
    })
    files = [("courrier.docx", make_docx("Réponse de la mairie concernant les délibérations.")),
             ("photo-panneau.png", make_png()), ("liste.txt", "Liste des sites équipés : gare, mairie".encode()),
             ("reponse.eml", email), ("marche.zip", archive)]
    response = upload(client, access_request, files)
    assert "document" in page_text(response) and "classés" in page_text(response)
    by_name = {document.filename: document for document in db.session.scalars(select(Document))}
    assert set(by_name) == {"courrier.docx", "photo-panneau.png", "liste.txt", "reponse.eml", "convention.pdf",
                            "marche.zip", "CCTP.odt", "budget.xlsx", "inner.zip", "note.txt"}
    assert by_name["convention.pdf"].parent_id == by_name["reponse.eml"].id
    assert by_name["convention.pdf"].received_on == date(2026, 2, 3)  # the e-mail's date
    assert by_name["convention.pdf"].sender == "Mairie <mairie@example.org>"
    assert by_name["budget.xlsx"].origin_path == "marché/annexes/budget.xlsx"
    assert by_name["note.txt"].parent_id == by_name["inner.zip"].id
    assert by_name["reponse.eml"].media_type == "message/rfc822"
    assert file_store().read(by_name["reponse.eml"].sha256) == email  # kept whole: its headers are evidence

    run_worker()
    for word, name in (("délibération", "courrier.docx"), ("zoomable", "CCTP.odt"), ("maintenance", "budget.xlsx"),
                       ("préfet", "convention.pdf"), ("gare", "liste.txt"), ("eclairage", "note.txt"),
                       ("ci-joint", "reponse.eml")):
        hits = client.get("/documents/recherche", query_string={"q": word}).get_data(as_text=True)
        assert name in hits, (word, name)
    picture = by_name["photo-panneau.png"]
    db.session.refresh(picture)
    assert picture.text_status in ("no_text", "ocr")
    thumbnail = client.get(f"/documents/{picture.id}/apercu.png")
    assert thumbnail.status_code == 200 and thumbnail.data.startswith(b"\x89PNG")


def test_the_same_file_twice_is_linked_not_copied(client, access_request, alice):
    upload(client, access_request, [("contrat.pdf", CONTRACT)])
    files_before = stored_files()
    response = upload(client, access_request, [("copie du contrat.pdf", CONTRACT)])
    assert "« copie du contrat.pdf » était déjà classé (document « contrat.pdf ») : relié, pas copié." in page_text(response)
    assert count(Document) == 1 and stored_files() == files_before

    other = make_request(alice, "Metz Métropole")
    upload(client, other, [("contrat.pdf", CONTRACT)])
    documents = list(db.session.scalars(select(Document).order_by(Document.id)))
    assert [d.request_id for d in documents] == [access_request.id, other.id]
    assert documents[0].sha256 == documents[1].sha256 and stored_files() == files_before
    assert "Le même fichier ailleurs" in page_text(client.get(f"/documents/{documents[0].id}"))


# --------------------------------------------------------------- bad files


def _bomb() -> bytes:
    return make_zip({"rapport.pdf": CONTRACT, "zeros.txt": b"\0" * (16 * 1024 * 1024)})


# What would harm the server or is no file: refused whole, with what to do.
REFUSED_FILES = {
    "empty": ([("vide.pdf", b"")], "« vide.pdf » est vide (0 octet) : il n'a pas été classé. Enregistrez de nouveau"),
    "zip bomb": ([("annexes.zip", _bomb())], "ressemble à une bombe de décompression"),
    "escaping archive": ([("annexes.zip", make_zip({"ok.pdf": CONTRACT, "../../../etc/cron.d/x": b"* * * * * x"}))],
                         "contient un chemin dangereux (« ../../../etc/cron.d/x »)"),
    "bomb beside a good file": ([("ok.pdf", CONTRACT), ("annexes.zip", _bomb())], "bombe de décompression"),
    "bomb in an e-mail": ([("m.eml", make_eml("Ci-joint", attachments=[("annexes.zip", _bomb())]))],
                          "bombe de décompression"),
}


@pytest.mark.parametrize("case", list(REFUSED_FILES))
def test_harmful_files_are_refused_whole_with_what_to_do(client, access_request, case):
    files, message = REFUSED_FILES[case]
    before = stored_files()
    response = upload(client, access_request, files)
    text_shown = page_text(response)
    assert message in text_shown, text_shown
    assert "Rien de cet envoi n'a été enregistré." in text_shown
    assert count(Document) == 0 and count(DocumentItem) == 0
    assert stored_files() == before  # nothing published, no temporary file left behind


# Evidence Lanterne cannot (fully) read: kept, with a note; the rest of the upload filed.
KEPT_FILES = {
    "truncated pdf": ([("contrat.pdf", CONTRACT[: len(CONTRACT) * 2 // 3])], {"contrat.pdf"},
                      "« contrat.pdf » : document PDF endommagé ou tronqué (sa fin manque) : fichier gardé tel quel"),
    "lying type": ([("ok.pdf", CONTRACT), ("scan.pdf", make_png())], {"ok.pdf", "scan.pdf.png"},
                   "« scan.pdf » : son nom (extension « .pdf ») annonce un document PDF, mais son contenu est une image "
                   "PNG : il est classé comme tel."),
    "bad file inside a zip": ([("annexes.zip", make_zip({"a.pdf": CONTRACT, "b/cut.pdf": CONTRACT[:900]}))],
                              {"annexes.zip", "a.pdf", "cut.pdf"},
                              "« annexes.zip › b/cut.pdf » : document PDF endommagé ou tronqué"),
    "bad attachment": ([("m.eml", make_eml("Ci-joint", attachments=[("contrat.pdf", CONTRACT[:900])]))],
                       {"m.eml", "contrat.pdf"}, "« m.eml › contrat.pdf » : document PDF endommagé ou tronqué"),
    "too deep": ([("a.zip", make_zip({"b.zip": make_zip({"c.zip": make_zip({"d.txt": b"profond"})})}))],
                 {"a.zip", "b.zip", "c.zip"}, "« a.zip › b.zip › c.zip » : non décompressé : rangé dans d'autres "
                                              "archives ou messages sur plus de 2 niveaux"),
    "unsupported": ([("outil.exe", b"MZ" + b"\x00" * 300)], {"outil.exe"},
                    "« outil.exe » : format non lu (un programme Windows) : fichier gardé tel quel, sans texte ni aperçu."),
}


@pytest.mark.parametrize("case", list(KEPT_FILES))
def test_files_that_cannot_be_read_are_kept_with_a_note(client, access_request, case):
    files, names, message = KEPT_FILES[case]
    response = upload(client, access_request, files)
    text_shown = page_text(response)
    assert response.status_code == 200
    assert message in text_shown, text_shown
    assert "Rien de cet envoi n'a été enregistré." not in text_shown
    assert set(db.session.scalars(select(Document.filename))) == names
    run_worker()
    for document in db.session.scalars(select(Document)):
        assert client.get(f"/documents/{document.id}").status_code == 200
        assert document.text_status != "pending"


def test_an_oversize_file_gets_the_limit_in_its_message(app, client, access_request, monkeypatch):
    assert "50 Mo au plus par fichier et 50 Mo par envoi" in page_text(client.get(f"/demandes/{access_request.id}"))
    monkeypatch.setitem(app.config, "DOCUMENT_MAX_BYTES", 4096)
    app.extensions["page_cache"].clear()  # settings change with a restart, which empties it
    assert "4 Ko au plus par fichier" in page_text(client.get(f"/demandes/{access_request.id}"))
    before = stored_files()
    response = upload(client, access_request, [("gros.pdf", CONTRACT)])
    assert "« gros.pdf » dépasse la taille autorisée (4 Ko par fichier)" in page_text(response)
    assert count(Document) == 0 and stored_files() == before
    monkeypatch.setitem(app.config, "MAX_CONTENT_LENGTH", 2048)
    response = upload(client, access_request, [("gros.pdf", CONTRACT)], follow=False)
    assert response.status_code == 413
    assert "dépasse la limite de 2 Ko par envoi (4 Ko au plus par fichier)" in page_text(response)


def test_unsupported_files_inside_an_email_stay_in_it(client, access_request):
    email = make_eml("Invitation", attachments=[("invitation.exe", b"MZ" + b"\x00" * 300), ("ordre.pdf", CONTRACT)])
    response = upload(client, access_request, [("invitation.eml", email)])
    assert ("« invitation.eml › invitation.exe » : format non lu (un programme Windows). Ce fichier reste dans le "
            "message « invitation.eml », gardé entier.") in page_text(response)
    assert sorted(db.session.scalars(select(Document.filename))) == ["invitation.eml", "ordre.pdf"]
    message = db.session.scalar(select(Document).where(Document.filename == "invitation.eml"))
    page = page_text(client.get(f"/documents/{message.id}"))
    assert "2 fichiers reçus dans ce message, tous listés ici." in page
    assert "invitation.exe Non classé — format non lu (un programme Windows)" in page
    assert "De Mairie <mairie@example.org> À alice@example.org Envoyé le 3 février 2026 à 10 h 30" in page


# ------------------------------------------------------------ obtained counts


def test_each_item_shows_what_was_obtained(client, access_request):
    first, second = access_request.items
    upload(client, access_request, [("acte.pdf", CONTRACT)], item_ids=[str(first.id)], outcome="complete")
    page = page_text(client.get(f"/demandes/{access_request.id}"))
    assert "Documents demandés obtenus : 1 sur 2." in page
    assert "Acte d'engagement Obtenu acte.pdf" in page and "CCTP Pas encore obtenu" in page

    document = db.session.scalar(select(Document))
    response = client.post(f"/documents/{document.id}", data={
        f"item_{first.id}": "complete", f"item_{second.id}": "redacted", "received_on": "2026-02-21",
        "came_by": "email", "sender": "", "pages": "", "notes": "Noms des agents occultés."}, follow_redirects=True)
    assert "Les informations du document sont enregistrées." in page_text(response)
    page = page_text(client.get(f"/demandes/{access_request.id}"))
    assert "Documents demandés obtenus : 2 sur 2 (dont 1 occulté)." in page
    assert "CCTP Obtenu partiellement (occulté) acte.pdf" in page

    refusal = make_pdf(["Refus de communication du CCTP."])
    upload(client, access_request, [("refus.pdf", refusal)], item_ids=[str(second.id)], outcome="refused")
    page = page_text(client.get(f"/demandes/{access_request.id}"))
    assert "Documents demandés obtenus : 2 sur 2 (dont 1 occulté)." in page  # the best outcome counts
    assert "refus.pdf (refusé)" in page


def test_an_uploads_outcome_goes_on_that_uploads_documents_only(client, access_request):
    """What the user says of one upload (an item obtained, refused) never rewrites what an
    earlier upload's documents brought, even when the new upload carries one of them again;
    in an archive it goes on the files inside, not on the archive."""
    first, second = access_request.items
    upload(client, access_request, [("acte.pdf", CONTRACT)], item_ids=[str(first.id)], outcome="complete")
    annex = make_pdf(["Annexe : liste des caméras."])
    upload(client, access_request, [("envoi.zip", make_zip({"acte.pdf": CONTRACT, "annexe.pdf": annex}))],
           item_ids=[str(first.id), str(second.id)], outcome="redacted")

    def outcomes(name: str) -> dict[int, str]:
        document = db.session.scalar(select(Document).where(Document.original_name == name))
        return {link.item_id: link.outcome for link in document.item_links}

    # the archive's copy of acte.pdf is the document already filed: its first item keeps
    # "complete", the second item (new to it) gets this upload's "redacted"
    assert outcomes("acte.pdf") == {first.id: "complete", second.id: "redacted"}
    assert outcomes("annexe.pdf") == {first.id: "redacted", second.id: "redacted"}
    assert outcomes("envoi.zip") == {}
    page = page_text(client.get(f"/demandes/{access_request.id}"))
    assert "Acte d'engagement Obtenu acte.pdf" in page


def test_the_campaign_shows_how_much_was_obtained(client, alice):
    requests = make_request(alice, "Ville de Metz", campaign_with=("Metz Métropole",))
    upload(client, requests[0], [("acte.pdf", CONTRACT)], item_ids=[str(requests[0].items[0].id)], outcome="complete")
    upload(client, requests[1], [("refus.pdf", make_pdf(["Refus"]))], item_ids=[str(i.id) for i in requests[1].items],
           outcome="refused")
    page = page_text(client.get(f"/campagnes/{requests[0].campaign_id}"))
    assert "Documents obtenus Documents demandés obtenus : 1 sur 4, 2 refusés." in page
    assert "Ville de Metz LNT-2026-0001 1 sur 2 0 0 1" in page
    assert "Metz Métropole LNT-2026-0002 0 sur 2 0 2 1" in page


# ----------------------------------------------------------------- access


def test_documents_are_served_only_to_who_may_see_them(client, client_for, access_request, make_user):
    upload(client, access_request, [("contrat.pdf", CONTRACT)])
    run_worker()
    document = db.session.scalar(select(Document))
    bob = make_user("bob@example.org")
    client = client_for("bob@example.org")
    for url in (f"/documents/{document.id}", f"/documents/{document.id}/fichier", f"/documents/{document.id}/apercu.png"):
        assert client.get(url).status_code == 404, url
    assert client.post(f"/documents/demandes/{access_request.id}/envoi", data={}).status_code == 404
    assert "Aucun document ne contient" in page_text(client.get("/documents/recherche?q=contrat"))
    assert "contrat.pdf" not in page_text(client.get("/documents/"))
    headers = {"Authorization": f"Bearer {accounts.issue_token(bob)}"}
    assert client.get(f"/api/v1/documents/{document.id}", headers=headers).status_code == 404
    assert client.get("/api/v1/search?q=contrat", headers=headers).json["total"] == 0


def test_a_viewer_of_the_organisation_reads_but_does_not_file(client, client_for, access_request, alice, make_user):
    from workflow.models import Membership, Organisation

    upload(client, access_request, [("contrat.pdf", CONTRACT)])
    run_worker()
    document = db.session.scalar(select(Document))
    organisation = Organisation(name="Technopolice")
    db.session.add(organisation)
    db.session.flush()
    viewer = make_user("vera@example.org")
    db.session.add_all([Membership(user_id=alice.id, organisation_id=organisation.id, role="owner"),
                        Membership(user_id=viewer.id, organisation_id=organisation.id, role="viewer")])
    db.session.get(type(access_request), access_request.id).organisation_id = organisation.id
    db.session.commit()
    client = client_for("vera@example.org")  # the viewer, in her own browser
    assert client.get(f"/documents/{document.id}/fichier").data == CONTRACT
    assert "1 document trouvé" in page_text(client.get("/documents/recherche?q=contrat"))
    page = page_text(client.get(f"/demandes/{access_request.id}"))
    assert "Documents demandés obtenus : 0 sur 2." in page and "Classer des documents reçus" not in page
    assert upload(client, access_request, [("autre.pdf", make_pdf(["Autre"]))], follow=False).status_code == 403
    assert client.post(f"/documents/{document.id}", data={"notes": "x"}).status_code == 403
    assert db.session.scalar(select(func.count(Document.id))) == 1


def test_extraction_runs_once_and_can_be_run_again(client, access_request):
    from workflow.jobs.documents import extract_document_text

    upload(client, access_request, [("contrat.pdf", CONTRACT)])
    run_worker()
    document = db.session.scalar(select(Document))
    assert extract_document_text(document.id) == "done"  # already done: nothing redone
    assert count(DocumentPage) == 2
    client.post(f"/documents/{document.id}/extraction")
    run_worker()
    assert count(DocumentPage) == 2
    assert "1 document trouvé" in page_text(client.get("/documents/recherche?q=camera"))
    if db.engine.dialect.name == "sqlite":
        assert db.session.scalar(text("SELECT count(*) FROM document_search")) == 2
        db.session.delete(document)
        db.session.commit()
        assert db.session.scalar(text("SELECT count(*) FROM document_search")) == 0  # the trigger follows deletions


def test_a_search_matching_too_many_pages_ranks_the_most_recent_and_says_so(client, access_request, monkeypatch):
    upload(client, access_request, [("ancien.pdf", make_pdf(["Contrat ancien"])), ("recent.pdf", make_pdf(["Contrat récent"]))])
    run_worker()
    monkeypatch.setattr("workflow.documents.text_search.CANDIDATE_PAGES", 1)
    monkeypatch.setattr("workflow.documents.text_search.PG_CANDIDATE_PAGES", 1)
    page = client.get("/documents/recherche?q=contrat")
    assert ("Plus de 1 résultats pour « contrat » : seuls les documents les plus récents sont classés ici."
            in page_text(page)), page_text(page)
    assert "recent.pdf" in page_text(page) and "ancien.pdf" not in page_text(page)


@pytest.mark.parametrize("set_below", [8_000, 0])  # PostgreSQL: the matches as a set, or read newest first
def test_a_rare_word_finds_its_document_first_among_many(client, access_request, monkeypatch, set_below):
    """The cut keeps the most recent matches of a common word, not the only page holding
    a rare one; the page with both words ranks first; every page of a document counts."""
    monkeypatch.setattr("workflow.documents.text_search.PG_SET_BELOW", set_below)
    monkeypatch.setattr("workflow.documents.text_search.CANDIDATE_PAGES", 3)
    monkeypatch.setattr("workflow.documents.text_search.PG_CANDIDATE_PAGES", 3)
    upload(client, access_request, [("cormoran.pdf", make_pdf(["Contrat du cormoran", "Annexe du contrat"]))])
    upload(client, access_request, [(f"contrat-{n}.pdf", make_pdf([f"Contrat numéro {n}"])) for n in range(4)])
    run_worker()
    page = page_text(client.get("/documents/recherche?q=cormoran"))
    assert "1 document trouvé pour « cormoran »." in page and "cormoran.pdf , page 1" in page, page
    page = page_text(client.get("/documents/recherche?q=contrat+cormoran"))
    assert "1 document trouvé" in page and "cormoran.pdf , page 1" in page, page
    page = page_text(client.get("/documents/recherche?q=contrat"))
    assert "Plus de 3 résultats pour « contrat »" in page and "cormoran.pdf" not in page, page
    monkeypatch.setattr("workflow.documents.text_search.CANDIDATE_PAGES", 100)
    monkeypatch.setattr("workflow.documents.text_search.PG_CANDIDATE_PAGES", 100)
    page = page_text(client.get("/documents/recherche?q=contrat"))
    assert "5 documents trouvés pour « contrat »." in page and "(et 1 autre page)" in page, page


def test_extractions_lost_by_redis_are_queued_again(client, access_request):
    from workflow.jobs.documents import requeue_pending

    upload(client, access_request, [("contrat.pdf", CONTRACT)])
    assert requeue_pending(timedelta(0)) == 0  # its job is in Redis
    queue().connection.flushdb()  # Redis forgets everything
    assert requeue_pending(timedelta(hours=1)) == 0  # too recent to be called lost
    assert requeue_pending(timedelta(0)) == 1
    run_worker()
    assert db.session.scalar(select(Document.text_status)) == "done"


@pytest.mark.parametrize("files", [1, 2])
def test_filing_without_redis_keeps_the_documents_and_says_the_text_comes_later(app, client, access_request, files):
    from workflow.jobs.documents import requeue_pending

    with pytest.MonkeyPatch.context() as redis_down:
        redis_down.setitem(app.config, "REDIS_URL", "redis://127.0.0.1:1/0")  # nothing listens there
        redis_down.setitem(app.extensions, "lanterne_redis", None)
        sent = [(f"piece-{number}.txt", f"Pièce {number} du marché".encode()) for number in range(files)]
        text_shown = page_text(upload(client, access_request, sent))
        assert "La file des tâches est indisponible : le texte sera extrait plus tard." in text_shown, text_shown
        assert count(Document) == files
    # Redis is back: the sweep queues what waited.
    assert requeue_pending(timedelta(0)) == files
    run_worker()
    assert set(db.session.scalars(select(Document.text_status))) == {"done"}


def test_postgresql_search_uses_its_index(app):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("PostgreSQL only")
    from workflow.documents.text_search import PG_VECTOR, pg_folded, pg_queries

    query = select(DocumentPage.id).where(PG_VECTOR.op("@@")(pg_queries(["contrats", "caméra"])[0]))
    db.session.execute(text("SET LOCAL enable_seqscan = off"))
    plan = "\n".join(row[0] for row in db.session.execute(text("EXPLAIN " + str(query.compile(
        dialect=db.engine.dialect, compile_kwargs={"literal_binds": True})))))
    db.session.rollback()
    assert "document_search_fts" in plan, plan
    folded = db.session.scalar(select(pg_folded(func.cast("Œuvre Éclairée à Noël ÿ", db.Text))))
    assert folded == "OEuvre Eclairee a Noel y"
