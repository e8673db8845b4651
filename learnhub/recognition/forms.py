"""Recognition forms. They read what was typed; the rules live in the services package."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField
from wtforms import StringField, TextAreaField
from wtforms.validators import InputRequired, Optional

from learnhub.creditbank.models import (
    OUTCOME_CATEGORY_LABELS,
    RECOGNITION_STATUS_LABELS,
    RecognitionStatus,
)
from learnhub.forms import ChoiceField, Form, normalise_text

from .services.applications import ApplicationDetails
from .services.outcome_catalogue import OutcomeTypeDetails


def strip_text(value):
    """Trim prose, keeping its characters: Chinese punctuation is full-width on purpose."""
    return value.strip() if isinstance(value, str) else value


def _category_choices():
    return [("", _l("Choose…"))] + [(k.value, v) for k, v in OUTCOME_CATEGORY_LABELS.items()]


class ApplicationForm(Form):
    """Step 1: what the learning was and what the learner asks for."""

    outcome_type = ChoiceField(
        _l("Type from the outcome catalogue"),
        validators=[Optional()],
        description=_l("If your learning is in the list, choose it: the credits are filled in."),
    )
    category = ChoiceField(
        _l("Kind of learning"),
        validators=[Optional()],
        description=_l("Not needed when you chose a type from the catalogue."),
    )
    title = StringField(
        _l("Title"),
        filters=[strip_text],
        validators=[InputRequired(_l("Enter a title."))],
        description=_l("For example: Elder care worker certificate, level 5."),
    )
    description = TextAreaField(
        _l("What you learned (optional)"),
        filters=[strip_text],
        description=_l("Who organised it, when, and what you did."),
        render_kw={"rows": 4},
    )
    hours = StringField(
        _l("Study hours"),
        filters=[normalise_text],
        validators=[InputRequired(_l("Enter the study hours, for example 8 or 2.5."))],
        render_kw={"inputmode": "decimal"},
    )
    credits_claimed = StringField(
        _l("Credits you ask for"),
        filters=[normalise_text],
        description=_l("At most two decimal places. Leave empty to take the catalogue's credits."),
        render_kw={"inputmode": "decimal"},
    )

    def __init__(self, *args, outcome_types=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.outcome_type.choices = [("", _l("Not in the list"))] + [
            (str(t.id), t.name) for t in outcome_types
        ]
        self.category.choices = _category_choices()

    def details(self) -> ApplicationDetails:
        return ApplicationDetails(
            title=self.title.data or "", category=self.category.data or None,
            hours=self.hours.data, credits_claimed=self.credits_claimed.data,
            description=self.description.data or "",
            outcome_type_id=int(self.outcome_type.data) if self.outcome_type.data else None,
        )  # fmt: skip

    def fill_from(self, application) -> None:
        self.outcome_type.data = str(application.outcome_type_id or "")
        self.category.data = application.category.value
        self.title.data = application.title
        self.description.data = application.description
        self.hours.data = format(application.hours.normalize(), "f")
        self.credits_claimed.data = f"{application.credits_claimed:.2f}"

    def fill_from_type(self, outcome_type) -> None:
        """Prefill from a catalogue entry (the learner picked it in the list)."""
        self.outcome_type.data = str(outcome_type.id)
        self.category.data = outcome_type.category.value
        self.title.data = outcome_type.name
        self.credits_claimed.data = f"{outcome_type.standard_credits:.2f}"


class EvidenceForm(Form):
    """Step 2: one evidence file (checked by its content in the service)."""

    file = FileField(
        _l("Evidence file"),
        description=_l("A PDF, or a photo in JPEG or PNG format, of your certificate or proof."),
        render_kw={"accept": "application/pdf,image/jpeg,image/png"},
    )

    @property
    def upload(self):
        data = self.file.data
        return data if data and getattr(data, "filename", "") else None


class ReasonForm(Form):
    """Reject or return: the learner is told why."""

    reason = TextAreaField(
        _l("Reason for the learner"),
        filters=[strip_text],
        validators=[InputRequired(_l("Give the reason, so the learner knows what to do."))],
        render_kw={"rows": 3},
    )


class ApproveForm(Form):
    note = TextAreaField(_l("Note for the learner (optional)"), filters=[strip_text],
                         render_kw={"rows": 2})  # fmt: skip


class QueueFilterForm(Form):
    """The queue's state filter (a GET form: nothing changes, so no CSRF token)."""

    class Meta:
        csrf = False

    status = ChoiceField(_l("State"), validators=[Optional()])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.status.choices = [("all", _l("All"))] + [
            (k.value, v)
            for k, v in RECOGNITION_STATUS_LABELS.items()
            if k != RecognitionStatus.DRAFT
        ]

    def chosen(self) -> RecognitionStatus | None:
        """The chosen state; waiting applications unless another (or all) is chosen."""
        value = self.status.data if self.validate() else None
        if value == "all":
            return None
        return RecognitionStatus(value) if value else RecognitionStatus.SUBMITTED


class OutcomeTypeForm(Form):
    name = StringField(
        _l("Name of the outcome"),
        filters=[strip_text],
        validators=[InputRequired(_l("Enter a name."))],
    )
    category = ChoiceField(
        _l("Kind of learning"),
        validators=[InputRequired(_l("Choose what kind of learning it was."))],
    )
    standard_credits = StringField(
        _l("Standard credits"),
        filters=[normalise_text],
        validators=[InputRequired(_l("Enter the credits, for example 2."))],
        description=_l("The most an application of this type may ask for."),
        render_kw={"inputmode": "decimal"},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.category.choices = _category_choices()

    def details(self) -> OutcomeTypeDetails:
        return OutcomeTypeDetails(
            name=self.name.data or "", category=self.category.data or None,
            standard_credits=self.standard_credits.data,
        )  # fmt: skip

    def fill_from(self, outcome_type) -> None:
        self.name.data = outcome_type.name
        self.category.data = outcome_type.category.value
        self.standard_credits.data = f"{outcome_type.standard_credits:.2f}"
