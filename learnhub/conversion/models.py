"""Conversion rules (versioned, with effective dates) and learners' applications.

A rule is a chain of versions sharing one ``rule_key``. Each version applies on the days
``effective_from <= day < effective_to`` (China time; ``effective_to`` empty: open-ended).
Editing a rule adds a version and ends the one before; an application keeps its version.
"""

from __future__ import annotations

import enum
from datetime import date, datetime, timedelta
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from sqlalchemy import (
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from learnhub.accounts.models import User
from learnhub.catalogue.models import Module
from learnhub.creditbank.models import Certificate, CreditAccount, CreditAmount, CreditHold
from learnhub.database import UTCDateTime, string_enum, utcnow
from learnhub.extensions import db


class ConversionRule(db.Model):
    """One version of a conversion rule: N credits (of a module, or any) → a certificate."""

    __tablename__ = "conversion_rule"
    __table_args__ = (
        UniqueConstraint("rule_key", "version"),
        CheckConstraint("version > 0", name="version_positive"),
        CheckConstraint("credits_required > 0", name="credits_positive"),
        # Equal dates: a version replaced before it ever took effect.
        CheckConstraint(
            "effective_to IS NULL OR effective_to >= effective_from", name="dates_in_order"
        ),
        Index("ix_conversion_rule_key_from", "rule_key", "effective_from"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    rule_key: Mapped[str] = mapped_column(String(40))
    version: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(120))  # in Chinese, as staff write it
    certificate_title: Mapped[str] = mapped_column(String(200))
    credits_required: Mapped[Decimal] = mapped_column(CreditAmount)
    module_id: Mapped[int | None] = mapped_column(ForeignKey("module.id"))
    effective_from: Mapped[date] = mapped_column(Date)
    effective_to: Mapped[date | None] = mapped_column(Date)  # first day it no longer applies
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    module: Mapped[Module | None] = relationship()
    created_by: Mapped[User | None] = relationship()

    def applies_on(self, day: date) -> bool:
        return self.effective_from <= day and (self.effective_to is None or day < self.effective_to)

    @property
    def last_day(self) -> date | None:
        """The last day this version applies (None: open-ended)."""
        return None if self.effective_to is None else self.effective_to - timedelta(days=1)

    def __repr__(self) -> str:
        return f"<ConversionRule {self.rule_key} v{self.version}>"


class ApplicationStatus(enum.StrEnum):
    SUBMITTED = "submitted"  # credits frozen, waiting for staff
    APPROVED = "approved"  # credits withdrawn, certificate issued
    REJECTED = "rejected"  # credits released
    WITHDRAWN = "withdrawn"  # the learner took it back; credits released


APPLICATION_STATUS_LABELS = {
    ApplicationStatus.SUBMITTED: _l("Waiting for review"),
    ApplicationStatus.APPROVED: _l("Approved"),
    ApplicationStatus.REJECTED: _l("Rejected"),
    ApplicationStatus.WITHDRAWN: _l("Withdrawn"),
}


class ConversionApplication(db.Model):
    """A learner's request to convert credits under one rule version."""

    __tablename__ = "conversion_application"
    __table_args__ = (
        CheckConstraint("credits > 0", name="credits_positive"),
        Index("ix_conversion_application_status_city", "status", "city_code"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("credit_account.id"), index=True)
    # The learner's city when applying: that city's staff decide.
    city_code: Mapped[str] = mapped_column(ForeignKey("region.code"))
    rule_id: Mapped[int] = mapped_column(ForeignKey("conversion_rule.id"), index=True)
    credits: Mapped[Decimal] = mapped_column(CreditAmount)
    status: Mapped[ApplicationStatus] = mapped_column(
        string_enum(ApplicationStatus, "conversion_application_status", 20),
        default=ApplicationStatus.SUBMITTED,
    )
    # "<account id>:<rule key>" while submitted or approved, empty otherwise: the database
    # allows one open or granted application per learner and rule, whatever double clicks.
    open_key: Mapped[str | None] = mapped_column(String(60), unique=True)
    hold_id: Mapped[int | None] = mapped_column(ForeignKey("credit_hold.id"))
    certificate_id: Mapped[int | None] = mapped_column(ForeignKey("credit_certificate.id"))
    reviewer_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    decision_reason: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    account: Mapped[CreditAccount] = relationship()
    rule: Mapped[ConversionRule] = relationship()
    hold: Mapped[CreditHold | None] = relationship()
    certificate: Mapped[Certificate | None] = relationship()
    reviewer: Mapped[User | None] = relationship()

    @property
    def business_key(self) -> str:
        """The key of its hold, its conversion entry and its certificate."""
        return f"conversion:{self.id}"

    def __repr__(self) -> str:
        return f"<ConversionApplication {self.id} {self.status}>"
