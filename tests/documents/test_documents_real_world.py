"""Files as administrations really send them, each class built here: archives from many
tools, encrypted or odd PDFs, messy e-mails, Outlook messages, Office files with macros or
passwords, old Office files. Each is kept, typed right, its text found by search, with a
French note where it cannot be read, and never a 500."""
import base64
import binascii
import io
import zipfile
from pathlib import Path

import pytest
from sqlalchemy import select

from tests.documents.helpers import CONTRACT, make_request, upload
from tests.documents.samples import (as_office_variant, make_doc, make_docx, make_docx_everywhere, make_encrypted_docx,
                                     make_encrypted_pdf, make_msg, make_pdf, make_pdf_with_lone_surrogate,
                                     make_protected_odt, make_raw_eml, make_stored_zip, make_streamed_zip, make_xlsb,
                                     make_xlsx, make_xps, make_zip, make_zip_with_raw_names)
from tests.helpers import page_text, run_worker
from workflow.core.extensions import db
from workflow.documents import formats, mail
from workflow.models import Document


@pytest.fixture
def access_request(alice):
    return make_request(alice)


def filed(client, access_request, files, **fields) -> tuple[str, dict[str, Document]]:
    """Upload `files`, run the extraction; the page's text and the documents by name."""
    response = upload(client, access_request, files, **fields)
    assert response.status_code == 200
    run_worker()
    db.session.expire_all()
    return page_text(response), {document.filename: document for document in db.session.scalars(select(Document))}


def found(client, word: str) -> str:
    return page_text(client.get("/documents/recherche", query_string={"q": word}))


