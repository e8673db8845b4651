"""The week's forms: the province's terms, a city's dates, linking, the report's period."""

from datetime import date

from flask_babel import lazy_gettext as _l
from wtforms import DateField, StringField
from wtforms.validators import DataRequired, InputRequired, Length, Optional, ValidationError

from learnhub.forms import ChoiceField, ForgivingIntegerField, Form, normalise_text

YEARS = (2000, 2100)


class DayField(DateField):
    """A date typed as 2026-11-01 (full-width digits too), with our own message."""

    def process_formdata(self, valuelist):
        text = normalise_text(valuelist[0]) if valuelist else ""
        if not text:
            self.data = None
            return
        try:
            self.data = date.fromisoformat(text)
        except ValueError:
            self.data = None
            raise ValueError(_l("Enter a date, for example 2026-11-01.")) from None
        if not YEARS[0] <= self.data.year <= YEARS[1]:
            self.data = None
            raise ValueError(_l("Choose a date between %(first)s and %(last)s.",
                                first=YEARS[0], last=YEARS[1]))  # fmt: skip


class WeekForm(Form):
    """The province's terms of a year's week."""

    year = ForgivingIntegerField(_l("Year"), validators=[InputRequired(_l("Enter the year."))])
    theme = StringField(
        _l("Theme"), filters=[normalise_text],
        validators=[DataRequired(_l("Enter the week's theme.")), Length(max=120)],
        description=_l("For example 全民智学，助力“双战双赢”."),
    )  # fmt: skip
    national_opening = DayField(
        _l("National opening"), validators=[InputRequired(_l("Enter the national opening date."))]
    )
    window_start = DayField(
        _l("Cities' weeks from"), validators=[Optional()],
        description=_l("Empty: the national opening."),
    )  # fmt: skip
    window_end = DayField(
        _l("Cities' weeks until"), validators=[Optional()],
        description=_l("Empty: a month after the national opening."),
    )  # fmt: skip
    ceremony_on = DayField(_l("Province's opening ceremony"), validators=[Optional()])

    def validate_year(self, field):
        if field.data is not None and not YEARS[0] <= field.data <= YEARS[1]:
            raise ValidationError(
                _l("Choose a year between %(first)s and %(last)s.", first=YEARS[0], last=YEARS[1])
            )


class CityWeekForm(Form):
    starts_on = DayField(_l("First day"), validators=[InputRequired(_l("Enter the first day."))])
    ends_on = DayField(_l("Last day"), validators=[InputRequired(_l("Enter the last day."))])


class LinkForm(Form):
    """The activity to add; the page offers a list, the service decides what may be linked."""

    activity = StringField(
        _l("Activity"), filters=[normalise_text],
        validators=[DataRequired(_l("Choose an activity.")), Length(max=12)],
    )  # fmt: skip


class PeriodForm(Form):
    """The report's period (a GET form: nothing changes, so no CSRF token)."""

    class Meta:
        csrf = False

    region = ChoiceField(_l("Region"), validators=[Optional()], choices=[])
    start = DayField(_l("From"), validators=[Optional()])
    end = DayField(_l("To"), validators=[Optional()])

    def validate_end(self, field):
        if self.start.data and field.data and field.data < self.start.data:
            raise ValidationError(_l("The end date must not be before the start date."))
        if self.start.data and field.data and (field.data - self.start.data).days > 366:
            raise ValidationError(_l("Choose a period of at most a year."))
