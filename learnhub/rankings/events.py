"""Registrations and course completions, counted inside the transactions that make them.

A self-registration counts for the public ``registrations`` metric of the city chosen at
registration (until staff exclude it as part of a burst: bursts.py); an account opened by
staff counts for ``staff_opened`` (staff boards only). Staff accounts are not counted.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

from learnhub.accounts.models import RegistrationSource, Role, User
from learnhub.accounts.services import user_registered
from learnhub.database import utcnow
from learnhub.extensions import db
from learnhub.learning.services import course_completed

from . import counting
from .aggregates import (
    COMPLETIONS,
    REGISTRATIONS,
    STAFF_OPENED,
    add_region_amounts,
    add_to,
    forget_cached_boards,
    insert_new,
    insert_statement,
)
from .attendance import connect_attendance_counting
from .credits import connect_credit_counting
from .models import UNKNOWN, CompletionEvent, CourseDay, RegistrationEvent


def registration_row(
    user_id: int,
    city_code: str,
    district_code: str | None,
    occurred_ms: int,
    source: RegistrationSource = RegistrationSource.SELF,
    address_key: str | None = None,
    network_key: str | None = None,
) -> dict:
    """The registration_event row of one new learner account (plain values)."""
    return {
        "user_id": user_id, "day": counting.local_day(occurred_ms), "occurred_ms": occurred_ms,
        "city_code": city_code, "district_code": district_code or UNKNOWN, "source": source,
        "address_key": address_key, "network_key": network_key,
    }  # fmt: skip


def record_registrations(events: list[dict]) -> None:
    """Count new learner accounts (rows of :func:`registration_row`)."""
    for start in range(0, len(events), 5000):
        db.session.execute(insert_statement(RegistrationEvent), events[start : start + 5000])
    add_registrations(
        (e["day"], e["city_code"], e["district_code"], e["source"], None) for e in events
    )
    forget_cached_boards()


def add_registrations(rows: Iterable[tuple], sign: int = 1) -> None:
    """Add registrations (day, city, district, source, excluded by) to the daily tables:
    self-registrations that count to ``registrations``, staff-opened ones to ``staff_opened``;
    ``sign`` -1 takes them off again."""
    counted: Counter = Counter()
    opened: Counter = Counter()
    for day, city, district, source, excluded_by in rows:
        if source == RegistrationSource.STAFF:
            opened[(day, city, district)] += sign
        elif excluded_by is None:
            counted[(day, city, district)] += sign
    add_region_amounts(REGISTRATIONS, counted)
    add_region_amounts(STAFF_OPENED, opened)


def record_completion(
    completion_id: int, user_id: int, course_id: int, city_code: str, district_code: str | None,
    day,
) -> None:  # fmt: skip
    """Count a course completion (in the completing transaction)."""
    record_completions([(completion_id, user_id, course_id, city_code, district_code, day)])


def record_completions(rows: list[tuple]) -> None:
    """Count course completions: rows (completion id, user id, course id, city, district or
    None, day). A completion already counted is not counted again."""
    events = {
        completion_id: {"completion_id": completion_id, "user_id": u, "course_id": course,
                        "day": d, "city_code": c, "district_code": k or UNKNOWN}
        for completion_id, u, course, c, k, d in rows
    }  # fmt: skip
    new = insert_new(CompletionEvent, "completion_id", list(events.values()))
    add_completions(
        (e["day"], e["city_code"], e["district_code"], e["course_id"])
        for e in map(events.__getitem__, new)
    )
    forget_cached_boards()


def add_completions(rows) -> None:
    """Add completions (day, city, district, course) to the daily tables."""
    completions, courses = Counter(), Counter()
    for day, city, district, course_id in rows:
        completions[(day, city, district)] += 1
        courses[(COMPLETIONS, day, course_id, city)] += 1
    add_region_amounts(COMPLETIONS, completions)
    add_to(CourseDay, ("metric", "day", "course_id", "city_code"), courses)


def on_user_registered(
    _sender, user, source=RegistrationSource.SELF, address_key=None, network_key=None, **_extra
) -> None:
    if user.role is not Role.LEARNER:
        return
    moment = user.created_at or utcnow()
    record_registrations([
        registration_row(user.id, user.city_code, user.district_code,
                         counting.epoch_ms(moment), source, address_key, network_key)
    ])  # fmt: skip


def on_course_completed(_sender, completion, **_extra) -> None:
    user = db.session.get(User, completion.user_id)
    moment = completion.completed_at or utcnow()
    record_completion(
        completion.id, user.id, completion.course_id, user.city_code, user.district_code,
        counting.local_day(counting.epoch_ms(moment)),
    )  # fmt: skip


def connect_signals() -> None:
    """Count registrations, completions, credits and attendance in the transactions making them."""
    user_registered.connect(on_user_registered)
    course_completed.connect(on_course_completed)
    connect_credit_counting()
    connect_attendance_counting()
