"""The type of an uploaded file, read from its first bytes: the name and the claimed type are not trusted."""

import io
import zipfile

PDF = "application/pdf"
OFFICE_OPEN_XML = {
    "word/": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xl/": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "ppt/": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
}
MAGIC = (
    (b"%PDF-", PDF),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"GIF87a", "image/gif"),
    (b"GIF89a", "image/gif"),
    (b"II*\x00", "image/tiff"),
    (b"MM\x00*", "image/tiff"),
    # Word 97-2003, Excel and Outlook messages share the OLE compound file header.
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "application/vnd.ms-office"),
)
ACCEPTED = "PDF, PNG, JPEG, GIF or TIFF images, or Word, Excel or PowerPoint files"
KIND_NAMES = {
    PDF: "a PDF",
    "image/png": "a PNG image",
    "image/jpeg": "a JPEG image",
    "image/gif": "a GIF image",
    "image/tiff": "a TIFF image",
    "application/vnd.ms-office": "an older Office file (Word, Excel or Outlook 97-2003)",
    OFFICE_OPEN_XML["xl/"]: "an Excel workbook",
    OFFICE_OPEN_XML["ppt/"]: "a PowerPoint presentation",
}
"""Each accepted kind of file in words, for a refusal that says what a file is."""


def sniff(content: bytes) -> str | None:
    """The media type the content really has, or None if it is not an accepted kind of file."""
    for magic, media_type in MAGIC:
        if content.startswith(magic):
            return media_type
    if content.startswith(b"PK\x03\x04"):
        return _office_open_xml(content)
    return None


def _office_open_xml(content: bytes) -> str | None:
    """A zip is accepted only when it is a Word, Excel or PowerPoint file."""
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            names = archive.namelist()
    except zipfile.BadZipFile:
        return None
    if "[Content_Types].xml" not in names:
        return None
    for prefix, media_type in OFFICE_OPEN_XML.items():
        if any(name.startswith(prefix) for name in names):
            return media_type
    return None
