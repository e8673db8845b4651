"""Steps shared by the tests of the activities' staff pages: people, places, forms."""

from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from learnhub.accounts.models import Role
from learnhub.activities.models import (
    Activity,
    ActivityKind,
    ActivitySession,
    SignUp,
    SignUpStatus,
)
from learnhub.database import utcnow
from learnhub.extensions import db
from learnhub.places.models import Place, PlaceKind
from tests.helpers import sign_in, submit

CHINA = ZoneInfo("Asia/Shanghai")  # the tests' site time zone (BABEL_DEFAULT_TIMEZONE)
PROVINCE, SHENYANG, HEPING, SHENHE, DALIAN = "210000", "210100", "210102", "210103", "210200"


def make_staff(app, make_user) -> dict:
    """Staff of every level, places in 和平区, 沈河区 and 大连, and two learners."""
    make_user(login="province", role=Role.PROVINCE_STAFF, managed=PROVINCE)
    make_user(login="sy_staff", role=Role.CITY_STAFF, managed=SHENYANG)
    make_user(login="dl_staff", role=Role.CITY_STAFF, managed=DALIAN, city=DALIAN,
              district="210202")  # fmt: skip
    make_user(login="heping", role=Role.COUNTY_STAFF, managed=HEPING)
    make_user(login="shenhe", role=Role.COUNTY_STAFF, managed=SHENHE, district=SHENHE)
    ids = {
        "learner_a": make_user(login="learner_a", name="王秀英"),
        "learner_b": make_user(login="learner_b", name="李建国"),
        "learner_c": make_user(login="learner_c", name="赵桂兰"),
    }
    with app.app_context():
        for key, city, district in (("heping_place", SHENYANG, HEPING),
                                    ("shenhe_place", SHENYANG, SHENHE),
                                    ("dalian_place", DALIAN, "210202")):  # fmt: skip
            place = Place(name=f"{key}学习中心", kind=PlaceKind.LIBRARY, city_code=city,
                          district_code=district, address="中山路1号", published=True)  # fmt: skip
            db.session.add(place)
            db.session.flush()
            ids[key] = place.id
        hidden = Place(name="未发布的场所", kind=PlaceKind.OTHER, city_code=SHENYANG,
                       district_code=HEPING, published=False)  # fmt: skip
        db.session.add(hidden)
        db.session.flush()
        ids["hidden_place"] = hidden.id
        ids["kind"] = db.session.scalar(
            select(ActivityKind.id).where(ActivityKind.code == "lecture")
        )
        db.session.commit()
    return ids


def sign_in_en(client, login):
    """Sign in with English pages, so messages are checked by their source text."""
    client.set_cookie("learnhub_locale", "en")
    return sign_in(client, login)


def local(days: int = 3, hour: int = 14, minute: int = 0) -> str:
    """A moment ``days`` from today in China time, as a datetime-local input sends it."""
    day = (utcnow().astimezone(CHINA) + timedelta(days=days)).date()
    return f"{day.isoformat()}T{hour:02d}:{minute:02d}"


def activity_fields(ids: dict, **changes) -> dict:
    return {
        "title": "社区大讲堂：健康养生",
        "kind": ids["kind"],
        "organiser": "和平区社区教育学院",
        "region": HEPING,
        "where": "place",
        "place": ids["heping_place"],
        "online_url": "",
        "audience": ["elders", "everyone"],
        "elder_friendly": "y",
        "signup_required": "y",
        "signup_deadline": "",
        "credit_rule": "hours",
        "fixed_credits": "",
        "description_html": "<p>讲座内容</p><script>alert(1)</script>",
        **changes,
    }


def create_activity(client, ids, **changes):
    return submit(client, "/staff/activities/new", activity_fields(ids, **changes))


def new_activity_id(client, ids, **changes) -> int:
    response = create_activity(client, ids, **changes)
    assert response.status_code == 302, response.get_data(as_text=True)
    return int(response.headers["Location"].rstrip("/").rsplit("/", 1)[1])


def add_session(client, activity_id, starts=None, ends=None, capacity="30"):
    url = f"/staff/activities/{activity_id}/sessions/new"
    data = {"starts_at": starts or local(3, 14), "ends_at": ends or local(3, 16),
            "capacity": capacity}  # fmt: skip
    return submit(client, url, data)


def post_button(client, url: str, page: str, **data):
    """Press a button on ``page`` (its CSRF token) that posts to ``url``."""
    return submit(client, url, data, page=page)


def sign_up(app, session_id: int, user_id: int, status=SignUpStatus.CONFIRMED) -> None:
    """A sign-up as the sign-up feature makes it (the public pages are another helper's)."""
    with app.app_context():
        db.session.add(SignUp(session_id=session_id, user_id=user_id, status=status))
        if status is SignUpStatus.CONFIRMED:
            session = db.session.get(ActivitySession, session_id)
            session.taken += 1
        db.session.commit()


def session_ids(app, activity_id: int) -> list[int]:
    with app.app_context():
        return list(db.session.scalars(
            select(ActivitySession.id).where(ActivitySession.activity_id == activity_id)
            .order_by(ActivitySession.starts_at)
        ))  # fmt: skip


def get_activity(app, activity_id: int) -> Activity:
    with app.app_context():
        activity = db.session.get(Activity, activity_id)
        db.session.expunge(activity)
        return activity


def count(app, model, *conditions) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model).where(*conditions))
