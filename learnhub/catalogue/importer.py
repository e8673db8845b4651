"""Bulk import of courses: JSON (courses with lessons, quizzes and media) or CSV (courses only).

All or nothing: every course is checked first, against the same rules as the studio's
forms, and when anything is wrong the report names every problem with its place in the
file and nothing is written. The formats are described in docs/catalogue-import.md.
"""

from __future__ import annotations

import csv
import io
import json
import json.scanner
import re
from bisect import bisect_left
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from learnhub.accounts.models import User
from learnhub.extensions import db
from learnhub.forms import normalise_text
from learnhub.media import MediaError, MediaKind, check_file, discard
from learnhub.studio import services as studio

from .models import Audience, Course, CourseLevel, LessonKind, Module

COURSE_KEYS = frozenset({
    "module", "title", "summary", "level", "audiences", "region", "study_hours", "credits",
    "status", "featured", "cover", "lessons",
})  # fmt: skip
LESSON_KEYS = frozenset(
    {"title", "kind", "body_html", "media", "duration_seconds", "pass_mark", "questions"}
)
QUESTION_KEYS = frozenset({"prompt", "multiple", "choices"})
CHOICE_KEYS = frozenset({"text", "correct"})
CSV_COLUMNS = ("module", "title", "summary", "level", "audiences", "region", "study_hours",
               "credits", "status", "featured")  # fmt: skip
STATUSES = ("draft", "published")
TRUE_WORDS = frozenset({"true", "yes", "y", "1", "是"})
FALSE_WORDS = frozenset({"false", "no", "n", "0", "否", ""})
MEDIA_KINDS = {LessonKind.VIDEO: MediaKind.VIDEO, LessonKind.AUDIO: MediaKind.AUDIO}


# ---- where, what, and the report -------------------------------------------------------


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


@dataclass
class ImportReport:
    """What an import did, or on a dry run would do; nothing is written unless ``ok``."""

    courses: list[str] = field(default_factory=list)  # titles created (or to be created)
    lessons: int = 0
    skipped: list[str] = field(default_factory=list)  # titles already in the catalogue
    problems: list[ImportProblem] = field(default_factory=list)
    dry_run: bool = False

    @property
    def ok(self) -> bool:
        return not self.problems


class CatalogueFileError(ValueError):
    """A file that cannot be read as a catalogue at all; ``problems`` says why."""

    def __init__(self, problems: list[ImportProblem]):
        super().__init__(f"{len(problems)} problem(s) in the catalogue file")
        self.problems = problems


# ---- reading files ---------------------------------------------------------------------


class _Entry(dict):
    """A JSON object or CSV row that remembers the line it starts on."""

    line: int | None = None


def read_catalogue_file(path: Path) -> dict:
    """Read a .json or .csv catalogue into ``{"courses": [...]}`` (entries know their line)."""
    suffix = path.suffix.lower()
    if suffix not in (".json", ".csv"):
        raise _file_error(_l("Give a .json or a .csv file."))
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        raise _file_error(_l("The file is not UTF-8 text.")) from None
    except OSError:
        raise _file_error(_l("The file %(name)s cannot be read.", name=path.name)) from None
    return parse_json(text) if suffix == ".json" else parse_csv(text)


def _file_error(message, line: int | None = None) -> CatalogueFileError:
    return CatalogueFileError([ImportProblem(Place(line=line), message)])


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
        raise _file_error(message, line=error.lineno) from None
    except ValueError as error:
        raise _file_error(_l("This is not valid JSON: %(reason)s.", reason=str(error))) from None
    return data


def _refuse_constant(name: str):
    raise ValueError(f"{name} is not a number")


