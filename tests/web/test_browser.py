"""The newcomer's journeys in a real headless Chromium (Debian's package, driven by
Playwright), against a live server on loopback. Screenshots of each step are kept
under test-artifacts/browser/."""
import io
import os
import re
import shutil
import threading
from datetime import date
from pathlib import Path

import pytest
from pypdf import PdfReader
from werkzeug.serving import make_server

from tests.helpers import run_worker

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "browser"

# On a developer's machine without Chromium these tests are skipped; CI requires them.
pytestmark = pytest.mark.skipif(CHROMIUM is None and not os.environ.get("LANTERNE_REQUIRE_BROWSER"),
                                reason="Chromium absent : installez le paquet Debian « chromium » (.ci/run le fait)")


@pytest.fixture
def live_server(app, monkeypatch):
    from workflow.directory.authorities import seed_authorities

    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)  # the real forms, tokens included
    seed_authorities()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(5)


@pytest.fixture
def page(live_server, request):
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=[
            "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
            "--disable-sync", "--no-first-run"])
        context = browser.new_context(accept_downloads=True, locale="fr-FR", viewport={"width": 1200, "height": 900})
        page = context.new_page()
        page.set_default_timeout(15000)
        page.base = live_server
        page.shots = []

        def shot(name):
            path = ARTIFACTS / f"{request.node.name}-{len(page.shots) + 1:02d}-{name}.png"
            page.screenshot(path=str(path), full_page=True)
            page.shots.append(path)

        page.shot = shot
        yield page
        context.close()
        browser.close()


def sign_up_and_draft(page, channel="postal"):
    page.goto(page.base + "/")
    page.shot("connexion")
    page.get_by_role("link", name="Créer un compte").click()
    page.get_by_label("Nom ou pseudonyme").fill("Collectif Metz")
    page.get_by_label("Adresse électronique").fill("collectif@example.org")
    page.get_by_label("Mot de passe", exact=True).fill("motdepasse-solide")
    page.get_by_label("Confirmation du mot de passe").fill("motdepasse-solide")
    page.get_by_role("button", name="Créer mon compte").click()
    page.get_by_text("Votre compte est créé").wait_for()
    page.shot("tableau-de-bord")

    page.get_by_role("link", name="Bibliothèque de demandes").first.click()
    page.get_by_role("link", name=re.compile("Utiliser ce modèle : Marchés publics de vidéoprotection de la Ville de Metz")).click()
    page.get_by_role("link", name="Créer une identité de demandeur").click()
    page.get_by_label("Nom et prénom, ou nom de l'association").fill("Alice Martin")
    page.get_by_label("Adresse postale").fill("12 rue des Jardins\n57000 Metz")
    page.get_by_label("Adresse électronique").fill("alice@example.org")
    page.get_by_role("button", name="Enregistrer").click()
    page.get_by_text("Modèle utilisé").wait_for()
    page.get_by_label(re.compile(r"^Metz Métropole")).uncheck()  # only the city this time
    page.get_by_label("Mode d'envoi").select_option(channel)
    page.shot("brouillon")
    page.get_by_role("button", name="Créer le brouillon").click()
    page.get_by_text("est enregistrée comme brouillon").wait_for()
    page.shot("demande")


def test_sign_up_draft_a_request_to_the_city_and_download_its_pdf(page):
    sign_up_and_draft(page)
    assert page.get_by_role("heading", level=1).inner_text() == "Marchés publics de vidéoprotection de la Ville de Metz"
    page.get_by_role("link", name="Envoyer la demande").click()
    page.get_by_role("heading", name="Demande de communication").wait_for()
    page.shot("courrier")
    with page.expect_download() as download:
        page.get_by_role("link", name="Télécharger le PDF").click()
    pdf = Path(download.value.path()).read_bytes()
    text = " ".join((p.extract_text() or "") for p in PdfReader(io.BytesIO(pdf)).pages)
    assert "Ville de Metz" in text and "Alice Martin" in text
    assert "Lettre recommandée avec demande d'avis de réception" in " ".join(text.split())
    (ARTIFACTS / "demande.pdf").write_bytes(pdf)


