"""What waits for a second person: adjustment requests (four eyes), account transfers between
cities, and awards kept while an account is frozen.

Each row records who asked, who decided and when. ``open_key`` is set while the row is
open and cleared when it is decided: a unique column, so the database allows one open
transfer per account and one open award per business key, whatever races happen.
"""

from __future__ import annotations

import enum
from datetime import datetime
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from sqlalchemy import CheckConstraint, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from learnhub.accounts.models import User
from learnhub.database import UTCDateTime, string_enum, utcnow
from learnhub.extensions import db
from learnhub.regions.models import Region

from .models import CreditAccount, CreditAmount, EntryKind


class RequestStatus(enum.StrEnum):
    PENDING = "pending"
    APPROVED = "approved"  # posted as an adjustment entry
    REJECTED = "rejected"
    WITHDRAWN = "withdrawn"  # by the staff member who asked


REQUEST_STATUS_LABELS = {
    RequestStatus.PENDING: _l("Waiting for approval"),
    RequestStatus.APPROVED: _l("Approved and posted"),
    RequestStatus.REJECTED: _l("Rejected"),
    RequestStatus.WITHDRAWN: _l("Withdrawn"),
}


class AdjustmentRequest(db.Model):
    """An adjustment above the four-eyes amount: posted only when a second staff member
    (not the requester, not the account holder) approves it."""

    __tablename__ = "credit_adjustment_request"
    __table_args__ = (
        CheckConstraint("amount <> 0", name="amount_not_zero"),
        # Approved or rejected by a second person; only a withdrawal is the asker's own.
        CheckConstraint(
            "status = 'withdrawn' OR decided_by_id IS NULL OR decided_by_id <> requested_by_id",
            name="four_eyes",
        ),
        Index("ix_credit_adjustment_request_status_account", "status", "account_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("credit_account.id"))
    amount: Mapped[Decimal] = mapped_column(CreditAmount)
    memo: Mapped[str] = mapped_column(String(200))
    # The adjustment form's one-time key: a double click asks once.
    form_key: Mapped[str] = mapped_column(String(60), unique=True)
    status: Mapped[RequestStatus] = mapped_column(
        string_enum(RequestStatus, "credit_adjustment_request_status", 20),
        default=RequestStatus.PENDING,
    )
    requested_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decision_reason: Mapped[str] = mapped_column(String(200), default="")
    entry_id: Mapped[int | None] = mapped_column(ForeignKey("ledger_entry.id"))

    account: Mapped[CreditAccount] = relationship()
    requested_by: Mapped[User] = relationship(foreign_keys=[requested_by_id])
    decided_by: Mapped[User | None] = relationship(foreign_keys=[decided_by_id])


class TransferStatus(enum.StrEnum):
    PENDING = "pending"
    ACCEPTED = "accepted"
    DECLINED = "declined"
    CANCELLED = "cancelled"  # the learner moved back, or on to yet another city


TRANSFER_STATUS_LABELS = {
    TransferStatus.PENDING: _l("Waiting for the receiving city"),
    TransferStatus.ACCEPTED: _l("Accepted"),
    TransferStatus.DECLINED: _l("Declined"),
    TransferStatus.CANCELLED: _l("Cancelled"),
}


class AccountTransfer(db.Model):
    """Moving a credit account to another city's staff, asked for when the learner changed
    their city; the sending city keeps it until the receiving city accepts."""

    __tablename__ = "credit_account_transfer"
    __table_args__ = (
        CheckConstraint("from_city_code <> to_city_code", name="cities_differ"),
        Index("ix_credit_account_transfer_status_to", "status", "to_city_code"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("credit_account.id"), index=True)
    from_city_code: Mapped[str] = mapped_column(ForeignKey("region.code"))
    to_city_code: Mapped[str] = mapped_column(ForeignKey("region.code"))
    status: Mapped[TransferStatus] = mapped_column(
        string_enum(TransferStatus, "credit_account_transfer_status", 20),
        default=TransferStatus.PENDING,
    )
    open_key: Mapped[int | None] = mapped_column(unique=True)  # the account id while pending
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decision_reason: Mapped[str] = mapped_column(String(200), default="")

    account: Mapped[CreditAccount] = relationship()
    decided_by: Mapped[User | None] = relationship()
    from_city: Mapped[Region] = relationship(foreign_keys=[from_city_code])
    to_city: Mapped[Region] = relationship(foreign_keys=[to_city_code])


class AwardStatus(enum.StrEnum):
    PENDING = "pending"  # kept while the account is frozen
    PAID = "paid"  # posted when the account was unfrozen
    DECLINED = "declined"  # by staff, with a reason the learner sees


AWARD_STATUS_LABELS = {
    AwardStatus.PENDING: _l("Kept until your account is unfrozen"),
    AwardStatus.PAID: _l("Paid"),
    AwardStatus.DECLINED: _l("Declined"),
}


class PendingAward(db.Model):
    """Credits earned while the account could not take them (frozen or closed)."""

    __tablename__ = "credit_pending_award"
    __table_args__ = (CheckConstraint("amount > 0", name="amount_positive"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("credit_account.id"), index=True)
    kind: Mapped[EntryKind] = mapped_column(string_enum(EntryKind, "ledger_entry_kind", 20))
    business_key: Mapped[str] = mapped_column(String(80), unique=True)
    amount: Mapped[Decimal] = mapped_column(CreditAmount)
    module_id: Mapped[int | None] = mapped_column(ForeignKey("module.id"))
    title: Mapped[str] = mapped_column(String(200))
    earned_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    status: Mapped[AwardStatus] = mapped_column(
        string_enum(AwardStatus, "credit_pending_award_status", 20), default=AwardStatus.PENDING
    )
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decision_reason: Mapped[str] = mapped_column(String(200), default="")
    entry_id: Mapped[int | None] = mapped_column(ForeignKey("ledger_entry.id"))

    account: Mapped[CreditAccount] = relationship()