def parse_csv(text: str) -> dict:
    """Parse catalogue CSV: one course per row, audiences separated by semicolons."""
    reader = csv.reader(io.StringIO(text, newline=""))
    columns = [name.strip() for name in next(reader, [])]
    if sorted(columns) != sorted(CSV_COLUMNS):
        message = _l("The first line must name the columns %(columns)s.",
                     columns=",".join(CSV_COLUMNS))  # fmt: skip
        raise _file_error(message, line=1)
    courses, problems, start = [], [], reader.line_num + 1
    for cells in reader:
        line, start = start, reader.line_num + 1
        if not any(cell.strip() for cell in cells):
            continue
        if len(cells) > len(columns):
            message = _l("This row has %(count)d cells; the first line names %(columns)d.",
                         count=len(cells), columns=len(columns))  # fmt: skip
            problems.append(ImportProblem(Place(line=line), message))
        courses.append(_csv_entry(dict(zip(columns, cells, strict=False)), line))
    if problems:
        raise CatalogueFileError(problems)
    return {"courses": courses}


def _csv_entry(row: dict[str, str], line: int) -> _Entry:
    entry = _Entry({key: value for key, value in row.items() if value.strip()})
    entry.line = line
    if "audiences" in entry:
        entry["audiences"] = [a for a in re.split(r"[;；]", entry["audiences"]) if a.strip()]
    return entry


# ---- checking ---------------------------------------------------------------------------


@dataclass
class LessonPlan:
    kind: LessonKind
    details: studio.LessonDetails
    media: Path | None
    questions: list[studio.QuestionDetails]


@dataclass
class CoursePlan:
    details: studio.CourseDetails
    publish: bool
    cover: Path | None
    lessons: list[LessonPlan]


@dataclass
class _Context:
    """What checking needs to know once, not once per course."""

    base_dir: Path
    module_ids: dict[str, int]
    regions: frozenset[str]
    existing_titles: frozenset[str]
    problems: list[ImportProblem]


class _Checker:
    """Reads one entry's values, noting every problem at the entry's place."""

    def __init__(self, context: _Context, entry, place: Place):
        self.context = context
        self.entry = entry if isinstance(entry, dict) else {}
        self.place = Place(place.course, place.lesson, place.question, getattr(entry, "line", None))
        self.reported: set[str | None] = set()

    def problem(self, message, key: str | None = None) -> None:
        self.reported.add(key)
        self.context.problems.append(ImportProblem(self.place, message, key))

    def rule_problems(self, problems: dict[str, object]) -> None:
        """Problems found by the studio's rules, except on values already reported."""
        for key, message in problems.items():
            if key not in self.reported:
                self.problem(message, key)

    def unknown_keys(self, known: frozenset[str]) -> None:
        # Keys starting with "_" are comments; anything else unknown is likely a typo.
        for key in sorted(set(self.entry) - known):
            if not str(key).startswith("_"):
                self.problem(_l("Unknown field “%(key)s”.", key=key))

    def text(self, key: str, default: str = "") -> str:
        value = self.entry.get(key)
        if value is None:
            return default
        if isinstance(value, int | Decimal) and not isinstance(value, bool):
            value = str(value)
        if not isinstance(value, str):
            self.problem(_l("Write this as text."), key)
            return default
        return value.strip()

    def decimal(self, key: str) -> Decimal:
        value = self.entry.get(key)
        if isinstance(value, str):
            try:
                return Decimal(normalise_text(value))
            except InvalidOperation:
                pass
        elif isinstance(value, int | Decimal) and not isinstance(value, bool):
            return Decimal(value)
        self.problem(_l('Write a number, for example "2.5".'), key)
        return Decimal(1)

    def whole_number(self, key: str, default: int | None = None) -> int | None:
        value = self.entry.get(key, default)
        if isinstance(value, str) and normalise_text(value).isdigit():
            return int(normalise_text(value))
        if value is None or (isinstance(value, int) and not isinstance(value, bool)):
            return value
        self.problem(_l("Write a whole number."), key)
        return default

    def flag(self, key: str) -> bool:
        value = self.entry.get(key, False)
        if isinstance(value, str) and value.strip().lower() in TRUE_WORDS | FALSE_WORDS:
            return value.strip().lower() in TRUE_WORDS
        if isinstance(value, bool):
            return value
        self.problem(_l("Write true or false."), key)
        return False

    def one_of(self, key: str, allowed: Iterable[str], default: str | None = None) -> str | None:
        allowed = list(allowed)
        value = self.text(key, default or "")
        if value in allowed:
            return value
        if key in self.reported:
            return None
        if not value:
            self.problem(_l("Missing: give one of %(allowed)s.", allowed=", ".join(allowed)), key)
        else:
            self.problem(_not_one_of(value, allowed), key)
        return None

    def audiences(self) -> frozenset[Audience]:
        allowed = [audience.value for audience in Audience]
        chosen = set()
        for value in self.entries("audiences"):
            if isinstance(value, str) and value.strip() in allowed:
                chosen.add(Audience(value.strip()))
            else:
                self.problem(_not_one_of(value, allowed), "audiences")
        return frozenset(chosen)

    def entries(self, key: str) -> list:
        value = self.entry.get(key, [])
        if not isinstance(value, list):
            self.problem(_l("Write a list […]."), key)
            return []
        return value

    def file(self, key: str, kind: MediaKind) -> Path | None:
        name = self.text(key)
        if not name:
            return None
        path = self.context.base_dir / name
        try:
            check_file(path, kind)
        except MediaError as error:
            self.problem(error.message, key)
        return path


