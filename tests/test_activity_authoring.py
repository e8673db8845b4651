"""Staff create and edit activities and their sessions, each within their own region."""

import io
from decimal import Decimal

import pytest
from sqlalchemy import select

from learnhub.accounts.models import User
from learnhub.activities import authoring
from learnhub.activities.credit_rules import credits_for_session
from learnhub.activities.models import (
    Activity,
    ActivitySession,
    ActivityStatus,
    CreditRule,
)
from learnhub.audit import AuditAction, AuditEntry
from learnhub.catalogue.authoring import AuthoringError
from learnhub.extensions import db
from learnhub.media import media_root
from tests.activity_staff_steps import (
    DALIAN,
    HEPING,
    SHENHE,
    SHENYANG,
    activity_fields,
    add_session,
    count,
    create_activity,
    get_activity,
    local,
    make_staff,
    new_activity_id,
    session_ids,
    sign_in_en,
    sign_up,
)
from tests.helpers import race, submit, twin
from tests.test_media import GIF, PNG, WEBP, fetch
from tests.test_studio import opened_form, post_twice

pytestmark = pytest.mark.usefixtures("english")  # compares the English messages


@pytest.fixture
def staff(app, make_user):
    return make_staff(app, make_user)


def test_county_staff_create_a_draft_of_their_district(client, app, staff):
    sign_in_en(client, "heping")
    activity_id = new_activity_id(client, staff)
    activity = get_activity(app, activity_id)
    assert activity.status is ActivityStatus.DRAFT
    assert (activity.city_code, activity.district_code) == (SHENYANG, HEPING)
    assert activity.audience == "elders everyone"
    assert activity.credit_rule is CreditRule.HOURS
    assert (
        "<script>" not in activity.description_html
        and "<p>讲座内容</p>" in activity.description_html
    )
    with app.app_context():
        entry = db.session.scalar(
            select(AuditEntry).where(AuditEntry.action == AuditAction.ACTIVITY_SAVED)
        )
        assert entry.district_code == HEPING and entry.details["activity"] == activity_id
    page = client.get(f"/staff/activities/{activity_id}").get_data(as_text=True)
    assert "社区大讲堂：健康养生" in page and "Draft" in page


def test_an_activity_form_sent_twice_adds_one_activity_and_says_so(client, app, staff):
    sign_in_en(client, "heping")
    first, second, page = post_twice(client, "/staff/activities/new", activity_fields(staff))
    assert first.status_code == second.status_code == 302
    assert first.headers["Location"] == second.headers["Location"]  # back to that activity
    assert count(app, Activity) == 1
    assert "This form was already sent; nothing new was added." in page


def test_two_presses_at_the_same_moment_add_one_activity(client, app, staff):
    sign_in_en(client, "heping")
    data = {**activity_fields(staff), **opened_form(client, "/staff/activities/new")}
    tabs = [twin(app, client) for _ in range(2)]
    answers = race([lambda tab=tab: tab.post("/staff/activities/new", data=data) for tab in tabs])
    locations = [answer.headers["Location"] for answer in answers]
    assert locations[0] == locations[1]
    assert count(app, Activity) == 1


def test_levels_each_staff_member_may_choose(client, app, staff):
    for login, allowed, refused in (
        ("heping", [HEPING], [SHENYANG, SHENHE, "210000", DALIAN]),
        ("sy_staff", [SHENYANG, HEPING, SHENHE], ["210000", DALIAN, "210202"]),
        ("province", ["210000", SHENYANG, DALIAN], [HEPING]),
    ):
        sign_in_en(client, login)
        for code in refused:
            response = create_activity(client, staff, region=code, where="online",
                                       online_url="https://meeting.example.cn/123")  # fmt: skip
            assert response.status_code == 400, (login, code)
            assert "Choose one of the options in the list." in response.get_data(as_text=True)
        for code in allowed:
            response = create_activity(client, staff, region=code, where="online",
                                       online_url="https://meeting.example.cn/123")  # fmt: skip
            assert response.status_code == 302, (login, code)
        client.post("/logout", data={"csrf_token": ""})
        client.delete_cookie("learnhub_session")
    assert count(app, Activity) == 7
    with app.app_context():
        province_activity = db.session.scalar(select(Activity).where(Activity.city_code.is_(None)))
        assert province_activity.district_code is None


