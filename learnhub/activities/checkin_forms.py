"""The forms of check-in: the learner's confirmation (the code scanned or typed)."""

from flask_babel import lazy_gettext as _l
from wtforms import StringField
from wtforms.validators import InputRequired, Length

from learnhub.forms import Form


class CheckInForm(Form):
    """签到: the code came in the QR code's link (kept in the form), or is typed."""

    code = StringField(
        _l("Check-in code"),
        validators=[
            InputRequired(_l("Type the 6-digit code shown on the screen.")),
            Length(max=64, message=_l("Type the 6-digit code shown on the screen.")),
        ],
        description=_l("The 6 digits shown on the screen at the session."),
        render_kw={"inputmode": "numeric", "autocomplete": "off", "maxlength": 64},
    )