def _not_one_of(value, allowed: list[str]):
    return _l("“%(value)s” is not one of: %(allowed)s.", value=value, allowed=", ".join(allowed))


def _plan_course(context: _Context, entry, place: Place) -> CoursePlan | None:
    check = _Checker(context, entry, place)
    if not isinstance(entry, dict):
        check.problem(_l("Each course must be an object {…}."))
        return None
    check.unknown_keys(COURSE_KEYS)
    module = check.one_of("module", context.module_ids)
    region = check.one_of("region", sorted(context.regions))
    level = check.one_of("level", [lv.value for lv in CourseLevel], default="beginner")
    details = studio.CourseDetails(
        module_id=context.module_ids.get(module or ""),
        title=check.text("title"),
        summary=check.text("summary"),
        level=CourseLevel(level or "beginner"),
        region_code=region or current_app.config["HOME_PROVINCE"],
        study_hours=check.decimal("study_hours"),
        credits=check.decimal("credits"),
        audiences=check.audiences(),
        featured=check.flag("featured"),
    )
    check.rule_problems(studio.course_problems(details))
    publish = check.one_of("status", STATUSES, default="draft") == "published"
    cover = check.file("cover", MediaKind.IMAGE)
    lessons = [
        _plan_lesson(context, lesson, Place(place.course, number))
        for number, lesson in enumerate(check.entries("lessons"), start=1)
    ]
    if publish and not lessons:
        check.problem(_l("A course without lessons can only be imported as a draft."), "status")
    if publish and any(p and p.kind is LessonKind.QUIZ and not p.questions for p in lessons):
        check.problem(_l("A published course's quizzes need at least one question."), "status")
    return CoursePlan(details, publish, cover, [p for p in lessons if p])


def _plan_lesson(context: _Context, entry, place: Place) -> LessonPlan | None:
    check = _Checker(context, entry, place)
    if not isinstance(entry, dict):
        check.problem(_l("Each lesson must be an object {…}."))
        return None
    check.unknown_keys(LESSON_KEYS)
    kind_name = check.one_of("kind", [k.value for k in LessonKind])
    if kind_name is None:
        return None
    kind = LessonKind(kind_name)
    media = check.file("media", MEDIA_KINDS[kind]) if kind in MEDIA_KINDS else None
    if kind in MEDIA_KINDS and media is None and "media" not in check.reported:
        check.problem(_l("Give the path of the media file."), "media")
    details = studio.LessonDetails(
        title=check.text("title"),
        body_html=check.text("body_html"),
        duration_seconds=check.whole_number("duration_seconds", 0) or 0,
        pass_mark=check.whole_number("pass_mark", studio.DEFAULT_PASS_MARK),
    )
    check.rule_problems(studio.lesson_problems(kind, details))
    questions = check.entries("questions")
    if questions and kind is not LessonKind.QUIZ:
        check.problem(_l("Only quizzes have questions."), "questions")
    planned = [
        _plan_question(context, question, Place(place.course, place.lesson, number))
        for number, question in enumerate(questions, start=1)
    ]
    return LessonPlan(kind, details, media, [q for q in planned if q])


