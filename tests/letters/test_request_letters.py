"""Letters of a request, end to end: drafted from the form, rendered from the database
and the deadline engine, downloaded, frozen when sent."""
import hashlib
import io
from datetime import date, datetime, timezone
from types import SimpleNamespace

import pytest
from docx import Document as DocxDocument
from pypdf import PdfReader
from sqlalchemy import func, select

from tests.helpers import PASSWORD, page_text
from workflow.accounts import users as accounts
from workflow.directory.authorities import seed_authorities
from workflow.core.extensions import db
from workflow.models import Authority, Event, Letter, AccessRequest, RequesterIdentity
from workflow.core.storage import file_store
from workflow.letters import request_letters

TODAY = date(2026, 3, 1)


@pytest.fixture(autouse=True)
def frozen_today(monkeypatch):
    monkeypatch.setattr("workflow.core.clock.today", lambda: TODAY)


@pytest.fixture
def newcomer(client, make_user):
    user = make_user("alice@example.org")
    client.post("/connexion", data={"email": "alice@example.org", "password": PASSWORD})
    return user


@pytest.fixture
def access_request(client, newcomer):
    """The newcomer's journey: an identity, then a request to the city from the library."""
    seed_authorities()
    client.post("/compte/identites/nouvelle", data={
        "kind": "association", "name": "Technopolice Metz", "rna_number": "W573012345",
        "representative": "Jeanne Martin", "representative_role": "présidente",
        "address": "12 rue des Jardins\n57000 Metz", "email": "contact@technopolice-metz.example", "organisation_id": ""})
    identity = db.session.scalar(select(RequesterIdentity))
    metz = db.session.scalar(select(Authority).where(Authority.slug == "ville-de-metz"))
    response = client.post("/demandes/nouvelle", data={
        "authority_ids": [str(metz.id)], "subject": "Marchés publics de vidéoprotection de la ville de Metz",
        "items": "Acte d'engagement du marché de vidéoprotection urbaine\nCahier des clauses techniques particulières (CCTP)",
        "requester_id": str(identity.id), "channel": "postal", "access_format": "email", "organisation_id": ""})
    assert response.status_code == 302
    return db.session.scalar(select(AccessRequest))


def pdf_text(content: bytes) -> str:
    reader = PdfReader(io.BytesIO(content))
    return " ".join(" ".join((page.extract_text() or "").split()) for page in reader.pages)


def docx_text(content: bytes) -> str:
    document = DocxDocument(io.BytesIO(content))
    return " ".join(paragraph.text for paragraph in document.paragraphs)


def test_the_request_letter_as_pdf_docx_and_text(client, access_request):
    pdf = client.get(f"/demandes/{access_request.id}/courriers/request.pdf")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    assert pdf.data.startswith(b"%PDF")
    assert f"{access_request.reference}" in pdf.headers["Content-Disposition"]
    text = pdf_text(pdf.data)
    for expected in ("Ville de Metz", "1 place d'Armes", "57036 Metz Cedex 1", "Technopolice Metz", "W573012345",
                     "Jeanne Martin", "Acte d'engagement du marché de vidéoprotection urbaine",
                     "Cahier des clauses techniques particulières (CCTP)", "L311-1", "R112-5", "L311-7",
                     "1er mars 2026", "Lettre recommandée avec demande d'avis de réception"):
        assert expected in text, expected

    docx = client.get(f"/demandes/{access_request.id}/courriers/request.docx")
    assert docx.status_code == 200
    text = docx_text(docx.data)
    for expected in ("Ville de Metz", "Acte d'engagement du marché de vidéoprotection urbaine", "L311-1", "Jeanne Martin"):
        assert expected in text, expected

    plain = client.get(f"/demandes/{access_request.id}/courriers/request.txt").get_data(as_text=True)
    assert plain.startswith("Objet : ")
    assert access_request.reference in plain.splitlines()[0]
    assert "1. Acte d'engagement du marché de vidéoprotection urbaine" in plain


def test_letters_whose_step_is_not_reached_say_why(client, access_request):
    for kind in ("reminder", "cada_referral", "after_opinion", "recours_gracieux", "court_application"):
        response = client.get(f"/demandes/{access_request.id}/courriers/{kind}.pdf")
        assert response.status_code == 409, kind
        assert "ne peut pas encore être préparé" in page_text(response) or "Il manque" in page_text(response)
    page = page_text(client.get(f"/demandes/{access_request.id}/courriers/"))
    assert "Demande de communication" in page and "Il manque" in page


