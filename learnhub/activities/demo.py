"""Demo activities (``flask demo load``): at least 40 published activities in 8 cities, each
with a past session (held, with attendance) and upcoming ones (sign-ups, a waiting list).

Everything is relative to today, so a demo site started on any day has a current week.
Upcoming sessions are filled through the sign-up service and attendance is ticked through
the attendance service, which pays its credits through the credit bank (the demo writes no
ledger rows of its own); only the sign-ups of sessions already held are written as history,
since the sign-up service rightly refuses a session in the past.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from flask import current_app
from sqlalchemy import select

from learnhub.accounts.models import Role, User
from learnhub.clock import local_midnight, local_today
from learnhub.database import utcnow
from learnhub.extensions import db
from learnhub.places.models import Place, PlaceKind
from learnhub.regions.services import cities_of

from . import attendance, signups
from .kinds import ensure_activity_kinds
from .models import (
    Activity,
    ActivityKind,
    ActivitySession,
    ActivityStatus,
    CreditRule,
    SignUp,
    SignUpStatus,
)

DEMO_CITIES = 8
ACTIVITIES_PER_CITY = 6
SMALL_CAPACITY = 3  # one activity per city fills up, so its waiting list shows

# (kind code, title, elder friendly, online)
TOPICS = [
    ("lecture", "智能手机防诈骗讲座", True, False),
    ("book_reading", "百姓读书会：好书诵读", True, False),
    ("square_dance", "广场舞展演", True, False),
    ("public_training", "家政服务技能公益培训", False, False),
    ("party_history", "学党史·悟思想线上课堂", False, True),
    ("fitness", "八段锦健身公开课", True, False),
    ("community_lecture", "社区大讲堂：健康生活", True, False),
    ("book_recommendation", "好书推荐·城市书屋分享会", False, True),
    ("competition", "终身学习成果展示赛", False, False),
    ("home_teaching", "送教上门：老年人数字生活", True, False),
]


def load_demo_activities(progress) -> None:
    """Create the demo activities once (a second run finds them and adds nothing)."""
    kinds = _ensure_kinds()
    today = local_today()
    staff = db.session.scalar(select(User).where(User.role == Role.PROVINCE_STAFF).limit(1))
    cities = cities_of(current_app.config["HOME_PROVINCE"])[:DEMO_CITIES]
    for number, city in enumerate(progress(cities)):
        learners = _learners_of(city.code)
        place = _place_of(city)
        for index in range(ACTIVITIES_PER_CITY):
            topic = TOPICS[(number + index) % len(TOPICS)]
            activity = _activity(city, place, kinds, topic, staff, today, number, index)
            if activity is None:
                continue  # made by an earlier run
            _fill(activity, learners, staff, small=index == 0)
    db.session.flush()


def _ensure_kinds() -> dict[str, ActivityKind]:
    ensure_activity_kinds()
    return {k.code: k for k in db.session.scalars(select(ActivityKind))}


def _learners_of(city_code: str) -> list[User]:
    return list(
        db.session.scalars(
            select(User)
            .where(User.city_code == city_code, User.role == Role.LEARNER)
            .order_by(User.id)
        )
    )


def _place_of(city) -> Place:
    """A place of the city: the places demo's if it made one, else one made here."""
    place = db.session.scalar(
        select(Place).where(Place.city_code == city.code).order_by(Place.id).limit(1)
    )
    if place is None:
        district = city.children[0].code if city.children else None
        place = Place(
            name=f"{city.name}社区教育学院", kind=PlaceKind.COMMUNITY_COLLEGE,
            city_code=city.code, district_code=district, address=f"{city.name}市民学习中心",
            step_free=True, lift=True, seats=120,
        )  # fmt: skip
        db.session.add(place)
        db.session.flush()
    return place


def _at(day: date, hour: int) -> datetime:
    return local_midnight(day) + timedelta(hours=hour)


def _activity(city, place, kinds, topic, staff, today, number, index) -> Activity | None:
    code, title, elder_friendly, online = topic
    title = f"{city.name}·{title}"
    if db.session.scalar(
        select(Activity.id).where(Activity.city_code == city.code, Activity.title == title)
    ):
        return None
    district = place.district_code if index % 2 else None
    activity = Activity(
        title=title, kind=kinds[code], organiser=f"{city.name}社区教育指导中心",
        city_code=city.code, district_code=None if online else district, is_online=online,
        online_url="https://example.org/live" if online else None,
        place_id=None if online else place.id, audience="elders" if elder_friendly else "",
        elder_friendly=elder_friendly, signup_required=True,
        signup_deadline=_at(today + timedelta(days=5), 18),
        credit_rule=CreditRule.FIXED, credit_cents=50, status=ActivityStatus.PUBLISHED,
        description_html=f"<p>{title}：全民终身学习活动周活动。</p>",
        created_by_id=staff.id if staff else None, published_at=utcnow() - timedelta(days=10),
    )  # fmt: skip
    past = today - timedelta(days=1 + (number + index) % 3)
    upcoming = today + timedelta(days=1 + index % 4)
    capacity = SMALL_CAPACITY if index == 0 else 30
    for day in (past, upcoming):
        activity.sessions.append(
            ActivitySession(
                starts_at=_at(day, 9 + index % 6),
                ends_at=_at(day, 11 + index % 6),
                capacity=capacity,
            )
        )
    db.session.add(activity)
    db.session.flush()
    return activity


def _fill(activity: Activity, learners: list[User], staff, small: bool) -> None:
    """Sign-ups for every session (more than fit on the small one: a waiting list), and
    attendance at the session already held by most of those signed up."""
    past, upcoming = activity.sessions
    people = learners if small else learners[: max(len(learners) - 1, 1)]
    for person in people:
        signups.sign_up(person, upcoming)
    for person in people[: past.capacity]:
        _signed_up_before(past, person)
    for person in people[: past.capacity][:-1] or people[:1]:
        attendance.tick(past, person, staff)


def _signed_up_before(session: ActivitySession, person: User) -> SignUp:
    """A sign-up of a session already held (history: the service refuses past sessions)."""
    confirmed = session.taken < session.capacity
    signup = SignUp(
        session=session, user_id=person.id,
        status=SignUpStatus.CONFIRMED if confirmed else SignUpStatus.WAITING,
        confirmed_at=utcnow() if confirmed else None,
    )  # fmt: skip
    if confirmed:
        session.taken += 1
    db.session.add(signup)
    return signup
