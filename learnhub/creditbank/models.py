"""Credit bank tables: accounts, the ledger, holds, certificates, recognition applications.

Amounts are credits with two decimals. They are stored as whole hundredths (BIGINT), so
no database ever holds or sums a float (SQLite has no decimal type); Python sees Decimal.
"""

from __future__ import annotations

import enum
from datetime import datetime
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship
from sqlalchemy.types import TypeDecorator

from learnhub.accounts.models import User
from learnhub.database import UTCDateTime, string_enum, utcnow
from learnhub.extensions import db
from learnhub.regions.models import Region

CREDIT_SCALE = 2
CREDIT_QUANTUM = Decimal(1).scaleb(-CREDIT_SCALE)  # 0.01
GENESIS_HASH = "0" * 64  # the "previous hash" of an account's first entry


class CreditAmount(TypeDecorator):
    """Credits as Decimal with exactly two places, stored as whole hundredths."""

    impl = BigInteger
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if not isinstance(value, Decimal | int):
            raise TypeError(f"credits must be Decimal, not {type(value).__name__}")
        value = Decimal(value)
        if value != value.quantize(CREDIT_QUANTUM):
            raise ValueError(f"credits have at most {CREDIT_SCALE} decimals: {value}")
        return int(value.scaleb(CREDIT_SCALE))

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        return Decimal(int(value)).scaleb(-CREDIT_SCALE).quantize(CREDIT_QUANTUM)


class AccountStatus(enum.StrEnum):
    ACTIVE = "active"
    FROZEN = "frozen"  # no new deposits or conversions
    CLOSED = "closed"


ACCOUNT_STATUS_LABELS = {
    AccountStatus.ACTIVE: _l("Active"),
    AccountStatus.FROZEN: _l("Frozen"),
    AccountStatus.CLOSED: _l("Closed"),
}


class EntryKind(enum.StrEnum):
    COMPLETION = "completion"  # course completion
    ATTENDANCE = "attendance"  # activity attendance
    RECOGNITION = "recognition"  # approved recognition of outside learning
    CONVERSION = "conversion"  # credits converted into a certificate (a withdrawal)
    REVERSAL = "reversal"  # undoes one earlier entry
    ADJUSTMENT = "adjustment"  # a staff correction with a memo


ENTRY_KIND_LABELS = {
    EntryKind.COMPLETION: _l("Course completion"),
    EntryKind.ATTENDANCE: _l("Activity attendance"),
    EntryKind.RECOGNITION: _l("Recognised learning"),
    EntryKind.CONVERSION: _l("Conversion"),
    EntryKind.REVERSAL: _l("Reversal"),
    EntryKind.ADJUSTMENT: _l("Adjustment"),
}


