"""What the studio keeps of its own: the one-time tokens of the forms that went through."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from learnhub.database import UTCDateTime, utcnow
from learnhub.extensions import db


class SentForm(db.Model):
    """A studio form that added a course, a lesson or a question, known by its one-time token.

    The token is made when the form is shown and comes back with it. One row per person
    and token: a second post of the same form (a double click, the back button and
    "send again") cannot get past the unique constraint, so it adds nothing, whatever the
    concurrency. ``course_id`` is the course the form created or added to.
    """

    __tablename__ = "studio_sent_form"
    __table_args__ = (UniqueConstraint("user_id", "form_token"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    form_token: Mapped[str] = mapped_column(String(43))
    course_id: Mapped[int | None] = mapped_column(ForeignKey("course.id", ondelete="SET NULL"))
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
