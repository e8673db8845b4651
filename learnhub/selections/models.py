"""Selections (评选): a kind, a year's selection with quotas, criteria, nominations,
reviewers from the expert pool, their scores, and the winners."""

from __future__ import annotations

import enum
from datetime import datetime
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from sqlalchemy import (
    Boolean,
    CheckConstraint,
    ForeignKey,
    Integer,
    Numeric,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from learnhub.accounts.models import User
from learnhub.database import UTCDateTime, string_enum, utcnow
from learnhub.extensions import db
from learnhub.news.models import NewsItem
from learnhub.pools.models import PoolMember
from learnhub.regions.models import Region


class SelectionKind(db.Model):
    """百姓学习之星, 终身学习品牌项目, …: the list province staff can extend."""

    __tablename__ = "selection_kind"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(40), unique=True)
    # Whether nominees are learners of learnhub (asked to agree, record attached).
    for_learners: Mapped[bool] = mapped_column(Boolean, default=False)
    retired: Mapped[bool] = mapped_column(Boolean, default=False)


class SelectionStage(enum.StrEnum):
    NOMINATING = "nominating"
    REVIEWING = "reviewing"
    CONFIRMED = "confirmed"
    PUBLISHED = "published"


STAGE_LABELS = {
    SelectionStage.NOMINATING: _l("Taking nominations"),
    SelectionStage.REVIEWING: _l("Expert review"),
    SelectionStage.CONFIRMED: _l("Winners confirmed"),
    SelectionStage.PUBLISHED: _l("Published"),
}


