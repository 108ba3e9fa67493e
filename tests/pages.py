"""Reading figures back from the web view's HTML, for comparing them with the API."""

from decimal import Decimal
from html.parser import HTMLParser

ROW_KEYS = ("data-key", "data-agreement", "data-contribution", "data-movement")


class FigureTable(HTMLParser):
    """Collects, per table row marked with a data- key, the text of each cell marked data-field."""

    def __init__(self, table_id: str) -> None:
        super().__init__()
        self.table_id = table_id
        self.in_table = False
        self.depth = 0
        self.row: str | None = None
        self.field: str | None = None
        self.rows: dict[str, dict[str, str]] = {}

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        """Track the table, its marked rows and their marked cells."""
        attributes = dict(attrs)
        if tag == "table" and attributes.get("id") == self.table_id:
            self.in_table = True
        if not self.in_table:
            return
        if tag == "table":
            self.depth += 1
        if tag == "tr":
            self.row = next((f"{key[5:]}:{attributes[key]}" for key in ROW_KEYS if key in attributes), None)
            if self.row:
                self.rows[self.row] = {}
        if tag == "td" and self.row and attributes.get("data-field"):
            self.field = attributes["data-field"]
            self.rows[self.row][self.field] = ""

    def handle_endtag(self, tag: str) -> None:
        """Close cells, rows and the table."""
        if not self.in_table:
            return
        if tag == "td":
            self.field = None
        if tag == "tr":
            self.row = None
        if tag == "table":
            self.depth -= 1
            if self.depth == 0:
                self.in_table = False

    def handle_data(self, data: str) -> None:
        """Text inside a marked cell."""
        if self.in_table and self.row and self.field:
            self.rows[self.row][self.field] += data.strip()


def figures(html: str, table_id: str) -> dict[str, dict[str, str]]:
    """{'key:blaby': {'total_value': '£87,346.17', ...}, ...} for a table of the page."""
    parser = FigureTable(table_id)
    parser.feed(html)
    return parser.rows


def pounds(text: str) -> Decimal:
    """The amount a page shows as £1,234.50 or −£1,234.50."""
    cleaned = text.replace("£", "").replace(",", "").replace("\u2212", "-").strip()
    return Decimal(cleaned)


class KeyFigures(HTMLParser):
    """Collects the key figures (dd elements marked data-field) and which of them are parts of the total."""

    def __init__(self) -> None:
        super().__init__()
        self.field: str | None = None
        self.values: dict[str, str] = {}
        self.parts: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        """Open a marked figure."""
        attributes = dict(attrs)
        if tag == "dd" and attributes.get("data-field"):
            self.field = attributes["data-field"]
            self.values[self.field] = ""
            if "data-part" in attributes:
                self.parts.append(self.field)

    def handle_endtag(self, tag: str) -> None:
        """Close a figure."""
        if tag == "dd":
            self.field = None

    def handle_data(self, data: str) -> None:
        """Text inside a marked figure."""
        if self.field:
            self.values[self.field] += data.strip()


def key_figures(html: str) -> tuple[dict[str, Decimal], list[str]]:
    """The page's key figures as amounts, and the fields marked as parts of the total value."""
    parser = KeyFigures()
    parser.feed(html)
    return {field: pounds(text) for field, text in parser.values.items()}, parser.parts
