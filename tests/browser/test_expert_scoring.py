"""An expert of the pool scores a nominee online, in normal and elder mode: a score out of
range is refused with a message, then the scores are saved; each page passes axe."""

import pytest
from sqlalchemy import select

from learnhub.accounts.access import staff_scope
from learnhub.accounts.models import Role
from learnhub.extensions import db
from learnhub.pools import services as pools
from learnhub.selections import review, services
from learnhub.selections.models import Review, Selection
from tests.selection_steps import DALIAN, SHENYANG, expert_details, open_star_selection, user

from .checks import axe_problems, report
from .pages import BOTH_MODES

pytestmark = pytest.mark.browser

SUBMIT = "main form.form [type=submit]"


def _accessible(page, where: str) -> None:
    problems = axe_problems(page)
    assert not problems, report(where, problems)


def _in_review(app, make_user) -> int:
    ids = {
        "province": make_user(login="sel_province", role=Role.PROVINCE_STAFF, managed="210000"),
        "dl_city": make_user(login="sel_dalian", role=Role.CITY_STAFF, managed=DALIAN,
                             city=DALIAN, district="210202"),
        "dl_star": make_user(login="sel_dl_star", city=DALIAN, district="210202", name="大连学员"),
        "expert": make_user(login="sel_expert", name="沈阳专家"),
    }  # fmt: skip
    with app.app_context():
        selection_id = open_star_selection(ids)
        selection = db.session.get(Selection, selection_id)
        staff = user(ids["dl_city"])
        star = user(ids["dl_star"])
        nomination = services.nominate(
            staff_scope(staff), staff, selection, DALIAN, "大连学员", "坚持学习", {}, nominee=star
        )
        services.answer_consent(user(ids["dl_star"]), nomination, True, ["name", "story"])
        province = staff_scope(user(ids["province"]))
        details = expert_details("沈阳专家", SHENYANG)
        expert = pools.add_expert(province, user(ids["province"]), details, user(ids["expert"]))
        review.assign_reviewer(province, selection, expert)
        review.start_review(province, selection)
        db.session.commit()
        return nomination.id


@pytest.mark.parametrize("mode", BOTH_MODES, ids=str)
def test_an_expert_scores_a_nominee_online(visitor, app, make_user, mode):
    nomination_id = _in_review(app, make_user)
    page = visitor.start(mode=mode)
    visitor.sign_in("sel_expert")
    page.goto("/review")
    _accessible(page, "/review")
    with page.expect_navigation():
        page.click("main a:has-text('大连学员')")
    assert page.url.endswith(f"/review/nominations/{nomination_id}")
    _accessible(page, "the scoring page")
    fields = page.locator("main input[name^=criterion_]")
    assert fields.count() == 2
    fields.nth(0).fill("12")  # out of range: 0 to 10
    fields.nth(1).fill("4")
    with page.expect_navigation():
        page.click(SUBMIT)
    assert page.locator(".error-summary[role=alert]").is_visible()
    _accessible(page, "the scoring page with a refusal")
    with app.app_context():
        assert db.session.scalar(select(Review.id)) is None
    page.locator("main input[name^=criterion_]").nth(0).fill("9")
    page.fill("main textarea[name=comment]", "事迹感人")
    with page.expect_navigation():
        page.click(SUBMIT)
    assert page.url.endswith("/review")
    with app.app_context():
        saved = db.session.scalar(select(Review))
        assert saved.comment == "事迹感人"
        assert sorted(s.score for s in saved.scores) == [4, 9]
