"""Staff forms of activities: the activity, its sessions, cancelling, the kinds list.

Forms read and shape what was typed; the rules are the services' (authoring.py,
session_authoring.py, lifecycle.py, kinds.py), which name the fields they refuse.
"""

from __future__ import annotations

from datetime import datetime

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField
from wtforms import BooleanField, SelectMultipleField, StringField, TextAreaField
from wtforms.validators import InputRequired, Optional, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from learnhub.clock import site_timezone
from learnhub.forms import (
    ChoiceField,
    ForgivingIntegerField,
    Form,
    FormTokenField,
    normalise_text,
)
from learnhub.media import MediaError, MediaKind, check_stream

from .authoring import (
    AUDIENCE_LABELS,
    CREDIT_RULE_LABELS,
    ActivityDetails,
    audience_codes,
    region_of,
)
from .kinds import kind_name
from .models import ACTIVITY_STATUS_LABELS, CreditRule
from .session_authoring import SessionDetails

LOCAL_FORMATS = ("%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S")
ONLINE, AT_A_PLACE = "online", "place"
FIRST_YEAR, LAST_YEAR = 2000, 2099


def strip_text(value):
    return value.strip() if isinstance(value, str) else value


class LocalDateTimeField(StringField):
    """A date and time in China time, as a browser's datetime-local input sends it
    (2026-12-01T14:30) or typed as 2026-12-01 14:30; full-width digits too. Data is naive."""

    def __init__(self, label, **kwargs):
        kwargs.setdefault("render_kw", {"type": "datetime-local"})
        super().__init__(label, **kwargs)

    def process_formdata(self, valuelist):
        text = normalise_text(valuelist[0]).replace("：", ":") if valuelist else ""
        self.data = None
        if not text:
            return
        for pattern in LOCAL_FORMATS:
            try:
                parsed = datetime.strptime(text, pattern)
            except ValueError:
                continue
            # Years far away are typing mistakes (and year 1 in China time is before UTC's).
            if FIRST_YEAR <= parsed.year <= LAST_YEAR:
                self.data = parsed
                return
        raise ValueError(_l("Enter a date and time, for example 2026-12-01 14:30."))

    def _value(self):
        if self.raw_data:
            return self.raw_data[0]
        return self.data.strftime("%Y-%m-%dT%H:%M") if self.data else ""

    def set_moment(self, moment: datetime | None) -> None:
        """Show a stored (UTC) moment in China time."""
        self.data = moment.astimezone(site_timezone()).replace(tzinfo=None) if moment else None

    def moment(self) -> datetime | None:
        """What was typed, as a timezone-aware moment."""
        return self.data.replace(tzinfo=site_timezone()) if self.data else None