def test_the_preview_can_run_and_fetch_nothing(client, access_request):
    response = client.get(f"/demandes/{access_request.id}/courriers/request.html")
    assert response.status_code == 200
    assert response.headers["Content-Security-Policy"].startswith("default-src 'none'")
    assert "Marchés publics de vidéoprotection" in response.get_data(as_text=True)


def test_marking_the_request_as_sent_freezes_it_and_starts_the_clock(client, access_request):
    response = client.post(f"/demandes/{access_request.id}/courriers/request/envoye", data={"sent_on": "2026-01-09"})
    assert response.status_code == 302
    letter = db.session.scalar(select(Letter))
    assert (letter.kind, letter.version) == ("request", 1)
    frozen = client.get(f"/demandes/{access_request.id}/courriers/request.pdf?version=1").data
    assert hashlib.sha256(frozen).hexdigest() == letter.pdf_sha256
    assert file_store().read(letter.pdf_sha256) == frozen
    assert "9 janvier 2026" in pdf_text(frozen)
    sent = db.session.scalar(select(Event))
    assert (sent.type, sent.occurred_on, sent.data["channel"]) == ("sent", date(2026, 1, 9), "postal")

    # Changing the directory later does not touch what was sent.
    metz = access_request.authority
    metz.address_lines = "Autre adresse"
    db.session.commit()
    assert client.get(f"/demandes/{access_request.id}/courriers/request.pdf?version=1").data == frozen
    assert client.get(f"/demandes/{access_request.id}/courriers/request.pdf").data == frozen  # by default, what was sent
    draft = client.get(f"/demandes/{access_request.id}/courriers/request.pdf?brouillon=1").data
    assert "Autre adresse" in pdf_text(draft)
    text = page_text(client.get(f"/demandes/{access_request.id}/courriers/request"))
    assert letter.pdf_sha256 in text and "Versions envoyées" in text
    # The day it was sent, not the day it was frozen (1 March 2026 here).
    assert "Envoyé le 9 janvier 2026 (version 1)" in text and "PDF envoyé le 9 janvier 2026" in text
    assert "1er mars 2026" not in text

    # A new version can be sent; the first stays as it was.
    client.post(f"/demandes/{access_request.id}/courriers/request/envoye", data={"sent_on": "2026-01-10"})
    assert [row.version for row in db.session.scalars(select(Letter).order_by(Letter.version))] == [1, 2]
    assert client.get(f"/demandes/{access_request.id}/courriers/request.pdf?version=1").data == frozen
    assert db.session.scalar(select(Event.id).where(Event.id != sent.id)) is None  # still one sending


def test_the_reminder_and_the_cada_referral_carry_the_engines_dates(client, access_request):
    client.post(f"/demandes/{access_request.id}/evenements", data={"type": "sent", "occurred_on": "2026-01-09"})
    client.post(f"/demandes/{access_request.id}/evenements", data={"type": "received", "occurred_on": "2026-01-12"})
    reminder = pdf_text(client.get(f"/demandes/{access_request.id}/courriers/reminder.pdf").data)
    assert "9 janvier 2026" in reminder and "12 février 2026" in reminder
    referral = client.get(f"/demandes/{access_request.id}/courriers/cada_referral.pdf")
    assert referral.status_code == 200
    text = pdf_text(referral.data)
    assert "TSA 50730" in text and "12 février 2026" in text
    assert "Acte d'engagement du marché de vidéoprotection urbaine" in text


def test_the_api_serves_letters(client, access_request, newcomer):
    headers = {"Authorization": f"Bearer {accounts.issue_token(newcomer)}"}
    response = client.get(f"/api/v1/requests/{access_request.id}/letters/request.pdf", headers=headers)
    assert response.status_code == 200 and response.data.startswith(b"%PDF")
    response = client.get(f"/api/v1/requests/{access_request.id}/letters/request.docx", headers=headers)
    assert response.status_code == 200 and "Ville de Metz" in docx_text(response.data)
    response = client.get(f"/api/v1/requests/{access_request.id}/letters/court_application.pdf", headers=headers)
    assert response.status_code == 409
    assert response.json["error"]["message"]
    response = client.get(f"/api/v1/requests/{access_request.id}/letters/love_letter.pdf", headers=headers)
    assert response.status_code == 404