def test_record_sending_and_receipt_then_read_the_deadlines(page):
    sign_up_and_draft(page)
    page.get_by_label("Événement", exact=True).select_option(label="Envoi de la demande")
    page.get_by_label("Date", exact=True).fill("2026-01-08")
    page.get_by_role("button", name="Enregistrer").last.click()
    page.get_by_text("L'événement est enregistré").wait_for()
    page.get_by_text("Réception estimée par l'administration").wait_for()
    page.shot("envoi")
    page.get_by_label("Événement", exact=True).select_option(label="Réception par l'administration")
    page.get_by_label("Date", exact=True).fill("2026-01-12")
    page.get_by_role("button", name="Enregistrer").last.click()
    page.get_by_text("L'événement est enregistré").wait_for()
    page.shot("echeances")
    timeline = page.locator(".timeline").inner_text()
    assert "Naissance du refus implicite" in timeline
    assert "Sans réponse au 12 février 2026, la demande est implicitement rejetée" in timeline
    assert "Date sûre : 12 avril 2026" in timeline and "Dernier jour légal : 13 avril 2026" in timeline
    assert "Réception estimée" not in timeline


def record_event(page, label, day, **data):
    """Record an event through the page's form: its type, its date, then its data, each
    piece in its type's fieldset by the label the user reads (a checkbox ticked for True,
    a list's option chosen by its label, a text typed)."""
    page.get_by_label("Événement", exact=True).select_option(label=label)
    page.get_by_label("Date", exact=True).fill(day)
    fieldset = page.get_by_role("group", name=label, exact=True)
    for field_label, value in data.items():
        field = fieldset.get_by_label(field_label)
        if value is True:
            field.check()
        elif field.evaluate("e => e.tagName") == "SELECT":
            field.select_option(label=value)
        else:
            field.fill(value)
    with page.expect_navigation():
        page.get_by_role("button", name="Enregistrer").last.click()
    page.get_by_text("L'événement est enregistré").wait_for()


def text_of(locator):
    return " ".join(locator.inner_text().split())


def timeline_entry(page, title):
    return text_of(page.locator(".timeline li.tl-item").filter(has=page.locator(".tl-title", has_text=title)))


def pdf_text(download):
    pdf = Path(download.value.path()).read_bytes()
    return " ".join(" ".join((p.extract_text() or "") for p in PdfReader(io.BytesIO(pdf)).pages).split()), pdf


def test_refusal_during_the_cada_review_leads_to_the_court_application(page, monkeypatch):
    """The Metz scenario of crpa.md §7, typed and clicked by a newcomer: the city refuses
    explicitly while the CADA examines the referral; the court window runs from that
    refusal and no confirmed refusal is born after it."""
    monkeypatch.setattr("workflow.core.clock.today", lambda: date(2026, 12, 1))  # the live server's thread too
    sign_up_and_draft(page, channel="email")
    record_event(page, "Envoi de la demande", "2026-09-01")
    record_event(page, "Saisine de la CADA", "2026-10-05", **{"Saisine faite par": "Formulaire en ligne de la CADA"})
    record_event(page, "Enregistrement de la saisine par la CADA", "2026-10-09", **{"Numéro de dossier CADA": "20265678"})
    record_event(page, "Refus explicite", "2026-10-15", **{
        "La réponse indique les voies et délais de recours": True, "Motifs invoqués": "Atteinte à la sécurité publique"})
    page.shot("refus-pendant-la-cada")

    assert text_of(page.locator(".status").first) == "Refus explicite pendant l'examen par la CADA"
    next_step = text_of(page.locator(".next-step"))
    assert "Préparer la requête au tribunal administratif contre le refus explicite" in next_step
    assert "Prochaine échéance : Saisir le tribunal administratif, le 15 décembre 2026 (dans 14 jours)" in next_step
    assert "Saisir la CADA" not in next_step
    assert "sans objet" in timeline_entry(page, "Naissance du refus confirmé")
    court = timeline_entry(page, "Saisir le tribunal administratif")
    assert "Date sûre : 15 décembre 2026" in court and "Dernier jour légal : 16 décembre 2026" in court
    assert "le refus explicite du 15 octobre 2026" in court
    referral = timeline_entry(page, "Saisir la CADA")
    assert "respecté" in referral

    page.get_by_role("link", name="Préparer la requête au tribunal administratif contre le refus explicite").click()
    page.get_by_role("heading", level=1).wait_for()
    preview = " ".join(page.frame_locator(".letter-preview").locator("body").inner_text().split())
    page.shot("requete")
    contested = ("La décision du 15 octobre 2026 par laquelle l'administration (Ville de Metz) a refusé, "
                 "pendant l'examen de ma saisine par la CADA, de communiquer les documents administratifs demandés")
    assert contested in preview
    assert "une décision implicite de refus est née le 1er octobre 2026" in preview
    with page.expect_download() as download:
        page.get_by_role("link", name="Télécharger le PDF").click()
    text, pdf = pdf_text(download)
    assert contested in text and "Ville de Metz" in text and "Alice Martin" in text
    (ARTIFACTS / "requete-tribunal.pdf").write_bytes(pdf)


