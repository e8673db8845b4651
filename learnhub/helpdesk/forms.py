"""Help desk forms."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import StringField
from wtforms.validators import DataRequired, InputRequired, Length

from learnhub.forms import ChoiceField, normalise_text


class LearnerSearchForm(FlaskForm):
    class Meta:
        csrf = False  # a search (GET): it changes nothing

    q = StringField(
        _l("Mobile number, username or credit account number"),
        filters=[normalise_text],
        validators=[
            DataRequired(_l("Enter a mobile number, a username or a credit account number."))
        ],
    )


class DistrictForm(FlaskForm):
    district = ChoiceField(
        _l("Correct district or county"),
        validators=[InputRequired(_l("Choose a district or county."))],
    )
    reason = StringField(
        _l("Why (for the audit log)"),
        filters=[normalise_text],
        validators=[
            DataRequired(_l("Say why the district is corrected.")),
            Length(max=200, message=_l("At most 200 characters.")),
        ],
    )
