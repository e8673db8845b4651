"""Signed-in devices: each sign-in is a device session the server can end.

The browser holds a random token (in Flask's session cookie and, with "keep me signed in",
in the remember cookie); the server holds its hash in ``device_session``. A request is
signed in only while that row is open, so signing out, "sign out everywhere", a password
change, a role change or a disabled account end the session at once, on every worker and
host, whatever copies of the cookies exist.

Timeouts: a session without "keep me signed in" ends after ``SESSION_IDLE_MINUTES`` without
a request and at most ``SESSION_MAX_HOURS`` after sign-in; with it, after
``REMEMBER_COOKIE_DURATION`` (30 days). Services flush; the caller commits.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import bindparam, select, update

from learnhub.database import utcnow
from learnhub.extensions import db
from learnhub.inbox.services import note_unread_count, unread_count_of

from .models import DeviceSession, EndReason, User
from .one_time import new_token, secret_hash

log = logging.getLogger(__name__)

TOUCH_EVERY = timedelta(minutes=5)  # how stale last_seen_at may get before it is written
DEVICE_TEXT_LENGTH = 200


def _idle_limit(row: DeviceSession) -> timedelta:
    config = current_app.config
    if row.remember:
        return config["REMEMBER_COOKIE_DURATION"]
    return timedelta(minutes=config["SESSION_IDLE_MINUTES"])


def start_session(user: User, remember: bool, device: str, now: datetime | None = None) -> str:
    """Open a device session for a sign-in; returns its token (and sets it on ``user``)."""
    now = now or utcnow()
    config = current_app.config
    lifetime = (
        config["REMEMBER_COOKIE_DURATION"]
        if remember
        else timedelta(hours=config["SESSION_MAX_HOURS"])
    )
    token = new_token()
    row = DeviceSession(
        user_id=user.id, token_hash=secret_hash(token), remember=remember,
        device=device[:DEVICE_TEXT_LENGTH], created_at=now, last_seen_at=now,
        expires_at=now + lifetime,
    )  # fmt: skip
    db.session.add(row)
    db.session.flush()
    user.device_token, user.device_session = token, row
    return token


# Every signed-in request runs this: one statement, built once, brings the session, its user
# and the header's unread-message count. Two entities of a plain join rather than a joined
# eager load: the ORM's eager-loading machinery cost 0.15 ms a request (a third of the query).
_SIGNED_IN = (
    select(DeviceSession, User, unread_count_of(DeviceSession.user_id))
    .join(User, User.id == DeviceSession.user_id)
    .where(DeviceSession.token_hash == bindparam("token_hash"), DeviceSession.ended_at.is_(None))
)


def user_for_token(token: str, now: datetime | None = None) -> User | None:
    """The user whose open device session this token names, or None (ended, expired, unknown).

    Refreshes the session's last-seen time now and then, in a short transaction of its own.
    """
    if not token:
        return None
    now = now or utcnow()
    found = db.session.execute(_SIGNED_IN, {"token_hash": secret_hash(token)}).first()
    if found is None:
        return None
    row, user, unread = found
    if now >= row.expires_at or now - row.last_seen_at >= _idle_limit(row):
        _end_quietly(row.id, EndReason.EXPIRED, now)
        return None
    if not user.active:
        return None
    if now - row.last_seen_at >= TOUCH_EVERY:
        _touch(row.id, now)
    user.device_token, user.device_session = token, row
    note_unread_count(unread)
    return user


def _touch(row_id: int, now: datetime) -> None:
    # Its own connection: a page that only reads keeps a read-only transaction.
    try:
        with db.engine.begin() as connection:
            connection.execute(
                update(DeviceSession).where(DeviceSession.id == row_id).values(last_seen_at=now)
            )
    except Exception:  # a missed touch only shortens the idle time; never break the page
        log.warning("could not note the activity of device session %s", row_id, exc_info=True)


def _end_quietly(row_id: int, reason: EndReason, now: datetime) -> None:
    try:
        with db.engine.begin() as connection:
            connection.execute(
                update(DeviceSession)
                .where(DeviceSession.id == row_id, DeviceSession.ended_at.is_(None))
                .values(ended_at=now, end_reason=reason)
            )
    except Exception:  # it is refused anyway; the row is ended next time
        log.warning("could not end expired device session %s", row_id, exc_info=True)


def end_session(row: DeviceSession, reason: EndReason) -> None:
    """End one device session (signing out)."""
    if row.ended_at is None:
        row.ended_at, row.end_reason = utcnow(), reason
        db.session.flush()


def end_sessions(user: User, reason: EndReason, keep: DeviceSession | None = None) -> int:
    """End every open device session of the user but ``keep``; returns how many ended."""
    query = update(DeviceSession).where(
        DeviceSession.user_id == user.id, DeviceSession.ended_at.is_(None)
    )
    if keep is not None:
        query = query.where(DeviceSession.id != keep.id)
    result = db.session.execute(query.values(ended_at=utcnow(), end_reason=reason))
    return result.rowcount


def open_sessions(user: User) -> list[DeviceSession]:
    """The user's signed-in devices, most recently used first."""
    return list(
        db.session.scalars(
            select(DeviceSession)
            .where(DeviceSession.user_id == user.id, DeviceSession.ended_at.is_(None))
            .order_by(DeviceSession.last_seen_at.desc())
        )
    )


def own_session(user: User, session_id: int) -> DeviceSession | None:
    """One of the user's open device sessions by id (None for anyone else's)."""
    return db.session.scalar(
        select(DeviceSession).where(
            DeviceSession.id == session_id,
            DeviceSession.user_id == user.id,
            DeviceSession.ended_at.is_(None),
        )
    )
