"""A course's and an activity's teachers, named from the teacher pool by staff of the region
and shown to learners (name, 工作单位, 服务专业 — never the contact)."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from learnhub.accounts.access import staff_scope
from learnhub.accounts.models import Role
from learnhub.activities.models import Activity, ActivityStatus
from learnhub.audit import AuditAction, AuditEntry
from learnhub.catalogue.models import Course
from learnhub.extensions import db
from learnhub.pools import services as pools
from learnhub.pools import teachers
from learnhub.pools.models import MemberStatus, PoolKind, PoolMember
from learnhub.pools.services import PoolError
from tests.activity_staff_steps import sign_in_en
from tests.activity_steps import make_activity
from tests.helpers import csrf_token_from
from tests.selection_steps import DALIAN, SHENYANG, people, user

CONTACT = "13800000000"


pytestmark = pytest.mark.usefixtures("english")  # compares the English messages


@pytest.fixture
def world(app, make_user, make_course):
    """Staff and learners (selection_steps.people), the editor and county centre of 和平区;
    approved teachers 王老师 and 李老师 of 沈阳 and 刘老师 of 大连, one waiting, a volunteer;
    a course and a published activity of 沈阳 and a course of 大连."""
    ids = people(make_user)
    ids["heping"] = make_user(login="heping", role=Role.COUNTY_STAFF, managed="210102")
    ids["heping_editor"] = make_user(login="heping_editor", role=Role.EDITOR, managed="210102")
    ids["sy_course"] = make_course(title="书法入门", region=SHENYANG, lessons=("text",))
    ids["dl_course"] = make_course(title="摄影入门", region=DALIAN, lessons=("text",))
    ids["sy_activity"], _sessions = make_activity(app, title="书法讲座")
    with app.app_context():
        province = user(ids["province"])
        for key, login, name, city, approve in [
            ("wang", "sy_star", "王老师", SHENYANG, True),
            ("li", "sy_star2", "李老师", SHENYANG, True),
            ("liu", "dl_star", "刘老师", DALIAN, True),
            ("waiting", "sy_expert", "陈老师", SHENYANG, False),
        ]:
            details = pools.MemberDetails(name, f"{name}的单位", f"{name}的专业", city, None,
                                          CONTACT, "周末")  # fmt: skip
            member = pools.register(user(ids[login]), PoolKind.TEACHER, details)
            if approve:
                pools.decide(staff_scope(province), member, True, province)
            ids[key] = member.id
        details = pools.MemberDetails("张志愿", "社区", "读书会", SHENYANG, None, CONTACT, "")
        volunteer = pools.register(user(ids["sy_star"]), PoolKind.VOLUNTEER, details)
        pools.decide(staff_scope(province), volunteer, True, province)
        ids["volunteer"] = volunteer.id
        db.session.commit()
    return ids


def named(app, **subject_ids) -> list[str]:
    with app.app_context():
        ((kind, subject_id),) = subject_ids.items()
        model = Course if kind == "course" else Activity
        subject = db.session.get(model, subject_id)
        return [m.name for m in teachers.teachers_of(**{kind: subject})]


def post_teachers(client, url: str, member_ids: list, page: str | None = None):
    token = csrf_token_from(client.get(page or url).get_data(as_text=True))
    return client.post(url, data={"csrf_token": token, "teachers": [str(i) for i in member_ids]})


def course_url(ids, key="sy_course") -> str:
    return f"/staff/pools/teachers/course/{ids[key]}"


def activity_url(ids) -> str:
    return f"/staff/pools/teachers/activity/{ids['sy_activity']}"


def test_city_staff_name_teachers_in_order_and_learners_see_them_without_contact(
    app, client, world
):
    anonymous = app.test_client()
    sign_in_en(client, "sy_city")
    page = client.get(course_url(world)).get_data(as_text=True)
    assert "王老师" in page and "李老师" in page
    assert "刘老师" not in page  # 大连's teacher is not offered to 沈阳
    assert "陈老师" not in page and "张志愿" not in page  # waiting; a volunteer

    response = post_teachers(client, course_url(world), [world["li"], world["wang"]])
    assert response.status_code == 302
    assert named(app, course=world["sy_course"]) == ["李老师", "王老师"]
    course_page = anonymous.get(f"/courses/{world['sy_course']}").get_data(as_text=True)
    assert course_page.index("李老师") < course_page.index("王老师")
    assert "王老师的单位" in course_page and "王老师的专业" in course_page
    assert CONTACT not in course_page and "周末" not in course_page
    studio = client.get(f"/studio/courses/{world['sy_course']}").get_data(as_text=True)
    assert "李老师" in studio and course_url(world) in studio

    assert post_teachers(client, activity_url(world), [world["wang"]]).status_code == 302
    activity_page = anonymous.get(f"/activities/{world['sy_activity']}").get_data(as_text=True)
    assert "王老师" in activity_page and "王老师的单位" in activity_page
    assert "李老师" not in activity_page and CONTACT not in activity_page
    staff_page = client.get(f"/staff/activities/{world['sy_activity']}").get_data(as_text=True)
    assert "王老师" in staff_page and activity_url(world) in staff_page

    with app.app_context():
        entries = db.session.scalars(
            select(AuditEntry).where(AuditEntry.action == AuditAction.POOL_TEACHERS_NAMED)
        ).all()
        assert [(e.details.get("course"), e.details.get("activity")) for e in entries] == [
            (world["sy_course"], None),
            (None, world["sy_activity"]),
        ]
        assert entries[0].details["to"] == [world["li"], world["wang"]]
        assert entries[0].actor_id == world["sy_city"] and entries[0].city_code == SHENYANG


def test_a_change_shows_at_once_on_the_cached_course_page(app, client, world):
    anonymous = app.test_client()
    sign_in_en(client, "sy_city")
    post_teachers(client, course_url(world), [world["wang"]])
    assert "王老师" in anonymous.get(f"/courses/{world['sy_course']}").get_data(as_text=True)
    assert post_teachers(client, course_url(world), []).status_code == 302
    assert named(app, course=world["sy_course"]) == []
    assert "王老师" not in anonymous.get(f"/courses/{world['sy_course']}").get_data(as_text=True)


def test_a_teacher_no_longer_approved_is_not_shown(app, client, world):
    sign_in_en(client, "sy_city")
    post_teachers(client, course_url(world), [world["wang"], world["li"]])
    with app.app_context():
        db.session.get(PoolMember, world["wang"]).status = MemberStatus.DECLINED
        db.session.commit()
    page = app.test_client().get(f"/courses/{world['sy_course']}").get_data(as_text=True)
    assert "李老师" in page and "王老师" not in page


@pytest.mark.parametrize(
    ("who", "message"),
    [
        ("unknown", "There is no teacher with number 987654"),
        ("waiting", "“陈老师” is not an approved teacher"),
        ("volunteer", "“张志愿” is not in the teacher pool"),
        ("liu", "is a teacher of another region"),
        ("garbage", "Choose teachers from the list"),
        ("too_many", "Name at most 10 teachers"),
    ],
)
def test_refused_teachers_change_nothing(app, client, world, who, message):
    sign_in_en(client, "sy_city")
    post_teachers(client, course_url(world), [world["wang"]])
    post_teachers(client, activity_url(world), [world["wang"]])
    member_ids = {
        "unknown": [987_654],
        "garbage": ["1; DROP TABLE pool_member"],
        "too_many": [world["wang"], *range(1000, 1011)],
    }.get(who, [world.get(who)])
    for url, subject in ((course_url(world), {"course": world["sy_course"]}),
                         (activity_url(world), {"activity": world["sy_activity"]})):  # fmt: skip
        response = post_teachers(client, url, [world["li"], *member_ids])
        assert response.status_code == 400
        assert message in response.get_data(as_text=True)
        assert named(app, **subject) == ["王老师"]


def test_another_citys_staff_with_a_valid_token_change_nothing(app, client, world):
    sign_in_en(client, "sy_city")
    post_teachers(client, course_url(world), [world["wang"]])
    client = app.test_client()
    sign_in_en(client, "dl_city")
    assert client.get(course_url(world)).status_code == 404
    assert client.get(activity_url(world)).status_code == 404
    own = course_url(world, "dl_course")
    for url in (course_url(world), activity_url(world)):
        response = post_teachers(client, url, [world["liu"]], page=own)
        assert response.status_code == 404
    assert named(app, course=world["sy_course"]) == ["王老师"]
    assert named(app, activity=world["sy_activity"]) == []
    # The same token names 大连's own teacher on 大连's course: the region refused above.
    assert post_teachers(client, own, [world["liu"]]).status_code == 302
    assert named(app, course=world["dl_course"]) == ["刘老师"]


def test_the_rules_beneath_the_pages(app, world):
    with app.app_context():
        course = db.session.get(Course, world["sy_course"])
        activity = db.session.get(Activity, world["sy_activity"])
        dalian = user(world["dl_city"])
        with pytest.raises(PoolError, match="course belongs to another region"):
            teachers.name_teachers(dalian, [world["liu"]], course=course)
        with pytest.raises(PoolError, match="activity belongs to another region"):
            teachers.name_teachers(dalian, [world["liu"]], activity=activity)
        # Province staff name any region's teachers; the county centre only its district's.
        teachers.name_teachers(user(world["province"]), [world["liu"]], course=course)
        assert [m.name for m in teachers.teachers_of(course=course)] == ["刘老师"]
        heping = user(world["heping"])
        with pytest.raises(PoolError, match="teacher of another region"):
            teachers.name_teachers(heping, [world["wang"]], activity=activity)
        db.session.get(PoolMember, world["wang"]).district_code = "210102"
        teachers.name_teachers(heping, [world["wang"]], activity=activity)
        assert [m.name for m in teachers.teachers_of(activity=activity)] == ["王老师"]
        # An editor names teachers on the courses they write, of their own region.
        editor = user(world["heping_editor"])
        with pytest.raises(PoolError, match="course belongs to another region"):
            teachers.name_teachers(editor, [world["wang"]], course=course)
        # A finished activity is history.
        activity.status = ActivityStatus.FINISHED
        with pytest.raises(PoolError, match="can no longer be changed"):
            teachers.name_teachers(user(world["sy_city"]), [], activity=activity)
        assert [m.name for m in teachers.teachers_of(activity=activity)] == ["王老师"]
        db.session.rollback()


def test_who_opens_the_pages_by_role_and_region(app, world):
    expected = {
        # who: (沈阳's course, 和平区's activity)
        None: (302, 302),
        "sy_star": (403, 403),  # a learner
        "heping_editor": (404, 403),  # writes 和平区's courses; activities are the centres'
        "heping": (404, 200),  # 和平区's centre: the city's course is not theirs
        "dl_city": (404, 404),
        "sy_city": (200, 200),
        "province": (200, 200),
    }
    for who, statuses in expected.items():
        client = app.test_client()
        if who:
            sign_in_en(client, who)
        found = (client.get(course_url(world)).status_code,
                 client.get(activity_url(world)).status_code)  # fmt: skip
        assert found == statuses, who
