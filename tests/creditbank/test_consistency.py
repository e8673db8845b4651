"""What staff and learners are told matches what happened: awards kept while frozen,
certificates revoked with the entry they rested on, one answer "reversed" per reversal."""

from __future__ import annotations

import threading
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from learnhub.accounts.models import Role, User
from learnhub.catalogue.models import Course
from learnhub.creditbank import services
from learnhub.creditbank.models import (
    Certificate,
    CreditAccount,
    EntryKind,
    LedgerEntry,
)
from learnhub.creditbank.pending_models import AwardStatus, PendingAward
from learnhub.extensions import db
from learnhub.learning import services as learning
from tests.helpers import csrf_token_from, read_text_lesson, submit

from .conftest import english_client


@pytest.fixture
def learner(app, make_user, make_course):
    """A Shenyang learner, Shenyang staff, and a 1.5-credit course of one reading."""
    make_user(login="wang", name="王秀英")
    make_user(login="sy_staff", role=Role.CITY_STAFF, managed="210100", name="沈阳中心")
    course_id = make_course(title="防诈骗课", lessons=("text",), credits="1.5")
    with app.app_context():
        user = db.session.scalar(select(User).where(User.username == "wang"))
        return services.account_of(user).number, course_id


def _complete(app, course_id):
    """The learner finishes the course through the learning services, as on its page."""
    with app.app_context():
        user = db.session.scalar(select(User).where(User.username == "wang"))
        course = db.session.get(Course, course_id)
        learning.enrol(user, course)
        read_text_lesson(user, course.lessons[0])
        db.session.commit()


def _books(app, number):
    with app.app_context():
        account = db.session.scalar(select(CreditAccount).where(CreditAccount.number == number))
        awards = [(a.status, a.decision_reason) for a in db.session.scalars(select(PendingAward))]
        certificates = db.session.scalar(select(func.count(Certificate.id)))
        return services.balance_of(account), awards, certificates


# ---- awards on a frozen account ------------------------------------------------------


def test_a_completion_on_a_frozen_account_is_kept_and_paid_on_unfreeze(app, learner):
    number, course_id = learner
    staff = english_client(app, "sy_staff")
    submit(staff, f"/staff/credits/{number}/freeze", {"reason": "身份核查"})
    _complete(app, course_id)
    assert _books(app, number) == (Decimal("0.00"), [(AwardStatus.PENDING, "")], 0)
    mine = english_client(app, "wang").get("/me/credits").get_data(as_text=True)
    assert "防诈骗课" in mine and "Kept until your account is unfrozen" in mine
    done = submit(staff, f"/staff/credits/{number}/unfreeze", {"reason": "核查完毕"},
                  follow_redirects=True)  # fmt: skip
    assert "1 award kept while it was frozen was paid." in done.get_data(as_text=True)
    assert _books(app, number) == (Decimal("1.50"), [(AwardStatus.PAID, "")], 1)
    mine = english_client(app, "wang").get("/me/credits").get_data(as_text=True)
    assert "Kept until" not in mine and "1.50" in mine
    with app.app_context():
        assert list(services.verify_ledger()) == []


def test_a_kept_award_declined_by_staff_shows_its_reason_to_the_learner(app, learner):
    number, course_id = learner
    staff = english_client(app, "sy_staff")
    submit(staff, f"/staff/credits/{number}/freeze", {"reason": "身份核查"})
    _complete(app, course_id)
    with app.app_context():
        award_id = db.session.scalar(select(PendingAward.id))
    url = f"/staff/credits/{number}/awards/{award_id}/decline"
    assert submit(staff, url, {"reason": ""}).status_code == 400
    assert submit(staff, url, {"reason": "代学不予计入"}).status_code == 302
    again = submit(staff, url, {"reason": "再次"})
    assert again.status_code == 400 and "already been paid or declined" in again.get_data(
        as_text=True
    )
    submit(staff, f"/staff/credits/{number}/unfreeze", {"reason": "核查完毕"})
    assert _books(app, number) == (Decimal("0.00"), [(AwardStatus.DECLINED, "代学不予计入")], 0)
    mine = english_client(app, "wang").get("/me/credits").get_data(as_text=True)
    assert "Declined: 代学不予计入" in mine


