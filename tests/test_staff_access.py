"""Roles and city isolation: a city's staff never see another city's data."""

import pytest

from learnhub.accounts.models import Role
from learnhub.accounts.scopes import CENTRE_ROLES
from tests.helpers import sign_in

SHENYANG, DALIAN = "210100", "210200"
HEPING, SHENHE = "210102", "210103"  # two districts of 沈阳


@pytest.fixture
def people(make_user):
    make_user(login="13811112222", name="沈阳学员甲", city=SHENYANG, district="210102")
    make_user(login="dalian_one", name="大连学员乙", city=DALIAN, district="210202")
    make_user(login="sy_staff", role=Role.CITY_STAFF, managed=SHENYANG, name="沈阳中心")
    make_user(login="dl_staff", role=Role.CITY_STAFF, managed=DALIAN, city=DALIAN,
              district="210202", name="大连中心")  # fmt: skip
    make_user(login="province", role=Role.PROVINCE_STAFF, managed="210000", name="省中心")
    make_user(login="editor1", role=Role.EDITOR, managed="210000", name="编辑")
    # County centres: 和平区 and 沈河区 of 沈阳 (the learner above lives in 和平区).
    make_user(login="heping", role=Role.COUNTY_STAFF, managed=HEPING, name="和平区中心")
    make_user(login="shenhe", role=Role.COUNTY_STAFF, managed=SHENHE, district=SHENHE,
              name="沈河区中心")  # fmt: skip
    make_user(login="shenhe_learner", name="沈河学员丙", district=SHENHE)


def test_anonymous_visitors_are_sent_to_sign_in(client, people):
    response = client.get("/staff/cities/210100")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


@pytest.mark.parametrize("login", ["dalian_one", "editor1"])
def test_learners_and_editors_cannot_open_the_staff_area(client, people, login):
    sign_in(client, login)
    assert client.get("/staff/").status_code == 403
    assert client.get(f"/staff/cities/{SHENYANG}").status_code == 403


def test_city_staff_see_their_city_with_masked_learners(client, people):
    sign_in(client, "sy_staff")
    page = client.get(f"/staff/cities/{SHENYANG}").get_data(as_text=True)
    assert "沈阳市" in page
    assert "<td>沈****</td>" in page and "138****2222" in page  # masked name and mobile
    assert "沈阳学员甲" not in page and "13811112222" not in page
    assert "大连学员乙" not in page and "大****" not in page


def test_city_staff_cannot_open_another_city(client, people):
    sign_in(client, "sy_staff")
    response = client.get(f"/staff/cities/{DALIAN}")
    assert response.status_code == 403
    assert "大连" not in response.get_data(as_text=True)


def test_city_staff_dashboard_lists_only_their_city(client, people):
    sign_in(client, "dl_staff")
    page = client.get("/staff/").get_data(as_text=True)
    assert "大连市" in page
    assert "沈阳市" not in page and "鞍山市" not in page


def test_province_staff_see_every_city(client, people):
    sign_in(client, "province")
    page = client.get("/staff/").get_data(as_text=True)
    for city in ("沈阳市", "大连市", "葫芦岛市"):
        assert city in page
    assert client.get(f"/staff/cities/{DALIAN}").status_code == 200
    assert client.get(f"/staff/cities/{SHENYANG}").status_code == 200


def test_districts_and_unknown_codes_are_not_cities(client, people):
    sign_in(client, "province")
    assert client.get("/staff/cities/210102").status_code == 404
    assert client.get("/staff/cities/999999").status_code == 404


def test_database_requires_a_region_for_city_staff(app):
    from sqlalchemy.exc import IntegrityError

    from learnhub.accounts.models import User
    from learnhub.extensions import db

    with app.app_context():
        db.session.add(User(username="nocity", display_name="x", password_hash="x",
                            city_code=SHENYANG, role=Role.CITY_STAFF))  # fmt: skip
        with pytest.raises(IntegrityError):
            db.session.commit()
        db.session.rollback()


# ---- credit accounts: levels and separation of duties (accounts.access) ----------------


@pytest.fixture
def by_login(app, people):
    """The people of the ``people`` fixture by login, in an English request context."""
    from sqlalchemy import select

    from learnhub.accounts.models import User
    from learnhub.extensions import db

    with app.test_request_context(headers={"Cookie": "learnhub_locale=en"}):
        users = db.session.scalars(select(User)).all()
        yield {user.login_name: user for user in users}


def test_levels_order_province_above_city_above_editors_and_learners(by_login):
    from learnhub.accounts.access import ROLE_LEVELS, role_level

    assert role_level(by_login["province"]) > role_level(by_login["sy_staff"])
    assert role_level(by_login["sy_staff"]) > role_level(by_login["editor1"])
    assert role_level(by_login["editor1"]) == role_level(by_login["dalian_one"])
    assert set(ROLE_LEVELS) == set(Role)


REFUSALS = {
    "another center": "This credit account is kept by another center.",
    "your own credit account": "You cannot act on your own credit account; another staff member "
    "must.",
    "higher level": "This account belongs to staff of a higher level; they must act on it.",
}


