"""The conversion feature's refusal: a credit bank error that names the form field."""

from __future__ import annotations

from learnhub.creditbank.services import CreditError


class ConversionError(CreditError):
    """A conversion rule refused the request; nothing was changed."""