def test_partial_communication_with_redactions_leads_to_the_cada(page, monkeypatch):
    """A partial communication that refuses the rest in writing, with public-security
    redactions: the CADA window runs from that answer, the implicit refusal is moot."""
    monkeypatch.setattr("workflow.core.clock.today", lambda: date(2026, 2, 15))
    sign_up_and_draft(page, channel="email")
    record_event(page, "Envoi de la demande", "2026-01-11")
    record_event(page, "Communication partielle", "2026-01-20", **{
        "La réponse refuse expressément": True,
        "Occultations": "Sécurité publique, sûreté des personnes ou des systèmes d'information (L311-5, 2°)",
        "La réponse indique les voies et délais de recours": True,
        "Motifs invoqués": "Les plans d'implantation des caméras relèvent de la sécurité publique"})
    page.shot("communication-partielle")

    assert text_of(page.locator(".status").first) == "Réponse partielle"
    next_step = text_of(page.locator(".next-step"))
    assert "Rédiger la saisine de la CADA pour les documents manquants" in next_step
    assert "Prochaine échéance : Saisir la CADA, le 20 mars 2026" in next_step
    answer = timeline_entry(page, "Communication partielle")
    assert "Refus exprès des autres documents" in answer
    assert ("Documents communiqués avec des occultations : sécurité publique, sûreté des personnes ou des systèmes "
            "d'information (L311-5, 2°)") in answer
    assert "sans objet" in timeline_entry(page, "Naissance du refus implicite")
    referral = timeline_entry(page, "Saisir la CADA")
    assert "à venir" in referral and "Date sûre : 20 mars 2026" in referral
    assert ("deux mois après la communication partielle refusant le reste du 20 janvier 2026, jour de sa notification"
            in referral)
    assert "Dernier jour légal : 23 mars 2026" in referral  # 21 March is a Saturday

    page.get_by_role("link", name="Rédiger la saisine de la CADA pour les documents manquants").click()
    page.get_by_role("heading", level=1).wait_for()
    preview = " ".join(page.frame_locator(".letter-preview").locator("body").inner_text().split())
    page.shot("saisine-cada")
    assert ("Par une décision du 20 janvier 2026, l'administration ne m'a communiqué qu'une partie de ces documents, "
            "en occultant certaines de leurs mentions, et a refusé de communiquer les autres.") in preview


def test_file_a_received_pdf_and_find_it_by_a_word_of_its_text(page, tmp_path):
    import weasyprint

    sign_up_and_draft(page)
    received = tmp_path / "reponse-mairie.pdf"
    received.write_bytes(weasyprint.HTML(string=(
        "<h1>Ville de Metz</h1><p>Le marché de vidéoprotection a été attribué ; les caméras thermiques "
        "sont livrées par la société Procedo.</p>")).write_pdf())
    if page.locator("details.upload").get_attribute("open") is None:  # open when nothing was filed yet
        page.get_by_text("Classer des documents reçus").click()
    page.get_by_label("Fichiers reçus").set_input_files(str(received))
    page.get_by_role("button", name="Classer", exact=True).click()
    page.get_by_text("classé").first.wait_for()
    page.shot("document-classe")
    run_worker()  # the text extraction job, as the worker would run it

    page.get_by_role("navigation", name="Navigation principale").get_by_role("link", name="Documents").click()
    page.get_by_label("Rechercher dans le texte des documents").fill("thermique")
    page.get_by_role("button", name="Rechercher").click()
    page.get_by_text("reponse-mairie.pdf").first.wait_for()
    page.shot("recherche")
    results = page.locator("main").inner_text()
    assert "LNT-" in results and "reponse-mairie.pdf" in results
    assert page.locator("mark").first.inner_text().lower().startswith("thermique")


PHONE = {"width": 390, "height": 844}
# What sticks out on the right: the innermost elements past the viewport's edge, to name in a failure.
WIDEST = """[...document.querySelectorAll('body *')]
  .filter(e => e.getBoundingClientRect().right > window.innerWidth + 0.5
               && ![...e.children].some(c => c.getBoundingClientRect().right > window.innerWidth + 0.5))
  .slice(0, 5).map(e => e.tagName.toLowerCase() + (e.id ? '#' + e.id : '') + (e.className ? '.' + e.className : '')
                        + ' ' + Math.round(e.getBoundingClientRect().right))"""


