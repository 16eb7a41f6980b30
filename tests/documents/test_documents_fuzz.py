"""Random and truncated archives, PDFs, e-mails and Outlook messages thrown at filing
through the upload page: whatever comes, the answer is a page (filed with notes, or
refused with a reason), never a 500; extraction and the pages that list the parts too."""
import functools

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.documents.helpers import make_request, upload
from tests.documents.samples import (make_docx, make_eml, make_msg, make_pdf, make_raw_eml, make_stored_zip,
                                     make_zip, make_zip_with_raw_names)
from tests.helpers import run_worker


@functools.cache
def seeds() -> dict[str, bytes]:
    pdf = make_pdf(["Arrêté municipal", "Annexe"])
    return {
        "pdf": pdf,
        "zip": make_zip({"a/arrete.pdf": pdf, "note.txt": "Délibération".encode(), "inner.zip": make_zip({"x.txt": b"x"})}),
        "stored": make_stored_zip({"arrete.pdf": pdf, "vide.txt": b""}),
        "names": make_zip_with_raw_names([("Délibération.pdf".encode("cp850"), pdf)]),
        "eml": make_eml("Ci-joint l'arrêté", attachments=[("arrete.pdf", pdf), ("fwd.eml", make_eml("Transfert"))]),
        "raw_eml": make_raw_eml("From: a@example.org\nTo : b@example.org\nDate: Tue, 3 Feb 2026 10:30:00 +0100\n"
                                "Subject: x\nContent-Type: multipart/mixed; boundary=b",
                                "--b\nContent-Type: text/plain\n\nCorps\n--b\nContent-Type: application/pdf\n"
                                "Content-Transfer-Encoding: base64\n\nJVBERi0xLjQK\n--b--\n"),
        "msg": make_msg("Réponse", "Corps", attachments=[("arrete.pdf", pdf)]),
        "docx": make_docx("Rapport"),
    }


SEEDS = seeds()  # built once, outside the strategies
NAMES = ["envoi.zip", "reponse.pdf", "message.eml", "message.msg", "rapport.docx", "sans-nom", "x.txt"]


@st.composite
def received_files(draw) -> tuple[str, bytes]:
    seed = SEEDS[draw(st.sampled_from(sorted(SEEDS)))]
    how = draw(st.sampled_from(["truncate", "flip", "splice", "random"]))
    if how == "truncate":
        data = seed[:draw(st.integers(1, len(seed)))]
    elif how == "flip":
        data = bytearray(seed)
        for _ in range(draw(st.integers(1, 20))):
            position = draw(st.integers(0, len(data) - 1))
            data[position] = draw(st.integers(0, 255))
        data = bytes(data)
    elif how == "splice":
        start = draw(st.integers(0, len(seed)))
        data = seed[:start] + draw(st.binary(min_size=1, max_size=200)) + seed[start + draw(st.integers(0, 500)):]
    else:
        data = seed[:draw(st.integers(0, 8))] + draw(st.binary(min_size=1, max_size=2000))
    return draw(st.sampled_from(NAMES)), data


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                  HealthCheck.too_slow])
@given(files=st.lists(received_files(), min_size=1, max_size=3))
def test_no_received_file_ever_gives_a_500(client, alice, files):
    access_request = make_request(alice, authority_name="Ville de Metz")
    response = upload(client, access_request, files)  # the test client raises on a server error
    assert response.status_code == 200, response.status_code
    run_worker()
    assert client.get(f"/demandes/{access_request.id}").status_code == 200
