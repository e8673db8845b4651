"""The transcript (学习档案) as a PDF, with Chinese text that prints and can be copied.

Fonts: the first TrueType CJK font found (``CREDIT_PDF_FONT`` if set, then common system
paths such as WenQuanYi Micro Hei) is embedded as a subset. When none is found, the PDF
uses reportlab's built-in CID font STSong-Light (Adobe-GB1): nothing is embedded, and the
reader's own Chinese font draws it — every PDF reader on a Chinese system has one.
"""

from __future__ import annotations

import io
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from xml.sax.saxutils import escape

from flask import current_app
from flask_babel import format_date, format_datetime
from flask_babel import gettext as _
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from learnhub.database import utcnow

from .models import ACCOUNT_STATUS_LABELS, ENTRY_KIND_LABELS, Certificate, CreditAccount

log = logging.getLogger(__name__)

FONT_CANDIDATES = (
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "/usr/share/fonts/truetype/arphic/uming.ttc",
    "/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf",
    "/System/Library/Fonts/STHeiti Light.ttc",
    "C:/Windows/Fonts/simhei.ttf",
)
EMBEDDED_FONT = "LearnhubCJK"
CID_FONT = "STSong-Light"
_font_lock = threading.Lock()
_font_name: str | None = None


def cjk_font() -> str:
    """The registered font name to draw Chinese with (found once per process)."""
    global _font_name
    with _font_lock:
        if _font_name is None:
            configured = current_app.config.get("CREDIT_PDF_FONT")
            _font_name = register_font((configured, *FONT_CANDIDATES))
        return _font_name


def register_font(candidates) -> str:
    """Register the first usable TrueType font of ``candidates``, else the CID font."""
    for candidate in candidates:
        if not candidate or not Path(candidate).is_file():
            continue
        try:
            pdfmetrics.registerFont(TTFont(EMBEDDED_FONT, candidate, subfontIndex=0))
        except Exception as error:  # PostScript outlines, broken files: try the next
            log.warning("PDF font %s not usable: %s", candidate, error)
            continue
        return EMBEDDED_FONT
    pdfmetrics.registerFont(UnicodeCIDFont(CID_FONT))
    return CID_FONT


@dataclass(frozen=True)
class TranscriptData:
    """What the transcript shows; the route gathers it through the services."""

    account: CreditAccount
    balance: Decimal
    entries: list  # oldest first
    by_module: list  # (Module, Decimal)
    by_kind: dict
    certificates: list[Certificate]
    verify_url: str
    format_credits: Callable[..., str]
    format_account: Callable[[str], str]
    format_code: Callable[[str], str]


def transcript_pdf(data: TranscriptData, font: str | None = None) -> bytes:
    """The transcript as A4 PDF bytes, in the current request's language."""
    font = font or cjk_font()
    styles = _Styles(font)
    out = io.BytesIO()
    user = data.account.user
    title = _("Learning transcript")
    document = SimpleDocTemplate(
        out, pagesize=A4, title=f"{title} · {user.display_name}",
        author=current_app.config["CREDIT_CERTIFICATE_ISSUER"],
        leftMargin=18 * mm, rightMargin=18 * mm, topMargin=18 * mm, bottomMargin=18 * mm,
    )  # fmt: skip
    story = [Paragraph(escape(title), styles.title), *_facts(data, styles)]
    story += _section(_("Credits per module"), styles, [_("Module"), _("Credits")],
                      [[m.name, data.format_credits(t)] for m, t in data.by_module],
                      [120 * mm, 40 * mm], _("No course credits yet."))  # fmt: skip
    kinds = [[str(label), data.format_credits(data.by_kind[kind], signed=True)]
             for kind, label in ENTRY_KIND_LABELS.items() if kind in data.by_kind]  # fmt: skip
    story += _section(_("Credits per kind"), styles, [_("Kind"), _("Credits")], kinds,
                      [120 * mm, 40 * mm], _("No entries yet."))  # fmt: skip
    story += _section(
        _("All entries, oldest first"), styles,
        [_("No."), _("Date"), _("Kind"), _("Description"), _("Credits"), _("Balance")],
        [[str(e.sequence), format_datetime(e.created_at, "yyyy-MM-dd HH:mm"),
          str(ENTRY_KIND_LABELS[e.kind]), e.memo, data.format_credits(e.amount, signed=True),
          data.format_credits(e.balance_after)] for e in data.entries],
        [12 * mm, 30 * mm, 24 * mm, 60 * mm, 24 * mm, 24 * mm], _("No entries yet."), wrap=(2, 3),
    )  # fmt: skip
    story += _section(
        _("Certificates"), styles, [_("Title"), _("Code"), _("Credits"), _("Issued")],
        [[c.title + (f" ({_('Revoked')})" if c.revoked_at else ""), data.format_code(c.code),
          data.format_credits(c.credits), format_date(c.issued_at)] for c in data.certificates],
        [70 * mm, 46 * mm, 20 * mm, 38 * mm], _("No certificates yet."),
    )  # fmt: skip
    story.append(Spacer(1, 6 * mm))
    story.append(Paragraph(escape(_("Anyone can check a certificate at %(url)s with its code.",
                                    url=data.verify_url)), styles.small))  # fmt: skip
    footer = _("%(name)s · account %(number)s", name=user.display_name,
               number=data.format_account(data.account.number))  # fmt: skip
    document.build(
        story,
        onFirstPage=lambda canvas, doc: _footer(canvas, doc, font, footer),
        onLaterPages=lambda canvas, doc: _footer(canvas, doc, font, footer),
    )
    return out.getvalue()


