"""The dossier export (a request, a campaign) and the documents API: what a user attaches
to a CADA referral or a court application, with a manifest whose hashes match the bytes."""
import csv
import hashlib
import io
import json
import zipfile
from datetime import date

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from tests.documents.helpers import CONTRACT, make_request, upload
from tests.documents.samples import make_eml, make_pdf, make_zip
from tests.helpers import PASSWORD, page_text, run_worker
from workflow.accounts import users as accounts
from workflow.letters import request_letters
from workflow.core.extensions import db
from workflow.models import Document, JobRun


@pytest.fixture(autouse=True)
def frozen_today(monkeypatch):
    monkeypatch.setattr("workflow.core.clock.today", lambda: date(2026, 3, 1))


@pytest.fixture
def headers(alice):
    return {"Authorization": f"Bearer {accounts.issue_token(alice)}"}


def open_dossier(data: bytes):
    bundle = zipfile.ZipFile(io.BytesIO(data))
    [manifest_name] = [name for name in bundle.namelist() if name.endswith("/manifest.json")]
    manifest = json.loads(bundle.read(manifest_name))
    for entry in manifest["files"]:
        content = bundle.read(entry["path"])
        assert hashlib.sha256(content).hexdigest() == entry["sha256"], entry["path"]
        assert len(content) == entry["size"]
    assert sorted(entry["path"] for entry in manifest["files"]) == sorted(
        name for name in bundle.namelist() if name != manifest_name)
    return bundle, manifest


def test_a_request_dossier_holds_letters_documents_and_chronology(client, alice):
    access_request = make_request(alice)
    request_letters.freeze(access_request, "request", date(2026, 1, 9), alice)
    upload(client, access_request, [("acte.pdf", CONTRACT)], item_ids=[str(access_request.items[0].id)], outcome="redacted",
           received_on="2026-02-20", came_by="post")
    upload(client, access_request, [("=HYPERLINK(x).pdf", make_pdf(["Piège"]))])
    upload(client, access_request, [("reponse.eml", make_eml("Ci-joint", attachments=[("cctp.pdf", make_pdf(["CCTP"]))]))])

    response = client.post(f"/documents/demandes/{access_request.id}/dossier")
    assert response.status_code == 200 and response.mimetype == "application/zip"
    assert f"dossier-{access_request.reference}.zip" in response.headers["Content-Disposition"]
    bundle, manifest = open_dossier(response.data)
    root = f"dossier-{access_request.reference}/{access_request.reference}/"
    by_path = {entry["path"]: entry for entry in manifest["files"]}
    letter = by_path[f"{root}courriers/{access_request.reference}-request-v1.pdf"]
    assert letter["role"] == "letter" and letter["sha256"] == request_letters.frozen_versions(access_request, "request")[0].pdf_sha256
    documents = {document.filename: document for document in db.session.scalars(select(Document))}
    acte = by_path[f"{root}documents/{documents['acte.pdf'].id:04d}-acte.pdf"]
    assert acte["sha256"] == hashlib.sha256(CONTRACT).hexdigest()
    assert acte["items"] == [{"item": access_request.items[0].id, "outcome": "redacted"}]
    cctp = by_path[f"{root}documents/{documents['cctp.pdf'].id:04d}-cctp.pdf"]
    assert cctp["container"] == f"{root}documents/{documents['reponse.eml'].id:04d}-reponse.eml"
    assert manifest["scope"] == {"kind": "request", "reference": access_request.reference, "subject": "Vidéoprotection"}

    rows = list(csv.reader(io.StringIO(bundle.read(f"{root}chronologie.csv").decode("utf-8-sig")), delimiter=";"))
    assert rows[0] == ["date", "nature", "intitulé", "détails", "fichier"]
    flat = [";".join(row) for row in rows]
    assert any(row.startswith("2026-01-09;Événement;Envoi de la demande") for row in flat), flat
    assert any(row.startswith("2026-01-09;Courrier envoyé;") and row.endswith("-request-v1.pdf") for row in flat)
    assert any(row.startswith("2026-02-20;Document reçu;acte.pdf;Courrier postal") and "obtenu partiellement" in row
               for row in flat), flat
    assert any(row.startswith("2026-03-01;Document reçu;'=HYPERLINK") for row in flat), flat  # a formula stays text
    assert not any(cell.startswith(("=", "+", "-", "@")) for row in rows for cell in row)
    pdf = PdfReader(io.BytesIO(bundle.read(f"{root}chronologie.pdf")))
    chronology = " ".join(page.extract_text() for page in pdf.pages)
    assert f"Chronologie de la demande {access_request.reference}" in chronology and "acte.pdf" in chronology


def test_a_campaign_dossier_is_a_job_with_visible_progress(client, alice):
    requests = make_request(alice, "Ville de Metz", campaign_with=("Metz Métropole",))
    upload(client, requests[0], [("acte.pdf", CONTRACT)])
    upload(client, requests[1], [("annexes.zip", make_zip({"a.pdf": make_pdf(["Annexe"])}))])
    campaign_id = requests[0].campaign_id
    assert "Exporter le dossier de la campagne (ZIP)" in page_text(client.get(f"/campagnes/{campaign_id}"))
    response = client.post(f"/documents/campagnes/{campaign_id}/dossier")
    assert response.status_code == 303
    waiting = client.get(response.headers["Location"])
    assert "En attente d'un worker" in page_text(waiting)
    assert '<meta http-equiv="refresh"' in waiting.get_data(as_text=True)

    run_worker()
    run = db.session.scalar(select(JobRun).where(JobRun.kind == "campaign_export"))
    assert run.status == "done" and run.done == run.total > 0
    page = client.get(response.headers["Location"])
    assert "Le dossier est prêt" in page_text(page) and '<meta http-equiv="refresh"' not in page.get_data(as_text=True)
    archive = client.get(f"/documents/dossiers/{run.id}/resultat")
    bundle, manifest = open_dossier(archive.data)
    assert {entry["request"] for entry in manifest["files"]} == {access_request.reference for access_request in requests}
    assert sum(1 for entry in manifest["files"] if entry["role"] == "document") == 3  # the ZIP and its file

    from workflow.jobs.documents import export_dossier

    assert export_dossier(run.id) == run.result_sha256  # run twice: done once