def test_letters_are_private(client, access_request, make_user):
    make_user("bob@example.org")
    client.post("/deconnexion")
    client.post("/connexion", data={"email": "bob@example.org", "password": PASSWORD})
    assert client.get(f"/demandes/{access_request.id}/courriers/request.pdf").status_code == 404
    assert client.get(f"/demandes/{access_request.id}/courriers/request.html").status_code == 404
    assert client.post(f"/demandes/{access_request.id}/courriers/request/envoye", data={"sent_on": "2026-01-09"}).status_code == 404


def campaign_of(client, slugs, channel="email"):
    """A campaign from the form: the same request to each authority; {slug: request}."""
    ids = [str(db.session.scalar(select(Authority.id).where(Authority.slug == slug))) for slug in slugs]
    identity = db.session.scalar(select(RequesterIdentity))
    client.post("/demandes/nouvelle", data={
        "authority_ids": ids, "subject": "Vidéoprotection", "items": "Marchés de vidéoprotection",
        "requester_id": str(identity.id), "channel": channel, "access_format": "email", "organisation_id": ""})
    requests = {r.authority.slug: r for r in db.session.scalars(select(AccessRequest).where(AccessRequest.campaign_id.is_not(None)))}
    assert set(requests) == set(slugs)
    return requests


def record(client, access_request, type_, occurred_on, **data):
    response = client.post(f"/demandes/{access_request.id}/evenements", data={"type": type_, "occurred_on": occurred_on, **data})
    assert response.status_code == 302, page_text(response)


def letter_text(client, access_request, kind):
    response = client.get(f"/demandes/{access_request.id}/courriers/{kind}.txt")
    assert response.status_code == 200, response.get_data(as_text=True)
    return " ".join(response.get_data(as_text=True).replace("\u00a0", " ").split())


def test_below_the_series_threshold_each_refusal_has_its_referral_and_the_others_are_facts(client, access_request):
    """Three requests sent (a fourth still a draft): no series (CRPA L342-1, threshold in
    workflow/law/series.py). The referral is of Metz's refusal only, and lists the other
    requests sent as facts; the Préfecture's refusal gets its own referral."""
    slugs = ["ville-de-metz", "prefecture-moselle", "metz-metropole", "departement-moselle"]
    requests = campaign_of(client, slugs)
    for slug in slugs[:3]:
        record(client, requests[slug], "sent", "2026-01-09")
        record(client, requests[slug], "received", "2026-01-12")
    record(client, requests["metz-metropole"], "refused", "2026-02-03")

    main = requests["ville-de-metz"]
    text = letter_text(client, main, "cada_referral")
    assert "Administration concernée : Ville de Metz" in text
    assert "série" not in text
    assert ("Pour votre information, la même demande a été adressée à d'autres administrations ; la présente saisine "
            "ne porte que sur le refus opposé par l'administration (Ville de Metz).") in text
    prefecture, metropole = requests["prefecture-moselle"], requests["metz-metropole"]
    assert (f"1. {prefecture.authority.name} : demande du 9 janvier 2026 (réf. {prefecture.reference}), "
            "refus implicite né le 12 février 2026") in text
    assert (f"2. {metropole.authority.name} : demande du 9 janvier 2026 (réf. {metropole.reference}), "
            "refus explicite du 3 février 2026") in text
    assert requests["departement-moselle"].reference not in text  # never sent: not a request addressed
    assert "Pour chacune des autres demandes" not in text
    assert "refus implicite né le 12 février 2026" in letter_text(client, prefecture, "cada_referral")
    # No series: no notice, and the campaign page says why.
    response = client.get(f"/demandes/{prefecture.id}/courriers/cada_series_notice")
    assert response.status_code == 409
    assert "cette demande n'en fait pas partie" in page_text(response)
    page = page_text(client.get(f"/campagnes/{main.campaign_id}"))
    assert "3 demandes envoyées, chacune à une administration différente." in page
    assert ("En dessous de 5 demandes, ce n'est pas une série : chaque refus fait l'objet de sa propre saisine de la "
            "CADA") in page
    assert "Lanterne n'a pas pu vérifier ce nombre dans le texte officiel" in page


