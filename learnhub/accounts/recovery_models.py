"""What account recovery keeps: reset codes issued by staff, and e-mail links.

Only hashes of codes (an HMAC with the secret key, recovery.code_hash) and of tokens
(one_time.secret_hash) are stored: a copy of these tables resets nobody's password.
Rows are never deleted: they are the record of what was issued.
"""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from learnhub.database import UTCDateTime, string_enum, utcnow
from learnhub.extensions import db

from .models import User


class ResetCode(db.Model):
    """A one-time code a centre's staff member gave a learner at the counter or by phone.

    Open while neither used nor voided and before ``expires_at``; issuing another voids it.
    """

    __tablename__ = "reset_code"
    __table_args__ = (Index("ix_reset_code_user_open", "user_id", "used_at", "voided_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    code_hash: Mapped[str] = mapped_column(String(64))
    issued_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    voided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship(foreign_keys=[user_id])


class EmailPurpose(enum.StrEnum):
    CONFIRM = "confirm"  # confirms that the address is the person's
    RESET = "reset"  # sets a new password (from /forgot)


class EmailToken(db.Model):
    """A link sent by e-mail: single use, valid until ``expires_at``."""

    __tablename__ = "email_token"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(
        ForeignKey("user_account.id", ondelete="CASCADE"), index=True
    )
    purpose: Mapped[EmailPurpose] = mapped_column(string_enum(EmailPurpose, "email_purpose", 10))
    email: Mapped[str] = mapped_column(String(254))  # the address it was sent to
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship()
