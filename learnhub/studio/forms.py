"""Studio forms. Messages are given explicitly so every one is in our catalogue.

Forms read and shape what was typed; the rules themselves (ranges, publishing, quiz
answers) are the catalogue's (``learnhub.catalogue.*_authoring``), so the bulk importer
applies the very same ones.
"""

from __future__ import annotations

import wtforms
from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, StringField, TextAreaField
from wtforms.fields import FieldList, FormField
from wtforms.validators import AnyOf, InputRequired, Optional

from learnhub.catalogue.course_authoring import CourseDetails
from learnhub.catalogue.lesson_authoring import DEFAULT_PASS_MARK, LessonDetails
from learnhub.catalogue.models import (
    AUDIENCE_LABELS,
    LEVEL_LABELS,
    STATUS_LABELS,
    Audience,
    CourseLevel,
    CourseStatus,
    LessonKind,
)
from learnhub.catalogue.question_authoring import MAX_CHOICES, QuestionDetails
from learnhub.forms import ChoiceField, ForgivingIntegerField, Form
from learnhub.media import MediaKind

from .fields import (
    CheckboxesField,
    DecimalText,
    DurationField,
    FormTokenField,
    MediaFile,
    strip_text,
)


class AddingForm(Form):
    """A form that adds a course, a lesson or a question, or (``adds=False``) edits one.

    A form that adds carries a one-time token, so that a second post of it (a double
    click, the back button and "send again") adds nothing; editing the same way twice
    changes nothing anyway, so edit forms go without.
    """

    form_token = FormTokenField(label=_l("This form"))

    def __init__(self, *args, adds: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if not adds:
            del self.form_token


def _title_field():
    return StringField(
        _l("Title"),
        filters=[strip_text],
        validators=[InputRequired(_l("Enter a title."))],
    )


class CourseForm(AddingForm):
    title = _title_field()
    module = ChoiceField(_l("Module"), validators=[InputRequired(_l("Choose a module."))])
    region = ChoiceField(
        _l("Offered by"), validators=[InputRequired(_l("Choose who offers the course."))]
    )
    summary = TextAreaField(
        _l("Summary"),
        filters=[strip_text],
        description=_l("Two or three sentences shown in course lists."),
        render_kw={"rows": 4},
    )
    level = ChoiceField(_l("Level"), validators=[InputRequired(_l("Choose a level."))])
    audiences = CheckboxesField(_l("Suited to"))
    study_hours = DecimalText(
        _l("Study hours"),
        validators=[InputRequired(_l("Enter the study hours, for example 2.5."))],
        description=_l("More than 0, at most one decimal place."),
        render_kw={"inputmode": "decimal"},
    )
    credits = DecimalText(
        _l("Credits"),
        validators=[InputRequired(_l("Enter the credits, for example 0.5."))],
        description=_l("Deposited once when a learner completes the course; 0 to 100."),
        render_kw={"inputmode": "decimal"},
    )
    featured = BooleanField(_l("Feature this course on the home page"))
    cover = MediaFile(
        _l("Cover picture (optional)"),
        kind=MediaKind.IMAGE,
        description=_l("A JPEG, PNG or WebP picture."),
        render_kw={"accept": "image/jpeg,image/png,image/webp"},
    )
    remove_cover = BooleanField(_l("Remove the cover picture"))

    def __init__(self, *args, modules, regions, may_feature: bool, has_cover: bool, **kwargs):
        super().__init__(*args, **kwargs)
        choose = ("", _l("Choose…"))
        self.module.choices = [choose] + [(str(m.id), m.name) for m in modules]
        self.region.choices = [choose] + [(r.code, r.display_name) for r in regions]
        self.level.choices = [(k.value, v) for k, v in LEVEL_LABELS.items()]
        self.audiences.choices = [(k.value, v) for k, v in AUDIENCE_LABELS.items()]
        if not may_feature:
            del self.featured
        if not has_cover:
            del self.remove_cover

    def fill_from(self, course) -> None:
        """Show a course's current details (on the first, unsent view of the form)."""
        self.title.data = course.title
        self.module.data = str(course.module_id)
        self.region.data = course.region_code
        self.summary.data = course.summary
        self.level.data = course.level.value
        self.audiences.data = sorted(a.value for a in course.audience_values)
        self.study_hours.data = course.study_hours
        self.credits.data = course.credits
        if "featured" in self:
            self.featured.data = course.featured

    def details(self) -> CourseDetails:
        return CourseDetails(
            module_id=int(self.module.data),
            title=self.title.data,
            summary=self.summary.data or "",
            level=CourseLevel(self.level.data),
            region_code=self.region.data,
            study_hours=self.study_hours.data,
            credits=self.credits.data,
            audiences=frozenset(Audience(a) for a in self.audiences.data or []),
            featured=self.featured.data if "featured" in self else None,
        )

    @property
    def removes_cover(self) -> bool:
        return "remove_cover" in self and bool(self.remove_cover.data)


class LessonForm(AddingForm):
    """Every kind of lesson: a title and text. The kind decides the text's role."""

    title = _title_field()
    body_html = TextAreaField(
        _l("Text"),
        description=_l(
            "Plain text, with a blank line between paragraphs, or simple HTML: paragraphs, "
            "headings, lists, bold, italics, links, tables. Anything else (scripts, styles, "
            "pictures from other sites) is removed when you save."
        ),
        render_kw={"rows": 14},
    )

    def fill_from(self, lesson) -> None:
        self.title.data = lesson.title
        self.body_html.data = lesson.body_html

    def details(self) -> LessonDetails:
        return LessonDetails(title=self.title.data, body_html=self.body_html.data or "")

    @property
    def upload(self):
        return None


class MediaLessonForm(LessonForm):
    media = MediaFile(_l("File"), kind=MediaKind.VIDEO)
    duration_seconds = DurationField(
        _l("Length"),
        validators=[InputRequired(_l("Enter the length, for example 12:30."))],
        description=_l("Minutes and seconds, for example 12:30, or whole minutes."),
    )

    def __init__(self, *args, kind: LessonKind, **kwargs):
        super().__init__(*args, **kwargs)
        video = kind is LessonKind.VIDEO
        self.media.kind = MediaKind.VIDEO if video else MediaKind.AUDIO
        self.media.description = (
            _l("An MP4 or WebM video.") if video else _l("An MP3, M4A, OGG or WAV sound file.")
        )
        self.media.render_kw = {"accept": "video/mp4,video/webm" if video else "audio/*"}
        self.body_html.label.text = _l("Transcript or notes (optional)")

    def fill_from(self, lesson) -> None:
        super().fill_from(lesson)
        self.duration_seconds.data = lesson.duration_seconds

    def details(self) -> LessonDetails:
        return LessonDetails(
            title=self.title.data,
            body_html=self.body_html.data or "",
            duration_seconds=self.duration_seconds.data or 0,
        )

    @property
    def upload(self):
        return self.media.upload


class QuizLessonForm(LessonForm):
    pass_mark = ForgivingIntegerField(
        _l("Pass mark (percent)"),
        default=DEFAULT_PASS_MARK,
        validators=[InputRequired(_l("Enter a pass mark, for example 60."))],
        render_kw={"inputmode": "numeric"},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.body_html.label.text = _l("Introduction (optional)")

    def fill_from(self, lesson) -> None:
        super().fill_from(lesson)
        self.pass_mark.data = lesson.pass_mark

    def details(self) -> LessonDetails:
        return LessonDetails(
            title=self.title.data,
            body_html=self.body_html.data or "",
            pass_mark=self.pass_mark.data,
        )


def lesson_form(kind: LessonKind, **kwargs) -> LessonForm:
    """The form for a lesson of this kind."""
    if kind in (LessonKind.VIDEO, LessonKind.AUDIO):
        return MediaLessonForm(kind=kind, **kwargs)
    if kind is LessonKind.QUIZ:
        return QuizLessonForm(**kwargs)
    return LessonForm(**kwargs)


class ChoiceRow(wtforms.Form):
    # Labelled in the template ("Answer 2", "Answer 2 is correct"), so they stay unique.
    text = StringField(filters=[strip_text])
    correct = BooleanField()


class QuestionForm(AddingForm):
    prompt = TextAreaField(
        _l("Question"),
        filters=[strip_text],
        validators=[InputRequired(_l("Enter the question."))],
        render_kw={"rows": 3},
    )
    multiple = BooleanField(_l("Several answers are correct (learners tick every one)"))
    choices = FieldList(FormField(ChoiceRow), label=_l("Answers to choose from"))

    def __init__(self, *args, rows: int = 6, **kwargs):
        super().__init__(*args, **kwargs)
        while len(self.choices) < min(max(rows, 4), MAX_CHOICES):
            self.choices.append_entry()

    def fill_from(self, question) -> None:
        self.prompt.data = question.prompt
        self.multiple.data = question.multiple
        for row, choice in zip(self.choices, question.choices, strict=False):
            row.form.text.data = choice.text
            row.form.correct.data = choice.correct

    def details(self) -> QuestionDetails:
        rows = [row.form for row in self.choices]
        return QuestionDetails(
            prompt=self.prompt.data,
            multiple=bool(self.multiple.data),
            choices=tuple((r.text.data, bool(r.correct.data)) for r in rows if r.text.data),
        )


class MoveLessonForm(Form):
    """The "move up" and "move down" buttons: each sends its direction."""

    direction = StringField(validators=[AnyOf(("up", "down"))])

    @property
    def steps(self) -> int:
        return -1 if self.direction.data == "up" else 1


class StatusFilterForm(wtforms.Form):
    """The studio list's filter (GET: changes nothing, so no CSRF)."""

    status = ChoiceField(_l("Status"), validators=[Optional()])

    def __init__(self, formdata):
        super().__init__(formdata)
        self.status.choices = [("", _l("Any"))] + [(k.value, v) for k, v in STATUS_LABELS.items()]

    def chosen_status(self) -> CourseStatus | None:
        """The status asked for; anything not in the list shows every course."""
        if not self.validate() or not self.status.data:
            return None
        return CourseStatus(self.status.data)
