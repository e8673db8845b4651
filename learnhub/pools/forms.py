"""The pools' forms: registering, adding an expert, recording a volunteer's hours."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from learnhub.forms import ChoiceField, Form


class MemberForm(Form):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=40)])
    employer = StringField(_l("Where you work (工作单位)"), validators=[Length(max=100)])
    specialty = StringField(_l("Specialty (服务专业)"), validators=[DataRequired(), Length(max=60)])
    city_code = ChoiceField(_l("City"), validators=[DataRequired()])
    contact = StringField(
        _l("Contact (seen by staff only)"), validators=[DataRequired(), Length(max=100)]
    )
    availability = TextAreaField(_l("When you are free"), validators=[Length(max=200)])

    def __init__(self, cities, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.city_code.choices = [(c.code, c.name) for c in cities]


class ExpertForm(MemberForm):
    account = StringField(
        _l("Their learner account (mobile or user name), to sign in and score"),
        validators=[Optional(), Length(max=30)],
    )


class ServiceForm(Form):
    activity_id = StringField(_l("Activity number"), validators=[DataRequired(), Length(max=9)])
    hours = StringField(_l("Hours served"), validators=[DataRequired(), Length(max=8)])
