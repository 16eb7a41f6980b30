"""The letter as an A4 PDF: WeasyPrint on the letter's HTML.

`letters/letter.css` is parsed once per thread; the URL fetcher serves files inside
`letters/` only and refuses everything else (no network, no other file).
"""

from __future__ import annotations

import functools
import mimetypes
import threading
from pathlib import Path
from urllib.parse import unquote, urlsplit
from urllib.request import url2pathname

from workflow.letters.context import LETTERS_DIR
from workflow.letters.html import stylesheet_text

# Files the PDF renderer may read, all inside letters/.
_ASSET_SUFFIXES = frozenset({".css", ".ttf", ".otf", ".woff", ".woff2", ".png", ".jpg", ".jpeg", ".svg"})


class AssetRefused(ValueError):
    """The PDF renderer asked for a resource outside letters/ (or not a file URL)."""


def letter_asset_path(url: str) -> Path:
    """The file inside letters/ that `url` names; AssetRefused for anything else.

    Only file: URLs of an existing file with an asset suffix, resolved (symlinks
    included) inside letters/, are served: no http(s), no data:, no other file.
    """
    parts = urlsplit(url)
    if parts.scheme.lower() != "file" or parts.netloc not in ("", "localhost"):
        raise AssetRefused(f"Refused URL (not a letter asset): {url[:200]}")
    path = Path(url2pathname(unquote(parts.path))).resolve()
    root = LETTERS_DIR.resolve()
    if not path.is_relative_to(root) or not path.is_file() or path.suffix.lower() not in _ASSET_SUFFIXES:
        raise AssetRefused(f"Refused URL (outside letters/): {url[:200]}")
    return path


@functools.cache
def fetcher_class():
    # WeasyPrint is imported on first PDF only: it takes half a second to import.
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    class LetterURLFetcher(URLFetcher):
        """Serves files inside letters/ and refuses every other URL."""

        def __init__(self) -> None:
            super().__init__(allowed_protocols=("file",), allow_redirects=False, fail_on_errors=False)

        def fetch(self, url, headers=None):
            path = letter_asset_path(url)
            mime = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
            return URLFetcherResponse(path.as_uri(), body=path.read_bytes(), headers={"Content-Type": mime})

    return LetterURLFetcher


class _PdfState(threading.local):
    """Per-thread WeasyPrint objects, built once: fetcher, font configuration, stylesheet."""

    def get(self):
        state = getattr(self, "value", None)
        if state is None:
            from weasyprint import CSS
            from weasyprint.text.fonts import FontConfiguration

            fetcher = fetcher_class()()
            font_config = FontConfiguration()
            css = CSS(
                string=stylesheet_text(),
                base_url=LETTERS_DIR.as_uri() + "/",
                url_fetcher=fetcher,
                font_config=font_config,
            )
            state = self.value = (fetcher, font_config, css)
        return state


_PDF_STATE = _PdfState()


def html_to_pdf(html: str) -> bytes:
    from weasyprint import HTML

    fetcher, font_config, css = _PDF_STATE.get()
    document = HTML(string=html, base_url=LETTERS_DIR.as_uri() + "/", url_fetcher=fetcher)
    return document.write_pdf(stylesheets=[css], font_config=font_config)
