"""Small real files for the demo: a PNG photo drawn here, a one-page PDF, and DOCX/XLSX
packages with the parts Word and Excel read (no binary files are kept in the repository)."""

from __future__ import annotations

import struct
import zipfile
import zlib
from io import BytesIO


def png(width: int, height: int, colour: tuple[int, int, int]) -> bytes:
    """A PNG of one colour with a lighter band, like a photo of a display board."""
    rows = []
    for y in range(height):
        shade = colour if y < height * 2 // 3 else tuple(min(255, c + 60) for c in colour)
        rows.append(b"\x00" + bytes(shade) * width)

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"".join(rows)))
        + chunk(b"IEND", b"")
    )


def pdf(title: str) -> bytes:
    """A one-page PDF whose text is the (ASCII) title."""
    text = "".join(ch for ch in title if ch.isascii() and ch not in "()\\") or "learnhub"
    stream = f"BT /F1 18 Tf 72 720 Td ({text}) Tj ET".encode()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out, offsets = BytesIO(), []
    out.write(b"%PDF-1.4\n")
    for number, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n" % number + body + b"\nendobj\n")
    start = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    for offset in offsets:
        out.write(b"%010d 00000 n \n" % offset)
    out.write(b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n"
              % (len(objects) + 1, start))  # fmt: skip
    return out.getvalue()


CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" '
    'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>{overrides}</Types>'
)
OVERRIDE = '<Override PartName="/{part}" ContentType="{type}"/>'
SHEET_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"
RELS = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
    'relationships/officeDocument" Target="{part}"/></Relationships>'
)


def docx(paragraphs: list[str]) -> bytes:
    """A Word document of plain paragraphs."""
    body = "".join(f"<w:p><w:r><w:t>{p}</w:t></w:r></w:p>" for p in paragraphs)
    document = (
        '<?xml version="1.0" encoding="UTF-8"?><w:document xmlns:w="http://schemas.'
        f'openxmlformats.org/wordprocessingml/2006/main"><w:body>{body}</w:body></w:document>'
    )
    kind = "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"
    return _package({"word/document.xml": document}, {"word/document.xml": kind})


def xlsx(rows: list[list[str]]) -> bytes:
    """An Excel workbook of one sheet of text cells."""
    cells = "".join(
        "<row>" + "".join(f'<c t="inlineStr"><is><t>{v}</t></is></c>' for v in row) + "</row>"
        for row in rows
    )
    main = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
    relations = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
    workbook = (
        f'<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="{main}" xmlns:r="{relations}">'
        '<sheets><sheet name="清单" sheetId="1" r:id="rId1"/></sheets></workbook>'
    )
    sheet = (
        f'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="{main}">'
        f"<sheetData>{cells}</sheetData></worksheet>"
    )
    sheet_rels = RELS.format(part="worksheets/sheet1.xml").replace(
        "relationships/officeDocument", "relationships/worksheet"
    )
    kind = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"
    parts = {"xl/workbook.xml": workbook, "xl/_rels/workbook.xml.rels": sheet_rels,
             "xl/worksheets/sheet1.xml": sheet}  # fmt: skip
    return _package(parts, {"xl/workbook.xml": kind, "xl/worksheets/sheet1.xml": SHEET_TYPE})


def _package(parts: dict[str, str], types: dict[str, str]) -> bytes:
    """A package whose first typed part is its main document."""
    overrides = "".join(OVERRIDE.format(part=part, type=kind) for part, kind in types.items())
    out = BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as package:
        package.writestr("[Content_Types].xml", CONTENT_TYPES.format(overrides=overrides))
        package.writestr("_rels/.rels", RELS.format(part=next(iter(types))))
        for name, text in parts.items():
            package.writestr(name, text)
    return out.getvalue()
