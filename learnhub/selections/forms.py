"""The selections' forms. Questions of the nomination form and criteria of the scoring
form are the selection's own, so those fields are read by name (answer_N, criterion_N)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, DateField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from learnhub.activities.authoring_forms import CheckboxesField
from learnhub.forms import ChoiceField, Form


class OpenSelectionForm(Form):
    kind = ChoiceField(_l("Kind"), validators=[DataRequired()])
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=100)])
    opens = DateField(_l("Nominations open"), validators=[DataRequired()])
    closes = DateField(_l("Nominations close"), validators=[DataRequired()])
    review_closes = DateField(_l("Review closes"), validators=[DataRequired()])
    quota = StringField(_l("Quota of each city"), validators=[DataRequired(), Length(max=3)])
    criteria = TextAreaField(
        _l("Criteria: one a line, as name|weight|highest score"),
        validators=[DataRequired(), Length(max=2000)],
    )
    form_fields = TextAreaField(
        _l("Questions of the nomination form, one a line"), validators=[Length(max=2000)]
    )


class NominationForm(Form):
    nominee = StringField(
        _l("The learner's account (mobile or user name)"), validators=[Optional(), Length(max=30)]
    )
    name = StringField(_l("Name of the nominee"), validators=[DataRequired(), Length(max=100)])
    story = TextAreaField(_l("Their story"), validators=[DataRequired(), Length(max=5000)])


class ConsentForm(Form):
    agree = ChoiceField(_l("Do you agree to be nominated?"), validators=[DataRequired()])
    parts = CheckboxesField(_l("What may be published if you win"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.agree.choices = [("yes", _l("Yes, I agree")), ("no", _l("No, I decline"))]
        self.parts.choices = [
            ("name", _l("My name")),
            ("story", _l("My story")),
            ("record", _l("My learning record (courses, credits, activities)")),
        ]


class ScoreForm(Form):
    comment = TextAreaField(_l("Comment (optional)"), validators=[Length(max=2000)])


class KindForm(Form):
    name = StringField(_l("Name of the kind"), validators=[DataRequired(), Length(max=40)])
    for_learners = BooleanField(_l("Nominees are learners (asked to agree)"))