class CreditAccount(db.Model):
    """One learner's account (开户 on registration); its balance lives in the ledger."""

    __tablename__ = "credit_account"
    __table_args__ = (
        UniqueConstraint("region_code", "sequence"),
        CheckConstraint("sequence > 0", name="sequence_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(15), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), unique=True)
    region_code: Mapped[str] = mapped_column(ForeignKey("region.code"))  # in the number
    sequence: Mapped[int] = mapped_column(Integer)
    # The city whose staff keep the account (jurisdiction): the learner's city at opening,
    # changed only when the receiving city's staff accept a transfer (never by the learner).
    city_code: Mapped[str] = mapped_column(ForeignKey("region.code"), index=True)
    status: Mapped[AccountStatus] = mapped_column(
        string_enum(AccountStatus, "credit_account_status", 20), default=AccountStatus.ACTIVE
    )
    status_reason: Mapped[str] = mapped_column(String(200), default="")
    status_changed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    status_changed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # The newest entry's sequence and hash: truncating the chain's end is detected too.
    head_sequence: Mapped[int] = mapped_column(Integer, default=0)
    head_hash: Mapped[str] = mapped_column(String(64), default=GENESIS_HASH)

    user: Mapped[User] = relationship(foreign_keys=[user_id])
    city: Mapped[Region] = relationship(foreign_keys=[city_code])

    def __repr__(self) -> str:
        return f"<CreditAccount {self.number} {self.status}>"


class HashScheme(enum.StrEnum):
    SHA256 = "sha256"  # entries posted before the ledger was keyed: plain SHA-256, unkeyed
    HMAC_SHA256 = "hmac-sha256"  # keyed with the ledger key named by key_id


class LedgerEntry(db.Model):
    """One posting; never updated or deleted. Each entry seals the one before it (hash chain)."""

    __tablename__ = "ledger_entry"
    __table_args__ = (
        # Idempotency: one posting per kind, business object and account, whatever races.
        UniqueConstraint("kind", "business_key", "account_id"),
        # Serialises postings per account: the loser of a race retries.
        UniqueConstraint("account_id", "sequence"),
        CheckConstraint("amount <> 0", name="amount_not_zero"),
        CheckConstraint("balance_after >= 0", name="balance_not_negative"),
        CheckConstraint("sequence > 0", name="sequence_positive"),
        Index("ix_ledger_entry_account_created", "account_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("credit_account.id"))
    sequence: Mapped[int] = mapped_column(Integer)
    amount: Mapped[Decimal] = mapped_column(CreditAmount)
    kind: Mapped[EntryKind] = mapped_column(string_enum(EntryKind, "ledger_entry_kind", 20))
    business_key: Mapped[str] = mapped_column(String(80))  # e.g. "course_completion:17"
    module_id: Mapped[int | None] = mapped_column(ForeignKey("module.id"))
    reverses_id: Mapped[int | None] = mapped_column(ForeignKey("ledger_entry.id"), unique=True)
    posted_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    memo: Mapped[str] = mapped_column(String(200), default="")
    balance_after: Mapped[Decimal] = mapped_column(CreditAmount)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64), unique=True)
    # How ``hash`` was made, and with which ledger key (keys live outside the database).
    hash_scheme: Mapped[HashScheme] = mapped_column(
        string_enum(HashScheme, "ledger_hash_scheme", 20), default=HashScheme.HMAC_SHA256
    )
    key_id: Mapped[str | None] = mapped_column(String(40))

    account: Mapped[CreditAccount] = relationship()
    reverses: Mapped[LedgerEntry | None] = relationship(remote_side=[id])

    def __repr__(self) -> str:
        return f"<LedgerEntry {self.account_id}#{self.sequence} {self.kind} {self.amount}>"


class HoldStatus(enum.StrEnum):
    HELD = "held"  # credits set aside while an application is decided
    RELEASED = "released"  # given back (rejected or withdrawn)
    SETTLED = "settled"  # turned into a withdrawal entry


class CreditHold(db.Model):
    """Credits frozen for a pending conversion: balance minus holds is what may be spent."""

    __tablename__ = "credit_hold"
    __table_args__ = (
        UniqueConstraint("business_key"),
        CheckConstraint("amount > 0", name="amount_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("credit_account.id"), index=True)
    amount: Mapped[Decimal] = mapped_column(CreditAmount)
    business_key: Mapped[str] = mapped_column(String(80))
    status: Mapped[HoldStatus] = mapped_column(
        string_enum(HoldStatus, "credit_hold_status", 20), default=HoldStatus.HELD
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    entry_id: Mapped[int | None] = mapped_column(ForeignKey("ledger_entry.id"))


class CertificateKind(enum.StrEnum):
    COURSE = "course"
    CONVERSION = "conversion"


class Certificate(db.Model):
    """A certificate anyone can check at /verify/<code>."""

    __tablename__ = "credit_certificate"
    __table_args__ = (UniqueConstraint("kind", "business_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(24), unique=True)
    kind: Mapped[CertificateKind] = mapped_column(
        string_enum(CertificateKind, "credit_certificate_kind", 20)
    )
    business_key: Mapped[str] = mapped_column(String(80))
    account_id: Mapped[int] = mapped_column(ForeignKey("credit_account.id"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    credits: Mapped[Decimal] = mapped_column(CreditAmount)
    issuer: Mapped[str] = mapped_column(String(120))
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_reason: Mapped[str] = mapped_column(String(200), default="")

    account: Mapped[CreditAccount] = relationship()


class VerifyMiss(db.Model):
    """Unknown codes asked for, per client and time window: throttles guessing."""

    __tablename__ = "credit_verify_miss"
    __table_args__ = (UniqueConstraint("client_key", "window_start"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    client_key: Mapped[str] = mapped_column(String(64))
    window_start: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    misses: Mapped[int] = mapped_column(Integer, default=0)


class RecognitionStatus(enum.StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    IN_REVIEW = "in_review"
    APPROVED = "approved"
    REJECTED = "rejected"
    RETURNED = "returned"  # returned for more evidence
    WITHDRAWN = "withdrawn"


RECOGNITION_STATUS_LABELS = {
    RecognitionStatus.DRAFT: _l("Draft"),
    RecognitionStatus.SUBMITTED: _l("Submitted"),
    RecognitionStatus.IN_REVIEW: _l("In review"),
    RecognitionStatus.APPROVED: _l("Approved"),
    RecognitionStatus.REJECTED: _l("Rejected"),
    RecognitionStatus.RETURNED: _l("Returned for more evidence"),
    RecognitionStatus.WITHDRAWN: _l("Withdrawn"),
}


class OutcomeCategory(enum.StrEnum):
    CERTIFICATE = "certificate"
    TRAINING = "training"
    AWARD = "award"
    VOLUNTEER = "volunteer"


OUTCOME_CATEGORY_LABELS = {
    OutcomeCategory.CERTIFICATE: _l("Certificate"),
    OutcomeCategory.TRAINING: _l("Training"),
    OutcomeCategory.AWARD: _l("Award"),
    OutcomeCategory.VOLUNTEER: _l("Volunteer service"),
}


class OutcomeType(db.Model):
    """An entry of the outcome catalogue (成果名录) with its standard credits."""

    __tablename__ = "credit_outcome_type"
    __table_args__ = (CheckConstraint("standard_credits > 0", name="credits_positive"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    category: Mapped[OutcomeCategory] = mapped_column(
        string_enum(OutcomeCategory, "credit_outcome_category", 20)
    )
    standard_credits: Mapped[Decimal] = mapped_column(CreditAmount)
    active: Mapped[bool] = mapped_column(default=True)


class RecognitionApplication(db.Model):
    """A learner's request to have outside learning recognised (学习成果认定)."""

    __tablename__ = "credit_recognition"
    __table_args__ = (
        CheckConstraint("credits_claimed > 0", name="credits_positive"),
        CheckConstraint("hours > 0", name="hours_positive"),
        Index("ix_credit_recognition_status_city", "status", "city_code"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("credit_account.id"), index=True)
    # The learner's city when applying: city staff review their own city's applications.
    city_code: Mapped[str] = mapped_column(ForeignKey("region.code"))
    category: Mapped[OutcomeCategory] = mapped_column(
        string_enum(OutcomeCategory, "credit_outcome_category", 20)
    )
    outcome_type_id: Mapped[int | None] = mapped_column(ForeignKey("credit_outcome_type.id"))
    title: Mapped[str] = mapped_column(String(120))
    description: Mapped[str] = mapped_column(Text, default="")
    hours: Mapped[Decimal] = mapped_column(CreditAmount)
    credits_claimed: Mapped[Decimal] = mapped_column(CreditAmount)
    status: Mapped[RecognitionStatus] = mapped_column(
        string_enum(RecognitionStatus, "credit_recognition_status", 20),
        default=RecognitionStatus.DRAFT,
    )
    reviewer_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    decision_reason: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    entry_id: Mapped[int | None] = mapped_column(ForeignKey("ledger_entry.id"))

    account: Mapped[CreditAccount] = relationship()
    outcome_type: Mapped[OutcomeType | None] = relationship()
    reviewer: Mapped[User | None] = relationship(foreign_keys=[reviewer_id])
    evidence: Mapped[list[RecognitionEvidence]] = relationship(
        back_populates="application", order_by="RecognitionEvidence.id"
    )


class RecognitionEvidence(db.Model):
    """A file a learner attached; stored privately under the instance folder."""

    __tablename__ = "credit_recognition_evidence"

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(
        ForeignKey("credit_recognition.id", ondelete="CASCADE"), index=True
    )
    original_name: Mapped[str] = mapped_column(String(200))
    stored_name: Mapped[str] = mapped_column(String(80), unique=True)
    content_type: Mapped[str] = mapped_column(String(40))
    size_bytes: Mapped[int] = mapped_column(Integer)
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    application: Mapped[RecognitionApplication] = relationship(back_populates="evidence")
