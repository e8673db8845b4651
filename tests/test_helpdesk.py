"""The help desk: staff find learners of their own region only, see an overview, issue reset
codes and correct districts; everything else is refused and recorded."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from learnhub.accounts.demo import load_demo_accounts
from learnhub.accounts.models import User
from learnhub.accounts.one_time import secret_hash
from learnhub.accounts.recovery import code_hash
from learnhub.accounts.recovery_models import ResetCode
from learnhub.audit import AuditAction, AuditEntry
from learnhub.catalogue.models import Course
from learnhub.creditbank.services.accounts import account_of
from learnhub.extensions import db
from learnhub.helpdesk.demo import load_demo_recovery
from learnhub.learning import services as learning
from tests.helpers import sign_in, submit
from tests.recovery_steps import (
    HEPING,
    SHENHE,
    audit_actions,
    issue_code,
    make_people,
    post_issue_code,
    staff_client,
)

NOT_FOUND = "No learner of your region found for what you typed."


@pytest.fixture
def people(make_user):
    return make_people(make_user)


def _find(client, text: str):
    return client.get("/staff/help-desk/", query_string={"q": text})


def _account_number(app, user_id: int) -> str:
    with app.app_context():
        return account_of(db.session.get(User, user_id)).number


@pytest.mark.parametrize("login", ["dalian_one", "editor1"])
def test_learners_and_editors_cannot_open_the_help_desk(app, people, login):
    client = app.test_client()
    sign_in(client, login)
    assert client.get("/staff/help-desk/").status_code == 403
    assert client.get(f"/staff/help-desk/learners/{people['elder']}").status_code == 403


def test_staff_find_a_learner_by_mobile_username_or_account_number(app, people):
    client = staff_client(app, "sy_staff")
    number = _account_number(app, people["elder"])
    for text in ("138 1111 2222", "+8613811112222", number, f"{number[:6]} {number[6:]}"):
        response = _find(client, text)
        assert response.status_code == 302, text
        assert response.headers["Location"].endswith(f"/learners/{people['elder']}")
    found = _find(client, "shenhe_learner")
    assert found.headers["Location"].endswith(f"/learners/{people['shenhe_learner']}")


def test_a_mistyped_account_number_is_refused_before_any_lookup(app, people):
    client = staff_client(app, "sy_staff")
    number = _account_number(app, people["elder"])
    wrong_check = number[:-1] + ("0" if number[-1] != "0" else "1")
    page = _find(client, wrong_check).get_data(as_text=True)
    assert "its last character does not match" in page
    assert "has 15 characters" in _find(client, number[:-2]).get_data(as_text=True)


def test_learners_of_other_regions_are_not_found_like_unknown_ones(app, people):
    city = staff_client(app, "sy_staff")
    unknown = _find(city, "13999999999")
    other_city = _find(city, "dalian_one")
    other_number = _find(city, _account_number(app, people["dalian_one"]))
    for response in (unknown, other_city, other_number):
        assert response.status_code == 400 and NOT_FOUND in response.get_data(as_text=True)
    county = staff_client(app, "heping")
    assert NOT_FOUND in _find(county, "shenhe_learner").get_data(as_text=True)  # 沈河区
    assert _find(county, "13811112222").status_code == 302  # 和平区: theirs
    assert county.get(f"/staff/help-desk/learners/{people['shenhe_learner']}").status_code == 404
    assert city.get(f"/staff/help-desk/learners/{people['dalian_one']}").status_code == 404
    province = staff_client(app, "province")
    assert _find(province, "dalian_one").status_code == 302
    # Staff of a higher level (the city centre's member lives in 和平区) stay hidden too.
    assert NOT_FOUND in _find(county, "sy_staff").get_data(as_text=True)
    assert county.get(f"/staff/help-desk/learners/{people['sy_staff']}").status_code == 404


def test_the_learner_page_says_what_to_check_and_masks_the_mobile(app, people, make_course):
    course_id = make_course(title="防范电信诈骗")
    with app.app_context():
        elder = db.session.get(User, people["elder"])
        learning.enrol(elder, db.session.get(Course, course_id))
        db.session.commit()
    client = staff_client(app, "heping")
    page = client.get(f"/staff/help-desk/learners/{people['elder']}").get_data(as_text=True)
    assert "ask them to show their ID card" in page
    assert "王秀英" in page and "1950" in page and "Heping" in page
    assert "138****2222" in page and "13811112222" not in page
    assert "防范电信诈骗" in page and "0 / 3 (0%)" in page
    assert _account_number(app, people["elder"])[:6] in page
    assert "Balance" in page and "Open the credit account" in page


def test_a_code_is_shown_once_grouped_and_only_its_hash_is_kept(app, people):
    client = staff_client(app, "heping")
    response, code = issue_code(client, people["elder"])
    assert response.status_code == 200 and len(code) == 8 and code.isdigit()
    assert response.headers["Cache-Control"] == "no-store"
    with app.app_context():
        rows = db.session.scalars(select(ResetCode)).all()
        assert [row.code_hash for row in rows] == [code_hash(people["elder"], code)]
        assert code not in rows[0].code_hash and rows[0].code_hash != secret_hash(code)
        assert (rows[0].expires_at - rows[0].issued_at).total_seconds() == 24 * 3600
        entry = db.session.scalar(select(AuditEntry))
        assert entry.action == AuditAction.RESET_CODE_ISSUED and not entry.refused
        assert entry.actor_id == people["heping"] and entry.subject_id == people["elder"]
        assert code not in entry.details_json
    page = client.get(f"/staff/help-desk/learners/{people['elder']}").get_data(as_text=True)
    assert code[:4] not in page and "still open" in page


def test_issuing_a_new_code_voids_the_old_one(app, people):
    client = staff_client(app, "heping")
    _response, first = issue_code(client, people["elder"])
    _response, second = issue_code(client, people["elder"])
    with app.app_context():
        rows = db.session.scalars(select(ResetCode).order_by(ResetCode.id)).all()
        assert rows[0].code_hash == code_hash(people["elder"], first)
        assert rows[1].code_hash == code_hash(people["elder"], second)
        assert rows[0].voided_at is not None and rows[1].voided_at is None


def _refused_entries(app):
    with app.app_context():
        entries = db.session.scalars(select(AuditEntry).where(AuditEntry.refused))
        return [(e.action, e.actor_id, e.subject_id) for e in entries]


def test_no_code_for_ones_own_account(app, people):
    client = staff_client(app, "heping")
    response = post_issue_code(client, people["heping"])
    assert response.status_code == 403
    assert "another staff member must" in response.get_data(as_text=True)
    assert _refused_entries(app) == [("reset.code_refused", people["heping"], people["heping"])]


def test_no_code_for_staff_of_a_higher_level(app, people):
    client = staff_client(app, "heping")  # the city centre's member lives in 和平区 too
    response = post_issue_code(client, people["sy_staff"])
    assert response.status_code == 403
    assert "staff of a higher level" in response.get_data(as_text=True)
    assert _refused_entries(app) == [("reset.code_refused", people["heping"], people["sy_staff"])]


@pytest.mark.parametrize(("login", "target"), [("sy_staff", "dalian_one"),
                                               ("heping", "shenhe_learner")])  # fmt: skip
def test_no_code_for_a_learner_of_another_city_or_district(app, people, login, target):
    client = staff_client(app, login)
    response = post_issue_code(client, people[target])
    assert response.status_code == 403
    assert "looked after by another centre" in response.get_data(as_text=True)
    assert _refused_entries(app) == [("reset.code_refused", people[login], people[target])]
    with app.app_context():
        assert db.session.scalars(select(ResetCode)).all() == []


def test_staff_of_the_same_level_may_help_each_other(app, people):
    _response, code = issue_code(staff_client(app, "heping"), people["heping2"])
    assert code is not None


def test_no_code_for_a_disabled_account(app, people):
    with app.app_context():
        db.session.get(User, people["elder"]).active = False
        db.session.commit()
    response = post_issue_code(staff_client(app, "heping"), people["elder"])
    assert response.status_code == 403 and "disabled" in response.get_data(as_text=True)


def _correct(client, user_id: int, district: str, reason: str = "登记时选错了区"):
    return submit(client, f"/staff/help-desk/learners/{user_id}/district",
                  {"district": district, "reason": reason})  # fmt: skip


def _district_of(app, user_id: int) -> str:
    with app.app_context():
        return db.session.get(User, user_id).district_code


def test_city_staff_correct_a_district_within_the_city_and_it_is_audited(app, people):
    client = staff_client(app, "sy_staff")
    response = _correct(client, people["elder"], SHENHE)
    assert response.status_code == 302
    assert _district_of(app, people["elder"]) == SHENHE
    with app.app_context():
        entry = db.session.scalar(select(AuditEntry))
        assert entry.action == AuditAction.DISTRICT_CORRECTED and not entry.refused
        assert entry.details == {"from": HEPING, "to": SHENHE}
        assert entry.reason == "登记时选错了区"


def test_a_district_of_another_city_is_not_a_correction(app, people):
    client = staff_client(app, "province")
    response = _correct(client, people["elder"], "210202")  # 大连's district
    assert response.status_code == 400
    assert _district_of(app, people["elder"]) == HEPING
    assert audit_actions(app) == []
    page = client.get(f"/staff/help-desk/learners/{people['elder']}").get_data(as_text=True)
    assert "transfer of the credit account" in page


def test_county_staff_cannot_correct_another_districts_learner(app, people):
    client = staff_client(app, "heping")
    response = _correct(client, people["shenhe_learner"], HEPING)
    assert response.status_code == 403
    assert _district_of(app, people["shenhe_learner"]) == SHENHE
    assert _refused_entries(app) == [
        ("learner.district_corrected", people["heping"], people["shenhe_learner"])
    ]


def test_a_district_form_without_a_reason_changes_nothing(app, people):
    response = _correct(staff_client(app, "sy_staff"), people["elder"], SHENHE, reason="")
    assert response.status_code == 400 and _district_of(app, people["elder"]) == HEPING
    assert audit_actions(app) == []


def test_the_demo_elder_has_an_open_code_from_her_district_once(app):
    with app.app_context():
        load_demo_accounts(iter)
        load_demo_recovery(iter)
        db.session.commit()
        load_demo_recovery(iter)  # again: nothing new
        db.session.commit()
        rows = db.session.scalars(select(ResetCode)).all()
        staff = db.session.scalar(select(User).where(User.username == "shenhe_staff"))
        assert len(rows) == 1 and rows[0].issued_by_id == staff.id
        assert rows[0].user.username == "elder" and rows[0].voided_at is None
        db.session.rollback()
    assert audit_actions(app) == ["reset.code_issued"]