def test_a_series_has_one_referral_naming_it_and_a_notice_to_each_other_administration(client, access_request):
    slugs = ["ville-de-metz", "prefecture-moselle", "metz-metropole", "departement-moselle", "region-grand-est"]
    requests = campaign_of(client, slugs)
    for slug in slugs[:4]:
        record(client, requests[slug], "sent", "2026-01-09")
        record(client, requests[slug], "received", "2026-01-12")
    record(client, requests["metz-metropole"], "refused", "2026-02-03")
    region = requests["region-grand-est"]
    record(client, region, "sent", "2026-02-10")
    record(client, region, "received", "2026-02-12")  # its implicit refusal is born on 12 March
    main, prefecture = requests["ville-de-metz"], requests["prefecture-moselle"]
    campaign_page = f"/campagnes/{main.campaign_id}"
    page = page_text(client.get(campaign_page))
    assert "5 demandes envoyées, chacune à une administration différente. Elles forment une série" in page
    assert "décret n° 2022-1335 du 19 octobre 2022 (article R343-3-1 du CRPA)" in page
    assert "Aucune saisine de la CADA n'est encore enregistrée." in page
    assert page_text(client.get(f"/demandes/{prefecture.id}/courriers/cada_series_notice")).count(
        "une fois la saisine de la CADA enregistrée") == 1

    text = letter_text(client, main, "cada_referral")
    assert "refus de communication (Ville de Metz) – série de 5 demandes" in text
    assert "voici les 5 demandes de la série" in text
    assert (f"1. Ville de Metz : demande du 9 janvier 2026 (réf. {main.reference}), refus implicite né le "
            "12 février 2026 (refus objet de la présente saisine)") in text
    metropole = requests["metz-metropole"]
    assert (f"{metropole.authority.name} : demande du 9 janvier 2026 (réf. {metropole.reference}), "
            "refus explicite du 3 février 2026") in text
    assert (f"{region.authority.name} : demande du 10 février 2026 (réf. {region.reference}), "
            "pas de refus à ce jour (en attente de réponse)") in text
    assert "J'informe de la présente saisine chacune des autres administrations de la série." in text

    response = client.post(f"/demandes/{main.id}/courriers/cada_referral/envoye", data={"sent_on": "2026-02-20"})
    assert response.status_code == 302
    # One referral for the series: the Préfecture's refusal is not referred again.
    response = client.get(f"/demandes/{prefecture.id}/courriers/cada_referral")
    assert response.status_code == 409
    assert (f"la CADA, qui ne peut être saisie que d'un refus pour toute la série, l'a été le 20 février 2026 "
            f"(demande {main.reference}, Ville de Metz)") in page_text(response)

    # The notice, from the Préfecture's request page.
    request_page = page_text(client.get(f"/demandes/{prefecture.id}"))
    assert (f"la CADA a été saisie le 20 février 2026 depuis la demande {main.reference} (Ville de Metz), pour toute "
            "la série. Informez-en l'administration : Information de la saisine de la CADA — pas encore envoyée.") in request_page
    notice = letter_text(client, prefecture, "cada_series_notice")
    assert f"une demande du 9 janvier 2026 (réf. {prefecture.reference}), reçue par vos services le 12 janvier 2026" in notice
    assert "une décision implicite de refus est née le 12 février 2026" in notice
    assert "elle fait partie d'une série de 5 demandes ayant le même objet" in notice
    assert (f"je vous informe que j'ai saisi la CADA, le 20 février 2026, du refus opposé par Ville de Metz à la "
            f"demande de la série qui lui était adressée (réf. {main.reference})") in notice
    assert "À ce jour, cette demande n'a fait l'objet d'aucune décision de refus." in letter_text(
        client, region, "cada_series_notice")
    assert client.get(f"/demandes/{main.id}/courriers/cada_series_notice").status_code == 409
    assert client.get(f"/demandes/{prefecture.id}/courriers/cada_series_notice.pdf").status_code == 200
    assert client.get(f"/demandes/{prefecture.id}/courriers/cada_series_notice.docx").status_code == 200

    # Recorded when sent: a frozen letter with its day, no event of the chain.
    events_before = db.session.scalar(select(func.count(Event.id)).where(Event.request_id == prefecture.id))
    response = client.post(f"/demandes/{prefecture.id}/courriers/cada_series_notice/envoye", data={"sent_on": "2026-02-21"})
    assert response.status_code == 302
    letter = db.session.scalar(select(Letter).where(Letter.request_id == prefecture.id, Letter.kind == "cada_series_notice"))
    assert letter.sent_on == date(2026, 2, 21) and letter.pdf_sha256
    assert db.session.scalar(select(func.count(Event.id)).where(Event.request_id == prefecture.id)) == events_before
    assert "Information de la saisine de la CADA — envoyée le 21 février 2026." in page_text(client.get(f"/demandes/{prefecture.id}"))
    page = page_text(client.get(campaign_page))
    assert f"Saisine de la CADA enregistrée le 20 février 2026, sur la demande {main.reference} (Ville de Metz)." in page
    assert f"{prefecture.authority.name} {prefecture.reference} envoyée le 21 février 2026" in page
    assert f"{region.authority.name} {region.reference} à envoyer" in page
    assert page.count("à envoyer") == 3  # Metz Métropole, the Département, the Région
    assert "La saisine de la CADA de cette demande vaut pour toute la série de 5 demandes" in page_text(
        client.get(f"/demandes/{main.id}"))


