"""News (新闻动态): notices, work news and model stories of the province, a city or a district."""

from __future__ import annotations

import enum
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from learnhub.cache import CATALOGUE, track_content
from learnhub.database import UTCDateTime, string_enum, utcnow
from learnhub.extensions import db
from learnhub.regions.models import Region


class NewsKind(enum.StrEnum):
    NOTICE = "notice"  # 通知公告
    WORK = "work"  # 工作动态
    STORY = "story"  # 典型事迹


NEWS_KIND_LABELS = {
    NewsKind.NOTICE: _l("Notices"),
    NewsKind.WORK: _l("Work news"),
    NewsKind.STORY: _l("Model stories"),
}


class NewsStatus(enum.StrEnum):
    DRAFT = "draft"
    PUBLISHED = "published"
    WITHDRAWN = "withdrawn"


NEWS_STATUS_LABELS = {
    NewsStatus.DRAFT: _l("Draft"),
    NewsStatus.PUBLISHED: _l("Published"),
    NewsStatus.WITHDRAWN: _l("Withdrawn"),
}


class NewsItem(db.Model):
    """One news item. No city: the province's own news; a district: a county centre's news,
    shown with its city's. ``source`` says what made it ("staff", or a feature such as
    "selection" publishing winners' stories)."""

    __tablename__ = "news_item"
    __table_args__ = (Index("ix_news_item_status_published", "status", "published_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(120))
    kind: Mapped[NewsKind] = mapped_column(string_enum(NewsKind, "news_kind", 10))
    status: Mapped[NewsStatus] = mapped_column(
        string_enum(NewsStatus, "news_status", 10), default=NewsStatus.DRAFT
    )
    city_code: Mapped[str | None] = mapped_column(ForeignKey("region.code"), index=True)
    district_code: Mapped[str | None] = mapped_column(ForeignKey("region.code"))
    summary: Mapped[str] = mapped_column(String(300), default="")  # plain text
    body_html: Mapped[str] = mapped_column(Text, default="")  # sanitised on the way in
    image_name: Mapped[str | None] = mapped_column(String(80))  # a stored file's random name
    image_caption: Mapped[str] = mapped_column(String(100), default="")
    source: Mapped[str] = mapped_column(String(20), default="staff")
    author_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    city: Mapped[Region | None] = relationship(foreign_keys=[city_code])
    district: Mapped[Region | None] = relationship(foreign_keys=[district_code])

    @property
    def kind_label(self) -> str:
        return str(NEWS_KIND_LABELS[self.kind])

    @property
    def status_label(self) -> str:
        return str(NEWS_STATUS_LABELS[self.status])

    @property
    def is_public(self) -> bool:
        return self.status is NewsStatus.PUBLISHED


# The home and city pages are cached; they list the latest news, so a change renews them.
track_content(NewsItem, CATALOGUE)
