"""Forms of the public activity pages and of signing a resident up (代报名)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import StringField
from wtforms.validators import InputRequired, Length
from wtforms.widgets import HiddenInput

from learnhub.forms import ChoiceField, ForgivingIntegerField, Form


class FindResidentForm(Form):
    """Finding the resident at the counter or on the phone (a GET form: it changes nothing)."""

    class Meta:
        csrf = False

    q = StringField(
        _l("Mobile number or username of the resident"),
        validators=[InputRequired(), Length(max=40)],
    )


class SignUpForResidentForm(Form):
    """Signing the found resident up for one session of the activity."""

    person = ForgivingIntegerField(widget=HiddenInput(), validators=[InputRequired()])
    session = ChoiceField(_l("Session"), coerce=int, validators=[InputRequired()])

    def __init__(self, sessions, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.session.choices = sessions
