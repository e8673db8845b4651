"""Site messages (站内信): one table, one row per message to one person."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from learnhub.database import UTCDateTime, utcnow
from learnhub.extensions import db


class Message(db.Model):
    """A message to one person. ``topic`` names the feature and thing it is about
    ("activity:12") so a feature can find what it sent; ``dedupe_key``, when set, makes a
    second send of the same message a no-op (a reminder job that runs twice sends once)."""

    __tablename__ = "inbox_message"
    __table_args__ = (Index("ix_inbox_message_recipient_read", "recipient_id", "read_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    recipient_id: Mapped[int] = mapped_column(
        ForeignKey("user_account.id", ondelete="CASCADE"), index=True
    )
    subject: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text, default="")  # plain text, shown with line breaks
    link: Mapped[str | None] = mapped_column(String(500))  # a path on this site
    topic: Mapped[str] = mapped_column(String(60), default="", index=True)
    dedupe_key: Mapped[str | None] = mapped_column(String(120), unique=True)
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