def test_refusals_name_the_rule_and_save_nothing(client, app, staff):
    sign_in_en(client, "heping")
    cases = [
        ({"where": "online", "online_url": ""}, "Enter the link where people join the activity."),
        ({"where": "online", "online_url": "http://meeting.example.cn/1"},
         "Enter a secure link that starts with https://."),
        ({"where": "online", "online_url": "javascript:alert(1)"},
         "Enter a secure link that starts with https://."),
        ({"where": "place", "place": ""}, "Choose a place from the list."),
        ({"place": staff["hidden_place"]}, "Choose one of the options in the list."),
        ({"credit_rule": "fixed", "fixed_credits": "0.123"}, "Use at most 2 decimal places."),
        ({"credit_rule": "fixed", "fixed_credits": "0"}, "more than 0 and at most 100 credits"),
        ({"credit_rule": "fixed", "fixed_credits": "1e400"}, "too large"),
        ({"title": ""}, "Enter a title."),
        ({"signup_deadline": "2026-02-30 10:00"}, "Enter a date and time, for example"),
    ]  # fmt: skip
    for changes, message in cases:
        response = create_activity(client, staff, **changes)
        assert response.status_code == 400, changes
        assert message in response.get_data(as_text=True), changes
    assert count(app, Activity) == 0


def test_a_place_of_another_city_or_district_is_refused(app, staff):
    """The place list shows only the staff member's places; the service refuses the rest too."""
    with app.app_context(), app.test_request_context():
        sy_staff = db.session.scalar(select(User).where(User.username == "sy_staff"))
        cases = ((SHENYANG, staff["dalian_place"], "own city"),
                 (SHENHE, staff["heping_place"], "own district"))  # fmt: skip
        for region, place, message in cases:
            details = authoring.ActivityDetails(**{
                **_details(staff), "region_code": region, "place_id": place,
            })  # fmt: skip
            try:
                authoring.create_activity(details, sy_staff)
            except AuthoringError as error:
                assert message in str(error.problems["place"])
            else:
                raise AssertionError("a place of another city was taken")
        assert db.session.scalar(select(Activity.id)) is None


def _details(ids) -> dict:
    return {
        "title": "讲座", "kind_id": ids["kind"], "organiser": "", "region_code": HEPING,
        "is_online": False, "online_url": "", "place_id": ids["heping_place"],
        "audience": frozenset(), "elder_friendly": False, "signup_required": True,
        "signup_deadline": None, "credit_rule": CreditRule.NONE, "fixed_credits": "",
        "description_html": "",
    }  # fmt: skip


def test_fixed_credits_are_kept_as_cents_and_hours_follow_the_bank_rule(client, app, staff):
    sign_in_en(client, "heping")
    fixed = new_activity_id(client, staff, credit_rule="fixed", fixed_credits="１.5")
    assert get_activity(app, fixed).credit_cents == 150
    assert add_session(client, fixed).status_code == 302
    hours = new_activity_id(client, staff, credit_rule="hours")
    assert add_session(client, hours, starts=local(4, 9), ends=local(4, 17)).status_code == 302
    with app.app_context():
        app.config["CREDIT_HOURS_PER_CREDIT"] = 16
        for activity_id, expected in ((fixed, Decimal("1.50")), (hours, Decimal("0.50"))):
            activity = db.session.get(Activity, activity_id)
            assert credits_for_session(activity, activity.sessions[0]) == expected
    page = client.get(f"/staff/activities/{fixed}/edit").get_data(as_text=True)
    assert 'value="1.50"' in page


