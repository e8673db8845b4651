"""Staff administration forms. The role and region pickers offer what the user may grant;
what is posted is checked by the rules (accounts.access), not by the list, so an attempt
beyond them is refused and recorded rather than dismissed as a bad choice."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import PasswordField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, EqualTo, InputRequired, Length, Optional

from learnhub.accounts.password_policy import PASSWORD_MAX_LENGTH, PASSWORD_MIN_LENGTH
from learnhub.forms import normalise_text

REASON_MAX_LENGTH = 200


def _role_field():
    return SelectField(_l("Role"), validate_choice=False,
                       validators=[InputRequired(_l("Choose a role."))])  # fmt: skip


def _region_field():
    return SelectField(
        _l("Region"), validate_choice=False,
        validators=[InputRequired(_l("Choose a region."))],
        description=_l("City staff are given a city, county staff a district or county, "
                       "content editors the province, a city or a district."),
    )  # fmt: skip


def _reason_field(label, required: bool):
    first = DataRequired(_l("Say why, for the audit log.")) if required else Optional()
    return TextAreaField(
        label, filters=[normalise_text],
        validators=[first, Length(max=REASON_MAX_LENGTH, message=_l(
            "Write at most %(max)d characters.", max=REASON_MAX_LENGTH))],
        render_kw={"rows": 2, "maxlength": REASON_MAX_LENGTH},
    )  # fmt: skip


class NewStaffForm(FlaskForm):
    login = StringField(
        _l("Mobile number or username"), filters=[normalise_text],
        validators=[DataRequired(_l("Enter a mobile number or a username."))],
        description=_l("What they will sign in with: an 11-digit mobile number, or a "
                       "username of 3–30 letters, digits or _ starting with a letter."),
        render_kw={"autocomplete": "off"},
    )  # fmt: skip
    display_name = StringField(
        _l("Name"), filters=[normalise_text],
        validators=[DataRequired(_l("Enter the name we should show.")),
                    Length(max=40, message=_l("A name has at most 40 characters."))],
        render_kw={"autocomplete": "off"},
    )  # fmt: skip
    role = _role_field()
    region = _region_field()


class ChangeStaffForm(FlaskForm):
    role = _role_field()
    region = _region_field()
    reason = _reason_field(_l("Why (for the audit log)"), required=True)


class DisableForm(FlaskForm):
    disable_reason = _reason_field(_l("Why (for the audit log)"), required=True)


class EnableForm(FlaskForm):
    enable_reason = _reason_field(_l("Why (optional)"), required=False)


class ActivationForm(FlaskForm):
    password = PasswordField(
        _l("New password"),
        validators=[
            InputRequired(_l("Enter a password.")),
            Length(min=PASSWORD_MIN_LENGTH, max=PASSWORD_MAX_LENGTH, message=_l(
                "A password has %(min)d to %(max)d characters.",
                min=PASSWORD_MIN_LENGTH, max=PASSWORD_MAX_LENGTH)),
        ],
        render_kw={"autocomplete": "new-password"},
    )  # fmt: skip
    confirm = PasswordField(
        _l("New password again"),
        validators=[InputRequired(_l("Enter the new password again.")),
                    EqualTo("password", message=_l("The two passwords are not the same."))],
        render_kw={"autocomplete": "new-password"},
    )  # fmt: skip
