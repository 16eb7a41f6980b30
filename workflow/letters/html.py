"""The letter as HTML: the letter's template in `letters/` rendered with its facts.

This HTML is the single source of the four formats: the preview, the PDF (WeasyPrint),
and, walked by `structure.py`, the DOCX and the plain text.

After Jinja (autoescape on: every user string is text, never markup), `typeset` puts
each paragraph, list item and line on one line with French typography: control
characters become spaces, runs of white space collapse, and a non-breaking space goes
before : ; ? ! » and after « and n°. So the templates may wrap their sentences freely.
"""

from __future__ import annotations

import functools
import re
from typing import Any

import jinja2
from markupsafe import Markup

from workflow.law.deadlines import format_date_fr
from workflow.letters.context import LETTERS_DIR, STYLESHEET, LetterContext
from workflow.letters.facts import clean, letter_facts

_NBSP = "\u00a0"
# French typography, on a line whose spaces are single: a non-breaking space before
# : ; ? ! », after « and n° (only spaces already there are replaced).
_BEFORE = tuple((" " + mark, _NBSP + mark) for mark in ":;?!»")
_NUMERO = re.compile(r"\bn° ")
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
# An element whose content is one line of the letter (no such element nests in another).
_LINE_ELEMENT = re.compile(r"(<(p|li|span|h[1-3])(?:\s[^>]*)?>)(.*?)(</\2>)", re.S)
_SPACE_AFTER_TAG = re.compile(r"(<[a-z][^>]*>) ")
_SPACE_BEFORE_TAG = re.compile(r" (</[a-z0-9]+>)")


def one_line(text: str) -> str:
    """Control characters and line breaks to spaces, runs of spaces to one, stripped."""
    return " ".join(_CONTROL.sub(" ", text).split())


def typo(text: str) -> str:
    """One clean line with French typography."""
    text = one_line(text)
    for space_mark, nbsp_mark in _BEFORE:
        if space_mark in text:
            text = text.replace(space_mark, nbsp_mark)
    if "« " in text:
        text = text.replace("« ", "«" + _NBSP)
    if "n° " in text:
        text = _NUMERO.sub("n°" + _NBSP, text)
    return text


def _typeset_line(match: re.Match) -> str:
    content = typo(match.group(3))
    if "<" in content:
        content = _SPACE_BEFORE_TAG.sub(r"\1", _SPACE_AFTER_TAG.sub(r"\1", content))
    return match.group(1) + content + match.group(4)


def typeset(html: str) -> str:
    """Every paragraph, list item, line and heading of the letter's body as one typeset
    line (the head, where the stylesheet may be inlined, is left as it is)."""
    head, body_tag, body = html.partition("<body")
    return head + body_tag + _LINE_ELEMENT.sub(_typeset_line, body)


def capfirst(text: str) -> str:
    """First letter upper-case; markup (an escaped string) stays markup."""
    result = str(text)[:1].upper() + str(text)[1:]
    return Markup(result) if isinstance(text, Markup) else result


def lowerfirst(text: str) -> str:
    """First letter lower-case; markup (an escaped string) stays markup."""
    result = str(text)[:1].lower() + str(text)[1:]
    return Markup(result) if isinstance(text, Markup) else result


@functools.cache
def jinja_env() -> jinja2.Environment:
    # Built once per process. Autoescape on for every .html template: everything a user
    # typed is text, never markup.
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(LETTERS_DIR)),
        autoescape=jinja2.select_autoescape(enabled_extensions=("html",), default_for_string=True),
        trim_blocks=True,
        lstrip_blocks=True,
        undefined=jinja2.StrictUndefined,
    )
    env.filters.update(date_fr=format_date_fr, capfirst=capfirst, lowerfirst=lowerfirst)
    env.globals["clean"] = clean  # clean(lines): the non-empty ones, stripped
    return env


@functools.cache
def stylesheet_text() -> str:
    return STYLESHEET.read_text(encoding="utf-8")


def _template(kind: str) -> jinja2.Template:
    return jinja_env().get_template(f"{kind}.html")


def letter_html(context: LetterContext, inline_css: str | None, facts: dict[str, Any] | None = None) -> str:
    """The letter's HTML; LetterNotReady when a fact is missing."""
    facts = letter_facts(context) if facts is None else facts
    return typeset(_template(context.kind).render(facts, inline_css=inline_css))


def email_subject(context: LetterContext, facts: dict[str, Any] | None = None) -> str:
    """The block `email_subject` of the letter's template: one line, plain spaces."""
    facts = letter_facts(context) if facts is None else facts
    template = _template(context.kind)
    rendered = "".join(template.blocks["email_subject"](template.new_context(facts)))
    return one_line(Markup(rendered).unescape())


def render_html(context: LetterContext) -> str:
    """A standalone HTML document (stylesheet inlined): the preview and the PDF source."""
    return letter_html(context, stylesheet_text())