def test_sessions_are_entered_in_china_time(client, app, staff):
    sign_in_en(client, "heping")
    activity_id = new_activity_id(client, staff)
    assert (
        add_session(client, activity_id, starts=local(5, 9, 30), ends=local(5, 11)).status_code
        == 302
    )
    with app.app_context():
        session = db.session.scalar(select(ActivitySession))
        assert session.starts_at.utcoffset().total_seconds() == 0
        assert (session.starts_at.hour, session.starts_at.minute) == (1, 30)  # 09:30 China time
    page = client.get(f"/staff/activities/{activity_id}").get_data(as_text=True)
    assert "9:30" in page


def test_session_refusals_leave_the_sessions_unchanged(client, app, staff):
    sign_in_en(client, "heping")
    activity_id = new_activity_id(client, staff)
    cases = [
        ({"starts_at": local(3, 16), "ends_at": local(3, 14)}, "must end after it starts."),
        ({"starts_at": local(-1, 16), "ends_at": local(-1, 18)}, "must start in the future"),
        ({"capacity": "0"}, "Enter how many people can come: at least 1."),
        ({"capacity": "abc"}, "Enter a whole number"),
        ({"starts_at": "0001-01-01 00:00"}, "Enter a date and time, for example"),
    ]  # fmt: skip
    for changes, message in cases:
        data = {"starts_at": local(3, 14), "ends_at": local(3, 16), "capacity": "30", **changes}
        response = submit(client, f"/staff/activities/{activity_id}/sessions/new", data)
        assert response.status_code == 400, changes
        assert message in response.get_data(as_text=True), changes
    assert count(app, ActivitySession) == 0


def test_capacity_cannot_go_below_the_people_signed_up(client, app, staff):
    sign_in_en(client, "heping")
    activity_id = new_activity_id(client, staff)
    add_session(client, activity_id, capacity="3")
    (session_id,) = session_ids(app, activity_id)
    sign_up(app, session_id, staff["learner_a"])
    sign_up(app, session_id, staff["learner_b"])
    url = f"/staff/activities/sessions/{session_id}/edit"
    response = submit(
        client, url, {"starts_at": local(3, 14), "ends_at": local(3, 16), "capacity": "1"}
    )
    assert response.status_code == 400
    assert "2 people have already signed up: the capacity cannot be lower." in response.get_data(
        as_text=True
    )
    with app.app_context():
        assert db.session.get(ActivitySession, session_id).capacity == 3
    ok = submit(client, url, {"starts_at": local(3, 14), "ends_at": local(3, 16), "capacity": "2"})
    assert ok.status_code == 302


def test_deadline_after_the_last_session_start_is_refused(client, app, staff):
    sign_in_en(client, "heping")
    activity_id = new_activity_id(client, staff)
    add_session(client, activity_id, starts=local(3, 14), ends=local(3, 16))
    edit = f"/staff/activities/{activity_id}/edit"
    late = submit(client, edit, activity_fields(staff, signup_deadline=local(3, 15)))
    assert late.status_code == 400
    assert "cannot be after the start of the last session" in late.get_data(as_text=True)
    assert get_activity(app, activity_id).signup_deadline is None
    assert (
        submit(client, edit, activity_fields(staff, signup_deadline=local(3, 12))).status_code
        == 302
    )
    # …and a session cannot then move before the deadline
    (session_id,) = session_ids(app, activity_id)
    earlier = {"starts_at": local(2, 14), "ends_at": local(2, 16), "capacity": "30"}
    moved = submit(client, f"/staff/activities/sessions/{session_id}/edit", earlier)
    assert moved.status_code == 400
    assert "before the sign-up deadline" in moved.get_data(as_text=True)


