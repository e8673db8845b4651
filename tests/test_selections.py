"""Selections (评选): quotas, consent, the attached record, expert review, ranking, winners."""

from __future__ import annotations

import json
import threading
from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from learnhub.accounts.access import staff_scope
from learnhub.activities.kinds import ensure_activity_kinds
from learnhub.activities.models import (
    Activity,
    ActivityKind,
    ActivitySession,
    Attendance,
    AttendanceMethod,
)
from learnhub.creditbank import services as credits
from learnhub.creditbank.models import EntryKind
from learnhub.database import utcnow
from learnhub.extensions import db
from learnhub.inbox.models import Message
from learnhub.learning.models import CourseCompletion
from learnhub.pools import services as pools
from learnhub.selections import review, services
from learnhub.selections.models import (
    CityQuota,
    Consent,
    Nomination,
    Review,
    ReviewScore,
    SelectionStage,
)
from learnhub.selections.services import SelectionError
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


def nominate(ids, selection_id, staff="sy_city", city=SHENYANG, nominee="sy_star"):
    staff_user = user(ids[staff])
    nominee_user = user(ids[nominee])
    return services.nominate(
        staff_scope(staff_user), staff_user, selection(selection_id), city,
        nominee_user.display_name, "三十年坚持学习", {"学习经历": "老年大学", "别的": "x"},
        nominee=nominee_user,
    )  # fmt: skip


def nominations(selection_id) -> int:
    return db.session.scalar(
        select(func.count(Nomination.id)).where(Nomination.selection_id == selection_id)
    )


def test_a_nominee_is_asked_in_their_inbox_and_their_record_is_attached(app, ids):
    with app.app_context():
        selection_id = open_star_selection(ids)
        nomination = nominate(ids, selection_id)
        db.session.commit()
        assert nomination.consent is Consent.ASKED
        assert json.loads(nomination.record_json) == {
            "courses_completed": 0, "credits": "0.00", "activities_attended": 0}  # fmt: skip
        # Only the form's own questions are kept.
        assert json.loads(nomination.answers_json) == {"学习经历": "老年大学"}
        message = db.session.scalar(select(Message).where(Message.recipient_id == ids["sy_star"]))
        assert "2026年百姓学习之星" in message.subject
        assert message.link.endswith(f"/nominations/{nomination.id}/consent")


@pytest.mark.parametrize(
    ("staff", "city", "nominee", "message"),
    [
        ("dl_city", SHENYANG, "sy_star", "your own city only"),  # another city
        ("sy_city", SHENYANG, "dl_star", "a learner of your own city"),
        ("province", SHENYANG, "sy_star", None),  # province staff may (whole scope)
    ],
)
def test_city_staff_nominate_only_for_their_city(app, ids, staff, city, nominee, message):
    with app.app_context():
        selection_id = open_star_selection(ids)
        if message is None:
            nominate(ids, selection_id, staff=staff, city=city, nominee=nominee)
            assert nominations(selection_id) == 1
            return
        with pytest.raises(SelectionError, match=message):
            nominate(ids, selection_id, staff=staff, city=city, nominee=nominee)
        db.session.rollback()
        assert nominations(selection_id) == 0


def test_nominating_over_quota_is_refused_and_changes_nothing(app, ids):
    with app.app_context():
        selection_id = open_star_selection(ids, quota=1)
        nominate(ids, selection_id)
        db.session.commit()
        with pytest.raises(SelectionError, match="is used up"):
            nominate(ids, selection_id, nominee="sy_star2")
        db.session.rollback()
        assert nominations(selection_id) == 1
        # Dalian's quota is its own.
        nominate(ids, selection_id, staff="dl_city", city=DALIAN, nominee="dl_star")
        assert nominations(selection_id) == 2


