"""Checking a catalogue: every course, lesson and question against the catalogue's rules.

Every problem is noted with its place in the file; what passes becomes a plan of what to
create, which ``importer`` carries out only when nothing at all is wrong.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from learnhub.extensions import db
from learnhub.file_imports import ImportProblem, Place
from learnhub.forms import normalise_text
from learnhub.media import MediaError, MediaKind, check_file

from .authoring import MEDIA_KINDS
from .course_authoring import CourseDetails, course_problems, course_regions
from .import_report import ImportReport
from .lesson_authoring import DEFAULT_PASS_MARK, LessonDetails, lesson_problems
from .models import Audience, Course, CourseLevel, LessonKind, Module
from .question_authoring import QuestionDetails, question_problems

COURSE_KEYS = frozenset({
    "module", "title", "summary", "level", "audiences", "region", "study_hours", "credits",
    "status", "featured", "cover", "lessons",
})  # fmt: skip
LESSON_KEYS = frozenset(
    {"title", "kind", "body_html", "media", "duration_seconds", "pass_mark", "questions"}
)
QUESTION_KEYS = frozenset({"prompt", "multiple", "choices"})
CHOICE_KEYS = frozenset({"text", "correct"})
STATUSES = ("draft", "published")
TRUE_WORDS = frozenset({"true", "yes", "y", "1", "是"})
FALSE_WORDS = frozenset({"false", "no", "n", "0", "否", ""})


@dataclass
class LessonPlan:
    """A lesson that passed every check: what to create, with its file and questions."""

    kind: LessonKind
    details: LessonDetails
    media: Path | None
    questions: list[QuestionDetails]


@dataclass
class CoursePlan:
    """A course that passed every check: what to create, and whether to publish it."""

    details: CourseDetails
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
        """Problems found by the catalogue's rules, except on values already reported."""
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
    details = CourseDetails(
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
    check.rule_problems(course_problems(details))
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
    details = LessonDetails(
        title=check.text("title"),
        body_html=check.text("body_html"),
        duration_seconds=check.whole_number("duration_seconds", 0) or 0,
        pass_mark=check.whole_number("pass_mark", DEFAULT_PASS_MARK),
    )
    check.rule_problems(lesson_problems(kind, details))
    questions = check.entries("questions")
    if questions and kind is not LessonKind.QUIZ:
        check.problem(_l("Only quizzes have questions."), "questions")
    planned = [
        _plan_question(context, question, Place(place.course, place.lesson, number))
        for number, question in enumerate(questions, start=1)
    ]
    return LessonPlan(kind, details, media, [q for q in planned if q])


def _plan_question(context: _Context, entry, place: Place) -> QuestionDetails | None:
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
    details = QuestionDetails(
        prompt=check.text("prompt"), multiple=check.flag("multiple"), choices=tuple(choices)
    )
    check.rule_problems(question_problems(details))
    return details


def _context(base_dir: Path, problems: list[ImportProblem]) -> _Context:
    regions = frozenset(region.code for region in course_regions())
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
