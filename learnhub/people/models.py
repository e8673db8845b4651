"""Activation links of staff accounts made by other staff: only a hash of each is kept."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from learnhub.accounts.models import User
from learnhub.database import UTCDateTime, utcnow
from learnhub.extensions import db

# What a new staff account holds instead of a password hash until its owner activates it:
# no password verifies against it (passwords.verify_password knows only real hashes).
NO_PASSWORD_YET = "!activation-pending"  # noqa: S105 - a marker, not a password


class StaffActivation(db.Model):
    """One activation link: usable once, before ``expires_at``, unless voided by a newer one
    (or by the account being disabled)."""

    __tablename__ = "staff_activation"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(
        ForeignKey("user_account.id", ondelete="CASCADE"), index=True
    )
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    issued_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    voided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship(foreign_keys=[user_id])
