"""Registrations and course completions, counted inside the transactions that make them."""

from __future__ import annotations

from collections import Counter
from datetime import date

from learnhub.accounts.models import Role, User
from learnhub.accounts.services import user_registered
from learnhub.database import utcnow
from learnhub.extensions import db
from learnhub.learning.services import course_completed

from . import counting
from .aggregates import (
    COMPLETIONS,
    CREDITS,
    REGISTRATIONS,
    add_region_amounts,
    add_to,
    forget_cached_boards,
    insert_statement,
)
from .models import UNKNOWN, CompletionEvent, CourseDay, RegistrationEvent


def record_registration(user_id: int, city_code: str, district_code: str | None, day: date):
    """Count a new learner account for its city (in the registering transaction)."""
    record_registrations([(user_id, city_code, district_code, day)])


def record_registrations(rows: list[tuple]) -> None:
    """Count new learner accounts: rows (user id, city, district or None, day)."""
    events = [
        {"user_id": u, "day": d, "city_code": c, "district_code": k or UNKNOWN}
        for u, c, k, d in rows
    ]
    for start in range(0, len(events), 5000):
        db.session.execute(insert_statement(RegistrationEvent), events[start : start + 5000])
    add_region_amounts(
        REGISTRATIONS, Counter((e["day"], e["city_code"], e["district_code"]) for e in events)
    )
    forget_cached_boards()


def credits_earned_cents(completion) -> int:
    """Credits a completion earned, in hundredths (later: read from the credit bank ledger)."""
    return round(completion.course.credits * 100)


def record_completion(
    completion_id: int, user_id: int, course_id: int, city_code: str, district_code: str | None,
    credit_cents: int, day: date,
) -> None:  # fmt: skip
    """Count a course completion and its credits (in the completing transaction)."""
    record_completions(
        [(completion_id, user_id, course_id, city_code, district_code, credit_cents, day)]
    )


def record_completions(rows: list[tuple]) -> None:
    """Count course completions: rows (completion id, user id, course id, city, district or
    None, credit cents, day). A completion already counted is not counted again."""
    events = {
        completion_id: {"completion_id": completion_id, "user_id": u, "course_id": course,
                        "day": d, "city_code": c, "district_code": k or UNKNOWN,
                        "credit_cents": cents}
        for completion_id, u, course, c, k, cents, d in rows
    }  # fmt: skip
    statement = (
        insert_statement(CompletionEvent)
        .on_conflict_do_nothing(index_elements=["completion_id"])
        .returning(CompletionEvent.__table__.c.completion_id)
    )
    new = []
    values = list(events.values())
    for start in range(0, len(values), 5000):
        new += db.session.execute(statement, values[start : start + 5000]).scalars().all()
    add_completions(
        (e["day"], e["city_code"], e["district_code"], e["course_id"], e["credit_cents"])
        for e in map(events.__getitem__, new)
    )
    forget_cached_boards()


def add_completions(rows) -> None:
    completions, credits, courses = Counter(), Counter(), Counter()
    for day, city, district, course_id, cents in rows:
        completions[(day, city, district)] += 1
        credits[(day, city, district)] += cents
        courses[(COMPLETIONS, day, course_id, city)] += 1
    add_region_amounts(COMPLETIONS, completions)
    add_region_amounts(CREDITS, credits)
    add_to(CourseDay, ("metric", "day", "course_id", "city_code"), courses)


def on_user_registered(_sender, user, **_extra) -> None:
    if user.role is not Role.LEARNER:
        return
    moment = user.created_at or utcnow()
    record_registration(
        user.id, user.city_code, user.district_code,
        counting.local_day(counting.epoch_ms(moment)),
    )  # fmt: skip


def on_course_completed(_sender, completion, **_extra) -> None:
    user = db.session.get(User, completion.user_id)
    moment = completion.completed_at or utcnow()
    record_completion(
        completion.id, user.id, completion.course_id, user.city_code, user.district_code,
        credits_earned_cents(completion), counting.local_day(counting.epoch_ms(moment)),
    )  # fmt: skip


def connect_signals() -> None:
    """Count registrations and completions inside the transactions that make them."""
    user_registered.connect(on_user_registered)
    course_completed.connect(on_course_completed)