def test_the_series_referral_covers_the_other_requests_deadlines(client, access_request, monkeypatch):
    """Once the series' one referral is recorded (L342-1), no other request of the series is
    told to refer to the CADA: its referral deadline is met by the series' referral, and
    its later dates count from the series' registration."""
    monkeypatch.setattr("workflow.core.clock.today", lambda: date(2026, 3, 15))
    slugs = ["ville-de-metz", "prefecture-moselle", "metz-metropole", "departement-moselle", "region-grand-est"]
    requests = campaign_of(client, slugs)
    for slug in slugs:
        record(client, requests[slug], "sent", "2026-01-09")
    main, prefecture = requests["ville-de-metz"], requests["prefecture-moselle"]
    assert "Prochaine échéance : Saisir la CADA" in page_text(client.get(f"/demandes/{prefecture.id}"))
    record(client, main, "cada_referred", "2026-02-20")
    record(client, main, "cada_registered", "2026-02-25", case_number="20261111")
    page = page_text(client.get(f"/demandes/{prefecture.id}"))
    assert "Saisine enregistrée par la CADA" in page
    assert (f"Saisir la CADA respecté CADA saisie le 20 février 2026 pour toute la série de demandes ayant le même "
            f"objet, par la demande {main.reference} (CRPA, art. L342-1).") in page
    assert "Prochaine échéance : Avis de la CADA attendu , le 25 mars 2026" in page
    assert "Naissance du refus confirmé à venir" in page and "25 avril 2026" in page
    # Its history keeps only its own events.
    assert db.session.scalar(select(func.count(Event.id)).where(Event.request_id == prefecture.id)) == 1


def test_the_court_comes_from_the_cja_table_not_the_department(client, access_request):
    from workflow.letters import request_letters
    from workflow.letters.rendering import LetterNotReady

    # Moselle: the seeded Tribunal administratif de Strasbourg, in another department.
    assert request_letters._court(access_request).name == "Tribunal administratif de Strasbourg"
    # Meurthe-et-Moselle: Nancy, named when it is not in the directory, even if another court is.
    access_request.authority.department_code = "54"
    db.session.add(Authority(name="Tribunal judiciaire de Nancy", kind="juridiction", department_code="54"))
    db.session.commit()
    with pytest.raises(LetterNotReady, match="Tribunal administratif de Nancy"):
        request_letters._court(access_request)
    db.session.add(Authority(name="Tribunal administratif de Nancy", kind="juridiction", department_code="54"))
    db.session.commit()
    assert request_letters._court(access_request).name == "Tribunal administratif de Nancy"
    access_request.authority.department_code = ""
    with pytest.raises(LetterNotReady, match="département"):
        request_letters._court(access_request)


# ------------------------------------------------------------------ once sent (frozen)
# Downloads give the frozen version by default; the pages show the day it was sent (the
# legal date: its event's, as corrected, in Paris time), never the moment it was frozen.


def test_a_corrected_sending_date_is_the_one_shown(client, access_request):
    client.post(f"/demandes/{access_request.id}/courriers/request/envoye", data={"sent_on": "2026-01-09"})
    sent = db.session.scalar(select(Event))
    response = client.post(f"/demandes/{access_request.id}/evenements/{sent.id}/corriger",
                           data={"occurred_on": "2026-01-08", "note": "Le récépissé de La Poste dit le 8."})
    assert response.status_code == 302
    page = page_text(client.get(f"/demandes/{access_request.id}/courriers/request"))
    assert "Envoyé le 8 janvier 2026 (version 1)" in page
    index = page_text(client.get(f"/demandes/{access_request.id}/courriers/"))
    assert "Envoyé le 8 janvier 2026 : PDF · DOCX · texte (version envoyée, figée)" in index