def test_closing_declines_kept_awards_and_a_closed_account_records_why(app, learner, make_course):
    number, course_id = learner
    staff = english_client(app, "sy_staff")
    submit(staff, f"/staff/credits/{number}/freeze", {"reason": "身份核查"})
    _complete(app, course_id)
    done = submit(staff, f"/staff/credits/{number}/close", {"reason": "迁出本省"},
                  follow_redirects=True)  # fmt: skip
    assert "1 kept award was declined." in done.get_data(as_text=True)
    later = make_course(title="第二课", lessons=("text",), credits="1")
    _complete(app, later)
    assert _books(app, number)[1] == [
        (AwardStatus.DECLINED, "迁出本省"),
        (AwardStatus.DECLINED, ""),
    ]
    mine = english_client(app, "wang").get("/me/credits").get_data(as_text=True)
    assert "Declined: 迁出本省" in mine and "Declined: This credit account is closed." in mine


# ---- reversal and certificates -------------------------------------------------------


def test_reversing_a_completion_revokes_its_certificate_at_verify(app, learner):
    number, course_id = learner
    _complete(app, course_id)
    with app.app_context():
        code = db.session.scalar(select(Certificate.code))
    public = app.test_client()
    public.set_cookie("learnhub_locale", "en")
    assert "<strong>Valid</strong>" in public.get(f"/verify/{code}").get_data(as_text=True)
    staff = english_client(app, "sy_staff")
    submit(staff, f"/staff/credits/{number}/entries/1/reverse", {"reason": "代学"})
    page = public.get(f"/verify/{code}").get_data(as_text=True)
    assert "Revoked on" in page and "Reason: 代学" in page and "<strong>Valid</strong>" not in page
    assert _books(app, number)[0] == Decimal("0.00")


def test_reversing_another_entry_leaves_certificates_alone(app, learner):
    number, course_id = learner
    _complete(app, course_id)
    staff = english_client(app, "sy_staff")
    submit(staff, f"/staff/credits/{number}/adjust", {"amount": "1", "memo": "补记"})
    submit(staff, f"/staff/credits/{number}/entries/2/reverse", {"reason": "补记有误"})
    with app.app_context():
        assert db.session.scalar(select(Certificate.revoked_at)) is None


@pytest.mark.slow
def test_twenty_parallel_reversals_answer_reversed_once(app, learner):
    number, _course_id = learner
    with app.app_context():
        account = db.session.scalar(select(CreditAccount).where(CreditAccount.number == number))
        services.post_entry(account, Decimal("2"), EntryKind.ATTENDANCE, "a:1", memo="讲座")
        db.session.commit()
    url = f"/staff/credits/{number}/entries/1/reverse"
    staff = english_client(app, "sy_staff")
    token = csrf_token_from(staff.get(url).get_data(as_text=True))
    cookie = staff.get_cookie(app.config["SESSION_COOKIE_NAME"])
    barrier, answers = threading.Barrier(20), []

    def reverse():
        client = app.test_client()
        client.set_cookie(app.config["SESSION_COOKIE_NAME"], cookie.value)
        client.set_cookie("learnhub_locale", "en")
        barrier.wait()
        response = client.post(url, data={"reason": "重复登记", "csrf_token": token},
                               follow_redirects=True)  # fmt: skip
        text = response.get_data(as_text=True)
        if "The entry is reversed." in text:
            answers.append("reversed")
        elif "already been reversed" in text:
            answers.append("already")
        else:
            answers.append(f"{response.status_code}")

    workers = [threading.Thread(target=reverse) for _ in range(20)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    assert sorted(answers) == ["already"] * 19 + ["reversed"]
    with app.app_context():
        reversals = select(func.count()).where(LedgerEntry.kind == EntryKind.REVERSAL)
        assert db.session.scalar(reversals) == 1
    assert _books(app, number)[0] == Decimal("0.00")


def test_a_kept_award_is_declined_only_through_its_own_account(app, learner, make_user):
    number, course_id = learner
    make_user(login="neighbour", name="邻居")
    with app.app_context():
        other = services.account_of(
            db.session.scalar(select(User).where(User.username == "neighbour"))
        )
        other_number = other.number
    staff = english_client(app, "sy_staff")
    submit(staff, f"/staff/credits/{number}/freeze", {"reason": "身份核查"})
    _complete(app, course_id)
    with app.app_context():
        award_id = db.session.scalar(select(PendingAward.id))
    wrong = f"/staff/credits/{other_number}/awards/{award_id}/decline"
    assert staff.get(wrong).status_code == 404
    assert _books(app, number)[1] == [(AwardStatus.PENDING, "")]
