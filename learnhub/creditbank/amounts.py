"""Credit amounts: read from text or settings, and shown as people read them (1,234.50, +0.50).

Amounts are ``Decimal`` at the edges and integer hundredths in the database; format_credits
is the one formatter every credit page uses (template global ``format_credits``).
"""

from __future__ import annotations

import unicodedata
from decimal import Decimal, InvalidOperation
from functools import lru_cache

from babel import Locale
from babel.numbers import format_decimal
from flask import current_app
from flask_babel import lazy_gettext as _l

from learnhub.translation_domain import current_locale

from .errors import CreditError
from .models import CREDIT_QUANTUM, CREDIT_SCALE

ZERO = Decimal("0.00")


def parse_credits(value, field: str = "amount", allow_negative: bool = False) -> Decimal:
    """A credit amount from text or a number: refuses floats, junk and too many decimals."""
    if isinstance(value, float):
        raise TypeError("credits are never floats")
    if isinstance(value, str):
        value = unicodedata.normalize("NFKC", value).strip()
    try:
        amount = Decimal(value)
    except (InvalidOperation, TypeError, ValueError):
        raise CreditError(field, _l("Enter a number of credits, for example 1.5.")) from None
    if not amount.is_finite():
        raise CreditError(field, _l("Enter a number of credits, for example 1.5."))
    if abs(amount) >= Decimal("1e9"):  # first: a 400-digit number cannot even be rounded
        raise CreditError(field, _l("That number of credits is too large."))
    if amount != amount.quantize(CREDIT_QUANTUM):
        raise CreditError(field, _l("Use at most %(places)d decimal places.", places=CREDIT_SCALE))
    if amount < 0 and not allow_negative:
        raise CreditError(field, _l("The number of credits cannot be negative."))
    return amount.quantize(CREDIT_QUANTUM)


def credit_setting(name: str) -> Decimal:
    """A credit-valued setting as Decimal (the environment gives JSON numbers)."""
    return parse_credits(str(current_app.config[name]), field=name)


def hours_to_credits(hours: Decimal) -> Decimal:
    """Study hours turned into credits at the configured rate, rounded down to 0.01."""
    per_credit = Decimal(str(current_app.config["CREDIT_HOURS_PER_CREDIT"]))
    return (Decimal(hours) / per_credit).quantize(CREDIT_QUANTUM, rounding="ROUND_DOWN")


def format_credits(amount: Decimal, signed: bool = False, locale: Locale | None = None) -> str:
    """1234.5 → "1,234.50"; with ``signed`` a deposit shows "+0.50" and a withdrawal "−2.00".
    ``locale``: the page's, when a page formats many (else the request's is looked up)."""
    text = _grouped(abs(Decimal(amount)), locale or current_locale())
    if signed:
        return ("+" if amount > 0 else "−") + text
    return ("−" if amount < 0 else "") + text


@lru_cache(maxsize=4096)
def _grouped(amount: Decimal, locale: Locale) -> str:
    # A statement shows the same few amounts many times; Babel's formatting is the slow part.
    return format_decimal(amount, format="#,##0.00", locale=locale)
