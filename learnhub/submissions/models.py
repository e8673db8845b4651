"""Submissions (材料报送): tasks the province or a city sets, the units that must answer, and
what each unit sends — a working draft and immutable submitted versions.

A *unit* is a city or a district, named by its region code; its staff (city staff for a
city, county staff for a district) act for it. The draft of a submission is the rows with
``version_id`` NULL; submitting copies them into a new version, which nothing changes again.
"""

from __future__ import annotations

import enum
import json
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import (
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from learnhub.database import UTCDateTime, string_enum, utcnow
from learnhub.extensions import db


class ItemKind(enum.StrEnum):
    TEXT = "text"
    PHOTOS = "photos"
    DOCUMENTS = "documents"
    VIDEO = "video"
    FIGURES = "figures"


ITEM_KIND_LABELS = {
    ItemKind.TEXT: _l("Text"),
    ItemKind.PHOTOS: _l("Photos"),
    ItemKind.DOCUMENTS: _l("Documents (PDF, DOCX, XLSX)"),
    ItemKind.VIDEO: _l("Video (MP4)"),
    ItemKind.FIGURES: _l("Figures"),
}
FILE_KINDS = (ItemKind.PHOTOS, ItemKind.DOCUMENTS, ItemKind.VIDEO)


class SubmissionStatus(enum.StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    RETURNED = "returned"
    ACCEPTED = "accepted"


class BoardStatus(enum.StrEnum):
    """What the status board shows of a unit (``late``: submitted after the due time and
    not yet decided on)."""

    NOT_STARTED = "not_started"
    DRAFT = "draft"
    SUBMITTED = "submitted"
    LATE = "late"
    RETURNED = "returned"
    ACCEPTED = "accepted"


BOARD_STATUS_LABELS = {
    BoardStatus.NOT_STARTED: _l("Not started"),
    BoardStatus.DRAFT: _l("Draft"),
    BoardStatus.SUBMITTED: _l("Submitted"),
    BoardStatus.LATE: _l("Submitted late"),
    BoardStatus.RETURNED: _l("Returned"),
    BoardStatus.ACCEPTED: _l("Accepted"),
}


class Decision(enum.StrEnum):
    ACCEPTED = "accepted"
    RETURNED = "returned"


class SubmissionTask(db.Model):
    """What the owner (the province, ``owner_region_code`` 210000, or a city) asks for."""

    __tablename__ = "submission_task"
    __table_args__ = (CheckConstraint("remind_days >= 0", name="remind_days_not_negative"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(120))
    instructions_html: Mapped[str] = mapped_column(Text, default="")  # sanitised on save
    owner_region_code: Mapped[str] = mapped_column(ForeignKey("region.code"), index=True)
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    remind_days: Mapped[int] = mapped_column(Integer, default=3)
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    items: Mapped[list[TaskItem]] = relationship(
        back_populates="task", order_by="TaskItem.position", cascade="all, delete-orphan"
    )
    units: Mapped[list[TaskUnit]] = relationship(
        back_populates="task", order_by="TaskUnit.region_code", cascade="all, delete-orphan"
    )
    owner_region = relationship("Region", viewonly=True)

    @property
    def closed(self) -> bool:
        return self.closed_at is not None


class TaskUnit(db.Model):
    """A unit that must submit for a task."""

    __tablename__ = "submission_task_unit"
    __table_args__ = (UniqueConstraint("task_id", "region_code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    task_id: Mapped[int] = mapped_column(ForeignKey("submission_task.id", ondelete="CASCADE"))
    region_code: Mapped[str] = mapped_column(ForeignKey("region.code"), index=True)

    task: Mapped[SubmissionTask] = relationship(back_populates="units")
    region = relationship("Region", viewonly=True)


class TaskItem(db.Model):
    """One required item and its rules: ``min_count`` (characters for a text, files for
    photos, documents and video), ``max_mb`` (each file), ``fields_json`` (the names of a
    small form of figures)."""

    __tablename__ = "submission_task_item"
    __table_args__ = (
        CheckConstraint("min_count >= 0", name="min_count_not_negative"),
        CheckConstraint("max_mb >= 1", name="max_mb_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    task_id: Mapped[int] = mapped_column(ForeignKey("submission_task.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer, default=0)
    kind: Mapped[ItemKind] = mapped_column(string_enum(ItemKind, "submission_item_kind", 16))
    label: Mapped[str] = mapped_column(String(40))
    min_count: Mapped[int] = mapped_column(Integer, default=0)
    max_mb: Mapped[int] = mapped_column(Integer, default=20)
    fields_json: Mapped[str] = mapped_column(Text, default="[]")

    task: Mapped[SubmissionTask] = relationship(back_populates="items")

    @property
    def field_names(self) -> list[str]:
        return json.loads(self.fields_json or "[]")


class Submission(db.Model):
    """A unit's answer to a task: its working draft, its versions and where it stands."""

    __tablename__ = "submission"
    __table_args__ = (UniqueConstraint("task_id", "region_code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    task_id: Mapped[int] = mapped_column(
        ForeignKey("submission_task.id", ondelete="CASCADE"), index=True
    )
    region_code: Mapped[str] = mapped_column(ForeignKey("region.code"), index=True)
    status: Mapped[SubmissionStatus] = mapped_column(
        string_enum(SubmissionStatus, "submission_status", 16), default=SubmissionStatus.DRAFT
    )
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    task: Mapped[SubmissionTask] = relationship()
    region = relationship("Region", viewonly=True)
    versions: Mapped[list[SubmissionVersion]] = relationship(
        back_populates="submission", order_by="SubmissionVersion.number"
    )

    @property
    def latest_version(self) -> SubmissionVersion | None:
        return self.versions[-1] if self.versions else None


class SubmissionVersion(db.Model):
    """One submitted version, kept as sent; the owner's decision is written on it once."""

    __tablename__ = "submission_version"
    __table_args__ = (UniqueConstraint("submission_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    submission_id: Mapped[int] = mapped_column(ForeignKey("submission.id", ondelete="CASCADE"))
    number: Mapped[int] = mapped_column(Integer)
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    submitted_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
    late: Mapped[bool] = mapped_column(default=False)
    decision: Mapped[Decision | None] = mapped_column(
        string_enum(Decision, "submission_decision", 16)
    )
    comments: Mapped[str] = mapped_column(Text, default="")
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decided_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )

    submission: Mapped[Submission] = relationship(back_populates="versions")
    submitted_by = relationship("User", foreign_keys=[submitted_by_id], viewonly=True)


class SubmissionEntry(db.Model):
    """A text or a form of figures of the draft (``version_id`` NULL) or of a version."""

    __tablename__ = "submission_entry"
    __table_args__ = (Index("ix_submission_entry_owner", "submission_id", "version_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    submission_id: Mapped[int] = mapped_column(ForeignKey("submission.id", ondelete="CASCADE"))
    version_id: Mapped[int | None] = mapped_column(
        ForeignKey("submission_version.id", ondelete="CASCADE")
    )
    item_id: Mapped[int] = mapped_column(ForeignKey("submission_task_item.id", ondelete="CASCADE"))
    text: Mapped[str] = mapped_column(Text, default="")
    figures_json: Mapped[str] = mapped_column(Text, default="{}")

    @property
    def figures(self) -> dict[str, int]:
        return json.loads(self.figures_json or "{}")


class SubmissionFile(db.Model):
    """A file of the draft or of a version, kept privately under a random name. A version's
    row and the draft's row share the stored file, which is never changed."""

    __tablename__ = "submission_file"
    __table_args__ = (Index("ix_submission_file_owner", "submission_id", "version_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    submission_id: Mapped[int] = mapped_column(ForeignKey("submission.id", ondelete="CASCADE"))
    version_id: Mapped[int | None] = mapped_column(
        ForeignKey("submission_version.id", ondelete="CASCADE")
    )
    item_id: Mapped[int] = mapped_column(ForeignKey("submission_task_item.id", ondelete="CASCADE"))
    caption: Mapped[str] = mapped_column(String(40), default="")
    original_name: Mapped[str] = mapped_column(String(200))
    stored_name: Mapped[str] = mapped_column(String(64), index=True)
    content_type: Mapped[str] = mapped_column(String(100))
    extension: Mapped[str] = mapped_column(String(8))
    size_bytes: Mapped[int] = mapped_column(Integer)
    added_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    submission: Mapped[Submission] = relationship()
