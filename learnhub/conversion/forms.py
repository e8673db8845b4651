"""Conversion forms: rules (province staff) and decisions (city or province staff)."""

from datetime import date

from flask_babel import lazy_gettext as _l
from wtforms import DateField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from learnhub.forms import ChoiceField, Form, normalise_text


class DayField(DateField):
    """A date typed as 2026-12-01 (full-width digits too), with our own message."""

    def process_formdata(self, valuelist):
        text = normalise_text(valuelist[0]) if valuelist else ""
        if not text:
            self.data = None
            return
        try:
            self.data = date.fromisoformat(text)
        except ValueError:
            self.data = None
            raise ValueError(_l("Enter a date, for example 2026-12-01.")) from None


class RuleForm(Form):
    """The terms of a rule version."""

    title = StringField(
        _l("Rule title"), filters=[normalise_text],
        validators=[DataRequired(_l("Give the rule a title.")), Length(max=120)],
        description=_l("What learners see, for example 百年党史学堂专题结业证书兑换."),
    )  # fmt: skip
    certificate_title = StringField(
        _l("Certificate title"), filters=[normalise_text],
        validators=[DataRequired(_l("Name the certificate the rule gives.")), Length(max=200)],
        description=_l("Printed on the certificate and shown when it is checked."),
    )  # fmt: skip
    credits_required = StringField(
        _l("Credits required"), filters=[normalise_text],
        validators=[InputRequired(_l("Enter a number of credits, for example 1.5.")),
                    Length(max=20)],
        description=_l("Withdrawn from the learner's balance when the application is approved."),
    )  # fmt: skip
    module = ChoiceField(
        _l("Credits from"), validators=[Optional()],
        description=_l("A module: only credits earned in it count. Any: every credit counts."),
    )  # fmt: skip
    starts = DayField(
        _l("First day"), validators=[InputRequired(_l("Enter the first day the rule applies."))]
    )
    last_day = DayField(
        _l("Last day (optional)"), validators=[Optional()],
        description=_l("Leave empty for a rule without an end."),
    )  # fmt: skip


class NewRuleForm(RuleForm):
    rule_key = StringField(
        _l("Rule code"), filters=[normalise_text],
        validators=[DataRequired(_l("Give the rule a code.")), Length(max=40)],
        description=_l(
            "Lower-case letters, digits and hyphens, e.g. party-2026. It never changes."
        ),
    )  # fmt: skip


class EndRuleForm(Form):
    last_day = DayField(
        _l("Last day learners may apply"),
        validators=[InputRequired(_l("Enter the last day the rule applies."))],
    )


class RejectForm(Form):
    reason = TextAreaField(
        _l("Reason"), filters=[normalise_text],
        validators=[DataRequired(_l("Say why the application is rejected.")), Length(max=500)],
        description=_l("The learner reads this."),
    )  # fmt: skip
