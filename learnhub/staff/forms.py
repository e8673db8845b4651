"""Forms of the staff area."""

from flask_babel import lazy_gettext as _l
from wtforms import HiddenField, TextAreaField
from wtforms.validators import DataRequired, Length, Regexp

from learnhub.forms import Form, normalise_text


def _reason_field(label) -> TextAreaField:
    """A required reason of at most 500 characters, for decisions the next person reads."""
    return TextAreaField(
        label,
        filters=[normalise_text],
        validators=[
            DataRequired(_l("Say why, so the next person knows.")),
            Length(max=500, message=_l("At most %(max)d characters.")),
        ],
    )


class DismissJobForm(Form):
    """Closing a failed job without running it again: the reason is required."""

    note = _reason_field(_l("Why it needs no further run"))


class BurstDecisionForm(Form):
    """Excluding a burst of registrations from the ranking, or counting it again."""

    network = HiddenField(validators=[DataRequired(), Regexp(r"^[0-9a-f]{32}$")])
    city = HiddenField(validators=[DataRequired(), Regexp(r"^\d{6}$")])
    start = HiddenField(validators=[DataRequired(), Regexp(r"^\d{1,15}$")])
    end = HiddenField(validators=[DataRequired(), Regexp(r"^\d{1,15}$")])
    reason = _reason_field(_l("Why"))

    def tampered(self) -> bool:
        """Whether a field the page filled in (not the reason) came back wrong."""
        return any(self[name].errors for name in ("network", "city", "start", "end"))
