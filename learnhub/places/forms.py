"""The staff form of a place, and the filters of the public list."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField
from wtforms import BooleanField, StringField, TextAreaField
from wtforms.validators import InputRequired, Length, NumberRange, Optional

from learnhub.forms import (
    ChoiceField,
    ForgivingIntegerField,
    Form,
    FormTokenField,
    normalise_text,
)

from .models import PLACE_KIND_LABELS, PlaceKind
from .services import PlaceDetails

DESCRIPTION_MAX = 2000


def _length(maximum: int):
    return Length(max=maximum, message=_l("Write at most %(max)d characters.", max=maximum))


class CoordinateField(StringField):
    """A longitude or latitude in decimal degrees, typed any reasonable way (full-width
    digits, a trailing °), kept to six decimals."""

    def process_formdata(self, valuelist):
        if not valuelist:
            return
        text = normalise_text(valuelist[0]).removesuffix("°").strip()
        if not text:
            self.data = None
            return
        try:
            value = Decimal(text)
        except InvalidOperation:
            value = None
        if value is None or not value.is_finite() or len(text) > 20:
            self.data = None
            raise ValueError(_l("Enter a number of degrees, for example 123.4567."))
        self.data = round(value, 6)

    def _value(self):
        if self.raw_data:
            return self.raw_data[0]
        return "" if self.data is None else format(self.data, "f")


def kind_choices() -> list[tuple[str, str]]:
    return [(str(kind), str(label)) for kind, label in PLACE_KIND_LABELS.items()]


class PlaceForm(Form):
    """A place's details; the route fills the city and district choices of its region."""

    name = StringField(
        _l("Name"),
        filters=[normalise_text],
        validators=[InputRequired(_l("Enter the place's name.")), _length(100)],
    )
    kind = ChoiceField(_l("Kind of place"), validators=[InputRequired(_l("Choose a kind."))])
    city_code = ChoiceField(_l("City"), validators=[InputRequired(_l("Choose a city."))])
    district_code = ChoiceField(_l("District or county"), validators=[Optional()])
    address = StringField(_l("Address"), filters=[normalise_text], validators=[_length(200)])
    longitude = CoordinateField(
        _l("Longitude (east)"),
        validators=[Optional()],
        description=_l("Decimal degrees as a map service shows them, for example 123.4315."),
    )
    latitude = CoordinateField(
        _l("Latitude (north)"),
        validators=[Optional()],
        description=_l("For example 41.8057. Without coordinates the place is not on the map."),
    )
    opening_hours = StringField(
        _l("Opening hours"),
        filters=[normalise_text],
        validators=[_length(200)],
        description=_l("For example: Monday to Friday 8:30–17:00, Saturday mornings."),
    )
    phone = StringField(
        _l("Phone"),
        filters=[normalise_text],
        validators=[_length(40)],
        render_kw={"type": "tel", "autocomplete": "off"},
    )
    step_free = BooleanField(_l("Step-free entrance"))
    lift = BooleanField(_l("Lift"))
    seats = ForgivingIntegerField(
        _l("Seats"),
        validators=[
            Optional(),
            NumberRange(min=0, max=100_000, message=_l("Enter a number from 0 to 100000.")),
        ],
        render_kw={"inputmode": "numeric"},
    )
    hearing_loop = BooleanField(_l("Hearing loop"))
    description = TextAreaField(
        _l("Short description"),
        filters=[lambda v: v.strip() if isinstance(v, str) else v],
        validators=[_length(DESCRIPTION_MAX)],
        render_kw={"rows": 4},
    )
    photo = FileField(
        _l("Photo"),
        description=_l("A JPEG or PNG picture of the entrance or a room."),
        render_kw={"accept": "image/jpeg,image/png"},
    )
    remove_photo = BooleanField(_l("Remove the photo"))
    form_token = FormTokenField(label=_l("This form"))

    def __init__(
        self,
        *args,
        cities,
        districts,
        has_photo: bool = False,
        place_exists: bool = False,
        **kwargs,
    ):
        super().__init__(*args, **kwargs)
        self.kind.choices = [("", _l("Choose…")), *kind_choices()]
        self.city_code.choices = [("", _l("Choose…"))] + [(c.code, c.display_name) for c in cities]
        self.district_code.choices = [("", _l("None (the whole city)"))] + [
            (d.code, f"{d.parent.display_name} · {d.display_name}") for d in districts
        ]
        if not has_photo:
            del self.remove_photo
        if place_exists:
            del self.form_token  # only a form that adds something carries one

    @property
    def photo_upload(self):
        """The chosen photo's stream, or None."""
        data = self.photo.data
        return data.stream if data is not None and getattr(data, "filename", None) else None

    @property
    def removes_photo(self) -> bool:
        return "remove_photo" in self and bool(self.remove_photo.data)

    def details(self) -> PlaceDetails:
        return PlaceDetails(
            name=self.name.data or "",
            kind=self.kind.data,
            city_code=self.city_code.data,
            district_code=self.district_code.data or None,
            address=self.address.data or "",
            longitude=self.longitude.data,
            latitude=self.latitude.data,
            opening_hours=self.opening_hours.data or "",
            phone=self.phone.data or "",
            step_free=bool(self.step_free.data),
            lift=bool(self.lift.data),
            seats=self.seats.data,
            hearing_loop=bool(self.hearing_loop.data),
            description=self.description.data or "",
        )

    def fill_from(self, place) -> None:
        for name in PlaceDetails.__dataclass_fields__:
            self[name].data = getattr(place, name)
        self.kind.data = str(place.kind)
        self.district_code.data = place.district_code or ""


def parse_kind(value: str | None) -> PlaceKind | None:
    """A kind from the query string, or None when it names none."""
    try:
        return PlaceKind(value) if value else None
    except ValueError:
        return None
