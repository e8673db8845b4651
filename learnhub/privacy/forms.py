"""The privacy pages' forms."""

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, PasswordField, StringField
from wtforms.validators import DataRequired, InputRequired, Length

from learnhub.forms import Form, normalise_text


class ConsentForm(Form):
    agree = BooleanField(
        _l("I have read the privacy notice and agree to it"),
        validators=[DataRequired(_l("Tick the box to agree, or sign out."))],
    )


class CloseAccountForm(Form):
    password = PasswordField(
        _l("Your password"),
        validators=[InputRequired(_l("Enter your password to confirm it is you."))],
        render_kw={"autocomplete": "current-password"},
    )
    understood = BooleanField(
        _l(
            "I understand: after the waiting period my name, mobile number and files are "
            "erased for good, and I can no longer sign in."
        ),
        validators=[DataRequired(_l("Tick the box to confirm you understand."))],
    )


class RevealMobileForm(Form):
    reason = StringField(
        _l("Why do you need the full number?"),
        filters=[normalise_text],
        validators=[
            DataRequired(_l("Say why you need the full number.")),
            Length(max=200, message=_l("At most 200 characters.")),
        ],
        description=_l(
            "For example: calling the learner back about their reset code. "
            "The reason is kept in the audit log."
        ),
    )
