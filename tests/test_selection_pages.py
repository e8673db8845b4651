"""The selections' and pools' pages: nominating, consent, expert scoring, the ranking, the
public winners and star pages, and the pools' registration, approval and hours."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from learnhub.accounts.access import staff_scope
from learnhub.audit.models import AuditAction, AuditEntry
from learnhub.extensions import db
from learnhub.pools import services as pools
from learnhub.pools.models import MemberStatus, PoolKind, PoolMember
from learnhub.selections import review, services
from learnhub.selections.models import Consent, Nomination, Review, Selection, SelectionKind
from tests.activity_staff_steps import sign_in_en
from tests.helpers import csrf_token_from, submit
from tests.selection_steps import (
    DALIAN,
    SHENYANG,
    expert_details,
    open_star_selection,
    people,
    user,
)


@pytest.fixture
def ids(app, make_user):
    return people(make_user)


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_city_staff_nominate_and_the_learner_agrees(app, client, ids):
    with app.app_context():
        selection_id = open_star_selection(ids, quota=1)
    sign_in_en(client, "sy_city")
    page = f"/staff/selections/{selection_id}/nominate"
    form = {"nominee": "sy_star", "name": "沈阳学员", "story": "坚持学习", "answer_0": "老年大学"}
    assert submit(client, page, form).status_code == 302
    # Over quota: refused with a message, nothing added.
    response = submit(client, page, {**form, "nominee": "sy_star2"})
    assert response.status_code == 400
    assert "quota for this selection is used up" in response.get_data(as_text=True)
    with app.app_context():
        assert count(Nomination) == 1
        nomination_id = db.session.scalar(select(Nomination.id))
        assert db.session.scalar(select(func.count(AuditEntry.id)).where(
            AuditEntry.action == AuditAction.SELECTION_NOMINATED)) == 1  # fmt: skip
    learner = app.test_client()
    sign_in_en(learner, "sy_star")
    consent = f"/selections/nominations/{nomination_id}/consent"
    assert "Courses completed: 0" in learner.get(consent).get_data(as_text=True)
    assert submit(learner, consent, {"agree": "yes", "parts": ["name", "story"]}).status_code == 302
    with app.app_context():
        assert db.session.get(Nomination, nomination_id).consent is Consent.AGREED
    # Another learner cannot see or answer it.
    other = app.test_client()
    sign_in_en(other, "sy_star2")
    assert other.get(consent).status_code == 404


def test_other_citys_staff_cannot_nominate_for_a_learner_of_another_city(app, client, ids):
    with app.app_context():
        selection_id = open_star_selection(ids)
    sign_in_en(client, "dl_city")
    page = f"/staff/selections/{selection_id}/nominate"
    response = submit(client, page, {"nominee": "sy_star", "name": "x", "story": "y"})
    assert response.status_code == 400
    assert "your own city only" in response.get_data(as_text=True)
    with app.app_context():
        assert count(Nomination) == 0


def in_review(app, ids):
    with app.app_context():
        selection_id = open_star_selection(ids)
        province = staff_scope(user(ids["province"]))
        nominations = {}
        for staff, city, login in (
            ("sy_city", SHENYANG, "sy_star"),
            ("dl_city", DALIAN, "dl_star"),
        ):
            n = services.nominate(staff_scope(user(ids[staff])), user(ids[staff]),
                                  db.session.get(Selection, selection_id), city,
                                  login, "故事", {}, nominee=user(ids[login]))  # fmt: skip
            services.answer_consent(user(ids[login]), n, True, ["name", "story"])
            nominations[city] = n.id
        details = expert_details("大连专家", DALIAN)
        expert = pools.add_expert(province, user(ids["province"]), details, user(ids["dl_expert"]))
        selection = db.session.get(Selection, selection_id)
        review.assign_reviewer(province, selection, expert)
        review.start_review(province, selection)
        db.session.commit()
        criteria = [c.id for c in selection.criteria]
        return selection_id, nominations, criteria


def test_an_expert_scores_online_and_the_province_sees_the_ranking(app, client, ids):
    selection_id, nominations, (first, second) = in_review(app, ids)
    sign_in_en(client, "dl_expert")
    listing = client.get("/review").get_data(as_text=True)
    assert "sy_star" in listing and "dl_star" not in listing  # not their own city
    page = f"/review/nominations/{nominations[SHENYANG]}"
    out_of_range = submit(client, page, {f"criterion_{first}": "11", f"criterion_{second}": "3"})
    assert out_of_range.status_code == 400
    assert "from 0 to 10" in out_of_range.get_data(as_text=True)
    own_city = submit(client, f"/review/nominations/{nominations[DALIAN]}",
                      {f"criterion_{first}": "5", f"criterion_{second}": "3"})  # fmt: skip
    assert own_city.status_code == 400
    assert "own city" in own_city.get_data(as_text=True)
    with app.app_context():
        assert count(Review) == 0
    saved = submit(client, page, {f"criterion_{first}": "9", f"criterion_{second}": "3",
                                  "comment": "很好"})  # fmt: skip
    assert saved.status_code == 302
    province = app.test_client()
    sign_in_en(province, "province")
    html = province.get(f"/staff/selections/{selection_id}").get_data(as_text=True)
    assert "80.00" in html and "很好" in html  # (2·9/10 + 1·3/5)/3
    # A city's staff see their own nominations, not the ranking or other cities'.
    city = app.test_client()
    sign_in_en(city, "sy_city")
    city_html = city.get(f"/staff/selections/{selection_id}").get_data(as_text=True)
    assert "Ranking" not in city_html and "dl_star" not in city_html


def test_winners_confirmed_and_published_appear_on_the_public_pages(app, client, ids):
    selection_id, nominations, _criteria = in_review(app, ids)
    sign_in_en(client, "province")
    page = f"/staff/selections/{selection_id}"
    token = csrf_token_from(client.get(page).get_data(as_text=True))
    client.post(f"{page}/confirm", data={"csrf_token": token, "winner": nominations[SHENYANG]})
    client.post(f"{page}/publish", data={"csrf_token": token})
    with app.app_context():
        selection = db.session.get(Selection, selection_id)
        year, kind_id = selection.year, selection.kind_id
    public = app.test_client()
    html = public.get(f"/selections/{year}/{kind_id}").get_data(as_text=True)
    assert "sy_star" in html and "dl_star" not in html
    assert "13800000000" not in html
    assert public.get(f"/stars/{ids['sy_star']}").status_code == 200
    assert public.get(f"/stars/{ids['dl_star']}").status_code == 404


def test_a_learner_registers_as_a_volunteer_and_staff_of_their_region_decide(app, client, ids):
    sign_in_en(client, "sy_star")
    form = {"name": "志愿者", "employer": "社区", "specialty": "书法", "city_code": SHENYANG,
            "contact": "13911112222", "availability": "周末"}  # fmt: skip
    assert submit(client, "/pools/join/volunteer", form).status_code == 302
    with app.app_context():
        member_id = db.session.scalar(select(PoolMember.id))
    dalian = app.test_client()
    sign_in_en(dalian, "dl_city")
    listing = dalian.get("/staff/pools?kind=volunteer").get_data(as_text=True)
    assert "13911112222" not in listing  # another city's
    token = csrf_token_from(listing)
    assert (
        dalian.post(f"/staff/pools/{member_id}/approve", data={"csrf_token": token}).status_code
        == 404
    )
    shenyang = app.test_client()
    sign_in_en(shenyang, "sy_city")
    listing = shenyang.get("/staff/pools?kind=volunteer&specialty=书法").get_data(as_text=True)
    assert "13911112222" in listing  # contact details: staff only
    token = csrf_token_from(listing)
    shenyang.post(f"/staff/pools/{member_id}/approve", data={"csrf_token": token})
    with app.app_context():
        assert db.session.get(PoolMember, member_id).status is MemberStatus.APPROVED


def test_an_expert_is_added_by_city_staff_for_their_own_city_only(app, client, ids):
    sign_in_en(client, "dl_city")
    form = {"name": "专家", "employer": "大学", "specialty": "老年教育", "city_code": SHENYANG,
            "contact": "x", "account": "dl_expert"}  # fmt: skip
    response = submit(client, "/staff/pools/experts/new", form)
    assert response.status_code == 400  # Shenyang is not offered to Dalian's staff
    assert (
        submit(client, "/staff/pools/experts/new", {**form, "city_code": DALIAN}).status_code == 302
    )
    with app.app_context():
        expert = db.session.scalar(select(PoolMember).where(PoolMember.kind == PoolKind.EXPERT))
        assert (expert.city_code, expert.user_id) == (DALIAN, ids["dl_expert"])


def test_only_the_province_reviews_confirms_and_publishes(app, client, ids):
    selection_id, nominations, _criteria = in_review(app, ids)
    sign_in_en(client, "sy_city")
    page = f"/staff/selections/{selection_id}"
    token = csrf_token_from(client.get(page).get_data(as_text=True))
    posts = [("reviewers", {"expert_id": "1"}), ("start-review", {}),
             ("confirm", {"winner": nominations[SHENYANG]}), ("publish", {})]  # fmt: skip
    for action, data in posts:
        response = client.post(f"{page}/{action}", data={"csrf_token": token, **data})
        assert response.status_code == 403
    with app.app_context():
        assert not db.session.scalar(select(func.count(Nomination.id)).where(Nomination.winner))
        assert db.session.get(Selection, selection_id).stage.value == "reviewing"
    # A learner who is no expert sees no review pages.
    learner = app.test_client()
    sign_in_en(learner, "sy_star2")
    assert learner.get("/review").status_code == 404
    assert learner.get(f"/review/nominations/{nominations[DALIAN]}").status_code == 404


def test_the_province_edits_the_list_of_kinds(app, client, ids):
    sign_in_en(client, "province")
    assert "百姓学习之星" in client.get("/staff/selections/kinds").get_data(as_text=True)
    assert submit(client, "/staff/selections/kinds", {"name": "学习型家庭"}).status_code == 302
    again = submit(client, "/staff/selections/kinds", {"name": "学习型家庭"})
    assert again.status_code == 400 and "already a kind" in again.get_data(as_text=True)
    with app.app_context():
        kind_id = db.session.scalar(
            select(SelectionKind.id).where(SelectionKind.name == "学习型家庭")
        )
    token = csrf_token_from(client.get("/staff/selections/kinds").get_data(as_text=True))
    client.post(f"/staff/selections/kinds/{kind_id}/retire", data={"csrf_token": token})
    with app.app_context():
        assert db.session.get(SelectionKind, kind_id).retired
    city = app.test_client()
    sign_in_en(city, "sy_city")
    own_token = csrf_token_from(city.get("/me/account").get_data(as_text=True))
    response = city.post(
        f"/staff/selections/kinds/{kind_id}/restore", data={"csrf_token": own_token}
    )
    assert response.status_code == 403
