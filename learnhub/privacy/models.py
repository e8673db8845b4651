"""What the privacy feature keeps: consent history, "my data" exports, closing requests."""

from __future__ import annotations

import enum
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import ForeignKey, Index, Integer, String, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from learnhub.accounts.models import User
from learnhub.database import UTCDateTime, string_enum, utcnow
from learnhub.extensions import db


class ConsentAction(enum.StrEnum):
    AGREED = "agreed"
    WITHDRAWN = "withdrawn"


class ConsentChannel(enum.StrEnum):
    """How the agreement was given."""

    REGISTRATION = "registration"  # ticked on /register
    SIGN_IN = "sign_in"  # a new notice, agreed at the next sign-in (or withdrawn there)
    # Opened by a centre (bulk opening: the upload page or `flask ledger open-accounts`):
    # the person agreed on a paper form the centre keeps.
    BULK_OPENING = "bulk_opening"


CHANNEL_LABELS = {
    ConsentChannel.REGISTRATION: _l("when registering"),
    ConsentChannel.SIGN_IN: _l("on this site, after signing in"),
    ConsentChannel.BULK_OPENING: _l("on a paper form, when a centre opened the account"),
}


class ConsentRecord(db.Model):
    """One agreement to (or withdrawal from) a privacy notice version: the history the
    person and the law may ask for. Kept for as long as the account is."""

    __tablename__ = "privacy_consent"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    version: Mapped[str] = mapped_column(String(20))
    action: Mapped[ConsentAction] = mapped_column(string_enum(ConsentAction, "consent_action", 10))
    channel: Mapped[ConsentChannel] = mapped_column(
        string_enum(ConsentChannel, "consent_channel", 20)
    )
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))


class ExportStatus(enum.StrEnum):
    BUILDING = "building"
    READY = "ready"
    DOWNLOADED = "downloaded"
    EXPIRED = "expired"  # not downloaded in time: the file is deleted


class DataExport(db.Model):
    """A person's "my data" ZIP: built by a job, downloaded once before it expires."""

    __tablename__ = "privacy_export"
    __table_args__ = (
        # One export in the making per person: a second request joins the first.
        Index(
            "uq_privacy_export_building",
            "user_id",
            unique=True,
            sqlite_where=text("status = 'building'"),
            postgresql_where=text("status = 'building'"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    status: Mapped[ExportStatus] = mapped_column(
        string_enum(ExportStatus, "privacy_export_status", 12), default=ExportStatus.BUILDING
    )
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    ready_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    downloaded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    file_name: Mapped[str | None] = mapped_column(String(80))  # random, in the exports folder
    size_bytes: Mapped[int] = mapped_column(Integer, default=0)

    user: Mapped[User] = relationship()


class ClosureStatus(enum.StrEnum):
    WAITING = "waiting"  # in the cooling-off period
    CANCELLED = "cancelled"  # the person changed their mind
    DONE = "done"  # personal fields erased


class ClosureRequest(db.Model):
    """A person asked to close their account; done after the cooling-off period."""

    __tablename__ = "privacy_closure"
    __table_args__ = (
        Index(
            "uq_privacy_closure_waiting",
            "user_id",
            unique=True,
            sqlite_where=text("status = 'waiting'"),
            postgresql_where=text("status = 'waiting'"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    status: Mapped[ClosureStatus] = mapped_column(
        string_enum(ClosureStatus, "privacy_closure_status", 10), default=ClosureStatus.WAITING
    )
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Why a due closing is still waiting (credits on hold, an application under review).
    blocked_reason: Mapped[str] = mapped_column(String(200), default="")

    user: Mapped[User] = relationship()
