"""The letter as plain text (the e-mail body), walked from the letter's HTML."""

from __future__ import annotations

from workflow.letters.structure import LetterDocument

# Roles followed by a blank line; the others are lines of a block.
_PARAGRAPHS = {"place_date", "reference", "salutation", "heading", "subheading", "paragraph", "closing"}


def text_body(letter: LetterDocument) -> str:
    out: list[str] = []
    for part in letter.parts:
        if part.role in ("sender", "recipient"):
            out.extend((*part.lines, ""))
        elif part.role == "signature":
            out.extend(part.lines)
        elif part.role in ("mention", "subject"):
            out.append(part.text)
        elif part.role == "title":
            out.extend((part.text.upper(), ""))
        elif part.role == "annexes_heading":
            out.extend(("", part.text))
        elif part.role == "list":
            for number, item in enumerate(part.items, 1):
                out.append(f"{number}. {item}" if part.ordered else f"– {item}")
            out.append("")
        elif part.role in _PARAGRAPHS:
            out.extend((part.text, ""))
    return "\n".join(out).rstrip() + "\n"