class _Styles:
    def __init__(self, font: str):
        self.title = ParagraphStyle(
            "title", fontName=font, fontSize=20, leading=26, spaceAfter=4 * mm, wordWrap="CJK"
        )
        self.heading = ParagraphStyle(
            "heading",
            fontName=font,
            fontSize=13,
            leading=18,
            spaceBefore=5 * mm,
            spaceAfter=2 * mm,
            wordWrap="CJK",
        )
        self.cell = ParagraphStyle("cell", fontName=font, fontSize=9.5, leading=13, wordWrap="CJK")
        self.small = ParagraphStyle(
            "small",
            fontName=font,
            fontSize=8.5,
            leading=12,
            textColor=colors.HexColor("#444444"),
            wordWrap="CJK",
        )


def _facts(data: TranscriptData, styles: _Styles) -> list:
    account, user = data.account, data.account.user
    rows = [
        (_("Name"), user.display_name),
        (_("Account number"), data.format_account(account.number)),
        (_("City"), user.city.display_name if user.city else ""),
        (_("Status"), str(ACCOUNT_STATUS_LABELS[account.status])),
        (_("Balance"), f"{data.format_credits(data.balance)} {_('credits')}"),
        (_("Issuer"), current_app.config["CREDIT_CERTIFICATE_ISSUER"]),
        (_("Printed on"), format_date(utcnow(), "long")),
    ]
    table = Table(
        [[_cell(label, styles), _cell(value, styles)] for label, value in rows],
        colWidths=[40 * mm, 120 * mm],
        hAlign="LEFT",
    )
    table.setStyle(
        TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("TEXTCOLOR", (0, 0), (0, -1), colors.HexColor("#444444")),
            ]
        )
    )
    return [table]


ROWS_PER_TABLE = 40  # one long table is split page by page at quadratic cost; chunks are not


def _section(heading, styles, header, rows, widths, empty, wrap=(0,)) -> list:
    """A heading and the rows as tables of ROWS_PER_TABLE rows, each with the header row.

    Only the ``wrap`` columns become Paragraphs (they may need several lines); the rest
    are plain strings, which are many times faster to lay out.
    """
    parts = [Paragraph(escape(heading), styles.heading)]
    if not rows:
        return [*parts, Paragraph(escape(empty), styles.cell)]
    head = [_cell(text, styles) for text in header]
    font, size = styles.cell.fontName, styles.cell.fontSize

    def fits(text: str, width: float) -> bool:  # cell padding is 6 points each side
        return "\n" not in text and stringWidth(text, font, size) <= width - 12

    style = TableStyle([
        ("FONTNAME", (0, 0), (-1, -1), styles.cell.fontName),
        ("FONTSIZE", (0, 0), (-1, -1), styles.cell.fontSize),
        ("LEADING", (0, 0), (-1, -1), styles.cell.leading),
        ("GRID", (0, 0), (-1, -1), 0.4, colors.HexColor("#999999")),
        ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#eeeeee")),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
    ])  # fmt: skip
    for start in range(0, len(rows), ROWS_PER_TABLE):
        body = [
            [_cell(text, styles) if column in wrap and not fits(str(text), widths[column])
             else str(text) for column, text in enumerate(row)]
            for row in rows[start : start + ROWS_PER_TABLE]
        ]  # fmt: skip
        table = Table([head, *body], colWidths=widths, repeatRows=1, hAlign="LEFT")
        table.setStyle(style)
        parts.append(table)
    return parts


def _cell(text, styles: _Styles) -> Paragraph:
    return Paragraph(escape(str(text)), styles.cell)


def _footer(canvas, document, font: str, text: str) -> None:
    canvas.saveState()
    canvas.setFont(font, 8)
    canvas.setFillColor(colors.HexColor("#666666"))
    canvas.drawString(document.leftMargin, 10 * mm, text)
    canvas.drawRightString(A4[0] - document.rightMargin, 10 * mm,
                           _("Page %(page)d", page=document.page))  # fmt: skip
    canvas.restoreState()
