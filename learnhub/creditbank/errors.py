"""The credit bank's refusal: one exception that names the form field it is about."""

from __future__ import annotations


class CreditError(Exception):
    """A credit bank rule refused the request; ``field`` names the form field, if any."""

    def __init__(self, field: str | None, message):
        super().__init__(field, message)
        self.field = field
        self.message = message  # lazy: rendered in the reader's language

    def __str__(self) -> str:
        return str(self.message)
