"""Demo courses: the catalogue in learnhub/data/demo-courses, imported once."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path

import click
from flask_babel import force_locale

from learnhub.file_imports import ImportFileError

from .import_files import read_catalogue_file
from .import_report import ImportReport
from .importer import import_catalogue
from .services import ensure_modules

DEMO_CATALOGUE = Path(__file__).resolve().parent.parent / "data" / "demo-courses" / "courses.json"


def load_demo_courses(
    progress: Callable[[Iterable], Iterable] = iter, path: Path = DEMO_CATALOGUE
) -> ImportReport | None:
    """Import the demo catalogue, leaving out courses whose title exists (so it repeats safely).

    Adds and flushes; the caller commits. Returns None when there is no demo catalogue.
    """
    if not path.exists():
        return None
    ensure_modules()
    try:
        data = read_catalogue_file(path)
    except ImportFileError as error:
        _fail(path, error.problems)
    report = import_catalogue(
        data, base_dir=path.parent, skip_existing_titles=True, progress=progress
    )
    if not report.ok:
        _fail(path, report.problems)
    return report


def _fail(path: Path, problems) -> None:
    with force_locale("en"):
        lines = "\n".join(str(problem) for problem in problems)
    raise click.ClickException(f"the demo catalogue {path} has problems:\n{lines}")