@pytest.mark.parametrize(
    ("staff", "city", "holder", "refusal"),
    [
        ("sy_staff", SHENYANG, "13811112222", None),  # own city's learner
        ("sy_staff", DALIAN, "dalian_one", "another center"),  # another city's account
        ("sy_staff", SHENYANG, "sy_staff", "your own credit account"),
        ("sy_staff", SHENYANG, "province", "higher level"),  # province staff living there
        ("dl_staff", DALIAN, "dl_staff", "your own credit account"),
        ("province", SHENYANG, "sy_staff", None),  # a lower level, any city
        ("province", DALIAN, "dalian_one", None),
        ("province", SHENYANG, "province", "your own credit account"),
        ("editor1", SHENYANG, "13811112222", "another center"),  # editors do no credit work
        ("dalian_one", DALIAN, "dalian_one", "another center"),  # nor do learners
        ("heping", SHENYANG, "13811112222", None),  # a learner of the county's district
        ("shenhe", SHENYANG, "13811112222", "another center"),  # another district's learner
        ("heping", DALIAN, "dalian_one", "another center"),  # another city's learner
        ("heping", SHENYANG, "heping", "your own credit account"),
        ("heping", SHENYANG, "sy_staff", "higher level"),  # city staff living in the district
        ("sy_staff", SHENYANG, "heping", None),  # a lower level of the city
        ("sy_staff", SHENYANG, "shenhe_learner", None),
    ],
)
def test_credit_account_refusals(by_login, staff, city, holder, refusal):
    from learnhub.accounts.access import (
        credit_account_refusal,
        may_act_on_credit_account,
        may_see_credit_account,
    )

    found = credit_account_refusal(by_login[staff], city, by_login[holder])
    if refusal is None:
        assert found is None and may_act_on_credit_account(by_login[staff], city, by_login[holder])
    else:
        assert str(found) == REFUSALS[refusal]  # the whole message, as the page shows it
        assert not may_act_on_credit_account(by_login[staff], city, by_login[holder])
    # Seeing is acting, except that one sees one's own account.
    own = staff == holder and by_login[staff].role in CENTRE_ROLES
    assert may_see_credit_account(by_login[staff], city, by_login[holder]) == (
        refusal is None or own
    )


def test_a_second_province_colleague_may_act_on_a_province_account(app, make_user, people):
    from sqlalchemy import select

    from learnhub.accounts.access import credit_account_refusal
    from learnhub.accounts.models import User
    from learnhub.extensions import db

    make_user(login="province2", role=Role.PROVINCE_STAFF, managed="210000", name="省中心乙")
    with app.app_context():
        colleague, holder = (
            db.session.scalar(select(User).where(User.username == login))
            for login in ("province2", "province")
        )
        assert credit_account_refusal(colleague, SHENYANG, holder) is None


# ---- the other checks of accounts.access, role by role --------------------------------


def test_studio_rights_by_role_and_region(app, by_login):
    from types import SimpleNamespace

    from learnhub.accounts.access import (
        editable_region_codes,
        may_edit_course,
        may_edit_region_courses,
        may_use_studio,
    )

    assert app.config["HOME_PROVINCE"] == "210000"
    assert editable_region_codes(by_login["province"]) is None
    assert editable_region_codes(by_login["editor1"]) is None  # an editor of the province
    shenyang_and_districts = editable_region_codes(by_login["sy_staff"])
    assert SHENYANG in shenyang_and_districts and {HEPING, SHENHE} < shenyang_and_districts
    assert DALIAN not in shenyang_and_districts and "210202" not in shenyang_and_districts
    assert editable_region_codes(by_login["heping"]) == frozenset({HEPING})
    assert editable_region_codes(by_login["dalian_one"]) == frozenset()
    assert may_use_studio(by_login["sy_staff"]) and may_use_studio(by_login["editor1"])
    assert not may_use_studio(by_login["dalian_one"]) and not may_use_studio(None)
    shenyang_course, dalian_course = (SimpleNamespace(region_code=c) for c in (SHENYANG, DALIAN))
    assert may_edit_course(by_login["sy_staff"], shenyang_course)
    assert not may_edit_course(by_login["sy_staff"], dalian_course)
    assert may_edit_region_courses(by_login["province"], DALIAN)
    assert may_edit_region_courses(by_login["editor1"], DALIAN)
    assert not may_edit_region_courses(by_login["dalian_one"], DALIAN)


def test_a_city_editor_edits_only_their_city(app, make_user):
    from sqlalchemy import select

    from learnhub.accounts.access import editable_region_codes, may_edit_region_courses
    from learnhub.accounts.models import User
    from learnhub.extensions import db

    make_user(login="dl_editor", role=Role.EDITOR, managed=DALIAN, city=DALIAN, district=None)
    with app.app_context():
        editor = db.session.scalar(select(User).where(User.username == "dl_editor"))
        assert DALIAN in editable_region_codes(editor)
        assert "210202" in editable_region_codes(editor)  # and its districts
        assert may_edit_region_courses(editor, DALIAN)
        assert may_edit_region_courses(editor, "210202")
        assert not may_edit_region_courses(editor, HEPING)
        assert not may_edit_region_courses(editor, SHENYANG)
        assert not may_edit_region_courses(editor, "210000")


