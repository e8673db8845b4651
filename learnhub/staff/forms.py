"""Forms of the staff area."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import TextAreaField
from wtforms.validators import DataRequired, Length

from learnhub.forms import normalise_text


class DismissJobForm(FlaskForm):
    """Closing a failed job without running it again: the reason is required."""

    note = TextAreaField(
        _l("Why it needs no further run"),
        filters=[normalise_text],
        validators=[
            DataRequired(_l("Say why, so the next person knows.")),
            Length(max=500, message=_l("At most %(max)d characters.")),
        ],
    )
