"""Credit bank forms."""

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField, FileRequired
from wtforms import BooleanField, DateField, HiddenField, StringField, TextAreaField
from wtforms.validators import InputRequired, Length, Optional, ValidationError

from learnhub.forms import Form, normalise_text


class StatementFilterForm(Form):
    """Dates of the statement (a GET form: nothing changes, so no CSRF token)."""

    class Meta:
        csrf = False

    start = DateField(_l("From"), validators=[Optional()])
    end = DateField(_l("To"), validators=[Optional()])

    def validate_start(self, field):
        _within_statement_years(field)

    def validate_end(self, field):
        _within_statement_years(field)
        if self.start.data and field.data and field.data < self.start.data:
            raise ValidationError(_l("The end date must not be before the start date."))


# The credit bank opened long after 2000; a date outside these years is a typing mistake
# (and year 1 or 9999 would not convert to UTC at all).
STATEMENT_YEARS = (2000, 2100)


def _within_statement_years(field) -> None:
    first, last = STATEMENT_YEARS
    if field.data and not first <= field.data.year <= last:
        raise ValidationError(
            _l("Choose a date between %(first)s and %(last)s.", first=first, last=last)
        )


class VerifyForm(Form):
    """A certificate code typed by anyone (GET: nothing changes)."""

    class Meta:
        csrf = False

    code = StringField(
        _l("Certificate code"),
        filters=[normalise_text],
        validators=[
            InputRequired(_l("Enter the code printed on the certificate.")),
            Length(max=40),
        ],
        description=_l("16 letters and digits, for example K7QM-2XPD-9RTA-H4WZ."),
    )


# ---- staff ---------------------------------------------------------------------------


class AccountSearchForm(Form):
    """Find an account (GET: nothing changes)."""

    class Meta:
        csrf = False

    q = StringField(
        _l("Account number, username or mobile number"),
        validators=[
            InputRequired(_l("Enter an account number, a username or a mobile number.")),
            Length(max=60),
        ],
        description=_l("A mistyped account number is caught by its last character."),
    )


class ReasonForm(Form):
    """A staff action that needs a reason: freeze, unfreeze, close, reverse, revoke."""

    reason = TextAreaField(
        _l("Reason"),
        filters=[normalise_text],
        validators=[InputRequired(_l("Give a reason.")), Length(max=200)],
        description=_l("Kept with the account and shown to other staff."),
    )


class AdjustmentForm(Form):
    """A correction of the balance with a memo; ``key`` makes a double submit post once."""

    amount = StringField(
        _l("Credits"),
        filters=[normalise_text],
        validators=[
            InputRequired(_l("Enter a number of credits, for example 1.5.")),
            Length(max=20),
        ],
        description=_l("Positive adds credits, negative (for example -0.5) takes them away."),
    )
    memo = TextAreaField(
        _l("Memo"),
        filters=[normalise_text],
        validators=[InputRequired(_l("Say why the balance is adjusted.")), Length(max=200)],
        description=_l("Shown on the learner's statement."),
    )
    key = HiddenField()


class OpenAccountsForm(Form):
    """A CSV of learners to register (批量开户)."""

    file = FileField(
        _l("CSV file of learners"),
        validators=[FileRequired(_l("Choose a CSV file."))],
        description=_l("Columns: login, name, city, district, password (optional)."),
    )
    check_only = BooleanField(_l("Only check the file; open no accounts"))
    notice_agreed = BooleanField(
        _l(
            "Every learner in the file agreed to the current privacy notice on a paper form "
            "our centre keeps (otherwise each is asked at their first sign-in)"
        )
    )
