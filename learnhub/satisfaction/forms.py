"""The rating form: 1–5 and an optional plain-text comment."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import TextAreaField
from wtforms.validators import InputRequired, Length

from learnhub.forms import ChoiceField, Form

from .models import COMMENT_MAX


class RatingForm(Form):
    score = ChoiceField(
        _l("Your rating (5 is best)"),
        validators=[InputRequired(_l("Choose from 1 to 5 stars."))],
    )
    comment = TextAreaField(
        _l("Comment (optional)"),
        filters=[lambda v: v.strip() if isinstance(v, str) else v],
        validators=[
            Length(
                max=COMMENT_MAX, message=_l("Write at most %(max)d characters.", max=COMMENT_MAX)
            )
        ],
        render_kw={"rows": 3, "maxlength": COMMENT_MAX},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.score.choices = [("", _l("Choose…"))] + [(str(n), str(n)) for n in range(5, 0, -1)]