def test_a_letter_without_event_shows_the_day_the_user_gave(client, access_request):
    client.post(f"/demandes/{access_request.id}/courriers/request/envoye", data={"sent_on": "2026-01-09"})
    client.post(f"/demandes/{access_request.id}/evenements", data={"type": "received", "occurred_on": "2026-01-12"})
    client.post(f"/demandes/{access_request.id}/courriers/reminder/envoye", data={"sent_on": "2026-02-20"})
    letter = db.session.scalar(select(Letter).where(Letter.kind == "reminder"))
    assert letter.sent_on == date(2026, 2, 20)
    page = page_text(client.get(f"/demandes/{access_request.id}/courriers/reminder"))
    assert "Envoyé le 20 février 2026 (version 1)" in page
    frozen = client.get(f"/demandes/{access_request.id}/courriers/reminder.pdf")
    assert frozen.data == file_store().read(letter.pdf_sha256)
    assert "Metz, le 20 février 2026" in pdf_text(frozen.data)


def test_an_emailed_letter_is_dated_in_paris(client, access_request):
    store = file_store()
    outgoing = SimpleNamespace(
        id=1, purpose="request_letter", request_id=access_request.id, message_id="<1@lanterne.example>",
        eml_sha256=store.put(b"message"), sent_at=datetime(2026, 1, 9, 23, 30, tzinfo=timezone.utc),
        payload={"kind": "request", "pdf_sha256": store.put(b"%PDF-sent"), "docx_sha256": store.put(b"docx"),
                 "text_sha256": store.put(b"Objet : sent")})
    request_letters.record_emailed_letter(outgoing)
    db.session.commit()
    # 23:30 UTC on 9 January is 00:30 on 10 January in Paris.
    assert db.session.scalar(select(Event)).occurred_on == date(2026, 1, 10)
    page = page_text(client.get(f"/demandes/{access_request.id}/courriers/request"))
    assert "Envoyé le 10 janvier 2026 (version 1)" in page and "9 janvier 2026" not in page
    assert client.get(f"/demandes/{access_request.id}/courriers/request.pdf").data == b"%PDF-sent"
    assert client.get(f"/demandes/{access_request.id}/courriers/request.txt").data == b"Objet : sent"


def test_the_court_application_page_says_how_to_file_it(client, access_request, monkeypatch):
    page = page_text(client.get(f"/demandes/{access_request.id}/courriers/court_application"))
    assert "Télérecours" not in page  # not ready (no CADA step yet): only the reason shows
    monkeypatch.setattr(request_letters, "not_ready_reason", lambda *args: "")
    page = page_text(client.get(f"/demandes/{access_request.id}/courriers/court_application"))
    assert "l'application Télérecours citoyens" in page
    assert "joignez une copie de la requête (code de justice administrative, art. R411-3)" in page
    assert "[à compléter" not in page  # the Ville de Metz is "la commune de Metz, représentée par son maire"
    police = db.session.scalar(select(Authority).where(Authority.slug == "police-nationale-moselle"))
    access_request.authority_id = police.id
    db.session.commit()
    page = page_text(client.get(f"/demandes/{access_request.id}/courriers/court_application"))
    assert ("L'annuaire ne permet pas de désigner la personne morale attaquée ni son représentant (Direction "
            "interdépartementale de la police nationale de la Moselle) : la requête porte « [à compléter …] »") in page


def test_letters_say_what_a_partial_answer_communicated(client, access_request):
    """A partial communication refusing the rest is not a refusal of every document: the
    referral and the court application say what it communicated and what it refused."""
    record(client, access_request, "sent", "2026-01-09")
    record(client, access_request, "received", "2026-01-12")
    record(client, access_request, "partially_answered", "2026-01-20", refuses_rest="y",
           partial_redactions="public_security", partial_appeal_routes_stated="y")
    referral = letter_text(client, access_request, "cada_referral")
    assert ("Par une décision du 20 janvier 2026, l'administration ne m'a communiqué qu'une partie de ces documents, "
            "en occultant certaines de leurs mentions, et a refusé de communiquer les autres.") in referral
    assert "l'administration a refusé de communiquer ces documents" not in referral


def test_letters_say_a_redacted_communication_communicated_the_documents(client, access_request):
    record(client, access_request, "sent", "2026-01-09")
    record(client, access_request, "received", "2026-01-12")
    record(client, access_request, "answered", "2026-01-20", redactions="business_secrecy")
    referral = letter_text(client, access_request, "cada_referral")
    assert ("Par une décision du 20 janvier 2026, l'administration m'a communiqué ces documents en occultant certaines "
            "de leurs mentions.") in referral
