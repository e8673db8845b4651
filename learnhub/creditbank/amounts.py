"""Credit amounts as people read them: 1,234.50, +0.50, −2.00.

Amounts are ``Decimal`` at the edges and integer hundredths in the database; this is the
one formatter every credit page uses (template global ``format_credits``).
"""

from __future__ import annotations

from decimal import Decimal

from flask_babel import format_decimal


def format_credits(amount: Decimal, signed: bool = False) -> str:
    """1234.5 → "1,234.50"; with ``signed`` a deposit shows "+0.50" and a withdrawal "−2.00"."""
    text = format_decimal(abs(amount), format="#,##0.00")
    if signed:
        return ("+" if amount > 0 else "−") + text
    return ("−" if amount < 0 else "") + text