def test_cover_picture_is_sniffed_stored_under_a_random_name_and_served(client, app, staff):
    sign_in_en(client, "heping")
    gif = create_activity(client, staff, cover=(io.BytesIO(GIF), "cover.png"))
    assert gif.status_code == 400
    png = create_activity(client, staff, cover=(io.BytesIO(PNG), "../../evil.html"))
    assert png.status_code == 302
    activity_id = int(png.headers["Location"].rsplit("/", 1)[1])
    name = get_activity(app, activity_id).cover_name
    assert name.startswith("image/") and name.endswith(".png") and "evil" not in name
    with app.app_context():
        assert (media_root() / name).read_bytes() == PNG
    served = fetch(client, f"/activities/{activity_id}/cover")
    assert served.status_code == 200 and served.mimetype == "image/png"
    assert served.headers["X-Content-Type-Options"] == "nosniff"
    # a draft's cover is not shown to others
    other = app.test_client()
    assert fetch(other, f"/activities/{activity_id}/cover").status_code == 404
    webp = create_activity(client, staff, cover=(io.BytesIO(WEBP), "cover.webp"))
    assert webp.status_code == 400
    assert "Choose a picture in JPEG or PNG format." in webp.get_data(as_text=True)


def test_other_city_and_other_district_staff_do_not_see_or_change_it(client, app, staff):
    sign_in_en(client, "heping")
    activity_id = new_activity_id(client, staff)
    add_session(client, activity_id)
    (session_id,) = session_ids(app, activity_id)
    for login in ("dl_staff", "shenhe"):
        intruder = app.test_client()
        sign_in_en(intruder, login)
        listing = intruder.get("/staff/activities").get_data(as_text=True)
        assert "社区大讲堂" not in listing
        page = intruder.get("/staff/activities").get_data(as_text=True)
        for url in (f"/staff/activities/{activity_id}", f"/staff/activities/{activity_id}/edit",
                    f"/staff/activities/{activity_id}/cancel",
                    f"/staff/activities/{activity_id}/sessions/new",
                    f"/staff/activities/sessions/{session_id}/edit"):  # fmt: skip
            assert intruder.get(url).status_code == 404, (login, url)
        for url, data in (
            (f"/staff/activities/{activity_id}/edit", activity_fields(staff, title="改掉")),
            (f"/staff/activities/{activity_id}/publish", {}),
            (f"/staff/activities/{activity_id}/finish", {}),
            (f"/staff/activities/{activity_id}/cancel", {"reason": "不办了"}),
            (f"/staff/activities/sessions/{session_id}/cancel", {}),
            (f"/staff/activities/sessions/{session_id}/edit",
             {"starts_at": local(6), "ends_at": local(6, 18), "capacity": "5"}),
        ):  # fmt: skip
            response = submit(intruder, url, data, page="/staff/activities")
            assert response.status_code == 404, (login, url)
        assert page  # the token page was reachable
    activity = get_activity(app, activity_id)
    assert activity.title == "社区大讲堂：健康养生" and activity.status is ActivityStatus.DRAFT
    # the city's staff and the province see it
    for login in ("sy_staff", "province"):
        viewer = app.test_client()
        sign_in_en(viewer, login)
        assert "社区大讲堂" in viewer.get("/staff/activities").get_data(as_text=True)
        assert viewer.get(f"/staff/activities/{activity_id}").status_code == 200


def test_list_filters_by_status(client, app, staff):
    sign_in_en(client, "sy_staff")
    draft = new_activity_id(
        client, staff, title="草稿活动", region=SHENHE, place=staff["shenhe_place"]
    )
    published = new_activity_id(client, staff, title="已发布活动")
    add_session(client, published)
    page = client.get(f"/staff/activities/{published}").get_data(as_text=True)
    assert (
        submit(
            client,
            f"/staff/activities/{published}/publish",
            {},
            page=f"/staff/activities/{published}",
        ).status_code
        == 302
    )
    listing = client.get("/staff/activities?status=published").get_data(as_text=True)
    assert "已发布活动" in listing and "草稿活动" not in listing
    assert "草稿活动" in client.get("/staff/activities?status=draft").get_data(as_text=True)
    assert draft and page
