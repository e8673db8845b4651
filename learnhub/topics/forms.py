"""The staff form of a topic."""

from __future__ import annotations

import re

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField
from wtforms import BooleanField, StringField, TextAreaField
from wtforms.validators import InputRequired, Length, NumberRange, Optional

from learnhub.forms import MAX_DIGITS, ForgivingIntegerField, Form, normalise_text

from .models import SLUG_MAX, SUMMARY_MAX, TITLE_MAX
from .services import BODY_MAX, ITEMS_MAX, POSITION_MAX, TopicDetails

# Numbers may be parted by spaces, commas (also Chinese ones) or semicolons.
NUMBER_SEPARATORS = re.compile(r"[\s,;、，；]+")


def _length(maximum: int):
    return Length(max=maximum, message=_l("Write at most %(max)d characters.", max=maximum))


class NumberListField(StringField):
    """Numbers (ids) of things, in order: "12, 5, 40". ``data`` is the list of ints."""

    def process_formdata(self, valuelist):
        self.data = []
        if not valuelist:
            return
        parts = [part for part in NUMBER_SEPARATORS.split(normalise_text(valuelist[0])) if part]
        if len(parts) > ITEMS_MAX * 2:
            raise ValueError(_l("Choose at most %(max)d.", max=ITEMS_MAX))
        for part in parts:
            if not part.isdigit() or len(part) > MAX_DIGITS:
                raise ValueError(_l("Write the numbers parted by commas, for example 12, 5, 40."))
            self.data.append(int(part))

    def _value(self):
        return ", ".join(str(number) for number in self.data or [])


class TopicForm(Form):
    """A topic: its address, texts, order, cover and chosen items."""

    title = StringField(
        _l("Title"),
        filters=[normalise_text],
        validators=[InputRequired(_l("Enter a title.")), _length(TITLE_MAX)],
    )
    slug = StringField(
        _l("Web address"),
        filters=[normalise_text],
        validators=[
            InputRequired(_l("Enter the topic's web address, for example anti-fraud.")),
            _length(SLUG_MAX),
        ],
        description=_l(
            "The end of the topic's address /topics/…: lowercase latin letters, digits and "
            "hyphens, for example learning-week-2026."
        ),
    )
    summary = StringField(
        _l("Summary"),
        filters=[normalise_text],
        validators=[_length(SUMMARY_MAX)],
        description=_l("One line for the list of topics and the home page."),
    )
    body_html = TextAreaField(
        _l("Text"),
        validators=[InputRequired(_l("Write the text of the topic.")), _length(BODY_MAX)],
        description=_l(
            "Paragraphs, headings, lists and links are kept; scripts and styles are removed."
        ),
        render_kw={"rows": 12},
    )
    position = ForgivingIntegerField(
        _l("Place in the list"),
        default=0,
        validators=[
            Optional(),
            NumberRange(
                0,
                POSITION_MAX,
                message=_l("Enter a whole number from 0 to %(max)d.", max=POSITION_MAX),
            ),
        ],
        description=_l("Topics with smaller numbers come first; empty is 0."),
    )
    course_ids = NumberListField(
        _l("Courses"),
        description=_l("The courses' numbers in the order to show, for example 12, 5, 40."),
    )
    activity_ids = NumberListField(
        _l("Activities"),
        description=_l("The activities' numbers in the order to show."),
    )
    news_ids = NumberListField(
        _l("News"),
        description=_l("The news items' numbers in the order to show."),
    )
    cover = FileField(
        _l("Cover picture"),
        description=_l("A JPEG or PNG picture shown above the text."),
        render_kw={"accept": "image/jpeg,image/png"},
    )
    remove_cover = BooleanField(_l("Remove the cover picture"))

    def __init__(self, *args, has_cover: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if not has_cover:
            del self.remove_cover

    @property
    def cover_upload(self):
        """The chosen picture's stream, or None."""
        data = self.cover.data
        return data.stream if data is not None and getattr(data, "filename", None) else None

    @property
    def removes_cover(self) -> bool:
        return "remove_cover" in self and bool(self.remove_cover.data)

    def details(self) -> TopicDetails:
        return TopicDetails(
            slug=self.slug.data or "",
            title=self.title.data or "",
            summary=self.summary.data or "",
            body_html=self.body_html.data or "",
            position=self.position.data if self.position.data is not None else 0,
            course_ids=list(self.course_ids.data or []),
            activity_ids=list(self.activity_ids.data or []),
            news_ids=list(self.news_ids.data or []),
        )

    def fill_from(self, details: TopicDetails) -> None:
        for name in TopicDetails.__dataclass_fields__:
            self[name].data = getattr(details, name)
