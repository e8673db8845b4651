"""The one refusal of the submissions feature."""


class SubmissionError(ValueError):
    """A refusal, with the field it concerns (or None) and the message for the person."""

    def __init__(self, message, field: str | None = None):
        super().__init__(str(message))
        self.message = message
        self.field = field


class SubmissionRefused(SubmissionError):
    """Not this person's to do (another unit's submission, another owner's task): recorded
    in the audit log and answered with 403."""
