"""A printable writes the same blocks as DOCX and as PDF, whatever characters its text holds."""

import io

import pytest
from docx import Document as WordDocument

from app import printing
from app.printing import Printable


def _sample() -> Printable:
    document = Printable()
    document.heading("Request for release \u2013 Blaby")
    document.paragraph("The clause says\x00 \u201cpolicing\u201d \u2713", "quote")
    document.paragraph("an invoice", "bullet")
    document.table(["Contribution", "Amount"], [["#1", "£1,000.00"], ["Total", "£1,000.00"]], total=True)
    return document


def test_docx_holds_every_block_without_characters_xml_cannot_carry() -> None:
    opened = WordDocument(io.BytesIO(_sample().docx()))
    text = [paragraph.text for paragraph in opened.paragraphs]
    assert "Request for release \u2013 Blaby" in text
    assert "The clause says \u201cpolicing\u201d \u2713" in text
    assert [cell.text for cell in opened.tables[0].rows[2].cells] == ["Total", "£1,000.00"]


@pytest.mark.parametrize("with_font", [True, False])
def test_pdf_is_a_pdf_with_or_without_the_unicode_font(with_font: bool, monkeypatch: pytest.MonkeyPatch) -> None:
    if not with_font:
        monkeypatch.setattr(printing, "FONT_FOLDERS", ())
    content = _sample().pdf()
    assert content.startswith(b"%PDF-")
    assert content.rstrip().endswith(b"%%EOF")
