"""Credit bank forms."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, StringField
from wtforms.validators import InputRequired, Length, Optional, ValidationError

from learnhub.forms import normalise_text


class StatementFilterForm(FlaskForm):
    """Dates of the statement (a GET form: nothing changes, so no CSRF token)."""

    class Meta:
        csrf = False

    start = DateField(_l("From"), validators=[Optional()])
    end = DateField(_l("To"), validators=[Optional()])

    def validate_end(self, field):
        if self.start.data and field.data and field.data < self.start.data:
            raise ValidationError(_l("The end date must not be before the start date."))


class VerifyForm(FlaskForm):
    """A certificate code typed by anyone (GET: nothing changes)."""

    class Meta:
        csrf = False

    code = StringField(
        _l("Certificate code"),
        filters=[normalise_text],
        validators=[
            InputRequired(_l("Enter the code printed on the certificate.")),
            Length(max=40),
        ],
        description=_l("16 letters and digits, for example K7QM-2XPD-9RTA-H4WZ."),
    )
