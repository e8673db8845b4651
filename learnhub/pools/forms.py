"""The pools' forms: registering, adding an expert, recording a volunteer's hours, naming a
course's or an activity's teachers."""

from __future__ import annotations

import re

from flask_babel import lazy_gettext as _l
from wtforms import SelectMultipleField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from learnhub.forms import MAX_DIGITS, ChoiceField, Form


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


NUMBER = re.compile(rf"[0-9]{{1,{MAX_DIGITS}}}")


class MemberNumbersField(SelectMultipleField):
    """Ticked pool members, as their numbers in the order of the page. Whether each may be
    named is the service's rule (teachers.name_teachers), not the list's: a number that is
    not offered reaches it and gets its reason."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()

    def process_formdata(self, valuelist):
        self.data = []
        for value in valuelist:
            text = str(value).strip()
            if not NUMBER.fullmatch(text):
                raise ValueError(_l("Choose teachers from the list."))
            self.data.append(int(text))

    def pre_validate(self, form):
        pass


class TeachersForm(Form):
    teachers = MemberNumbersField(_l("Teachers"), coerce=int)
