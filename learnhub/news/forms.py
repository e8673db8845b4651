"""The staff form of a news item, and the filters of the public list."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField
from wtforms import BooleanField, StringField, TextAreaField
from wtforms.validators import InputRequired, Length, Optional

from learnhub.forms import ChoiceField, Form, normalise_text

from .models import NEWS_KIND_LABELS, NewsKind
from .services import BODY_MAX, TITLE_MAX, NewsDetails


def _length(maximum: int):
    return Length(max=maximum, message=_l("Write at most %(max)d characters.", max=maximum))


class NewsForm(Form):
    """A news item; the route fills the region choices of the signed-in centre."""

    title = StringField(
        _l("Title"),
        filters=[normalise_text],
        validators=[InputRequired(_l("Enter a title.")), _length(TITLE_MAX)],
    )
    kind = ChoiceField(_l("Kind of news"), validators=[InputRequired(_l("Choose a kind."))])
    city_code = ChoiceField(_l("City"), validators=[Optional()])
    district_code = ChoiceField(_l("District or county"), validators=[Optional()])
    summary = StringField(
        _l("Summary"),
        filters=[normalise_text],
        validators=[_length(300)],
        description=_l("One or two sentences for lists and the feed."),
    )
    body_html = TextAreaField(
        _l("Text"),
        validators=[InputRequired(_l("Write the text of the news.")), _length(BODY_MAX)],
        description=_l(
            "Paragraphs, headings, lists and links are kept; scripts and styles are removed."
        ),
        render_kw={"rows": 14},
    )
    image = FileField(
        _l("Picture"),
        description=_l("A JPEG or PNG photo shown above the text."),
        render_kw={"accept": "image/jpeg,image/png"},
    )
    image_caption = StringField(
        _l("Caption of the picture"), filters=[normalise_text], validators=[_length(100)]
    )
    remove_image = BooleanField(_l("Remove the picture"))

    def __init__(self, *args, cities, districts, province: bool, has_image=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.kind.choices = [("", _l("Choose…")), *kind_choices()]
        first = [("", _l("The whole province"))] if province else []
        self.city_code.choices = first + [(c.code, c.display_name) for c in cities]
        self.district_code.choices = [("", _l("None (the whole city)"))] + [
            (d.code, f"{d.parent.display_name} · {d.display_name}") for d in districts
        ]
        if not has_image:
            del self.remove_image

    @property
    def image_upload(self):
        """The chosen picture's stream, or None."""
        data = self.image.data
        return data.stream if data is not None and getattr(data, "filename", None) else None

    @property
    def removes_image(self) -> bool:
        return "remove_image" in self and bool(self.remove_image.data)

    def details(self) -> NewsDetails:
        return NewsDetails(
            title=self.title.data or "",
            kind=self.kind.data,
            city_code=self.city_code.data or None,
            district_code=self.district_code.data or None,
            summary=self.summary.data or "",
            body_html=self.body_html.data or "",
            image_caption=self.image_caption.data or "",
        )

    def fill_from(self, item) -> None:
        for name in NewsDetails.__dataclass_fields__:
            self[name].data = getattr(item, name)
        self.kind.data = str(item.kind)
        self.city_code.data = item.city_code or ""
        self.district_code.data = item.district_code or ""


def kind_choices() -> list[tuple[str, str]]:
    return [(str(kind), str(label)) for kind, label in NEWS_KIND_LABELS.items()]


def parse_kind(value: str | None) -> NewsKind | None:
    """A kind from the query string, or None when it names none."""
    try:
        return NewsKind(value) if value else None
    except ValueError:
        return None
