"""Text folded for search: accents, case, hyphens and punctuation do not count."""
from __future__ import annotations

import re
import unicodedata

_NOT_ALNUM = re.compile(r"[^0-9a-z]+")


def fold(text: str) -> str:
    """'Préfecture de la Moselle' -> 'prefecture de la moselle'; 'Saint-Avold' -> 'saint avold';
    'Œuvre' -> 'oeuvre'."""
    if text.isascii():
        return _NOT_ALNUM.sub(" ", text.lower()).strip()
    decomposed = unicodedata.normalize("NFKD", text.replace("œ", "oe").replace("Œ", "OE")
                                       .replace("æ", "ae").replace("Æ", "AE"))
    plain = "".join(char for char in decomposed if not unicodedata.combining(char)).lower()
    return _NOT_ALNUM.sub(" ", plain).strip()


def search_words(text: str) -> list[str]:
    """The distinct words of a query, folded (each must match somewhere)."""
    return list(dict.fromkeys(fold(text).split()))
