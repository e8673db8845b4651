"""Studio form fields: what the studio's forms are made of.

Numbers and lengths typed any reasonable way, uploads checked by their content, and the
one-time token of a form that adds something.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField
from wtforms import SelectMultipleField, StringField
from wtforms.validators import ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from learnhub.forms import FormTokenField, new_form_token, normalise_text

__all__ = ["FormTokenField", "new_form_token"]  # moved to learnhub.forms, used here too
from learnhub.media import MediaError, MediaKind, check_stream

_DURATION = re.compile(r"^(?:(\d+):)?(\d+):([0-5]\d)$")


def strip_text(value):
    """Trim prose, keeping its characters: Chinese punctuation is full-width on purpose."""
    return value.strip() if isinstance(value, str) else value


class DecimalText(StringField):
    """A number with decimals, typed any reasonable way (full-width digits, spaces)."""

    def process_formdata(self, valuelist):
        if not valuelist:
            return
        text = normalise_text(valuelist[0]).replace(",", "")
        if not text:
            self.data = None
            return
        try:
            self.data = Decimal(text)
        except InvalidOperation:
            self.data = None
            raise ValueError(_l("Enter a number, for example 2.5.")) from None

    def _value(self):
        if self.raw_data:
            return self.raw_data[0]
        return "" if self.data is None else format(self.data.normalize(), "f")


class DurationField(StringField):
    """A length as minutes:seconds (12:30), hours:minutes:seconds (1:05:00) or whole minutes."""

    def process_formdata(self, valuelist):
        if not valuelist:
            return
        text = normalise_text(valuelist[0]).replace("：", ":")
        if not text:
            self.data = None
        elif text.isdigit():
            self.data = int(text) * 60
        elif match := _DURATION.match(text):
            hours, minutes, seconds = (int(part or 0) for part in match.groups())
            self.data = hours * 3600 + minutes * 60 + seconds
        else:
            self.data = None
            raise ValueError(_l("Enter the length as minutes:seconds, for example 12:30."))

    def _value(self):
        if self.raw_data:
            return self.raw_data[0]
        return format_duration(self.data) if self.data else ""


def format_duration(seconds: int) -> str:
    """12:30, or 1:05:00 from an hour on."""
    hours, rest = divmod(int(seconds), 3600)
    minutes, seconds = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{seconds:02d}" if hours else f"{minutes}:{seconds:02d}"


class CheckboxesField(SelectMultipleField):
    """Several choices as checkboxes; values outside the list are an error in our words."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()

    def pre_validate(self, form):
        values = {str(value) for value, _label, *_ in self.iter_choices()}
        if any(str(item) not in values for item in self.data or []):
            raise ValidationError(_l("Choose one of the options in the list."))


class MediaFile(FileField):
    """An uploaded file checked by its content (not its name) for the given kind and size."""

    def __init__(self, label, kind: MediaKind, **kwargs):
        super().__init__(label, **kwargs)
        self.kind = kind

    @property
    def upload(self):
        """The uploaded file's stream, or None when no file was chosen."""
        return self.data.stream if self.data and self.data.filename else None

    def pre_validate(self, form):
        if self.upload is None:
            return
        try:
            check_stream(self.upload, self.kind)
        except MediaError as error:
            raise ValidationError(str(error.message)) from None
