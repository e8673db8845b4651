"""The activity report as a table: on screen, as CSV (BOM) and as XLSX. Aggregates only:
no person is named, so exporting it needs no audit entry."""

from __future__ import annotations

from flask_babel import gettext as _

from learnhub.rankings.exports import csv_bytes, xlsx_bytes

from .report import Figures, Report


def report_header() -> list[str]:
    return [
        _("Region"), _("Activities held"), _("Attendances"), _("Participants"),
        _("Elders (60 and over)"), _("Sign-ups"), _("Credits awarded"), _("Population"),
        _("Attendances per 10,000 residents"), _("Participants per 10,000 residents"),
        _("Ratings"), _("Mean satisfaction (1–5)"),
    ]  # fmt: skip


def figures_row(name: str, f: Figures) -> list:
    return [
        name, f.sessions, f.attendances, f.participants, f.elders, f.signups, f.credits,
        f.population, f.attendances_per_10k, f.participants_per_10k, f.ratings, f.mean_rating,
    ]  # fmt: skip


def report_rows(report: Report) -> list[list]:
    rows = [figures_row(row.name, row.figures) for row in report.rows]
    rows.append(figures_row(_("Total: %(region)s", region=report.region_name), report.total))
    return rows


def caption(report: Report) -> str:
    return _(
        "Activity report of %(region)s, %(start)s to %(end)s",
        region=report.region_name, start=report.start.isoformat(), end=report.end.isoformat(),
    )  # fmt: skip


def to_csv(report: Report) -> bytes:
    return csv_bytes(caption(report), report_header(), report_rows(report))


def to_xlsx(report: Report) -> bytes:
    return xlsx_bytes("report", caption(report), report_header(), report_rows(report))
