"""What the people services raise when they refuse."""

from __future__ import annotations

from learnhub.audit import AuditAction


class PeopleError(ValueError):
    """A problem with what was asked (a taken login, nothing changed); ``field`` names the
    form field the message belongs to, None for the whole form."""

    def __init__(self, field: str | None, message):
        super().__init__(str(message))
        self.field = field
        self.message = message


class Refused(PeopleError):
    """A rule of access.py said no: recorded in the audit log as a refused attempt."""

    def __init__(
        self,
        field: str | None,
        message,
        action: AuditAction,
        subject=None,
        region_codes: tuple[str | None, str | None] = (None, None),
        details: dict | None = None,
    ):
        super().__init__(field, message)
        self.action = action
        self.subject = subject
        self.region_codes = region_codes
        self.details = details or {}
