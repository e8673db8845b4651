"""Sending and reading site messages: the one way every feature tells a person something."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from learnhub.extensions import db

from .models import Message


def send(
    recipient_id: int,
    subject: str,
    body: str = "",
    link: str | None = None,
    topic: str = "",
    dedupe_key: str | None = None,
) -> Message | None:
    """Add a message in the caller's transaction. With ``dedupe_key`` a message already
    sent under that key is not sent again (None is returned)."""
    if dedupe_key is not None:
        sent = db.session.scalar(select(Message.id).where(Message.dedupe_key == dedupe_key))
        if sent is not None:
            return None
    message = Message(
        recipient_id=recipient_id,
        subject=subject[:200],
        body=body,
        link=link,
        topic=topic,
        dedupe_key=dedupe_key,
    )
    if dedupe_key is None:
        db.session.add(message)
        return message
    try:
        with db.session.begin_nested():  # a parallel sender may have won the key
            db.session.add(message)
    except IntegrityError:
        return None
    return message


def unread_count(recipient_id: int) -> int:
    return db.session.scalar(
        select(func.count(Message.id)).where(
            Message.recipient_id == recipient_id, Message.read_at.is_(None)
        )
    )
