"""The guessing throttle of the public certificate check (/verify): unknown codes per client."""

from __future__ import annotations

from datetime import UTC, datetime

from flask import current_app
from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError

from learnhub.database import utcnow
from learnhub.extensions import db

from ..models import VerifyMiss


def _window_start(now: datetime, seconds: int) -> datetime:
    epoch = int(now.timestamp())
    return datetime.fromtimestamp(epoch - epoch % seconds, tz=UTC)


def verify_blocked(client_key: str, now: datetime | None = None) -> bool:
    """Whether this client asked for too many unknown codes in the current window."""
    config = current_app.config
    window = _window_start(now or utcnow(), int(config["CREDIT_VERIFY_WINDOW_SECONDS"]))
    misses = db.session.scalar(
        select(VerifyMiss.misses).where(
            VerifyMiss.client_key == client_key, VerifyMiss.window_start == window
        )
    )
    return (misses or 0) >= int(config["CREDIT_VERIFY_MAX_MISSES"])


def record_verify_miss(client_key: str, now: datetime | None = None) -> None:
    """Count one unknown code for this client (an atomic UPDATE, or the window's first row)."""
    window = _window_start(now or utcnow(), int(current_app.config["CREDIT_VERIFY_WINDOW_SECONDS"]))
    counted = db.session.execute(
        update(VerifyMiss)
        .where(VerifyMiss.client_key == client_key, VerifyMiss.window_start == window)
        .values(misses=VerifyMiss.misses + 1)
    ).rowcount
    if counted:
        return
    try:
        with db.session.begin_nested():
            db.session.add(VerifyMiss(client_key=client_key, window_start=window, misses=1))
    except IntegrityError:
        record_verify_miss(client_key, now)
    db.session.execute(delete(VerifyMiss).where(VerifyMiss.window_start < window))