def test_province_only_rights(by_login):
    from learnhub.accounts.access import (
        may_define_credit_rules,
        may_feature_courses,
        may_see_rankings_detail,
        may_watch_jobs,
    )

    for check in (may_define_credit_rules, may_feature_courses, may_watch_jobs):
        assert check(by_login["province"])
        assert not any(check(by_login[login]) for login in ("sy_staff", "editor1", "dalian_one"))
    assert may_see_rankings_detail(by_login["province"]) and may_see_rankings_detail(
        by_login["sy_staff"]
    )
    assert not may_see_rankings_detail(by_login["editor1"])
    assert not may_see_rankings_detail(by_login["dalian_one"]) and not may_see_rankings_detail(None)


def test_credit_work_and_region_scope(by_login):
    from learnhub.accounts.access import (
        may_act_for,
        may_act_for_holder,
        may_do_credit_work,
        may_manage,
        may_manage_city,
        may_review_registrations,
    )

    assert may_manage_city(by_login["province"], DALIAN)
    assert may_manage_city(by_login["dl_staff"], DALIAN)
    assert not may_manage_city(by_login["dl_staff"], SHENYANG)
    assert not may_manage_city(by_login["heping"], SHENYANG)  # a district is not the city
    assert may_review_registrations(by_login["sy_staff"], SHENYANG)
    assert not may_review_registrations(by_login["heping"], SHENYANG)
    for login in ("sy_staff", "province", "heping"):
        assert may_do_credit_work(by_login[login])
    assert not may_do_credit_work(by_login["editor1"]) and not may_do_credit_work(None)
    assert may_act_for(by_login["sy_staff"], SHENYANG)
    assert may_act_for(by_login["sy_staff"], SHENYANG, SHENHE)
    assert not may_act_for(by_login["sy_staff"], None)
    assert not may_act_for(by_login["editor1"], "210000")
    # A county centre: its district only, not the city as a whole, nor a learner without one.
    assert may_manage(by_login["heping"], SHENYANG, HEPING)
    assert not may_manage(by_login["heping"], SHENYANG, SHENHE)
    assert not may_manage(by_login["heping"], SHENYANG, None)
    assert not may_manage(by_login["heping"], DALIAN, HEPING)
    assert may_act_for_holder(by_login["heping"], SHENYANG, by_login["13811112222"])
    assert not may_act_for_holder(by_login["heping"], SHENYANG, by_login["shenhe_learner"])
    # A learner who moved away: their 沈阳 account waits for a transfer with 沈阳's centre,
    # not with the county of their old district.
    assert not may_act_for_holder(by_login["heping"], DALIAN, by_login["13811112222"])
    assert not may_act_for_holder(by_login["heping"], SHENYANG, by_login["dalian_one"])
    assert may_act_for_holder(by_login["sy_staff"], SHENYANG, by_login["dalian_one"])


# ---- county centres: one district of one city ---------------------------------------------


def test_county_staff_see_their_district_and_nothing_else(client, people):
    sign_in(client, "heping")
    dashboard = client.get("/staff/").get_data(as_text=True)
    assert "和平区" in dashboard and "沈河区" not in dashboard and "大连市" not in dashboard
    page = client.get(f"/staff/districts/{HEPING}").get_data(as_text=True)
    assert "<td>沈****</td>" in page and "138****2222" in page  # the district's learner
    assert "沈阳学员甲" not in page and "沈****丙" not in page
    for other in (f"/staff/districts/{SHENHE}", f"/staff/cities/{SHENYANG}",
                  "/staff/districts/210202", f"/staff/cities/{DALIAN}"):  # fmt: skip
        response = client.get(other)
        assert response.status_code == 403, other
        assert "沈****" not in response.get_data(as_text=True)


def test_city_staff_open_every_district_of_their_city_only(client, people):
    sign_in(client, "sy_staff")
    city_page = client.get(f"/staff/cities/{SHENYANG}").get_data(as_text=True)
    assert f'href="/staff/districts/{SHENHE}"' in city_page
    shenhe = client.get(f"/staff/districts/{SHENHE}").get_data(as_text=True)
    assert "沈****" in shenhe and "138****2222" not in shenhe  # 丙 of 沈河, not 甲 of 和平
    assert client.get("/staff/districts/210202").status_code == 403
    assert client.get(f"/staff/districts/{SHENYANG}").status_code == 404  # a city, not a district


def test_county_staff_find_only_their_districts_credit_accounts(client, people):
    sign_in(client, "shenhe")
    found = client.get("/staff/credits", query_string={"q": "shenhe_learner"})
    assert found.status_code == 302 and "/staff/credits/" in found.headers["Location"]
    refused = client.get("/staff/credits", query_string={"q": "13811112222"})
    assert "没有找到与输入内容相符的学分账户" in refused.get_data(as_text=True)
