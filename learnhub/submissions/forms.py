"""Submissions forms. They read what was typed; the rules live in the service modules."""

from __future__ import annotations

import re

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField
from wtforms import SelectMultipleField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, Optional, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from learnhub.conversion.forms import DayField
from learnhub.forms import ChoiceField, ForgivingIntegerField, Form, normalise_text

from .models import ITEM_KIND_LABELS, SubmissionTask

ITEM_ROWS = 6
TIME = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)$")
UNIT_CHOICES = [
    ("all_cities", _l("All cities")),
    ("chosen_cities", _l("The cities chosen below")),
    ("city_districts", _l("All districts and counties of a city")),
]


def strip_text(value):
    """Trim prose, keeping its characters: Chinese punctuation is full-width on purpose."""
    return value.strip() if isinstance(value, str) else value


class CheckboxesField(SelectMultipleField):
    """Several choices as check boxes, with our own "not in the list" message."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()

    def pre_validate(self, form):
        known = {str(value) for value, *_rest in self.iter_choices()}
        if any(str(value) not in known for value in self.data or []):
            raise ValidationError(_l("Choose one of the options in the list."))


class TaskForm(Form):
    """A new task: what, by when, who, and the required items (rows left empty are unused)."""

    title = StringField(
        _l("Title"), filters=[normalise_text],
        validators=[DataRequired(_l("Enter a title.")), Length(max=120)],
        description=_l("For example: 全民终身学习活动周工作方案和宣传展板材料."),
    )  # fmt: skip
    instructions = TextAreaField(
        _l("Instructions"), filters=[strip_text], validators=[Length(max=20_000)],
        description=_l("What to send and how; simple formatting (HTML) is kept, scripts are not."),
        render_kw={"rows": 5},
    )  # fmt: skip
    due_date = DayField(
        _l("Due date (China time)"), validators=[InputRequired(_l("Enter the due date."))]
    )
    due_time = StringField(
        _l("Due time (China time)"), filters=[normalise_text], default="17:00",
        validators=[InputRequired(_l("Enter the due time, for example 17:00."))],
    )  # fmt: skip
    remind_days = ForgivingIntegerField(
        _l("Remind units that have not submitted this many days before"), default=3,
        validators=[InputRequired(_l("Enter a number of days, for example 3."))],
    )  # fmt: skip
    units = ChoiceField(
        _l("Who must submit"),
        validators=[InputRequired(_l("Choose which units must submit."))],
    )  # fmt: skip
    cities = CheckboxesField(_l("Cities"), validators=[Optional()])
    city = ChoiceField(_l("City (for its districts and counties)"), validators=[Optional()])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Choices are given after the fields are made (wtforms warns of tuples given before).
        self.units.choices = UNIT_CHOICES
        kinds = [("", _l("(unused)"))] + [(k.value, v) for k, v in ITEM_KIND_LABELS.items()]
        for n in range(ITEM_ROWS):
            self[f"item{n}_kind"].choices = kinds

    def validate_due_time(self, field):
        if field.data and not TIME.match(field.data):
            raise ValidationError(_l("Enter the due time, for example 17:00."))

    def item_rows(self):
        """The fields of each item row, in order."""
        return [
            tuple(
                self[f"item{n}_{part}"] for part in ("kind", "label", "minimum", "max_mb", "fields")
            )
            for n in range(ITEM_ROWS)
        ]


def _add_item_rows() -> None:
    for n in range(ITEM_ROWS):
        setattr(TaskForm, f"item{n}_kind", ChoiceField(_l("Kind"), validators=[Optional()]))
        setattr(TaskForm, f"item{n}_label", StringField(
            _l("Name of the item"), filters=[normalise_text], validators=[Length(max=40)],
        ))  # fmt: skip
        setattr(TaskForm, f"item{n}_minimum", ForgivingIntegerField(
            _l("At least (characters for a text, files otherwise)"), validators=[Optional()],
        ))  # fmt: skip
        setattr(TaskForm, f"item{n}_max_mb", ForgivingIntegerField(
            _l("Largest file (MB)"), default=20, validators=[Optional()]))  # fmt: skip
        setattr(TaskForm, f"item{n}_fields", TextAreaField(
            _l("Figures to fill in (one name per line)"), filters=[strip_text],
            validators=[Length(max=1000)], render_kw={"rows": 2}))  # fmt: skip


_add_item_rows()


def draft_form_class(task: SubmissionTask) -> type[Form]:
    """A form with a text box per text item and a number box per figure of the task."""
    fields = {}
    for item in task.items:
        if item.kind.value == "text":
            fields[f"text_{item.id}"] = TextAreaField(
                item.label, filters=[strip_text], render_kw={"rows": 8}
            )
        elif item.kind.value == "figures":
            for index, name in enumerate(item.field_names):
                fields[f"fig_{item.id}_{index}"] = ForgivingIntegerField(
                    name, validators=[Optional()]
                )
    return type("DraftForm", (Form,), fields)


class FileForm(Form):
    """One file for an item of the task (a photo is named by its caption)."""

    item = ChoiceField(_l("Item"), validators=[InputRequired(_l("Choose an item."))])
    caption = StringField(
        _l("Caption (for a photo: at most 10 characters)"), filters=[normalise_text],
        validators=[Length(max=40)],
    )  # fmt: skip
    file = FileField(_l("File"))

    @property
    def upload(self):
        data = self.file.data
        return data if data and getattr(data, "filename", "") else None


class ReviewForm(Form):
    decision = ChoiceField(
        _l("Decision"), validators=[InputRequired(_l("Choose accept or return."))]
    )
    comments = TextAreaField(
        _l("Comments for the unit (needed to return it)"), filters=[strip_text],
        validators=[Length(max=2000)], render_kw={"rows": 3},
    )  # fmt: skip

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.decision.choices = [("accepted", _l("Accept")), ("returned", _l("Return for changes"))]
