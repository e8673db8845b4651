"""Forms of account recovery: a reset code, "forgot password", a new password, an address."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import StringField
from wtforms.validators import DataRequired, Length

from learnhub.forms import normalise_text

from .forms import confirmation_field, password_field


class NewPasswordForm(FlaskForm):
    new_password = password_field(_l("New password"))
    confirm = confirmation_field(
        _l("New password again"), _l("Enter the new password again."), of="new_password"
    )


class ResetCodeForm(NewPasswordForm):
    login = StringField(
        _l("Mobile number or username"),
        filters=[normalise_text],
        validators=[DataRequired(_l("Enter your mobile number or username."))],
        render_kw={"autocomplete": "username"},
    )
    code = StringField(
        _l("Reset code (8 digits from your centre)"),
        filters=[normalise_text],
        validators=[DataRequired(_l("Enter the 8-digit code your centre gave you."))],
        render_kw={"autocomplete": "one-time-code", "inputmode": "numeric"},
    )


class EmailForm(FlaskForm):
    email = StringField(
        _l("E-mail address"),
        filters=[normalise_text],
        validators=[
            DataRequired(_l("Enter an e-mail address.")),
            Length(max=254, message=_l("An e-mail address has at most 254 characters.")),
        ],
        render_kw={"autocomplete": "email", "inputmode": "email"},
    )