def test_a_large_request_dossier_runs_as_a_job(app, client, client_for, alice, monkeypatch):
    access_request = make_request(alice)
    upload(client, access_request, [("acte.pdf", CONTRACT)])
    monkeypatch.setitem(app.config, "DOCUMENT_EXPORT_INLINE_BYTES", 1000)
    response = client.post(f"/documents/demandes/{access_request.id}/dossier")
    assert response.status_code == 303
    run_worker()
    run = db.session.scalar(select(JobRun))
    assert (run.kind, run.status, run.error) == ("request_export", "done", "")
    open_dossier(client.get(f"/documents/dossiers/{run.id}/resultat").data)
    accounts.create_user("bob@example.org", PASSWORD)
    as_bob = client_for("bob@example.org")
    assert as_bob.get(f"/documents/dossiers/{run.id}").status_code == 404
    assert as_bob.get(f"/documents/dossiers/{run.id}/resultat").status_code == 404


def test_the_api_files_reads_searches_and_exports(client, alice, headers):
    access_request = make_request(alice)
    files = [(io.BytesIO(CONTRACT), "contrat.pdf"),
             (io.BytesIO(make_eml("Ci-joint", attachments=[("annexe.pdf", make_pdf(["Annexe tarifaire"]))])), "r.eml")]
    response = client.post(f"/api/v1/requests/{access_request.id}/documents", headers=headers, content_type="multipart/form-data",
                           data={"files": files, "item_ids": [str(access_request.items[1].id)], "outcome": "complete",
                                 "came_by": "email"})
    assert response.status_code == 201, response.json
    filed = response.json["documents"]
    assert [(d["filename"], d["media_type"], d["pages"]) for d in filed] == [
        ("contrat.pdf", "application/pdf", 2), ("r.eml", "message/rfc822", None), ("annexe.pdf", "application/pdf", 1)]
    assert filed[0]["sha256"] == hashlib.sha256(CONTRACT).hexdigest() and all(isinstance(d["id"], int) for d in filed)
    assert filed[2]["parent_id"] == filed[1]["id"]

    again = client.post(f"/api/v1/requests/{access_request.id}/documents", headers=headers, content_type="multipart/form-data",
                        data={"files": [(io.BytesIO(CONTRACT), "copie.pdf")]})
    assert again.status_code == 201 and again.json["documents"][0]["duplicate"] is True
    assert again.json["documents"][0]["id"] == filed[0]["id"]

    run_worker()
    document = client.get(f"/api/v1/documents/{filed[0]['id']}", headers=headers).json
    assert document["text_status"] == "done" and document["items"][0]["outcome"] == "complete"
    content = client.get(f"/api/v1/documents/{filed[0]['id']}/file", headers=headers)
    assert content.data == CONTRACT and content.headers["Content-Disposition"].startswith("attachment")

    results = client.get("/api/v1/search", query_string={"q": "tarifaires annexes"}, headers=headers).json
    assert results["total"] == 1
    [hit] = results["results"]
    assert hit["request"]["reference"] == access_request.reference and hit["document"]["filename"] == "annexe.pdf"
    assert hit["page"] == 1 and "<mark>Annexe</mark> <mark>tarifaire</mark>" in hit["excerpt_html"]

    export = client.get(f"/api/v1/requests/{access_request.id}/export.zip", headers=headers)
    assert export.status_code == 200
    _bundle, manifest = open_dossier(export.data)
    assert sum(1 for entry in manifest["files"] if entry["role"] == "document") == 3

    spec = client.get("/api/v1/openapi.json").json
    for path in ("/requests/{request_id}/documents", "/documents/{document_id}", "/documents/{document_id}/file",
                 "/search", "/requests/{request_id}/export.zip"):
        assert path in spec["paths"]


def test_the_api_refuses_bad_files_with_a_message(client, alice, headers):
    access_request = make_request(alice)
    response = client.post(f"/api/v1/requests/{access_request.id}/documents", headers=headers, content_type="multipart/form-data",
                           data={"files": [(io.BytesIO(CONTRACT), "ok.pdf"),
                                           (io.BytesIO(make_zip({"../evil.sh": b"x"})), "evil.zip")]})
    assert response.status_code == 422
    assert "chemin dangereux" in response.json["error"]["message"]
    assert "Rien de cet envoi n'a été enregistré." in response.json["error"]["message"]
    assert db.session.scalar(select(Document.id)) is None
    empty = client.post(f"/api/v1/requests/{access_request.id}/documents", headers=headers, content_type="multipart/form-data",
                        data={})
    assert empty.status_code == 400 and "files" in empty.json["error"]["message"]
    bad_date = client.post(f"/api/v1/requests/{access_request.id}/documents", headers=headers, content_type="multipart/form-data",
                           data={"files": [(io.BytesIO(CONTRACT), "ok.pdf")], "received_on": "hier"})
    assert bad_date.status_code == 422 and "received_on" in bad_date.json["error"]["fields"]