class Selection(db.Model):
    __tablename__ = "selection"
    __table_args__ = (
        CheckConstraint("nominations_close_at > nominations_open_at", name="nomination_dates"),
        CheckConstraint("review_close_at > nominations_close_at", name="review_dates"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind_id: Mapped[int] = mapped_column(ForeignKey("selection_kind.id"), index=True)
    year: Mapped[int] = mapped_column(SmallInteger, index=True)
    title: Mapped[str] = mapped_column(String(100))
    description: Mapped[str] = mapped_column(Text, default="")
    # The nomination form: one question per line (the fields city staff fill in).
    form_fields: Mapped[str] = mapped_column(Text, default="")
    nominations_open_at: Mapped[datetime] = mapped_column(UTCDateTime)
    nominations_close_at: Mapped[datetime] = mapped_column(UTCDateTime)
    review_close_at: Mapped[datetime] = mapped_column(UTCDateTime)
    stage: Mapped[SelectionStage] = mapped_column(
        string_enum(SelectionStage, "selection_stage", 12), default=SelectionStage.NOMINATING
    )
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    kind: Mapped[SelectionKind] = relationship()
    criteria: Mapped[list[SelectionCriterion]] = relationship(
        order_by="SelectionCriterion.position", back_populates="selection"
    )
    quotas: Mapped[list[CityQuota]] = relationship(back_populates="selection")

    @property
    def stage_label(self) -> str:
        return str(STAGE_LABELS[self.stage])

    @property
    def questions(self) -> list[str]:
        return [line.strip() for line in self.form_fields.splitlines() if line.strip()]


class SelectionCriterion(db.Model):
    """One thing experts score, from 0 to ``max_score``, counted with ``weight``."""

    __tablename__ = "selection_criterion"
    __table_args__ = (
        CheckConstraint("weight > 0", name="weight"),
        CheckConstraint("max_score BETWEEN 1 AND 100", name="max_score"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    selection_id: Mapped[int] = mapped_column(ForeignKey("selection.id"), index=True)
    position: Mapped[int] = mapped_column(SmallInteger, default=0)
    name: Mapped[str] = mapped_column(String(60))
    weight: Mapped[Decimal] = mapped_column(Numeric(5, 2))
    max_score: Mapped[int] = mapped_column(SmallInteger, default=10)

    selection: Mapped[Selection] = relationship(back_populates="criteria")


class CityQuota(db.Model):
    """How many a city may nominate. ``used`` moves only by a conditional UPDATE, and the
    check keeps it within the quota whatever the concurrency."""

    __tablename__ = "selection_city_quota"
    __table_args__ = (
        UniqueConstraint("selection_id", "city_code", name="uq_selection_city_quota"),
        CheckConstraint("used >= 0 AND used <= quota", name="used_within_quota"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    selection_id: Mapped[int] = mapped_column(ForeignKey("selection.id"))
    city_code: Mapped[str] = mapped_column(ForeignKey("region.code"))
    quota: Mapped[int] = mapped_column(Integer)
    used: Mapped[int] = mapped_column(Integer, default=0)

    selection: Mapped[Selection] = relationship(back_populates="quotas")
    city: Mapped[Region] = relationship(foreign_keys=[city_code])


class Consent(enum.StrEnum):
    NOT_NEEDED = "not_needed"  # the nominee is not a learner (a project, a college…)
    ASKED = "asked"
    AGREED = "agreed"
    DECLINED = "declined"


CONSENT_LABELS = {
    Consent.NOT_NEEDED: _l("Not needed"),
    Consent.ASKED: _l("Asked, no answer yet"),
    Consent.AGREED: _l("Agreed"),
    Consent.DECLINED: _l("Declined"),
}

# The parts of a story a learner may agree to publish.
STORY_PARTS = ("name", "photo", "story", "record")


class Nomination(db.Model):
    __tablename__ = "selection_nomination"
    __table_args__ = (
        UniqueConstraint("selection_id", "nominee_id", name="uq_selection_nominee"),
        # One published story per winner, and a story tells of one winner only.
        UniqueConstraint("news_id", name="uq_selection_nomination_news"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    selection_id: Mapped[int] = mapped_column(ForeignKey("selection.id"), index=True)
    city_code: Mapped[str] = mapped_column(ForeignKey("region.code"), index=True)
    nominee_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    story: Mapped[str] = mapped_column(Text, default="")
    answers_json: Mapped[str] = mapped_column(Text, default="{}")
    record_json: Mapped[str] = mapped_column(Text, default="{}")  # attached, never typed in
    consent: Mapped[Consent] = mapped_column(string_enum(Consent, "nomination_consent", 10))
    publish_parts: Mapped[str] = mapped_column(String(60), default="")  # comma-separated
    winner: Mapped[bool] = mapped_column(Boolean, default=False)
    # The winner's 典型事迹 in the news, once the selection is published.
    news_id: Mapped[int | None] = mapped_column(ForeignKey("news_item.id"))
    nominated_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    selection: Mapped[Selection] = relationship()
    nominee: Mapped[User | None] = relationship(foreign_keys=[nominee_id])
    city: Mapped[Region] = relationship(foreign_keys=[city_code])
    news: Mapped[NewsItem | None] = relationship()

    @property
    def consent_label(self) -> str:
        return str(CONSENT_LABELS[self.consent])

    @property
    def published_parts(self) -> frozenset[str]:
        if self.consent is Consent.NOT_NEEDED:
            return frozenset(STORY_PARTS)
        return frozenset(p for p in self.publish_parts.split(",") if p)


class Reviewer(db.Model):
    """An expert of the pool assigned to review a selection."""

    __tablename__ = "selection_reviewer"
    __table_args__ = (UniqueConstraint("selection_id", "expert_id", name="uq_selection_reviewer"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    selection_id: Mapped[int] = mapped_column(ForeignKey("selection.id"), index=True)
    expert_id: Mapped[int] = mapped_column(ForeignKey("pool_member.id"))

    expert: Mapped[PoolMember] = relationship()


class Review(db.Model):
    """One expert's review of one nomination: a score per criterion and a comment."""

    __tablename__ = "selection_review"
    __table_args__ = (UniqueConstraint("nomination_id", "expert_id", name="uq_selection_review"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    nomination_id: Mapped[int] = mapped_column(ForeignKey("selection_nomination.id"), index=True)
    expert_id: Mapped[int] = mapped_column(ForeignKey("pool_member.id"))
    comment: Mapped[str] = mapped_column(Text, default="")
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    expert: Mapped[PoolMember] = relationship()
    scores: Mapped[list[ReviewScore]] = relationship(cascade="all, delete-orphan")


class ReviewScore(db.Model):
    __tablename__ = "selection_review_score"
    __table_args__ = (
        UniqueConstraint("review_id", "criterion_id", name="uq_selection_review_score"),
        CheckConstraint("score >= 0", name="score"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    review_id: Mapped[int] = mapped_column(ForeignKey("selection_review.id"), index=True)
    criterion_id: Mapped[int] = mapped_column(ForeignKey("selection_criterion.id"))
    score: Mapped[int] = mapped_column(SmallInteger)
