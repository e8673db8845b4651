"""Check-in codes (签到码): what the screen shows each minute, and what a learner brings back.

A code is an HMAC-SHA256 of (session, minute) under a key derived from SECRET_KEY for this
purpose alone (as ``clients.pseudonym`` derives its keys), so nothing is stored and nobody
without the key can make one. It comes in two forms: 16 letters and digits in the URL of
the QR code, and 6 digits for people who type. A code is accepted in its own minute and
the next one (someone who scanned at 10:00:59 can still confirm at 10:01:30); older codes
are "expired", a code of another session open now is "foreign", anything else is "wrong".
Codes are shown, and accepted, only while the session is open for check-in: from
CHECK_IN_OPENS_MINUTES_BEFORE (30) minutes before its start until its end.
"""

from __future__ import annotations

import base64
import enum
import hashlib
import hmac
import unicodedata
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import select

from learnhub.extensions import db

from .models import Activity, ActivitySession, ActivityStatus

PURPOSE = "activity-check-in"
QR_CODE_LENGTH = 16
TYPED_CODE_DIGITS = 6
# How far back a code is still recognised as this session's (to say "expired", not "wrong").
RECOGNISED_FOR_MINUTES = 12 * 60


class Verdict(enum.StrEnum):
    VALID = "valid"
    EXPIRED = "expired"  # this session's, but from a minute before the previous one
    FOREIGN = "foreign"  # another open session's
    WRONG = "wrong"


def opens_before_start() -> timedelta:
    return timedelta(minutes=current_app.config["CHECK_IN_OPENS_MINUTES_BEFORE"])


def check_in_window(session: ActivitySession) -> tuple[datetime, datetime]:
    """When check-in opens and closes for the session."""
    return session.starts_at - opens_before_start(), session.ends_at


def is_open_for_check_in(session: ActivitySession, now: datetime) -> bool:
    opens, closes = check_in_window(session)
    return opens <= now <= closes


def minute_of(moment: datetime) -> int:
    """The minute a moment falls in, counted from the Unix epoch."""
    return int(moment.timestamp()) // 60


def seconds_left_in_minute(moment: datetime) -> int:
    return 60 - int(moment.timestamp()) % 60


def _mac(session_id: int, minute: int, form: str) -> bytes:
    key = f"{current_app.config['SECRET_KEY']}:{PURPOSE}".encode()
    return hmac.new(key, f"{form}:{session_id}:{minute}".encode(), hashlib.sha256).digest()


def qr_code(session_id: int, minute: int) -> str:
    """The code the QR code carries in its URL: 16 lower-case letters and digits (80 bits)."""
    text = base64.b32encode(_mac(session_id, minute, "qr")).decode().lower()
    return text[:QR_CODE_LENGTH]


def typed_code(session_id: int, minute: int) -> str:
    """The 6-digit code for people who type it."""
    number = int.from_bytes(_mac(session_id, minute, "typed")[:8], "big")
    return str(number % 10**TYPED_CODE_DIGITS).zfill(TYPED_CODE_DIGITS)


def read_code(text: str | None) -> str:
    """What someone brought: spaces and dashes dropped, full-width digits forgiven."""
    text = unicodedata.normalize("NFKC", text or "")
    return "".join(ch for ch in text if not ch.isspace() and ch != "-").lower()[:64]


def _matches(session_id: int, minute: int, code: str) -> bool:
    expected = typed_code(session_id, minute) if code.isdigit() else qr_code(session_id, minute)
    return hmac.compare_digest(expected, code)


def open_sessions(now: datetime) -> list[ActivitySession]:
    """Sessions open for check-in now (published, not cancelled)."""
    return list(
        db.session.scalars(
            select(ActivitySession)
            .join(Activity, Activity.id == ActivitySession.activity_id)
            .where(
                ActivitySession.starts_at <= now + opens_before_start(),
                ActivitySession.ends_at >= now,
                ActivitySession.cancelled_at.is_(None),
                Activity.status == ActivityStatus.PUBLISHED,
            )
        )
    )


def judge(session: ActivitySession, text: str | None, now: datetime) -> Verdict:
    """Whether the code brought for this session is its code of this minute or the last."""
    code = read_code(text)
    if not (code.isascii() and code.isalnum()):  # also nothing at all, or 签到 typed in
        return Verdict.WRONG
    current = minute_of(now)
    if any(_matches(session.id, minute, code) for minute in (current, current - 1)):
        return Verdict.VALID
    opens = max(minute_of(check_in_window(session)[0]), current - RECOGNISED_FOR_MINUTES)
    if any(_matches(session.id, minute, code) for minute in range(current - 2, opens - 1, -1)):
        return Verdict.EXPIRED
    for other in open_sessions(now):
        if other.id != session.id and any(
            _matches(other.id, minute, code) for minute in (current, current - 1)
        ):
            return Verdict.FOREIGN
    return Verdict.WRONG
