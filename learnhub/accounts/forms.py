"""Account forms. Messages are given explicitly so every one is in our catalogue."""

from datetime import date

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, PasswordField, StringField
from wtforms.validators import (
    DataRequired,
    EqualTo,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    ValidationError,
)

from learnhub.forms import ChoiceField, ForgivingIntegerField, Form, normalise_text

from .password_policy import PASSWORD_MAX_LENGTH, PASSWORD_MIN_LENGTH
from .services import parse_login_name


def password_field(label):
    return PasswordField(
        label,
        validators=[
            InputRequired(_l("Enter a password.")),
            Length(
                min=PASSWORD_MIN_LENGTH,
                max=PASSWORD_MAX_LENGTH,
                message=_l(
                    "A password has %(min)d to %(max)d characters.",
                    min=PASSWORD_MIN_LENGTH,
                    max=PASSWORD_MAX_LENGTH,
                ),
            ),
        ],
        render_kw={"autocomplete": "new-password"},
    )


def confirmation_field(label, missing_message, of: str):
    """The new password typed a second time, which must match the field ``of``."""
    return PasswordField(
        label,
        validators=[
            InputRequired(missing_message),
            EqualTo(of, message=_l("The two passwords are not the same.")),
        ],
        render_kw={"autocomplete": "new-password"},
    )


def _birth_year_field():
    return ForgivingIntegerField(
        _l("Year of birth (optional)"),
        validators=[
            Optional(),
            NumberRange(
                min=1900,
                max=date.today().year,
                message=_l("Enter a year between 1900 and this year."),
            ),
        ],
        description=_l(
            "Optional. Used only to count learners by age group, so courses for older "
            "learners reach them, and for the help desk to check it is you when you call."
        ),
        render_kw={"inputmode": "numeric", "autocomplete": "bday-year"},
    )


class RegionFields:
    """City and district pickers; the route fills their choices from the region tree."""

    city = ChoiceField(_l("City"), validators=[InputRequired(_l("Choose your city."))])
    district = ChoiceField(
        _l("District or county"),
        validators=[InputRequired(_l("Choose your district or county."))],
    )


class RegistrationForm(RegionFields, Form):
    login = StringField(
        _l("Mobile number or username"),
        filters=[normalise_text],
        validators=[DataRequired(_l("Enter a mobile number or a username."))],
        description=_l(
            "An 11-digit mobile number, or a username of 3–30 letters, digits or _ "
            "starting with a letter."
        ),
        render_kw={"autocomplete": "username"},
    )
    display_name = StringField(
        _l("Your name"),
        filters=[normalise_text],
        validators=[
            DataRequired(_l("Enter the name we should show.")),
            Length(max=40, message=_l("A name has at most 40 characters.")),
        ],
        render_kw={"autocomplete": "name"},
    )
    password = password_field(_l("Password"))
    confirm = confirmation_field(
        _l("Password again"), _l("Enter the password again."), of="password"
    )
    birth_year = _birth_year_field()
    agree = BooleanField(
        _l("I have read the privacy notice and agree to it"),
        validators=[DataRequired(_l("To register, read the privacy notice and agree to it."))],
    )

    def validate_login(self, field):
        if parse_login_name(field.data or "") is None:
            raise ValidationError(
                _l("Enter an 11-digit mobile number, or a username that starts with a letter.")
            )


class LoginForm(Form):
    login = StringField(
        _l("Mobile number or username"),
        filters=[normalise_text],
        validators=[DataRequired(_l("Enter your mobile number or username."))],
        render_kw={"autocomplete": "username"},
    )
    password = PasswordField(
        _l("Password"),
        validators=[InputRequired(_l("Enter your password."))],
        render_kw={"autocomplete": "current-password"},
    )
    remember = BooleanField(_l("Keep me signed in on this device"))


class PasswordChangeForm(Form):
    current_password = PasswordField(
        _l("Current password"),
        validators=[InputRequired(_l("Enter your current password."))],
        render_kw={"autocomplete": "current-password"},
    )
    new_password = password_field(_l("New password"))
    confirm = confirmation_field(
        _l("New password again"), _l("Enter the new password again."), of="new_password"
    )


class ProfileForm(RegionFields, Form):
    display_name = StringField(
        _l("Your name"),
        filters=[normalise_text],
        validators=[
            DataRequired(_l("Enter the name we should show.")),
            Length(max=40, message=_l("A name has at most 40 characters.")),
        ],
    )
    birth_year = _birth_year_field()
