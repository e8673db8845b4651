"""Credit account numbers: region code, sequence and an ISO 7064 check character."""

from __future__ import annotations

import unicodedata

SEQUENCE_DIGITS = 8
NUMBER_LENGTH = 6 + SEQUENCE_DIGITS + 1


def check_character(digits: str) -> str:
    """ISO 7064 MOD 11-2 check character (as on Chinese ID cards): 0-9 or X."""
    total = 0
    for digit in digits:
        total = (total + int(digit)) * 2 % 11
    remainder = (12 - total) % 11
    return "X" if remainder == 10 else str(remainder)


def make_account_number(region_code: str, sequence: int) -> str:
    """Region code (6 digits) + sequence (8 digits) + check character."""
    body = f"{region_code}{sequence:0{SEQUENCE_DIGITS}d}"
    return body + check_character(body)


def parse_account_number(text: str) -> str | None:
    """The canonical number if ``text`` is a well-formed number with a right check character."""
    cleaned = unicodedata.normalize("NFKC", text or "").upper()
    cleaned = "".join(ch for ch in cleaned if ch not in " -")
    if len(cleaned) != NUMBER_LENGTH or not cleaned[:-1].isdigit():
        return None
    return cleaned if check_character(cleaned[:-1]) == cleaned[-1] else None


def format_account_number(number: str) -> str:
    """210100 00000001 7: region, sequence, check character, for printing."""
    return f"{number[:6]} {number[6:-1]} {number[-1]}"
