"""What a new password must be: long enough, not the person's own name or number, and not
easy to guess (zxcvbn's estimate, with a list of passwords common among Chinese users).

Strength is measured, not dictated: no "one capital and one symbol" rule (which elders
find hard and attackers easy); three or four words or a longer mix pass.
"""

from __future__ import annotations

import functools
from pathlib import Path

from flask_babel import lazy_gettext as _l
from zxcvbn import zxcvbn
from zxcvbn.matching import add_frequency_lists

PASSWORD_MIN_LENGTH = 8
PASSWORD_MAX_LENGTH = 128
MIN_STRENGTH = 2  # zxcvbn's score 0–4; 2 resists guessing at the rate sign-in allows
COMMON_PASSWORDS_FILE = Path(__file__).resolve().parent.parent / "data" / "common-passwords-zh.txt"
HINT = _l("Use three or four words you will remember, or a longer mix of letters and numbers.")


@functools.cache
def _load_common_passwords() -> None:
    """Teach zxcvbn the passwords common among Chinese users (once per process)."""
    lines = COMMON_PASSWORDS_FILE.read_text(encoding="utf-8").splitlines()
    words = [line.strip() for line in lines if line.strip() and not line.startswith("#")]
    add_frequency_lists({"learnhub_common_zh": words})


def password_problem(password: str, personal: list[str]) -> object | None:
    """Why this password cannot be used, or None. ``personal``: the person's login name,
    mobile number and name, which a password must not be (or be built on)."""
    if not PASSWORD_MIN_LENGTH <= len(password) <= PASSWORD_MAX_LENGTH:
        return _l("A password has %(min)d to %(max)d characters.",
                  min=PASSWORD_MIN_LENGTH, max=PASSWORD_MAX_LENGTH)  # fmt: skip
    folded = password.casefold()
    own = [value.casefold() for value in personal if value and len(value) >= 3]
    if any(value in folded for value in own):
        return _l("A password cannot contain your username, mobile number or name.")
    _load_common_passwords()
    estimate = zxcvbn(password[:100], user_inputs=[value for value in personal if value])
    if estimate["score"] >= MIN_STRENGTH:
        return None
    if any(match.get("pattern") == "dictionary" and match.get("rank", 10_001) <= 10_000
           for match in estimate["sequence"]):  # fmt: skip
        reason = _l("This is one of the most common passwords.")
    elif any(match.get("pattern") in ("repeat", "sequence", "spatial")
             for match in estimate["sequence"]):  # fmt: skip
        reason = _l("Repeated, counted or keyboard-row characters are easy to guess.")
    else:
        reason = _l("This password is too easy to guess.")
    return f"{reason} {HINT}"
