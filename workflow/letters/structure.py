"""The letter's HTML read back as a flat list of parts, for the DOCX and the plain text.

The HTML (from `letters/`, see base.html) keeps to a small vocabulary; `parse` walks it
with lxml and yields `Part`s in reading order:

- header: address.sender / address.recipient (span.line each) -> "sender" / "recipient";
- p.place-date, p.mention, p.subject, p.reference, h1.title -> parts of the same role;
- section.body: p.salutation -> "salutation"; h2 -> "heading"; h3 -> "subheading";
  p -> "paragraph" (inline strong / em kept as bold / italic runs); ol / ul -> "list";
- div.sign-off: p.closing -> "closing"; div.signature -> "signature";
- section.annexes: h2 -> "annexes_heading"; ol -> "list".
"""

from __future__ import annotations

from dataclasses import dataclass

import lxml.html

# One run of text: (text, bold, italic). bold/italic None: inherited (a bare space).
Run = tuple[str, "bool | None", "bool | None"]


@dataclass(frozen=True)
class Part:
    role: str
    text: str = ""
    lines: tuple[str, ...] = ()  # sender, recipient, signature
    items: tuple[str, ...] = ()  # list
    ordered: bool = True  # list
    runs: tuple[Run, ...] = ()  # paragraph, salutation, closing


@dataclass(frozen=True)
class LetterDocument:
    """A letter as rendered once from its template: every format comes from `html`."""

    kind: str
    html: str  # without the inlined stylesheet (the PDF source)
    email_subject: str
    document_title: str
    parts: tuple[Part, ...]

    @property
    def reference_line(self) -> str:
        return next(part.text for part in self.parts if part.role == "reference")


_ROLE_OF_CLASS = {
    "place-date": "place_date", "mention": "mention", "subject": "subject", "reference": "reference",
    "title": "title", "salutation": "salutation", "closing": "closing",
    "sender": "sender", "recipient": "recipient", "signature": "signature",
}


def _runs(element, bold: bool = False, italic: bool = False) -> list[Run]:
    """The text of a paragraph as runs; strong / em make bold / italic runs."""
    runs: list[Run] = []
    if element.text:
        runs.append((element.text, bold or False, italic or None))
    for child in element:
        runs += _runs(child, bold or child.tag in ("strong", "b"), italic or child.tag in ("em", "i"))
        tail = child.tail or ""
        if tail:
            stripped = tail.lstrip(" ")
            if stripped != tail:  # the space after an inline element: a neutral run
                runs.append((tail[: len(tail) - len(stripped)], None, None))
            if stripped:
                runs.append((stripped, bold or False, italic or None))
    return runs


def _part(element, in_annexes: bool) -> Part | None:
    classes = (element.get("class") or "").split()
    role = next((_ROLE_OF_CLASS[c] for c in classes if c in _ROLE_OF_CLASS), None)
    tag = element.tag
    if role in ("sender", "recipient", "signature"):
        return Part(role, lines=tuple(span.text_content() for span in element.iter("span")))
    if tag in ("ol", "ul"):
        return Part("list", items=tuple(li.text_content() for li in element.iter("li")), ordered=tag == "ol")
    if tag == "h2":
        return Part("annexes_heading" if in_annexes else "heading", text=element.text_content())
    if tag == "h3":
        return Part("subheading", text=element.text_content())
    if tag == "h1":
        return Part("title", text=element.text_content())
    if tag == "p":
        role = role or "paragraph"
        if role in ("paragraph", "salutation", "closing"):
            return Part(role, text=element.text_content(), runs=tuple(_runs(element)))
        return Part(role, text=element.text_content())
    return None


def _walk(element, in_annexes: bool, out: list[Part]) -> None:
    for child in element:
        if not isinstance(child.tag, str):
            continue  # comments
        part = _part(child, in_annexes)
        if part is not None:
            out.append(part)
        else:
            _walk(child, in_annexes or "annexes" in (child.get("class") or "").split(), out)


def parse(html: str) -> tuple[str, tuple[Part, ...]]:
    """(document title, parts in reading order) of a letter's HTML."""
    root = lxml.html.document_fromstring(html)
    out: list[Part] = []
    _walk(root.find("body"), False, out)
    return root.findtext("head/title") or "", tuple(out)