def test_every_page_fits_a_phone_without_sideways_scrolling(page, tmp_path):
    """At 390 px wide, no page a signed-in user reaches with data scrolls sideways."""
    import weasyprint

    sign_up_and_draft(page)
    request_url = page.url
    received = tmp_path / "reponse-de-la-mairie-de-metz-concernant-le-marche-de-videoprotection-2026.pdf"
    received.write_bytes(weasyprint.HTML(string="<h1>Ville de Metz</h1><p>Réponse.</p>").write_pdf())
    if page.locator("details.upload").get_attribute("open") is None:
        page.get_by_text("Classer des documents reçus").click()
    page.get_by_label("Fichiers reçus").set_input_files(str(received))
    page.get_by_role("button", name="Classer", exact=True).click()
    page.get_by_text("classé").first.wait_for()
    document_url = page.get_by_role("link", name=received.name).first.get_attribute("href")
    page.get_by_label("Événement", exact=True).select_option(label="Envoi de la demande")
    page.get_by_label("Date", exact=True).fill("2026-01-08")
    page.get_by_role("button", name="Enregistrer").last.click()
    page.get_by_text("L'événement est enregistré").wait_for()
    page.goto(page.base + "/compte")
    page.get_by_label("Nom de l'association").fill("Collectif pour la transparence de la Moselle")
    page.get_by_role("button", name="Créer l'association").click()
    page.get_by_text("est créée").wait_for()
    organisation_url = page.url
    page.goto(page.base + "/autorites/")
    authority_url = page.locator("main table a").first.get_attribute("href")

    pages = {
        "tableau-de-bord": "/", "demande": request_url, "nouvelle-demande": "/demandes/nouvelle",
        "modifier-brouillon": request_url + "/modifier", "courriers": request_url + "/courriers/",
        "courrier-demande": request_url + "/courriers/request", "documents": "/documents/",
        "recherche": "/documents/recherche?q=Metz", "document": document_url, "autorites": "/autorites/",
        "autorite": authority_url, "nouvelle-autorite": "/autorites/nouvelle",
        "propositions": "/autorites/propositions", "calendrier": "/calendrier/", "flux": "/calendrier/flux",
        "compte": "/compte", "association": organisation_url, "identites": "/compte/identites",
        "nouvelle-identite": "/compte/identites/nouvelle", "notifications": "/notifications",
        "campagnes": "/campagnes/", "sujets": "/sujets/",
    }
    page.set_viewport_size(PHONE)
    too_wide = {}
    for name, path in pages.items():
        response = page.goto(path if path.startswith("http") else page.base + path)
        assert response is not None and response.status < 400, (name, response and response.status)
        width = page.evaluate("document.documentElement.scrollWidth")
        page.shot(f"telephone-{name}")
        if width > PHONE["width"]:
            too_wide[name] = (width, page.evaluate(WIDEST))
    assert too_wide == {}


def test_a_refused_form_brings_its_error_summary_into_view(page):
    sign_up_and_draft(page)
    page.set_viewport_size(PHONE)
    page.get_by_label("Date", exact=True).fill("")
    page.get_by_role("button", name="Enregistrer").last.click()
    summary = page.locator(".error-summary")
    summary.wait_for()
    page.shot("erreur")
    assert page.evaluate("document.activeElement.classList.contains('error-summary')")
    top = page.evaluate("document.querySelector('.error-summary').getBoundingClientRect().top")
    assert -1 <= top < PHONE["height"]
    assert "Date" in summary.inner_text()