class CheckboxesField(SelectMultipleField):
    """Several choices as checkboxes; values outside the list are an error in our words."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()

    def pre_validate(self, form):
        values = {str(value) for value, _label, *_ in self.iter_choices()}
        if any(str(item) not in values for item in self.data or []):
            raise ValidationError(_l("Choose one of the options in the list."))


class PictureField(FileField):
    """An uploaded picture checked by its content (not its name) and size."""

    @property
    def upload(self):
        return self.data.stream if self.data and getattr(self.data, "filename", None) else None

    def pre_validate(self, form):
        if self.upload is None:
            return
        try:
            check_stream(self.upload, MediaKind.IMAGE)
        except MediaError as error:
            raise ValidationError(str(error.message)) from None


class ActivityForm(Form):
    title = StringField(
        _l("Title"), filters=[strip_text], validators=[InputRequired(_l("Enter a title."))]
    )
    kind = ChoiceField(_l("Kind"), validators=[InputRequired(_l("Choose a kind."))])
    organiser = StringField(
        _l("Organiser"),
        filters=[strip_text],
        description=_l("The centre, library or school that runs it."),
    )
    region = ChoiceField(
        _l("Level"),
        validators=[InputRequired(_l("Choose a level."))],
        description=_l("Whose activity it is: the province, a city or a district."),
    )
    where = ChoiceField(
        _l("Where"),
        validators=[InputRequired(_l("Choose where it takes place."))],
    )
    place = ChoiceField(
        _l("Place"),
        validators=[Optional()],
        description=_l("A published learning place of the activity's city or district."),
    )
    online_url = StringField(
        _l("Link to join online"),
        filters=[strip_text],
        description=_l("A secure link, starting with https://."),
        render_kw={"inputmode": "url"},
    )
    audience = CheckboxesField(_l("Suited to"))
    elder_friendly = BooleanField(_l("Elder-friendly (适老)"))
    signup_required = BooleanField(_l("Sign-up required"), default=True)
    signup_deadline = LocalDateTimeField(
        _l("Sign-up deadline (optional, China time)"),
        validators=[Optional()],
        description=_l("Not after the start of the last session."),
    )
    credit_rule = ChoiceField(
        _l("Credits for attending"), validators=[InputRequired(_l("Choose how credits are given."))]
    )
    fixed_credits = StringField(
        _l("Credits per attended session"),
        filters=[strip_text],
        description=_l("Only for a set number of credits; for example 0.5."),
        render_kw={"inputmode": "decimal"},
    )
    description_html = TextAreaField(
        _l("Description"),
        description=_l("Simple HTML: paragraphs, lists, links. Scripts and styles are removed."),
        render_kw={"rows": 8},
    )
    cover = PictureField(
        _l("Cover picture (optional)"),
        description=_l("A JPEG or PNG picture."),
        render_kw={"accept": "image/jpeg,image/png"},
    )
    remove_cover = BooleanField(_l("Remove the cover picture"))
    form_token = FormTokenField(label=_l("This form"))

    def __init__(self, *args, kinds, regions, places, has_cover: bool, adds: bool, **kwargs):
        super().__init__(*args, **kwargs)
        if not adds:
            del self.form_token  # only the form that adds an activity carries one
        choose = ("", _l("Choose…"))
        self.kind.choices = [choose] + [(str(k.id), kind_name(k)) for k in kinds]
        self.region.choices = [choose] + [(r.code, r.display_name) for r in regions]
        self.place.choices = [choose] + [(str(p.id), _place_label(p)) for p in places]
        self.audience.choices = list(AUDIENCE_LABELS.items())
        self.where.choices = [(AT_A_PLACE, _l("At a learning place")), (ONLINE, _l("Online"))]
        self.credit_rule.choices = [(k.value, v) for k, v in CREDIT_RULE_LABELS.items()]
        if not has_cover:
            del self.remove_cover

    def fill_from(self, activity) -> None:
        self.title.data = activity.title
        self.kind.data = str(activity.kind_id)
        self.organiser.data = activity.organiser
        self.region.data = region_of(activity)
        self.where.data = ONLINE if activity.is_online else AT_A_PLACE
        self.place.data = str(activity.place_id or "")
        self.online_url.data = activity.online_url or ""
        self.audience.data = audience_codes(activity)
        self.elder_friendly.data = activity.elder_friendly
        self.signup_required.data = activity.signup_required
        self.signup_deadline.set_moment(activity.signup_deadline)
        self.credit_rule.data = activity.credit_rule.value
        self.fixed_credits.data = _cents_text(activity.credit_cents)
        self.description_html.data = activity.description_html

    def details(self) -> ActivityDetails:
        return ActivityDetails(
            title=self.title.data or "",
            kind_id=int(self.kind.data) if self.kind.data else None,
            organiser=self.organiser.data or "",
            region_code=self.region.data or "",
            is_online=self.where.data == ONLINE,
            online_url=self.online_url.data or "",
            place_id=int(self.place.data) if self.place.data else None,
            audience=frozenset(self.audience.data or []),
            elder_friendly=bool(self.elder_friendly.data),
            signup_required=bool(self.signup_required.data),
            signup_deadline=self.signup_deadline.moment(),
            credit_rule=CreditRule(self.credit_rule.data),
            fixed_credits=self.fixed_credits.data or "",
            description_html=self.description_html.data or "",
        )

    @property
    def removes_cover(self) -> bool:
        return "remove_cover" in self and bool(self.remove_cover.data)


def _cents_text(cents: int) -> str:
    """Integer hundredths as the form shows them: 150 → "1.50"; 0 → ""."""
    return f"{cents // 100}.{cents % 100:02d}" if cents else ""


def _place_label(place) -> str:
    district = place.district.display_name if place.district else ""
    return " · ".join(part for part in (place.name, place.city.display_name, district) if part)


class SessionForm(Form):
    starts_at = LocalDateTimeField(
        _l("Starts (China time)"), validators=[InputRequired(_l("Enter when the session starts."))]
    )
    ends_at = LocalDateTimeField(
        _l("Ends (China time)"), validators=[InputRequired(_l("Enter when the session ends."))]
    )
    capacity = ForgivingIntegerField(
        _l("Capacity"),
        validators=[InputRequired(_l("Enter how many people can come."))],
        description=_l("How many people can sign up for this session."),
        render_kw={"inputmode": "numeric"},
    )

    def fill_from(self, session) -> None:
        self.starts_at.set_moment(session.starts_at)
        self.ends_at.set_moment(session.ends_at)
        self.capacity.data = session.capacity

    def details(self) -> SessionDetails:
        return SessionDetails(self.starts_at.data, self.ends_at.data, self.capacity.data)


class CancelForm(Form):
    reason = TextAreaField(
        _l("Reason"),
        filters=[strip_text],
        validators=[
            InputRequired(_l("Say why the activity is cancelled; the people signed up are told."))
        ],
        description=_l("Sent to everyone signed up or waiting."),
        render_kw={"rows": 3},
    )


class KindForm(Form):
    name = StringField(
        _l("Chinese name"),
        filters=[strip_text],
        validators=[InputRequired(_l("Enter the Chinese name."))],
    )
    name_en = StringField(
        _l("English name"),
        filters=[strip_text],
        validators=[InputRequired(_l("Enter the English name."))],
    )


class MoveKindForm(Form):
    step = ChoiceField(
        _l("Move"),
        validators=[InputRequired(_l("Choose one of the options in the list."))],
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.step.choices = [("-1", _l("Up")), ("1", _l("Down"))]


class StatusFilterForm(Form):
    """The list's filter (a GET form: no CSRF token)."""

    class Meta:
        csrf = False

    status = ChoiceField(_l("Status"), validators=[Optional()])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.status.choices = [("", _l("Any status"))] + [
            (k.value, v) for k, v in ACTIVITY_STATUS_LABELS.items()
        ]

    def chosen_status(self):
        return self.status.data if self.validate() and self.status.data else None
