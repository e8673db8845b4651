"""The rules of satisfaction: who may rate what, one rating each, what is shown and to whom.

A learner may rate a course they completed (learning's CourseCompletion) or an activity
they attended (a live Attendance: undone_at IS NULL). Plain services: they flush, never
commit; a refusal raises :class:`RatingError`.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import exists, func, select
from sqlalchemy.exc import IntegrityError

from learnhub.accounts.scopes import Scope
from learnhub.activities.models import Activity, ActivitySession, Attendance
from learnhub.catalogue.models import Course
from learnhub.extensions import db
from learnhub.learning.models import CourseCompletion
from learnhub.places.models import Place
from learnhub.regions.models import Region

from .models import COMMENT_MAX, Rating


class RatingError(ValueError):
    def __init__(self, field: str | None, message):
        super().__init__("rating refused")  # the message renders in the reader's language
        self.field = field
        self.message = message


def may_rate_course(user, course: Course) -> bool:
    return bool(user and user.is_authenticated) and bool(
        db.session.scalar(
            select(exists().where(
                CourseCompletion.user_id == user.id, CourseCompletion.course_id == course.id
            ))
        )
    )  # fmt: skip


def may_rate_activity(user, activity: Activity) -> bool:
    return bool(user and user.is_authenticated) and bool(
        db.session.scalar(
            select(exists().where(
                Attendance.user_id == user.id, Attendance.undone_at.is_(None),
                Attendance.session_id == ActivitySession.id,
                ActivitySession.activity_id == activity.id,
            ))
        )
    )  # fmt: skip


def rating_of(user, course: Course | None = None, activity: Activity | None = None):
    """The learner's rating of the course or activity, or None."""
    if not (user and user.is_authenticated):
        return None
    subject = _subject_clause(course, activity)
    return db.session.scalar(select(Rating).where(Rating.user_id == user.id, subject))


def _subject_clause(course, activity):
    if course is not None:
        return Rating.course_id == course.id
    return Rating.activity_id == activity.id


def rate(user, score: int, comment: str = "", course=None, activity=None) -> Rating:
    """Rate (or re-rate) a completed course or an attended activity; RatingError if the
    learner may not, or the score or comment is refused."""
    if (course is None) == (activity is None):
        raise ValueError("rate one course or one activity")
    allowed = may_rate_course(user, course) if course else may_rate_activity(user, activity)
    if not allowed:
        message = (
            _l("You can rate a course once you have completed it.")
            if course
            else _l("You can rate an activity once you have attended it.")
        )
        raise RatingError(None, message)
    if not isinstance(score, int) or not 1 <= score <= 5:
        raise RatingError("score", _l("Choose from 1 to 5 stars."))
    comment = (comment or "").strip()
    if len(comment) > COMMENT_MAX:
        raise RatingError("comment", _l("Write at most %(max)d characters.", max=COMMENT_MAX))
    existing = rating_of(user, course, activity)
    if existing is None:
        try:
            with db.session.begin_nested():
                existing = Rating(
                    user_id=user.id,
                    course_id=course.id if course else None,
                    activity_id=activity.id if activity else None,
                    score=score,
                    comment=comment,
                )
                db.session.add(existing)
            return existing
        except IntegrityError:  # a parallel post made it first: change that one
            existing = rating_of(user, course, activity)
    existing.score, existing.comment = score, comment
    db.session.flush()
    return existing


@dataclass(frozen=True)
class Summary:
    count: int
    mean: float | None  # None: too few ratings to show


def summary(course=None, activity=None) -> Summary:
    """How many rated it and the mean score, shown only from SATISFACTION_MIN_RATINGS."""
    count, mean = db.session.execute(
        select(func.count(Rating.id), func.avg(Rating.score)).where(
            _subject_clause(course, activity)
        )
    ).one()
    shown = count >= int(current_app.config["SATISFACTION_MIN_RATINGS"])
    return Summary(count, round(float(mean), 1) if shown and mean is not None else None)


# ---- staff figures ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Figure:
    kind: str  # "course", "activity", "place", "city"
    name: str
    region: str
    count: int
    mean: float


def _figures(rows, kind) -> list[Figure]:
    return [
        Figure(kind, name, region or "", count, round(float(mean), 2))
        for name, region, count, mean in rows
    ]


def staff_figures(scope: Scope) -> list[Figure]:
    """Satisfaction per course, activity, place and city within the staff's region: a
    course by the region it belongs to, an activity (and its place) by its city and
    district. Province staff see every one."""
    count, mean = func.count(Rating.id), func.avg(Rating.score)
    city = db.aliased(Region)
    courses = db.session.execute(
        select(Course.title, city.name, count, mean)
        .join(Rating, Rating.course_id == Course.id)
        .outerjoin(city, city.code == Course.region_code)
        .where(_course_in_scope(scope))
        .group_by(Course.id, Course.title, city.name)
        .order_by(Course.title)
    )
    activity_scope = scope.where(Activity.city_code, Activity.district_code)
    activities = db.session.execute(
        select(Activity.title, city.name, count, mean)
        .join(Rating, Rating.activity_id == Activity.id)
        .outerjoin(city, city.code == Activity.city_code)
        .where(activity_scope)
        .group_by(Activity.id, Activity.title, city.name)
        .order_by(Activity.title)
    )
    from_places = _place_rows(scope, count, mean, city)
    cities = db.session.execute(
        select(city.name, city.name, count, mean)
        .select_from(Rating)
        .join(Activity, Rating.activity_id == Activity.id)
        .join(city, city.code == Activity.city_code)
        .where(activity_scope)
        .group_by(city.code, city.name)
        .order_by(city.code)
    )
    return [
        *_figures(courses, "course"),
        *_figures(activities, "activity"),
        *_figures(from_places, "place"),
        *_figures(cities, "city"),
    ]


def _course_in_scope(scope: Scope):
    """A course's region is the province (everyone's) or a city: county staff see their
    city's courses' figures too (courses belong to cities, not districts)."""
    if scope.everything:
        return Course.id.is_not(None)
    return Course.region_code == scope.city_code


def _place_rows(scope, count, mean, city):
    return db.session.execute(
        select(Place.name, city.name, count, mean)
        .select_from(Rating)
        .join(Activity, Rating.activity_id == Activity.id)
        .join(Place, Place.id == Activity.place_id)
        .outerjoin(city, city.code == Place.city_code)
        .where(scope.where(Activity.city_code, Activity.district_code))
        .group_by(Place.id, Place.name, city.name)
        .order_by(Place.name)
    )
