"""Winners as news stories, withdrawing a nomination, and the audit of experts' scores."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from learnhub.accounts.access import staff_scope
from learnhub.audit.models import AuditAction, AuditEntry
from learnhub.extensions import db
from learnhub.inbox.models import Message
from learnhub.news.models import NewsItem
from learnhub.pools import services as pools
from learnhub.selections import review, services
from learnhub.selections.models import CityQuota, Consent, Nomination
from learnhub.selections.services import SelectionError
from tests.activity_staff_steps import sign_in_en
from tests.helpers import csrf_token_from
from tests.selection_steps import (
    DALIAN,
    SHENYANG,
    expert_details,
    open_star_selection,
    people,
    selection,
    user,
)

pytestmark = pytest.mark.usefixtures("english")  # compares the English messages


@pytest.fixture
def ids(app, make_user):
    return people(make_user)


def count(query) -> int:
    return db.session.scalar(select(func.count()).select_from(query.subquery()))


def stories() -> list[NewsItem]:
    return list(db.session.scalars(select(NewsItem).where(NewsItem.source == "selection")))


def nominate(ids, selection_id, staff, city, login, parts, story="三十年坚持学习\n带动邻里读书"):
    nomination = services.nominate(
        staff_scope(user(ids[staff])), user(ids[staff]), selection(selection_id), city,
        user(ids[login]).display_name, story, {}, nominee=user(ids[login]),
    )  # fmt: skip
    if parts is not None:
        services.answer_consent(user(ids[login]), nomination, True, parts)
    return nomination


def confirmed(app, ids):
    """A selection whose winners are confirmed: 沈阳学员 agreed to show name and story,
    大连学员 only story and record (not the name)."""
    with app.app_context():
        selection_id = open_star_selection(ids)
        province = staff_scope(user(ids["province"]))
        sy = nominate(ids, selection_id, "sy_city", SHENYANG, "sy_star", ["name", "story"])
        dl = nominate(ids, selection_id, "dl_city", DALIAN, "dl_star", ["story", "record"])
        review.start_review(province, selection(selection_id))
        review.confirm_winners(province, selection(selection_id), {sy.id, dl.id})
        db.session.commit()
        return selection_id, sy.id, dl.id


def province_post(client, selection_id, action):
    page = f"/staff/selections/{selection_id}"
    token = csrf_token_from(client.get(page).get_data(as_text=True))
    return client.post(f"{page}/{action}", data={"csrf_token": token}, follow_redirects=True)


def test_publishing_puts_each_winners_story_in_the_news_with_only_what_they_agreed(
    app, client, ids
):
    selection_id, sy_id, dl_id = confirmed(app, ids)
    sign_in_en(client, "province")
    assert province_post(client, selection_id, "publish").status_code == 200
    with app.app_context():
        by_nomination = {n.id: n.news_id for n in db.session.scalars(select(Nomination))}
        assert len(stories()) == 2 and None not in by_nomination.values()
        year, kind_id = selection(selection_id).year, selection(selection_id).kind_id
    public = app.test_client()
    public.set_cookie("learnhub_locale", "en")
    listing = public.get("/news?kind=story").get_data(as_text=True)
    assert "2026年百姓学习之星: 沈阳学员" in listing
    assert "2026年百姓学习之星: A learner of 大连市" in listing
    feed = public.get("/news/feed.atom").get_data(as_text=True)
    assert "沈阳学员" in feed and "A learner of 大连市" in feed
    named = public.get(f"/news/{by_nomination[sy_id]}").get_data(as_text=True)
    assert "沈阳学员 of 沈阳市 is a winner" in named and "带动邻里读书" in named
    assert "courses completed" not in named  # the record was not agreed to
    unnamed = public.get(f"/news/{by_nomination[dl_id]}").get_data(as_text=True)
    assert "大连学员" not in unnamed  # the name was withheld
    assert "A learner of 大连市 is a winner" in unnamed and "带动邻里读书" in unnamed
    assert "Learning record: 0 courses completed, 0.00 credits, 0 activities attended" in unnamed
    winners = public.get(f"/selections/{year}/{kind_id}").get_data(as_text=True)
    assert f'href="/news/{by_nomination[sy_id]}"' in winners
    assert f'href="/news/{by_nomination[dl_id]}"' in winners
    # Publishing again is refused and makes no second story.
    again = province_post(client, selection_id, "publish").get_data(as_text=True)
    assert "Confirm the winners before publishing" in again
    with app.app_context():
        assert len(stories()) == 2
        # The winner who withheld their name is sent to the story, not a star page.
        message = db.session.scalar(select(Message).where(Message.recipient_id == ids["dl_star"],
                                    Message.subject.like("You are a winner%")))  # fmt: skip
        assert message.link == f"/news/{by_nomination[dl_id]}"


def test_a_nominee_who_is_not_a_learner_has_everything_published(app, ids):
    with app.app_context():
        selection_id = open_star_selection(ids)
        project = selection(selection_id)
        project.kind.for_learners = False  # e.g. 终身学习品牌项目: no consent needed
        province = staff_scope(user(ids["province"]))
        nomination = services.nominate(
            staff_scope(user(ids["sy_city"])), user(ids["sy_city"]), project, SHENYANG,
            "和平区读书会", "每周共读一本书", {},
        )  # fmt: skip
        assert nomination.consent is Consent.NOT_NEEDED
        review.start_review(province, project)
        review.confirm_winners(province, project, {nomination.id})
        review.publish(province, project)
        db.session.commit()
        (story,) = stories()
        assert story.title == "2026年百姓学习之星: 和平区读书会"
        assert "每周共读一本书" in story.body_html and story.city_code == SHENYANG


def test_a_refused_publish_publishes_nothing(app, ids):
    with app.app_context():
        selection_id = open_star_selection(ids)
        nominate(ids, selection_id, "sy_city", SHENYANG, "sy_star", ["name", "story"])
        province = staff_scope(user(ids["province"]))
        review.start_review(province, selection(selection_id))
        db.session.commit()
        with pytest.raises(SelectionError, match="Confirm the winners"):
            review.publish(province, selection(selection_id))  # not confirmed yet
        db.session.rollback()
        assert stories() == []
        review.confirm_winners(province, selection(selection_id), {db.session.scalar(
            select(Nomination.id))})  # fmt: skip
        db.session.commit()
        with pytest.raises(SelectionError, match="Only province staff"):
            review.publish(staff_scope(user(ids["sy_city"])), selection(selection_id))
        db.session.rollback()
        assert stories() == []
        assert selection(selection_id).stage.value == "confirmed"


def test_two_publishers_at_once_publish_each_story_once(app, ids):
    selection_id, _sy, _dl = confirmed(app, ids)
    start = threading.Barrier(2)
    outcomes = []

    def press():
        with app.app_context():
            start.wait()
            try:
                review.publish(staff_scope(user(ids["province"])), selection(selection_id))
                db.session.commit()
                outcomes.append("published")
            except SelectionError:
                db.session.rollback()
                outcomes.append("refused")

    threads = [threading.Thread(target=press) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["published", "refused"]
    with app.app_context():
        assert len(stories()) == 2


# ---- withdrawing a nomination ------------------------------------------------------------


def used(city) -> int:
    return db.session.scalar(select(CityQuota.used).where(CityQuota.city_code == city))


def test_city_staff_withdraw_their_nomination_and_the_nominee_is_told(app, client, ids):
    with app.app_context():
        selection_id = open_star_selection(ids, quota=1)
        nomination_id = nominate(ids, selection_id, "sy_city", SHENYANG, "sy_star", None).id
        db.session.commit()
    sign_in_en(client, "sy_city")
    page = f"/staff/selections/{selection_id}"
    html = client.get(page).get_data(as_text=True)
    assert "Withdraw the nomination of “沈阳学员”?" in html
    response = client.post(
        f"{page}/nominations/{nomination_id}/withdraw",
        data={"csrf_token": csrf_token_from(html)}, follow_redirects=True,
    )  # fmt: skip
    assert "The nomination of “沈阳学员” is withdrawn." in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Nomination, nomination_id) is None
        assert used(SHENYANG) == 0  # the place is free: another can be nominated
        entry = db.session.scalar(
            select(AuditEntry).where(AuditEntry.action == AuditAction.SELECTION_WITHDRAWN)
        )
        assert (entry.actor_id, entry.city_code) == (ids["sy_city"], SHENYANG)
        assert entry.details["nomination"] == nomination_id
        told = db.session.scalar(select(Message).where(Message.recipient_id == ids["sy_star"],
                                 Message.subject.like("%withdrawn%")))  # fmt: skip
        assert told.subject == "Your nomination for “2026年百姓学习之星” is withdrawn"
        nominate(ids, selection_id, "sy_city", SHENYANG, "sy_star2", None)


def test_another_citys_staff_cannot_withdraw_a_nomination(app, client, ids):
    with app.app_context():
        selection_id = open_star_selection(ids, quota=1)
        nomination_id = nominate(ids, selection_id, "sy_city", SHENYANG, "sy_star", None).id
        db.session.commit()
    sign_in_en(client, "dl_city")
    page = f"/staff/selections/{selection_id}"
    html = client.get(page).get_data(as_text=True)
    assert "沈阳学员" not in html
    response = client.post(
        f"{page}/nominations/{nomination_id}/withdraw",
        data={"csrf_token": csrf_token_from(html)}, follow_redirects=True,
    )  # fmt: skip
    assert "This nomination belongs to another city." in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Nomination, nomination_id) is not None
        assert used(SHENYANG) == 1
        assert count(select(AuditEntry).where(
            AuditEntry.action == AuditAction.SELECTION_WITHDRAWN)) == 0  # fmt: skip
        assert count(select(Message).where(Message.subject.like("%withdrawn%"))) == 0


def test_no_withdrawal_after_nominations_closed_nor_of_a_declined_nomination(app, client, ids):
    with app.app_context():
        selection_id = open_star_selection(ids, quota=2)
        kept = nominate(ids, selection_id, "sy_city", SHENYANG, "sy_star", ["name"])
        declined = nominate(ids, selection_id, "sy_city", SHENYANG, "sy_star2", None)
        services.answer_consent(user(ids["sy_star2"]), declined, False, [])
        db.session.commit()
        kept_id, declined_id = kept.id, declined.id
        with pytest.raises(SelectionError, match="already free"):
            services.withdraw(staff_scope(user(ids["sy_city"])), declined)
        db.session.rollback()
        assert used(SHENYANG) == 1  # the decline gave its place back once, not twice
        later = selection(selection_id).nominations_close_at + timedelta(minutes=1)
        with pytest.raises(SelectionError, match="Nominations are closed"):
            services.withdraw(staff_scope(user(ids["sy_city"])), kept, now=later)
        db.session.rollback()
        review.start_review(staff_scope(user(ids["province"])), selection(selection_id))
        db.session.commit()
    sign_in_en(client, "sy_city")
    page = f"/staff/selections/{selection_id}"
    html = client.get(page).get_data(as_text=True)
    assert "Yes, withdraw the nomination" not in html  # no button once closed
    response = client.post(
        f"{page}/nominations/{kept_id}/withdraw",
        data={"csrf_token": csrf_token_from(html)}, follow_redirects=True,
    )  # fmt: skip
    assert "can no longer be withdrawn" in response.get_data(as_text=True)
    with app.app_context():
        assert {n.id for n in db.session.scalars(select(Nomination))} == {kept_id, declined_id}
        assert used(SHENYANG) == 1


# ---- the audit of experts' scores ----------------------------------------------------------


def test_each_change_of_an_experts_scores_is_audited(app, ids):
    with app.app_context():
        selection_id = open_star_selection(ids)
        sy = nominate(ids, selection_id, "sy_city", SHENYANG, "sy_star", ["name"])
        province = staff_scope(user(ids["province"]))
        expert = pools.add_expert(province, user(ids["province"]), expert_details(
            "大连专家", DALIAN), user(ids["dl_expert"]))  # fmt: skip
        review.assign_reviewer(province, selection(selection_id), expert)
        review.start_review(province, selection(selection_id))
        first, second = (c.id for c in selection(selection_id).criteria)
        review.score(expert, sy, {first: 8, second: 4}, "事迹感人")
        review.score(expert, sy, {first: 9, second: 4}, "事迹感人")
        review.score(expert, sy, {first: 9, second: 4}, "事迹感人")  # nothing changed
        db.session.commit()
        entries = list(db.session.scalars(select(AuditEntry).where(AuditEntry.action ==
                       AuditAction.SELECTION_SCORED).order_by(AuditEntry.id)))  # fmt: skip
        assert [e.details["nomination"] for e in entries] == [sy.id, sy.id]
        assert all(e.actor_id == ids["dl_expert"] and e.city_code == SHENYANG for e in entries)
        assert entries[0].details["from"] == {"学习事迹": None, "示范作用": None, "comment": ""}
        assert entries[0].details["to"] == {"学习事迹": 8, "示范作用": 4, "comment": "事迹感人"}
        assert (entries[1].details["from"], entries[1].details["to"]) == (
            {"学习事迹": 8}, {"学习事迹": 9})  # fmt: skip
        # A refused score writes no entry.
        with pytest.raises(SelectionError):
            review.score(expert, sy, {first: 11, second: 4})
        db.session.rollback()
        assert count(select(AuditEntry).where(
            AuditEntry.action == AuditAction.SELECTION_SCORED)) == 2  # fmt: skip


def test_scoring_on_the_page_is_audited(app, client, ids):
    with app.app_context():
        selection_id = open_star_selection(ids)
        sy_id = nominate(ids, selection_id, "sy_city", SHENYANG, "sy_star", ["name"]).id
        province = staff_scope(user(ids["province"]))
        expert = pools.add_expert(province, user(ids["province"]), expert_details(
            "大连专家", DALIAN), user(ids["dl_expert"]))  # fmt: skip
        review.assign_reviewer(province, selection(selection_id), expert)
        review.start_review(province, selection(selection_id))
        db.session.commit()
        first, second = (c.id for c in selection(selection_id).criteria)
    sign_in_en(client, "dl_expert")
    page = f"/review/nominations/{sy_id}"
    token = csrf_token_from(client.get(page).get_data(as_text=True))
    data = {"csrf_token": token, f"criterion_{first}": "7", f"criterion_{second}": "5"}
    assert client.post(page, data=data).status_code == 302
    with app.app_context():
        entry = db.session.scalar(
            select(AuditEntry).where(AuditEntry.action == AuditAction.SELECTION_SCORED)
        )
        assert entry.details["to"]["学习事迹"] == 7 and entry.details["selection"] == selection_id


def test_a_story_belongs_to_one_winner_only(app, ids):
    """The story's id is kept once per nomination: the database refuses a second winner
    pointing at the same story."""
    selection_id, sy_id, dl_id = confirmed(app, ids)
    with app.app_context():
        review.publish(staff_scope(user(ids["province"])), selection(selection_id))
        db.session.commit()
        sy, dl = db.session.get(Nomination, sy_id), db.session.get(Nomination, dl_id)
        dl.news_id = sy.news_id
        with pytest.raises(IntegrityError):
            db.session.flush()
        db.session.rollback()