def _plan_question(context: _Context, entry, place: Place) -> studio.QuestionDetails | None:
    check = _Checker(context, entry, place)
    if not isinstance(entry, dict):
        check.problem(_l("Each question must be an object {…}."))
        return None
    check.unknown_keys(QUESTION_KEYS)
    choices = []
    for raw in check.entries("choices"):
        choice = _Checker(context, raw, place)
        if not isinstance(raw, dict):
            check.problem(_l("Each answer must be an object {…}."), "choices")
            continue
        choice.unknown_keys(CHOICE_KEYS)
        choices.append((choice.text("text"), choice.flag("correct")))
    details = studio.QuestionDetails(
        prompt=check.text("prompt"), multiple=check.flag("multiple"), choices=tuple(choices)
    )
    check.rule_problems(studio.question_problems(details))
    return details


def _context(base_dir: Path, problems: list[ImportProblem]) -> _Context:
    regions = frozenset(region.code for region in studio.course_regions())
    return _Context(
        base_dir=base_dir,
        module_ids=dict(db.session.execute(select(Module.slug, Module.id)).all()),
        regions=regions,
        existing_titles=frozenset(db.session.scalars(select(Course.title))),
        problems=problems,
    )


def check_catalogue(
    data, base_dir: Path, report: ImportReport, skip_existing_titles: bool, progress: Callable
) -> list[CoursePlan]:
    """Check every course of the data; fill the report; return what is to be created."""
    entries = data.get("courses") if isinstance(data, dict) else None
    if not isinstance(entries, list):
        message = _l('Put the courses in a list: {"courses": […]}.')
        report.problems.append(ImportProblem(Place(), message))
        return []
    context = _context(base_dir, report.problems)
    plans = []
    for number, entry in enumerate(progress(entries), start=1):
        title = entry.get("title") if isinstance(entry, dict) else None
        title = title.strip() if isinstance(title, str) else None
        if skip_existing_titles and title in context.existing_titles:
            report.skipped.append(title)
            continue
        plan = _plan_course(context, entry, Place(number))
        if plan:
            plans.append(plan)
            report.courses.append(plan.details.title)
            report.lessons += len(plan.lessons)
    return plans


# ---- writing ----------------------------------------------------------------------------


def import_catalogue(
    data,
    created_by: User | None = None,
    *,
    base_dir: Path | None = None,
    dry_run: bool = False,
    skip_existing_titles: bool = False,
    progress: Callable[[Iterable], Iterable] = iter,
) -> ImportReport:
    """Check every course, then create them all, or none when anything is wrong.

    ``data`` is ``{"courses": [...]}`` as read by read_catalogue_file(); media paths are
    relative to ``base_dir``. The caller commits when the report is ``ok`` (and not a dry
    run), and otherwise rolls back.
    """
    report = ImportReport(dry_run=dry_run)
    plans = check_catalogue(data, base_dir or Path.cwd(), report, skip_existing_titles, progress)
    if report.ok and not dry_run:
        _create_all(plans, created_by, progress)
    return report


def _create_all(plans: list[CoursePlan], created_by: User | None, progress: Callable) -> None:
    stored: list[str] = []
    try:
        for plan in progress(plans):
            _create_course(plan, created_by, stored)
    except Exception:
        for path in stored:  # the caller rolls back the rows; these are the files
            discard(path)
        raise


def _create_course(plan: CoursePlan, created_by: User | None, stored: list[str]) -> None:
    course = studio.create_course(plan.details, created_by)
    if plan.cover:
        with plan.cover.open("rb") as picture:
            studio.set_cover(course, picture)
        stored.append(course.cover_path)
    for lesson_plan in plan.lessons:
        if lesson_plan.media:
            with lesson_plan.media.open("rb") as media:
                lesson = studio.add_lesson(course, lesson_plan.kind, lesson_plan.details, media)
            stored.append(lesson.media_path)
        else:
            lesson = studio.add_lesson(course, lesson_plan.kind, lesson_plan.details)
        for question in lesson_plan.questions:
            studio.add_question(lesson, question)
    if plan.publish:
        studio.publish_course(course)