def test_parallel_nominations_at_the_quota_edge_take_one_place(app, ids):
    with app.app_context():
        selection_id = open_star_selection(ids, quota=1)
    start = threading.Barrier(2)
    outcomes = []

    def press(nominee):
        with app.app_context():
            start.wait()
            try:
                nominate(ids, selection_id, nominee=nominee)
                db.session.commit()
                outcomes.append("nominated")
            except SelectionError:
                db.session.rollback()
                outcomes.append("refused")

    threads = [threading.Thread(target=press, args=(n,)) for n in ("sy_star", "sy_star2")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["nominated", "refused"]
    with app.app_context():
        assert nominations(selection_id) == 1
        assert db.session.scalar(select(CityQuota.used).where(CityQuota.city_code == SHENYANG)) == 1


def test_a_learner_who_declined_frees_the_place_and_cannot_be_nominated_again(app, ids):
    with app.app_context():
        selection_id = open_star_selection(ids, quota=1)
        nomination = nominate(ids, selection_id)
        services.answer_consent(user(ids["sy_star"]), nomination, agree=False, parts=[])
        db.session.commit()
        with pytest.raises(SelectionError, match="This learner declined to be nominated"):
            nominate(ids, selection_id)
        db.session.rollback()
        assert nominations(selection_id) == 1  # the declined one only, no new place taken
        assert db.session.scalar(select(CityQuota.used).where(CityQuota.city_code == SHENYANG)) == 0
        nominate(ids, selection_id, nominee="sy_star2")  # the place is free again
        assert nominations(selection_id) == 2


def test_the_nominee_chooses_what_may_be_published_and_only_they_can(app, ids):
    with app.app_context():
        selection_id = open_star_selection(ids)
        nomination = nominate(ids, selection_id)
        with pytest.raises(SelectionError, match="not yours"):
            services.answer_consent(user(ids["sy_star2"]), nomination, True, ["story"])
        services.answer_consent(user(ids["sy_star"]), nomination, True, ["story", "bogus"])
        assert nomination.consent is Consent.AGREED
        assert nomination.published_parts == {"story"}


def test_nominations_are_refused_outside_their_dates(app, ids):
    with app.app_context():
        selection_id = open_star_selection(ids, opened_ago=timedelta(days=11))
        with pytest.raises(SelectionError, match="not taking nominations"):
            nominate(ids, selection_id)


def reviewing(app, ids):
    """A selection in review: a Shenyang and a Dalian nominee, two assigned experts."""
    selection_id = open_star_selection(ids)
    province = staff_scope(user(ids["province"]))
    sy = nominate(ids, selection_id)
    dl = nominate(ids, selection_id, staff="dl_city", city=DALIAN, nominee="dl_star")
    for nomination, login in ((sy, "sy_star"), (dl, "dl_star")):
        services.answer_consent(user(ids[login]), nomination, True, ["name", "story"])
    experts = {}
    for login, city in (("sy_expert", SHENYANG), ("dl_expert", DALIAN)):
        expert = pools.add_expert(province, user(ids["province"]), expert_details(login, city),
                                  user(ids[login]))  # fmt: skip
        review.assign_reviewer(province, selection(selection_id), expert)
        experts[city] = expert
    review.start_review(province, selection(selection_id))
    db.session.commit()
    return selection_id, sy, dl, experts


def all_scores(selection_id, first, second):
    first_id, second_id = (c.id for c in selection(selection_id).criteria)
    return {first_id: first, second_id: second}


def test_an_expert_does_not_score_a_nominee_of_their_own_city(app, ids):
    with app.app_context():
        selection_id, sy, _dl, experts = reviewing(app, ids)
        assert review.reviewable(experts[SHENYANG], selection(selection_id)) == [_dl]
        with pytest.raises(SelectionError, match="Experts do not review nominees of their own"):
            review.score(experts[SHENYANG], sy, all_scores(selection_id, 8, 4))
        db.session.rollback()
        assert db.session.scalar(select(func.count(Review.id))) == 0


@pytest.mark.parametrize(("first", "second"), [(11, 4), (8, 6), (-1, 4), (8, None)])
def test_a_score_outside_the_range_is_refused(app, ids, first, second):
    with app.app_context():
        selection_id, sy, _dl, experts = reviewing(app, ids)
        scores = all_scores(selection_id, first, second)
        with pytest.raises(SelectionError, match="from 0 to"):
            review.score(experts[DALIAN], sy, {k: v for k, v in scores.items() if v is not None})
        db.session.rollback()
        assert db.session.scalar(select(func.count(Review.id))) == 0


def test_scoring_after_the_review_closed_is_refused(app, ids):
    with app.app_context():
        selection_id, sy, _dl, experts = reviewing(app, ids)
        review.score(experts[DALIAN], sy, all_scores(selection_id, 8, 4))
        db.session.commit()
        later = utcnow() + timedelta(days=30)
        with pytest.raises(SelectionError, match="This selection's review is closed"):
            review.score(experts[DALIAN], sy, all_scores(selection_id, 2, 1), now=later)
        db.session.rollback()
        # Once the winners are confirmed, the review is closed too, whatever the date.
        province = staff_scope(user(ids["province"]))
        review.confirm_winners(province, selection(selection_id), {sy.id})
        db.session.commit()
        with pytest.raises(SelectionError, match="This selection's review is closed"):
            review.score(experts[DALIAN], sy, all_scores(selection_id, 2, 1))
        db.session.rollback()
        scores = db.session.scalars(select(ReviewScore.score).order_by(ReviewScore.id))
        assert list(scores) == [8, 4]  # the first scores stand


def test_an_expert_not_assigned_cannot_score(app, ids, make_user):
    with app.app_context():
        selection_id, sy, _dl, _experts = reviewing(app, ids)
        other = pools.add_expert(staff_scope(user(ids["province"])), user(ids["province"]),
                                 expert_details("别的专家", DALIAN), None)  # fmt: skip
        with pytest.raises(SelectionError, match="not a reviewer"):
            review.score(other, sy, all_scores(selection_id, 8, 4))


def test_ranking_by_weighted_mean_then_winners_confirmed_and_published(app, ids):
    with app.app_context():
        selection_id, sy, dl, experts = reviewing(app, ids)
        # Dalian's expert scores the Shenyang nominee, and the other way round.
        review.score(experts[DALIAN], sy, all_scores(selection_id, 10, 5), "事迹感人")
        review.score(experts[SHENYANG], dl, all_scores(selection_id, 5, 5))
        # A changed score replaces the first one.
        review.score(experts[SHENYANG], dl, all_scores(selection_id, 4, 5))
        province = staff_scope(user(ids["province"]))
        ranked = review.ranking(province, selection(selection_id))
        assert [(r.nomination.id, str(r.mean)) for r in ranked] == [
            (sy.id, "100.00"), (dl.id, "60.00")]  # (2·4/10 + 1·5/5)/3 = 60 %  # fmt: skip
        assert ranked[0].reviews[0].comment == "事迹感人"
        with pytest.raises(SelectionError, match="Only province staff"):
            review.ranking(staff_scope(user(ids["sy_city"])), selection(selection_id))
        review.confirm_winners(province, selection(selection_id), {sy.id})
        review.publish(province, selection(selection_id))
        db.session.commit()
        assert selection(selection_id).stage is SelectionStage.PUBLISHED
        assert review.winners(selection(selection_id)) == [sy]
        assert review.star_wins(user(ids["sy_star"])) == [sy]
        assert review.star_wins(user(ids["dl_star"])) == []


def test_experts_of_the_pool_only_are_assigned(app, ids):
    with app.app_context():
        selection_id = open_star_selection(ids)
        teacher = pools.register(user(ids["sy_star"]), pools.PoolKind.TEACHER,
                                 expert_details("老师", SHENYANG))  # fmt: skip
        with pytest.raises(SelectionError, match="expert pool"):
            review.assign_reviewer(staff_scope(user(ids["province"])), selection(selection_id),
                                     teacher)  # fmt: skip
        with pytest.raises(SelectionError, match="Only province staff"):
            review.assign_reviewer(staff_scope(user(ids["sy_city"])), selection(selection_id),
                                     teacher)  # fmt: skip


def test_the_attached_record_comes_from_the_ledger_completions_and_attendance(
    app, ids, make_course
):
    course_id = make_course(title="智能手机入门", lessons=("text",))
    with app.app_context():
        learner = user(ids["sy_star"])
        account = credits.account_of(learner)
        credits.post_entry(account, Decimal("2.5"), EntryKind.ATTENDANCE, "t:1", memo="讲座")
        db.session.add(CourseCompletion(user_id=learner.id, course_id=course_id))
        ensure_activity_kinds()
        kind_id = db.session.scalar(select(ActivityKind.id))
        activity = Activity(title="讲座", kind_id=kind_id, city_code=SHENYANG, is_online=True,
                            online_url="https://x.cn/1")  # fmt: skip
        for day in (3, 4):  # two sessions of one activity count as one activity
            start = utcnow() - timedelta(days=day)
            activity.sessions.append(ActivitySession(starts_at=start,
                                     ends_at=start + timedelta(hours=1), capacity=9))  # fmt: skip
        db.session.add(activity)
        db.session.flush()
        for session in activity.sessions:
            db.session.add(Attendance(session_id=session.id, user_id=learner.id,
                                      method=AttendanceMethod.ROSTER))  # fmt: skip
        db.session.commit()
        selection_id = open_star_selection(ids)
        nomination = nominate(ids, selection_id)
        assert json.loads(nomination.record_json) == {
            "courses_completed": 1, "credits": "2.50", "activities_attended": 1}  # fmt: skip
