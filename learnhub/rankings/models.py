"""Rankings data: raw events (the facts) and daily aggregates (what every board reads).

Raw event tables are logs: no foreign keys, so deleting an account or a course never
rewrites history, and an insert costs one row plus its indexes. Aggregates are keyed by
China-time day; the counting rules that turn events into aggregates live in services.py.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import BigInteger, Date, ForeignKey, Index, Integer, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from learnhub.accounts.models import RegistrationSource
from learnhub.database import UTCDateTime, string_enum, utcnow
from learnhub.extensions import db

UNKNOWN = ""  # city or district not known (an anonymous visitor who chose no city)


class ViewEvent(db.Model):
    """One view of a learning resource, as the page saw it (counted or not is decided later)."""

    __tablename__ = "view_event"
    __table_args__ = (
        Index("ix_view_event_visitor_time", "visitor_key", "occurred_ms"),
        Index("ix_view_event_time", "occurred_ms"),
    )

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    occurred_ms: Mapped[int] = mapped_column(BigInteger)  # Unix time in milliseconds (UTC)
    day: Mapped[date] = mapped_column(Date)  # China-time day of occurred_ms
    resource_kind: Mapped[str] = mapped_column(String(16))  # course, lesson, media
    resource_id: Mapped[int]
    course_id: Mapped[int | None]
    user_id: Mapped[int | None]
    visitor_key: Mapped[str] = mapped_column(String(48))  # "u<user id>" or "v<cookie id>"
    city_code: Mapped[str] = mapped_column(String(6), default=UNKNOWN)
    district_code: Mapped[str] = mapped_column(String(6), default=UNKNOWN)
    # "ok" or why the request itself can never count: bot, prefetch, head, staff, cookieless,
    # unsigned (a visitor cookie we did not issue).
    status: Mapped[str] = mapped_column(String(12), default="ok")
    # Keyed hashes (clients.pseudonym) of the client's address and network, for the caps per
    # address and network; None for views recorded outside a request (demo data, benches).
    address_key: Mapped[str | None] = mapped_column(String(32))
    network_key: Mapped[str | None] = mapped_column(String(32))


class RegistrationReview(db.Model):
    """A staff decision on a burst of registrations: excluded from the ranking, or counted
    again. Rows are never changed: together they are the audit trail (who, when, why)."""

    __tablename__ = "registration_review"
    __table_args__ = (Index("ix_registration_review_city", "city_code", "decided_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    action: Mapped[str] = mapped_column(String(8))  # "exclude" or "restore"
    city_code: Mapped[str] = mapped_column(String(6))
    network_key: Mapped[str] = mapped_column(String(32))
    # The registrations of the network and city between these times (Unix ms) were meant.
    burst_start_ms: Mapped[int] = mapped_column(BigInteger)
    burst_end_ms: Mapped[int] = mapped_column(BigInteger)
    registrations: Mapped[int]  # how many registrations the decision changed
    reason: Mapped[str] = mapped_column(String(500))
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    staff_name: Mapped[str] = mapped_column(String(80))  # kept if the account goes
    decided_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class RegistrationEvent(db.Model):
    """An account created; kept when the account is deleted later.

    Self-registrations count for the public ``registrations`` metric unless staff excluded
    them; accounts opened by staff count apart (``staff_opened``, staff boards only).
    """

    __tablename__ = "registration_event"
    __table_args__ = (
        Index("ix_registration_event_day", "day"),
        Index("ix_registration_event_network", "network_key", "occurred_ms"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(unique=True)
    day: Mapped[date] = mapped_column(Date)
    occurred_ms: Mapped[int | None] = mapped_column(BigInteger)  # None: before 0013
    city_code: Mapped[str] = mapped_column(String(6))
    district_code: Mapped[str] = mapped_column(String(6), default=UNKNOWN)
    source: Mapped[RegistrationSource] = mapped_column(
        string_enum(RegistrationSource, "registration_source", 8),
        default=RegistrationSource.SELF,
    )
    # Pseudonyms of the registering client's address and network (self-registrations).
    address_key: Mapped[str | None] = mapped_column(String(32))
    network_key: Mapped[str | None] = mapped_column(String(32))
    # The staff decision that took it out of the ranking; None: it counts.
    excluded_by_id: Mapped[int | None] = mapped_column(ForeignKey("registration_review.id"))


class CompletionEvent(db.Model):
    """A course completed (its credits are counted from the ledger: CreditEvent)."""

    __tablename__ = "completion_event"
    __table_args__ = (Index("ix_completion_event_day", "day"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    completion_id: Mapped[int] = mapped_column(unique=True)
    user_id: Mapped[int]
    course_id: Mapped[int]
    day: Mapped[date] = mapped_column(Date)
    city_code: Mapped[str] = mapped_column(String(6))
    district_code: Mapped[str] = mapped_column(String(6), default=UNKNOWN)


class CreditEvent(db.Model):
    """A ledger posting counted for the credits metric: a deposit (completion, attendance,
    recognition) for the learner's city when it was posted, or the reversal of one, which
    takes its credits back from the city the deposit counted for (hundredths, negative)."""

    __tablename__ = "credit_event"
    __table_args__ = (Index("ix_credit_event_day", "day"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    entry_id: Mapped[int] = mapped_column(unique=True)  # the ledger entry (no foreign key)
    user_id: Mapped[int]
    kind: Mapped[str] = mapped_column(String(20))
    day: Mapped[date] = mapped_column(Date)
    city_code: Mapped[str] = mapped_column(String(6))
    district_code: Mapped[str] = mapped_column(String(6), default=UNKNOWN)
    credit_cents: Mapped[int] = mapped_column(BigInteger)


class CityDay(db.Model):
    """One metric of one city on one China-time day."""

    __tablename__ = "rank_city_day"

    metric: Mapped[str] = mapped_column(String(16), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    city_code: Mapped[str] = mapped_column(String(6), primary_key=True)
    value: Mapped[int] = mapped_column(BigInteger, default=0)


class DistrictDay(db.Model):
    """One metric of one district on one day (district "" = not known)."""

    __tablename__ = "rank_district_day"

    metric: Mapped[str] = mapped_column(String(16), primary_key=True)
    city_code: Mapped[str] = mapped_column(String(6), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    district_code: Mapped[str] = mapped_column(String(6), primary_key=True)
    value: Mapped[int] = mapped_column(BigInteger, default=0)


class CourseDay(db.Model):
    """One metric of one course among one city's visitors on one day."""

    __tablename__ = "rank_course_day"
    __table_args__ = (Index("ix_rank_course_day_city", "metric", "city_code", "day"),)

    metric: Mapped[str] = mapped_column(String(16), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    course_id: Mapped[int] = mapped_column(primary_key=True)
    city_code: Mapped[str] = mapped_column(String(6), primary_key=True)
    value: Mapped[int] = mapped_column(BigInteger, default=0)


class LearnerDay(db.Model):
    """A learner who learned on that day: distinct counts over any window come from here."""

    __tablename__ = "rank_learner_day"
    # Covers the active-learners boards: distinct learners per city over a window of days.
    # Day first: SQLite (never ANALYZEd here) then uses it for any day range.
    __table_args__ = (Index("ix_rank_learner_day_day_city", "day", "city_code", "user_id"),)

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    user_id: Mapped[int] = mapped_column(primary_key=True)
    city_code: Mapped[str] = mapped_column(String(6))
    district_code: Mapped[str] = mapped_column(String(6), default=UNKNOWN)


class AggregationCursor(db.Model):
    """How far the aggregator has read a raw event log (last aggregated id)."""

    __tablename__ = "rank_cursor"

    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    last_id: Mapped[int] = mapped_column(BigInteger, default=0)


class LearnerPeriod(db.Model):
    """A learner's first active day in a calendar week, month or year, in one city (district
    "*") or in one district of it: the active-learners boards of those periods add up how
    many learners were first seen on each day (see learner_periods.py)."""

    __tablename__ = "rank_learner_period"
    # The key leads with the learner: the aggregator looks up the learners of a batch. The
    # rebuild deletes whole periods through the second index.
    __table_args__ = (Index("ix_rank_learner_period_start", "period", "period_start"),)

    period: Mapped[str] = mapped_column(String(8), primary_key=True)  # week, month, year
    user_id: Mapped[int] = mapped_column(primary_key=True)
    period_start: Mapped[date] = mapped_column(Date, primary_key=True)
    city_code: Mapped[str] = mapped_column(String(6), primary_key=True)
    district_code: Mapped[str] = mapped_column(String(6), primary_key=True)  # "*": the city
    first_day: Mapped[date] = mapped_column(Date)


class ActiveBits(db.Model):
    """The learners active in one city (district "*") or one district of it, on one day or
    in one calendar month: a roaring bitmap of their user ids. The active-learners boards of
    windows that do not start a calendar period union them (see active_bits.py)."""

    __tablename__ = "rank_active_bits"

    span: Mapped[str] = mapped_column(String(5), primary_key=True)  # day, month
    start: Mapped[date] = mapped_column(Date, primary_key=True)  # the day, the month's first
    city_code: Mapped[str] = mapped_column(String(6), primary_key=True)
    district_code: Mapped[str] = mapped_column(String(6), primary_key=True)  # "*": the city
    bits: Mapped[bytes] = mapped_column(LargeBinary)