def test_forgotten_password_reset_through_the_mailed_link(page, app, make_user, mailbox, monkeypatch):
    make_user("alice@example.org", name="Alice")
    monkeypatch.setitem(app.config, "BASE_URL", page.base)  # links in e-mails point at the live server
    page.goto(page.base + "/connexion")
    page.get_by_role("link", name="Mot de passe oublié ?").click()
    page.get_by_label("Adresse électronique").fill("alice@example.org")
    page.get_by_role("button", name="Recevoir le lien").click()
    page.get_by_text("Si un compte existe pour cette adresse").wait_for()
    page.shot("lien-demande")
    run_worker()  # the worker hands the message to the SMTP server

    (message,) = mailbox.messages
    assert message["To"] == "alice@example.org"
    link = re.search(r"http://\S+/mot-de-passe-oublie/\S+", message.get_body(("plain",)).get_content()).group(0)
    assert link.startswith(page.base)
    page.goto(link)
    page.get_by_label("Nouveau mot de passe").fill("une lanterne sur le quai")
    page.get_by_label("Confirmation du mot de passe").fill("une lanterne sur le quai")
    page.shot("nouveau-mot-de-passe")
    page.get_by_role("button", name="Changer le mot de passe").click()
    page.get_by_text("Votre mot de passe est changé").wait_for()

    page.get_by_label("Adresse électronique").fill("alice@example.org")
    page.get_by_label("Mot de passe", exact=True).fill("une lanterne sur le quai")
    page.get_by_role("button", name="Se connecter").click()
    page.get_by_text("Vous êtes connecté.").wait_for()
    page.shot("connecte")
    page.goto(link)  # the link is spent
    page.get_by_text("Ce lien n'est plus valable").wait_for()


def test_an_answer_by_email_files_itself_and_its_event_is_confirmed(page, app, mailbox, runner, monkeypatch):
    """A request e-mailed from Lanterne; the administration's answer comes back with a PDF
    to the request's reply address (through a mail server's pipe); the event it announces
    is confirmed in one click; the PDF is found by a word of its text."""
    from datetime import datetime, timezone
    from email import policy
    from email.message import EmailMessage
    from email.utils import format_datetime, make_msgid

    import weasyprint
    from sqlalchemy import select

    from workflow.core.extensions import db
    from workflow.models import Authority

    monkeypatch.setitem(app.config, "INBOUND_ADDRESS", "demandes@collectif.example")
    city = db.session.scalar(select(Authority).where(Authority.slug == "ville-de-metz"))
    city.prada_email = "prada@metz.example"
    db.session.commit()
    sign_up_and_draft(page, channel="email")
    reply_address = page.locator("code.reply-address").inner_text()
    assert re.fullmatch(r"demandes\+[a-z2-7]{16}@collectif\.example", reply_address)
    request_page = page.url
    page.get_by_role("link", name="Envoyer la demande").click()
    page.get_by_role("button", name="Envoyer à prada@metz.example").click()
    page.get_by_text("Le courriel part vers prada@metz.example").wait_for()
    run_worker()  # the SMTP hand-off
    [sent] = mailbox.messages
    assert sent["Reply-To"] == reply_address

    answer = EmailMessage()
    answer["From"] = "PRADA Ville de Metz <prada@metz.example>"
    answer["To"] = reply_address
    answer["Subject"] = "RE: " + str(sent["Subject"])
    answer["Date"] = format_datetime(datetime.now(timezone.utc))
    answer["Message-ID"] = make_msgid(domain="metz.example")
    answer["In-Reply-To"] = sent["Message-ID"]
    answer.set_content("Madame, Monsieur,\n\nVeuillez trouver ci-joint le marché demandé.\n")
    answer.add_attachment(weasyprint.HTML(string=(
        "<h1>Marché de vidéoprotection</h1><p>Caméras thermiques livrées par la société Procedo.</p>")).write_pdf(),
        maintype="application", subtype="pdf", filename="marche-videoprotection.pdf")
    received = runner.invoke(args=["mail", "receive"], input=answer.as_bytes(policy=policy.SMTP))
    assert received.exit_code == 0 and "classé" in received.output
    run_worker()  # the text extraction of the attachment

    page.goto(request_page)
    page.get_by_text("Lanterne propose d'enregistrer").wait_for()
    messages = page.locator("section:has(#courriels)").inner_text()
    assert "de PRADA Ville de Metz <prada@metz.example>" in messages
    assert "Classé par : adresse de réponse propre à la demande." in messages
    assert "Le courriel apporte 1 pièce(s) jointe(s) : marche-videoprotection.pdf." in messages
    page.shot("courriel-recu")
    page.get_by_role("button", name="Confirmer").click()
    page.get_by_text("L'événement proposé est enregistré").wait_for()
    assert "Documents communiqués" in page.locator("main").inner_text()
    page.shot("evenement-confirme")

    page.get_by_role("navigation", name="Navigation principale").get_by_role("link", name="Documents").click()
    page.get_by_label("Rechercher dans le texte des documents").fill("thermiques")
    page.get_by_role("button", name="Rechercher").click()
    page.get_by_text("marche-videoprotection.pdf").first.wait_for()
    page.shot("recherche")
