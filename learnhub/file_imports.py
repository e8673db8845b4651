"""Files people upload in bulk (a course catalogue, learners to open accounts for): reading
them the same way and reporting every problem with the place it is in.

Nothing is written unless the whole file is sound, so a file's problems are collected and
reported together, each with its line (and, in a catalogue, its course, lesson, question).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from dataclasses import dataclass

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l


@dataclass(frozen=True)
class Place:
    """Where a problem is: course, lesson and question numbers (from 1) and the line."""

    course: int | None = None
    lesson: int | None = None
    question: int | None = None
    line: int | None = None

    def __str__(self) -> str:
        if self.course is None:
            where = _("the file")
        elif self.lesson is None:
            where = _("course %(course)d", course=self.course)
        elif self.question is None:
            where = _("course %(course)d, lesson %(lesson)d", course=self.course,
                      lesson=self.lesson)  # fmt: skip
        else:
            where = _("course %(course)d, lesson %(lesson)d, question %(question)d",
                      course=self.course, lesson=self.lesson, question=self.question)  # fmt: skip
        if self.line is None:
            return where
        return _("%(place)s (line %(line)d)", place=where, line=self.line)


@dataclass(frozen=True)
class ImportProblem:
    """One thing wrong in the file; ``key`` is the field's name in the file, if any."""

    place: Place
    message: object
    key: str | None = None

    def __str__(self) -> str:
        key = f"{self.key}: " if self.key else ""
        return f"{self.place}: {key}{self.message}"


class ImportFileError(ValueError):
    """A file that cannot be read as what it should be at all; ``problems`` says why."""

    def __init__(self, problems: list[ImportProblem]):
        super().__init__(f"{len(problems)} problem(s) in the file")
        self.problems = problems


def file_error(message, line: int | None = None) -> ImportFileError:
    """The error of a file with one problem, at a line or in the file as a whole."""
    return ImportFileError([ImportProblem(Place(line=line), message)])


def decode_csv(raw: bytes) -> str:
    """UTF-8 (with or without BOM), else GB18030 — what Excel saves on Chinese Windows."""
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        return raw.decode("gb18030")
    except UnicodeDecodeError:
        raise file_error(_l("The file is not UTF-8 text.")) from None


@dataclass(frozen=True)
class CsvTable:
    """A CSV file read: its columns, its non-blank rows with their lines, its problems."""

    columns: list[str]
    rows: list[tuple[int, list[str]]]
    problems: list[ImportProblem]

    def raise_problems(self) -> None:
        """Report every row problem at once (call it once the columns are known to be right)."""
        if self.problems:
            raise ImportFileError(self.problems)


def read_csv(text: str, column_name: Callable[[str], str] = str.strip) -> CsvTable:
    """The first line's column names (each through ``column_name``), and every other
    non-blank row with the line it starts on; a row with more cells than there are
    columns is a problem."""
    reader = csv.reader(io.StringIO(text, newline=""))
    rows, problems, start = [], [], 1
    try:
        columns = [column_name(name) for name in next(reader, [])]
        start = reader.line_num + 1
        for cells in reader:
            line, start = start, reader.line_num + 1
            if not any(cell.strip() for cell in cells):
                continue
            if len(cells) > len(columns):
                message = _l("This row has %(count)d cells; the first line names %(columns)d.",
                             count=len(cells), columns=len(columns))  # fmt: skip
                problems.append(ImportProblem(Place(line=line), message))
            rows.append((line, cells))
    except csv.Error:
        # A cell over csv's field limit (128 KiB), a NUL byte, a quote left open: the file
        # cannot be read past here, so it is refused as a whole, naming the line.
        raise file_error(_l("This line cannot be read as CSV (a cell too long, or a quote "
                            "left open)."), line=start) from None  # fmt: skip
    return CsvTable(columns, rows, problems)
