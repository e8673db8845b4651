"""CSV (UTF-8 with BOM, so Excel opens Chinese text right) and XLSX of any board."""

from __future__ import annotations

import csv
import io

from flask_babel import gettext as _

from .leaderboard import METRICS, STAFF_METRICS, WINDOWS, Board


def board_table(board: Board) -> tuple[list[str], list[list]]:
    """The header and rows every export (and the API) shows of a board."""
    query = board.query
    header = [
        _("Rank"), _("Code"), _("Name"), STAFF_METRICS.get(query.metric, METRICS.get(query.metric)),
        _("Per 10,000 residents"), _("Population"), _("Previous rank"), _("Change"),
    ]  # fmt: skip
    rows = [
        [e.rank, e.code, e.display_name, e.value, e.per_capita, e.population,
         e.previous_rank, e.change]
        for e in board.entries
    ]  # fmt: skip
    return [str(h) for h in header], rows


def describe(board: Board) -> str:
    query = board.query
    return _(
        "%(metric)s, %(window)s, %(start)s to %(end)s",
        metric=STAFF_METRICS[query.metric],
        window=WINDOWS[query.window],
        start=query.period.start.isoformat(),
        end=query.period.end.isoformat(),
    )


def to_csv(board: Board) -> bytes:
    header, rows = board_table(board)
    return csv_bytes(describe(board), header, rows)


def to_xlsx(board: Board) -> bytes:
    header, rows = board_table(board)
    return xlsx_bytes("rankings", describe(board), header, rows)


def csv_bytes(caption: str, header: list[str], rows: list[list]) -> bytes:
    """A table as CSV: a caption line, the header, the rows; UTF-8 with a BOM for Excel."""
    text = io.StringIO()
    writer = csv.writer(text)
    writer.writerow([caption])
    writer.writerow(header)
    for row in rows:
        writer.writerow(["" if v is None else v for v in row])
    return b"\xef\xbb\xbf" + text.getvalue().encode("utf-8")


def xlsx_bytes(sheet_title: str, caption: str, header: list[str], rows: list[list]) -> bytes:
    """A table as one XLSX sheet: the caption, the header, the rows (decimals as numbers)."""
    from openpyxl import Workbook  # deferred: heavy, and only exports need it

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = sheet_title
    sheet.append([caption])
    sheet.append(header)
    for row in rows:
        sheet.append([float(v) if hasattr(v, "as_tuple") else v for v in row])
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()
