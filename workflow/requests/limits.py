"""How large a request may be: declared once here, applied by the drafting form, the
library's form, the API's JSON and the letters (a letter refuses a request larger than
this, whatever wrote it). One request of the largest size renders in a few seconds."""
from __future__ import annotations

from typing import Sequence

SUBJECT_MAX_LENGTH = 300
ITEMS_MAX = 100
ITEM_MAX_LENGTH = 1000
LEGAL_GROUNDS_MAX_LENGTH = 2000      # the whole text, one ground per line
CAMPAIGN_TITLE_MAX_LENGTH = 200
AUTHORITIES_MAX = 200                # the authorities of one campaign (one request each)
EVENT_NOTE_MAX_LENGTH = 2000
# The requester's identity, as its form and columns allow.
IDENTITY_MAX_LENGTHS = {"name": 200, "rna_number": 10, "local_register": 300, "representative": 200,
                        "representative_role": 120, "address": 500, "email": 254, "phone": 40}


def _number(value: int) -> str:
    return f"{value:,}".replace(",", " ")  # 1 000, as French writes it


def items_problem(items: Sequence[str]) -> str | None:
    """What is wrong with the list of requested documents (non-empty lines), in French."""
    if len(items) > ITEMS_MAX:
        return f"Une demande compte au plus {ITEMS_MAX} documents : scindez-la."
    if any(len(item) > ITEM_MAX_LENGTH for item in items):
        return f"Chaque document tient en {_number(ITEM_MAX_LENGTH)} caractères au plus."
    return None


def too_long(label: str, value: str, limit: int) -> str | None:
    return f"{label} : {_number(limit)} caractères au plus." if len(value) > limit else None


def draft_problems(subject: str, items: Sequence[str], legal_grounds: Sequence[str] = (),
                   campaign_title: str = "", authorities: int = 1) -> dict[str, list[str]]:
    """Field name → what exceeds the limits (French), for a draft's parts."""
    problems = {
        "subject": too_long("L'objet", subject, SUBJECT_MAX_LENGTH),
        "items": items_problem(items),
        "legal_grounds": too_long("Les fondements juridiques", "\n".join(legal_grounds), LEGAL_GROUNDS_MAX_LENGTH),
        "campaign_title": too_long("Le nom de la campagne", campaign_title, CAMPAIGN_TITLE_MAX_LENGTH),
        "authority_ids": (f"Une campagne compte au plus {AUTHORITIES_MAX} autorités : scindez-la."
                          if authorities > AUTHORITIES_MAX else None),
    }
    return {name: [problem] for name, problem in problems.items() if problem}
