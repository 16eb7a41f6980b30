"""The letter as an editable Word document (python-docx), walked from the letter's HTML:
A4, 2 cm margins, Times New Roman 11 pt, numbered lists, page numbers as Word fields."""

from __future__ import annotations

import io

from workflow.letters.structure import LetterDocument, Part

_DOCX_FONT = "Times New Roman"  # Liberation Serif has the same metrics
_RIGHT_COLUMN_CM = 8.5  # recipient, date and signature column, from the left margin
_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


def _field(paragraph, instruction: str) -> None:
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    def fld_char(kind: str):
        element = OxmlElement("w:fldChar")
        element.set(qn("w:fldCharType"), kind)
        return element

    paragraph.add_run()._r.append(fld_char("begin"))
    instr = OxmlElement("w:instrText")
    instr.set(qn("xml:space"), "preserve")
    instr.text = f" {instruction} "
    paragraph.add_run()._r.append(instr)
    paragraph.add_run()._r.append(fld_char("separate"))
    paragraph.add_run("1")
    paragraph.add_run()._r.append(fld_char("end"))


def _new_numbering(document) -> int:
    """A fresh numbering instance of the 'List Number' style, restarting at 1."""
    numbering = document.part.numbering_part.element
    style = document.styles["List Number"]
    num_id = style.element.pPr.numPr.numId.val
    abstract_id = numbering.num_having_numId(num_id).abstractNumId.val
    num = numbering.add_num(abstract_id)
    num.add_lvlOverride(ilvl=0).add_startOverride(1)
    return num.numId


def _list(document, items, ordered: bool) -> None:
    from docx.shared import Pt

    num_id = _new_numbering(document) if ordered else None
    # Setting `paragraph.style` by name makes python-docx scan every style of the document
    # for each paragraph (a third of the render time): the style id is looked up once.
    style_id = document.styles["List Number" if ordered else "List Bullet"].style_id
    for item in items:
        paragraph = document.add_paragraph(item)
        paragraph._p.get_or_add_pPr().style = style_id
        if num_id is not None:
            num_pr = paragraph._p.get_or_add_pPr().get_or_add_numPr()
            num_pr.get_or_add_ilvl().val = 0
            num_pr.get_or_add_numId().val = num_id
        paragraph.paragraph_format.space_after = Pt(2)


def _setup(document, title: str) -> None:
    from docx.shared import Cm, Pt

    properties = document.core_properties
    properties.title = title
    properties.author = properties.last_modified_by = properties.comments = ""
    section = document.sections[0]
    section.page_width, section.page_height = Cm(21), Cm(29.7)
    section.left_margin = section.right_margin = Cm(2)
    section.top_margin = section.bottom_margin = Cm(2)
    section.footer_distance = Cm(1)
    normal = document.styles["Normal"]
    normal.font.name = _DOCX_FONT
    normal.font.size = Pt(11)
    normal.paragraph_format.space_after = Pt(6)
    normal.paragraph_format.line_spacing = 1.15
    rfonts = normal.element.get_or_add_rPr().get_or_add_rFonts()
    for attribute in ("ascii", "hAnsi", "cs", "eastAsia"):
        rfonts.set(_W + attribute, _DOCX_FONT)
    for name in ("List Number", "List Bullet"):
        document.styles[name].font.name = _DOCX_FONT


def _footer(document, reference_line: str) -> None:
    from docx.enum.text import WD_TAB_ALIGNMENT
    from docx.shared import Cm, Pt, Twips

    footer = document.sections[0].footer.paragraphs[0]
    footer.text = ""
    tabs = footer.paragraph_format.tab_stops
    for position in (4680, 9360):  # the Footer style's US-letter stops, in twips
        tabs.add_tab_stop(Twips(position), WD_TAB_ALIGNMENT.CLEAR)
    tabs.add_tab_stop(Cm(17), WD_TAB_ALIGNMENT.RIGHT)
    footer.add_run(reference_line + "\tPage ")
    _field(footer, "PAGE")
    footer.add_run(" sur ")
    _field(footer, "NUMPAGES")
    for run in footer.runs:
        run.font.size = Pt(8.5)


def _lines(document, values, indent: bool = False, space_before: float = 0, bold_first: bool = False) -> None:
    from docx.shared import Cm, Pt

    for index, value in enumerate(values):
        paragraph = document.add_paragraph()
        paragraph.add_run(value).bold = bold_first and index == 0
        fmt = paragraph.paragraph_format
        fmt.space_after = Pt(0)
        if indent:
            fmt.left_indent = Cm(_RIGHT_COLUMN_CM)
        if index == 0 and space_before:
            fmt.space_before = Pt(space_before)


def _runs(document, part: Part, justify: bool = True):
    from docx.enum.text import WD_ALIGN_PARAGRAPH

    paragraph = document.add_paragraph()
    for text, bold, italic in part.runs:
        run = paragraph.add_run(text)
        run.bold = bold
        if italic is not None:
            run.italic = italic
    if justify:
        paragraph.alignment = WD_ALIGN_PARAGRAPH.JUSTIFY
    return paragraph


def _header_part(document, part: Part) -> None:
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Cm, Pt

    if part.role == "sender":
        _lines(document, part.lines, bold_first=True)
    elif part.role == "recipient":
        _lines(document, part.lines, indent=True, space_before=36, bold_first=True)
    elif part.role == "place_date":
        paragraph = document.add_paragraph(part.text)
        paragraph.paragraph_format.left_indent = Cm(_RIGHT_COLUMN_CM)
        paragraph.paragraph_format.space_before = Pt(24)
        paragraph.paragraph_format.space_after = Pt(18)
    elif part.role == "mention":
        document.add_paragraph().add_run(part.text).italic = True
    elif part.role == "subject":
        paragraph = document.add_paragraph()
        paragraph.add_run(part.text).bold = True
        paragraph.paragraph_format.space_after = Pt(0)
    elif part.role == "reference":
        document.add_paragraph(part.text).paragraph_format.space_after = Pt(18)
    elif part.role == "title":
        paragraph = document.add_paragraph()
        paragraph.add_run(part.text).bold = True
        paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
        paragraph.paragraph_format.space_after = Pt(12)


def _body_part(document, part: Part) -> None:
    from docx.shared import Pt

    if part.role in ("heading", "subheading", "annexes_heading"):
        head = document.add_paragraph()
        run = head.add_run(part.text)
        run.bold = True
        if part.role != "annexes_heading":
            run.italic = part.role == "subheading"
        head.paragraph_format.keep_with_next = True
        head.paragraph_format.space_before = Pt({"heading": 10, "subheading": 6}.get(part.role, 24))
    elif part.role == "list":
        _list(document, part.items, part.ordered)
    elif part.role in ("paragraph", "salutation", "closing"):
        _runs(document, part, justify=part.role != "salutation")
    elif part.role == "signature":
        _lines(document, part.lines, indent=True, space_before=18)
    else:
        _header_part(document, part)


def docx_bytes(letter: LetterDocument) -> bytes:
    from docx import Document

    document = Document()
    _setup(document, letter.document_title)
    for part in letter.parts:
        _body_part(document, part)
    _footer(document, letter.reference_line)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()
