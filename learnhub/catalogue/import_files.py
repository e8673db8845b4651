"""Reading catalogue files: JSON (exact decimals, every object knows its line) and CSV.

The formats are described in docs/catalogue-import.md; ``import_checks`` then checks
what was read.
"""

from __future__ import annotations

import json
import json.scanner
import re
from bisect import bisect_left
from decimal import Decimal
from pathlib import Path

from flask_babel import lazy_gettext as _l

from learnhub.file_imports import file_error, read_csv

CSV_COLUMNS = ("module", "title", "summary", "level", "audiences", "region", "study_hours",
               "credits", "status", "featured")  # fmt: skip


class _Entry(dict):
    """A JSON object or CSV row that remembers the line it starts on."""

    line: int | None = None


def read_catalogue_file(path: Path) -> dict:
    """Read a .json or .csv catalogue into ``{"courses": [...]}`` (entries know their line)."""
    suffix = path.suffix.lower()
    if suffix not in (".json", ".csv"):
        raise file_error(_l("Give a .json or a .csv file."))
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        raise file_error(_l("The file is not UTF-8 text.")) from None
    except OSError:
        raise file_error(_l("The file %(name)s cannot be read.", name=path.name)) from None
    return parse_json(text) if suffix == ".json" else parse_csv(text)


def parse_json(text: str) -> dict:
    """Parse catalogue JSON: decimals stay exact (never floats); objects know their line."""
    newlines = [match.start() for match in re.finditer("\n", text)]
    decoder = json.JSONDecoder(
        parse_float=Decimal, parse_constant=_refuse_constant, object_pairs_hook=_Entry
    )
    parse_object = decoder.parse_object

    def parse_object_with_line(string_and_start, *args):
        entry, end = parse_object(string_and_start, *args)
        entry.line = bisect_left(newlines, string_and_start[1] - 1) + 1
        return entry, end

    # The pure-Python scanner calls parse_object for every object (the C one does not).
    decoder.parse_object = parse_object_with_line
    decoder.scan_once = json.scanner.py_make_scanner(decoder)
    try:
        data = decoder.decode(text)
    except json.JSONDecodeError as error:
        message = _l("This is not valid JSON at column %(column)d: %(reason)s.",
                     column=error.colno, reason=error.msg)  # fmt: skip
        raise file_error(message, line=error.lineno) from None
    except ValueError as error:
        raise file_error(_l("This is not valid JSON: %(reason)s.", reason=str(error))) from None
    return data


def _refuse_constant(name: str):
    raise ValueError(f"{name} is not a number")


def parse_csv(text: str) -> dict:
    """Parse catalogue CSV: one course per row, audiences separated by semicolons."""
    table = read_csv(text)
    if sorted(table.columns) != sorted(CSV_COLUMNS):
        message = _l("The first line must name the columns %(columns)s.",
                     columns=",".join(CSV_COLUMNS))  # fmt: skip
        raise file_error(message, line=1)
    table.raise_problems()
    courses = [_csv_entry(dict(zip(table.columns, cells, strict=False)), line)
               for line, cells in table.rows]  # fmt: skip
    return {"courses": courses}


def _csv_entry(row: dict[str, str], line: int) -> _Entry:
    entry = _Entry({key: value for key, value in row.items() if value.strip()})
    entry.line = line
    if "audiences" in entry:
        entry["audiences"] = [a for a in re.split(r"[;；]", entry["audiences"]) if a.strip()]
    return entry