def write(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


# ------------------------------------------------------------------------ ZIP


def test_a_stored_archive_whose_first_member_is_a_pdf_is_an_archive(client, access_request, tmp_path):
    archive = make_stored_zip({"arrete.pdf": make_pdf(["Arrêté préfectoral portant autorisation"]),
                               "annexe.txt": "Liste des caméras".encode()})
    assert formats.sniff(write(tmp_path, "a.zip", archive)) == formats.ZIP
    text, documents = filed(client, access_request, [("reponse.zip", archive)])
    assert set(documents) == {"reponse.zip", "arrete.pdf", "annexe.txt"}
    assert documents["arrete.pdf"].parent_id == documents["reponse.zip"].id
    assert "arrete.pdf" in found(client, "préfectoral")


def test_an_archive_streamed_with_data_descriptors_is_unpacked(client, access_request):
    archive = make_streamed_zip({"courrier.txt": "Délibération du conseil municipal".encode(),
                                 "plan.pdf": make_pdf(["Plan de situation"])})
    assert zipfile.ZipFile(io.BytesIO(archive)).infolist()[0].flag_bits & 0x08
    _text, documents = filed(client, access_request, [("envoi.zip", archive)])
    assert {"courrier.txt", "plan.pdf"} <= set(documents)
    assert "courrier.txt" in found(client, "délibération")


def test_members_that_cannot_be_unpacked_are_noted_and_the_rest_filed(client, access_request):
    archive = make_zip_with_raw_names([(b"ancien.doc", b"old bytes " * 50), (b"lisible.txt", "Convention signée".encode()),
                                       (b"vide.txt", b"")], methods={b"ancien.doc": 6})
    text, documents = filed(client, access_request, [("vieux.zip", archive)])
    assert set(documents) == {"vieux.zip", "lisible.txt"}
    assert ("« vieux.zip › ancien.doc » : compressé par une méthode ancienne (implode) que Lanterne ne décompresse "
            "pas") in text
    assert "« vieux.zip › vide.txt » : fichier vide (0 octet). Ce fichier reste dans l'archive « vieux.zip »" in text
    page = page_text(client.get(f"/documents/{documents['vieux.zip'].id}"))
    assert "3 fichiers reçus dans cette archive, tous listés ici." in page
    assert "ancien.doc Non classé — compressé par une méthode ancienne (implode)" in page
    assert "vide.txt Non classé — fichier vide (0 octet)" in page
    assert "lisible.txt" in found(client, "convention")


def test_a_member_damaged_inside_the_archive_does_not_lose_the_others(client, access_request):
    archive = bytearray(make_zip({"casse.txt": b"A" * 5000, "bon.txt": "Rapport d'activité".encode()}))
    start = archive.index(b"casse.txt") + len("casse.txt")
    archive[start + 5:start + 15] = b"\xff" * 10  # its deflate stream broken, the directory intact
    text, documents = filed(client, access_request, [("lot.zip", bytes(archive))])
    assert set(documents) == {"lot.zip", "bon.txt"}
    assert "« lot.zip › casse.txt » : fichier endommagé dans l'archive (il n'a pas pu être décompressé)" in text


@pytest.mark.parametrize("name, encoding", [("Délibération n°3 été.pdf", "cp850"), ("Procès-verbal.pdf", "cp437"),
                                            ("政府信息公开答复.pdf", "gbk"), ("市役所の回答.pdf", "shift_jis")])
def test_names_in_a_local_code_page_are_read_as_written(tmp_path, name, encoding):
    archive = make_zip_with_raw_names([(name.encode(encoding), make_pdf(["x"]))])
    info = zipfile.ZipFile(io.BytesIO(archive)).infolist()[0]
    assert not info.flag_bits & 0x800
    assert formats.zip_member_name(info) == name


def test_names_from_the_unicode_path_field_and_the_utf8_flag(tmp_path):
    import struct
    import zlib

    info = zipfile.ZipInfo("x.pdf")
    info.extra = struct.pack("<HHBI", 0x7075, 5 + len("Décision.pdf".encode()), 1, zlib.crc32(b"x.pdf")) \
        + "Décision.pdf".encode()
    assert formats.zip_member_name(info) == "Décision.pdf"
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("Arrêté.pdf", b"x")  # zipfile flags UTF-8 names
    assert formats.zip_member_name(zipfile.ZipFile(buffer).infolist()[0]) == "Arrêté.pdf"


def test_an_archive_with_foreign_names_is_filed_under_them(client, access_request):
    archive = make_zip_with_raw_names([("Délibération.txt".encode("cp850"), "Conseil municipal".encode()),
                                       ("会议纪要.txt".encode("gbk"), b"Compte rendu"),
                                       ("議事録です.txt".encode("shift_jis"), b"Proces-verbal")])
    _text, documents = filed(client, access_request, [("noms.zip", archive)])
    assert {"Délibération.txt", "会议纪要.txt", "議事録です.txt"} <= set(documents)


def test_every_part_is_listed_duplicates_included_and_marked(client, access_request):
    upload(client, access_request, [("contrat.pdf", CONTRACT)])
    archive = make_zip({"a/contrat.pdf": CONTRACT, "b/copie.pdf": CONTRACT, "note.txt": "Note de service".encode()})
    text, documents = filed(client, access_request, [("dossier.zip", archive)])
    assert set(documents) == {"contrat.pdf", "dossier.zip", "note.txt"}
    page = page_text(client.get(f"/documents/{documents['dossier.zip'].id}"))
    assert "3 fichiers reçus dans cette archive, tous listés ici." in page
    assert "a/contrat.pdf Doublon — le même fichier est déjà classé : voir le document" in page
    assert "b/copie.pdf Doublon" in page
    request_page = page_text(client.get(f"/demandes/{access_request.id}"))
    assert "a/contrat.pdf Doublon — déjà classé" in request_page and "b/copie.pdf Doublon" in request_page
    assert documents["dossier.zip"].contents["parts"][0] == {
        "path": "a/contrat.pdf", "size": len(CONTRACT), "status": "duplicate", "note": "",
        "document_id": documents["contrat.pdf"].id}


# ------------------------------------------------------------------------ PDF


@pytest.mark.parametrize("algorithm", ["AES-256", "AES-128", "RC4-128"])
def test_an_encrypted_pdf_that_opens_without_a_password_is_read(client, access_request, algorithm):
    pdf = make_encrypted_pdf(["Marché de vidéoprotection : rapport d'exécution"], algorithm=algorithm)
    text, documents = filed(client, access_request, [("rapport.pdf", pdf)])
    document = documents["rapport.pdf"]
    assert (document.media_type, document.pages, document.filing_note, document.text_status) == (
        formats.PDF, 1, "", "done")
    assert "rapport.pdf" in found(client, "exécution")


def test_a_pdf_locked_by_a_password_is_kept_as_protected(client, access_request):
    pdf = make_encrypted_pdf(["Secret"], user_password="motdepasse")
    text, documents = filed(client, access_request, [("verrouille.pdf", pdf)])
    document = documents["verrouille.pdf"]
    assert "« verrouille.pdf » : protégé par mot de passe : fichier gardé tel quel" in text
    assert document.filing_note.startswith("Protégé par mot de passe")
    assert document.text_status == "no_text" and document.media_type == formats.PDF
    assert client.get(f"/documents/{document.id}/fichier").data == pdf
    assert "Protégé par mot de passe" in page_text(client.get(f"/demandes/{access_request.id}"))


def test_data_after_the_end_of_a_pdf_is_normal(client, access_request, tmp_path):
    pdf = make_pdf(["Décision de la commission"]) + b"\r\n" + b"\x00 signature du service courrier " * 400
    assert formats.inspect(write(tmp_path, "a.pdf", pdf), formats.PDF, "a.pdf") == 1
    text, documents = filed(client, access_request, [("decision.pdf", pdf)])
    assert documents["decision.pdf"].filing_note == "" and "decision.pdf" in found(client, "commission")


def test_a_lone_surrogate_in_the_text_does_not_lose_the_page(client, access_request):
    text, documents = filed(client, access_request, [("convention.pdf", make_pdf_with_lone_surrogate())])
    assert documents["convention.pdf"].text_status == "done"
    assert "convention.pdf" in found(client, "maintenance")
    assert "\ufffd" in documents["convention.pdf"].text_pages[0].text


# --------------------------------------------------------------------- e-mail

MESSY_HEADERS = """From: Mairie de Metz <mairie@example.org>
X_Mailer: GroupWise 8.0
To : alice@example.org
Objet de la demande sans deux-points
Subject: =?UTF-8?Q?R=C3=A9ponse_=C3=A0_votre_demande?=
Date: Tue, 3 Feb 2026 10:30:00 +0100
Message-ID: <42@example.org>
MIME-Version: 1.0"""


def _eml(content_type: str, body: str, headers: str = MESSY_HEADERS) -> bytes:
    return make_raw_eml(f"{headers}\nContent-Type: {content_type}", body)


def _pdf_part(disposition: str, content_type: str = "application/pdf") -> str:
    data = base64.encodebytes(make_pdf(["Arrêté municipal portant règlement de voirie"])).decode()
    return f"Content-Type: {content_type}\nContent-Disposition: {disposition}\nContent-Transfer-Encoding: base64\n\n{data}"


def _multipart(delimiter: str, *parts: str) -> str:
    return "".join(f"--{delimiter}\n{part}\n" for part in parts) + f"--{delimiter}--\n"


TEXT_PART = "Content-Type: text/plain; charset=utf-8\n\nVeuillez trouver ci-joint l'arrêté demandé."


def test_messy_headers_are_read_and_the_date_and_sender_shown(client, access_request, tmp_path):
    raw = _eml("text/plain; charset=utf-8", "Veuillez trouver notre réponse sur la vidéoprotection.")
    path = write(tmp_path, "m.eml", raw)
    assert formats.sniff(path) == formats.EML
    summary = mail.read_email(path)
    assert (summary.sender, summary.recipients, summary.subject) == (
        "Mairie de Metz <mairie@example.org>", "alice@example.org", "Réponse à votre demande")
    assert summary.sent_at.isoformat() == "2026-02-03T10:30:00+01:00"
    _text, documents = filed(client, access_request, [("reponse.eml", raw)])
    document = documents["reponse.eml"]
    assert file_bytes(client, document) == raw  # kept whole, as received
    assert (document.received_on.isoformat(), document.sender) == ("2026-02-03", "Mairie de Metz <mairie@example.org>")
    page = page_text(client.get(f"/documents/{document.id}"))
    assert ("Le message De Mairie de Metz <mairie@example.org> À alice@example.org Envoyé le 3 février 2026 à 10 h 30 "
            "(UTC+01:00) Objet Réponse à votre demande") in page
    assert "reponse.eml" in found(client, "vidéoprotection")


def file_bytes(client, document) -> bytes:
    return client.get(f"/documents/{document.id}/fichier").data


@pytest.mark.parametrize("declared, used", [
    ('boundary="frontiere"', '"frontiere"'),  # the delimiter lines quote it
    ("boundary=Apple Mail 12", "Apple Mail 12"),  # spaces, unquoted
    ('boundary="autre"', "=_Part_0?x"),  # a boundary that never appears; illegal characters in the one used
])
def test_illegal_or_quoted_boundaries_still_give_the_attachments(client, access_request, declared, used):
    raw = _eml(f"multipart/mixed; {declared}", _multipart(used, TEXT_PART, _pdf_part('attachment; filename="arrete.pdf"')))
    _text, documents = filed(client, access_request, [("m.eml", raw)])
    assert set(documents) == {"m.eml", "arrete.pdf"}
    assert "arrete.pdf" in found(client, "voirie")
    assert "m.eml" in found(client, "ci-joint")


def test_uuencoded_attachments_are_filed(client, access_request):
    data = make_pdf(["Compte rendu du conseil municipal"])
    lines = "".join(binascii.b2a_uu(data[start:start + 45]).decode() for start in range(0, len(data), 45))
    body = f"Bonjour,\nci-joint le compte rendu.\n\nbegin 644 compte-rendu.pdf\n{lines}`\nend\n\nCordialement"
    raw = _eml("text/plain; charset=utf-8", body)
    _text, documents = filed(client, access_request, [("uu.eml", raw)])
    assert set(documents) == {"uu.eml", "compte-rendu.pdf"}
    assert "compte-rendu.pdf" in found(client, "conseil")
    assert "begin 644" not in documents["uu.eml"].text_pages[0].text


def test_groupwise_base64_attached_messages_are_filed_as_messages(client, access_request):
    inner = make_raw_eml("From: Service urbanisme <urba@example.org>\nTo: mairie@example.org\nSubject: Avis du service"
                         "\nDate: Mon, 2 Feb 2026 09:00:00 +0100\nContent-Type: text/plain; charset=utf-8",
                         "Avis favorable au permis de construire.")
    encoded = base64.encodebytes(inner).decode()
    part = f"Content-Type: message/rfc822\nContent-Transfer-Encoding: base64\n\n{encoded}"
    raw = _eml('multipart/mixed; boundary="gw"', _multipart("gw", TEXT_PART, part))
    _text, documents = filed(client, access_request, [("transfert.eml", raw)])
    assert set(documents) == {"transfert.eml", "Avis du service.eml"}
    attached = documents["Avis du service.eml"]
    assert attached.media_type == formats.EML and file_bytes(client, attached).startswith(b"From: Service urbanisme")
    assert "Avis du service.eml" in found(client, "permis")


@pytest.mark.parametrize("disposition, name", [
    ("attachment; filename*=ISO-8859-1''D%E9cision%20du%20maire.pdf", "Décision du maire.pdf"),
    ("attachment; filename*0*=UTF-8''Arr%C3%AAt%C3%A9; filename*1*=%20municipal.pdf", "Arrêté municipal.pdf"),
    ('attachment; filename="=?UTF-8?B?RMOpbGliw6lyYXRpb24ucGRm?="', "Délibération.pdf"),
    ("inline", "Procès-verbal.pdf"),  # only the Content-Type's name, in an encoded word
])
def test_attachment_names_in_rfc_2231_or_encoded_words(tmp_path, disposition, name):
    content_type = 'application/pdf; name="=?ISO-8859-1?Q?Proc=E8s-verbal.pdf?="'
    raw = _eml('multipart/mixed; boundary="b"', _multipart("b", TEXT_PART, _pdf_part(disposition, content_type)))
    summary = mail.read_email(write(tmp_path, "m.eml", raw))
    assert [member.name for member in summary.attachments] == [name]


def test_a_message_that_is_only_an_attachment(client, access_request, tmp_path):
    data = base64.encodebytes(make_pdf(["Arrêté de fermeture administrative"])).decode()
    raw = make_raw_eml(MESSY_HEADERS + '\nContent-Type: application/pdf; name="arrete.pdf"\nContent-Disposition: '
                       'attachment; filename="arrete.pdf"\nContent-Transfer-Encoding: base64', data)
    summary = mail.read_email(write(tmp_path, "m.eml", raw))
    assert summary.body == "" and [member.name for member in summary.attachments] == ["arrete.pdf"]
    _text, documents = filed(client, access_request, [("seul.eml", raw)])
    assert set(documents) == {"seul.eml", "arrete.pdf"}
    assert "arrete.pdf" in found(client, "fermeture")
    assert "JVBER" not in documents["seul.eml"].text_pages[0].text  # no base64 junk in the index


# ---------------------------------------------------------------- Outlook .msg


def test_an_outlook_message_is_filed_as_an_email(client, access_request, tmp_path):
    pdf = make_pdf(["Délibération du conseil sur la vidéoprotection"])
    raw = make_msg("Réponse à votre demande CADA", "Madame, veuillez trouver la délibération demandée.",
                   attachments=[("délibération.pdf", pdf), ("Excel Workbook.txt", "Tableau des caméras".encode())])
    path = write(tmp_path, "m.msg", raw)
    assert formats.sniff(path) == formats.MSG  # not Excel because "Workbook" is in a name inside
    text, documents = filed(client, access_request, [("Réponse.msg", raw)])
    assert set(documents) == {"Réponse.msg", "délibération.pdf", "Excel Workbook.txt"}
    message = documents["Réponse.msg"]
    assert (message.media_type, message.sender, message.received_on.isoformat(), message.came_by) == (
        formats.MSG, '"Mairie de Metz" <mairie@example.org>', "2026-02-03", "email")
    assert documents["délibération.pdf"].parent_id == message.id
    page = page_text(client.get(f"/documents/{message.id}"))
    assert ('De "Mairie de Metz" <mairie@example.org> À Alice Martin <alice@example.org> Envoyé le 3 février 2026 '
            "à 10 h 30 (UTC+00:00) Objet Réponse à votre demande CADA") in page
    assert "Réponse.msg" in found(client, "madame")
    assert "délibération.pdf" in found(client, "vidéoprotection")


def test_a_damaged_outlook_message_is_kept_with_a_note(client, access_request):
    raw = make_msg("Objet", "Corps")
    text, documents = filed(client, access_request, [("casse.msg", raw[:1536])])
    assert set(documents) == {"casse.msg"}
    assert "gardé tel quel" in documents["casse.msg"].filing_note


# --------------------------------------------------------------------- Office

WORD_MACRO = "application/vnd.ms-word.document.macroEnabled.main+xml"
WORD_TEMPLATE = "application/vnd.openxmlformats-officedocument.wordprocessingml.template.main+xml"
EXCEL_MACRO = "application/vnd.ms-excel.sheet.macroEnabled.main+xml"


@pytest.mark.parametrize("name, maker, media_type, word", [
    ("rapport.docm", lambda: as_office_variant(make_docx("Rapport annuel de la régie"), WORD_MACRO), formats.DOCM, "régie"),
    ("modele.dotx", lambda: as_office_variant(make_docx("Modèle de courrier préfectoral"), WORD_TEMPLATE), formats.DOTX,
     "préfectoral"),
    ("budget.xlsm", lambda: as_office_variant(make_xlsx([["Poste", "Subvention"]]), EXCEL_MACRO), formats.XLSM,
     "subvention"),
    ("comptes.xlsb", lambda: make_xlsb(["Dotation globale", "Investissement"]), formats.XLSB, "investissement"),
    ("plan.xps", lambda: make_xps(["Plan de circulation", "Annexe cartographique"]), formats.XPS, "cartographique"),
])
def test_office_variants_keep_their_extension_and_are_read(client, access_request, name, maker, media_type, word):
    text, documents = filed(client, access_request, [(name, maker())])
    assert set(documents) == {name}  # a document, not an archive to unpack
    document = documents[name]
    assert (document.media_type, document.filing_note) == (media_type, "")
    assert name in found(client, word)


@pytest.mark.parametrize("name, maker", [("secret.docx", lambda: make_encrypted_docx("Confidentiel")),
                                         ("secret.odt", lambda: make_protected_odt("Confidentiel")),
                                         ("sans-nom", lambda: make_encrypted_docx("Confidentiel"))])
def test_office_files_protected_by_a_password_are_kept_as_protected(client, access_request, name, maker):
    data = maker()
    text, documents = filed(client, access_request, [(name, data)])
    (document,) = documents.values()
    assert f"« {name} » : protégé par mot de passe : fichier gardé tel quel" in text
    assert document.filing_note.startswith("Protégé par mot de passe") and document.text_status == "no_text"
    assert file_bytes(client, document) == data


PLACES = {"body": "corpsunique", "table": "tableauunique", "header": "enteteunique", "footer": "piedunique",
          "footnote": "noteunique", "endnote": "finaleunique", "comment": "commentaireunique",
          "textbox": "encadreunique", "control": "controleunique", "inserted": "insertionunique",
          "deleted": "suppressionunique"}


def test_word_text_is_read_wherever_word_puts_it(client, access_request, tmp_path):
    from workflow.documents import extraction

    data = make_docx_everywhere(PLACES)
    text = extraction.extract_text(write(tmp_path, "a.docx", data), formats.DOCX).pages[0]
    for place, word in PLACES.items():
        assert (word in text) == (place != "deleted"), place
    assert text.count("encadreunique") == 1  # the text box's fallback copy is not read twice
    filed(client, access_request, [("partout.docx", data)])
    assert "partout.docx" in found(client, "commentaireunique")


def test_old_office_files_are_read_by_a_real_extractor_or_marked_unread(client, access_request, tmp_path, monkeypatch):
    from workflow.documents import extraction

    data = make_doc("Compte rendu de la commission consultative des services publics locaux")
    path = write(tmp_path, "a.doc", data)
    assert formats.sniff(path) == formats.DOC
    monkeypatch.setattr(extraction.shutil, "which", lambda _name: None)
    unread = extraction.extract_text(path, formats.DOC)
    assert (unread.status, unread.pages) == ("no_text", []) and "non lu" in unread.note
    monkeypatch.undo()
    if not (extraction.shutil.which("catdoc") or extraction.shutil.which("antiword")):
        pytest.skip("neither catdoc nor antiword on this machine (.ci/run installs them)")
    read = extraction.extract_text(path, formats.DOC)
    assert read.status == "done" and "commission consultative" in read.pages[0]
    filed(client, access_request, [("ancien.doc", data)])
    assert "ancien.doc" in found(client, "consultative")


def test_old_office_files_never_put_binary_junk_in_the_index(tmp_path, monkeypatch):
    from workflow.documents import extraction

    monkeypatch.setattr(extraction.shutil, "which", lambda _name: None)
    for media_type in (formats.DOC, formats.XLS, formats.PPT):
        result = extraction.extract_text(write(tmp_path, "a.bin", make_doc("Texte")), media_type)
        assert result.pages == [] and result.status == "no_text"
