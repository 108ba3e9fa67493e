"""A printed document (a letter, a schedule, a bid's workings) built once and written as DOCX or PDF.

Everything a printable holds may be text a user typed or a council published, so every piece passes
through `plain` on the way in. PDF uses DejaVu Sans where the machine has it (every character
prints); without it the PDF falls back to a core font and prints what Latin-1 cannot carry as "?".
"""

import io
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from docx import Document as WordDocument
from docx.shared import Pt
from fpdf import FPDF
from fpdf.enums import XPos, YPos
from fpdf.fonts import FontFace

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
PDF = "application/pdf"
MEDIA_TYPES = {"docx": DOCX, "pdf": PDF}

# XML 1.0 allows only these characters; anything else (a NUL, a form feed) would make the document unreadable.
NOT_XML = re.compile("[^\u0009\u000a\u000d\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")

FONT_FOLDERS = (Path("/usr/share/fonts/truetype/dejavu"), Path("/usr/share/fonts/dejavu"))

Style = Literal["text", "bold", "quote", "bullet", "numbered"]


def plain(text: object) -> str:
    """Text as a document may hold it: characters XML cannot carry are dropped (the writers escape the rest)."""
    return NOT_XML.sub("", str(text))


@dataclass(frozen=True)
class Heading:
    """A heading: level 1 is the document's title."""

    text: str
    level: int = 1


@dataclass(frozen=True)
class Paragraph:
    """A paragraph, plain, bold, quoted (a clause's wording) or an item of a list."""

    text: str
    style: Style = "text"


@dataclass(frozen=True)
class Table:
    """A table with a heading row; the last row is bold when `total` is set."""

    headings: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    total: bool = False


Block = Heading | Paragraph | Table


@dataclass
class Printable:
    """A document as a list of blocks, written by `docx()` or `pdf()`."""

    blocks: list[Block] = field(default_factory=list)

    def heading(self, text: object, level: int = 1) -> None:
        """Add a heading."""
        self.blocks.append(Heading(plain(text), level))

    def paragraph(self, text: object, style: Style = "text") -> None:
        """Add a paragraph."""
        self.blocks.append(Paragraph(plain(text), style))

    def table(self, headings: Sequence[object], rows: Sequence[Sequence[object]], *, total: bool = False) -> None:
        """Add a table."""
        self.blocks.append(
            Table(
                tuple(plain(cell) for cell in headings),
                tuple(tuple(plain(cell) for cell in row) for row in rows),
                total,
            )
        )

    def docx(self) -> bytes:
        """The document as DOCX bytes."""
        document = WordDocument()
        document.styles["Normal"].font.size = Pt(11)
        word_style = {"quote": "Quote", "bullet": "List Bullet", "numbered": "List Number"}
        for block in self.blocks:
            if isinstance(block, Heading):
                document.add_heading(block.text, level=block.level)
            elif isinstance(block, Paragraph):
                if block.style == "bold":
                    document.add_paragraph().add_run(block.text).bold = True
                else:
                    document.add_paragraph(block.text, style=word_style.get(block.style))
            else:
                table = document.add_table(rows=1, cols=len(block.headings))
                table.style = "Table Grid"
                for cell, heading in zip(table.rows[0].cells, block.headings, strict=True):
                    cell.text = heading
                for row in block.rows:
                    for cell, value in zip(table.add_row().cells, row, strict=True):
                        cell.text = value
        buffer = io.BytesIO()
        document.save(buffer)
        return buffer.getvalue()

    def pdf(self) -> bytes:
        """The document as PDF bytes (A4)."""
        writer = _Writer()
        for block in self.blocks:
            writer.block(block)
        return bytes(writer.output())

    def write(self, format: Literal["docx", "pdf"]) -> bytes:
        """The document in the format asked for."""
        return self.docx() if format == "docx" else self.pdf()


def _font_folder() -> Path | None:
    return next((folder for folder in FONT_FOLDERS if (folder / "DejaVuSans.ttf").is_file()), None)


class _Writer(FPDF):
    """An A4 page writer that knows the blocks."""

    def __init__(self) -> None:
        super().__init__(format="A4")
        self.set_margins(20, 20, 20)
        self.set_auto_page_break(auto=True, margin=20)
        folder = _font_folder()
        self.unicode = folder is not None
        if folder is not None:
            self.add_font("Body", "", str(folder / "DejaVuSans.ttf"))
            self.add_font("Body", "B", str(folder / "DejaVuSans-Bold.ttf"))
            self.add_font("Body", "I", str(folder / "DejaVuSans-Oblique.ttf"))
            self.family = "Body"
        else:
            self.family = "Helvetica"
        self.add_page()

    def text_of(self, text: str) -> str:
        if self.unicode:
            return text
        folded = unicodedata.normalize("NFKC", text).replace("\u2013", "-").replace("\u2014", "-")
        return folded.encode("latin-1", "replace").decode("latin-1")

    def block(self, block: Block) -> None:
        width = self.epw
        if isinstance(block, Heading):
            self.set_font(self.family, "B", {1: 15, 2: 13}.get(block.level, 11))
            self.ln(2)
            self.multi_cell(width, 7, self.text_of(block.text), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
            self.ln(1)
        elif isinstance(block, Paragraph):
            style = {"bold": "B", "quote": "I"}.get(block.style, "")
            self.set_font(self.family, style, 10.5)
            prefix = {"bullet": "\u2022 " if self.unicode else "- "}.get(block.style, "")
            indent = 8 if block.style in ("quote", "bullet", "numbered") else 0
            self.set_x(self.l_margin + indent)
            self.multi_cell(width - indent, 5.5, self.text_of(prefix + block.text), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
            self.ln(1.5)
        else:
            self.set_font(self.family, "", 9.5)
            with self.table(width=width, first_row_as_headings=True) as table:
                heading_row = table.row()
                for cell in block.headings:
                    heading_row.cell(self.text_of(cell))
                for number, values in enumerate(block.rows, start=1):
                    last = block.total and number == len(block.rows)
                    row = table.row(style=FontFace(emphasis="BOLD") if last else None)
                    for cell in values:
                        row.cell(self.text_of(cell))
            self.ln(2)
