"""Setting a new password with a centre's code on /reset: once, in time, for its account;
wrong codes are counted and lock resets; every session ends; the page is rate-limited."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select, update

from learnhub.accounts.models import DeviceSession, EndReason, User
from learnhub.accounts.recovery_models import ResetCode
from learnhub.database import utcnow
from learnhub.extensions import db
from tests.helpers import sign_in, submit
from tests.recovery_steps import (
    NEW_PASSWORD,
    audit_actions,
    issue_code,
    make_people,
    reset,
    staff_client,
)

OLD_PASSWORD = "correct horse battery"
ELDER = "13811112222"
WRONG_CODE = "This code is not right, or it is no longer valid"
LOCKED = "resetting its password is locked for 60 minutes"


@pytest.fixture
def people(make_user):
    return make_people(make_user)


@pytest.fixture
def code(app, people):
    """A code the 和平区 centre gave the elder."""
    return issue_code(staff_client(app, "heping"), people["elder"])[1]


def _password_hash(app, login: str = ELDER) -> str:
    with app.app_context():
        return db.session.scalar(select(User.password_hash).where(User.mobile == login))


def _can_sign_in(app, login: str, password: str) -> bool:
    return sign_in(app.test_client(), login, password).status_code == 302


def test_a_code_sets_a_new_password_once(app, client, people, code):
    response = reset(client, ELDER, f"{code[:4]} {code[4:]}")  # as read aloud, with a space
    assert response.status_code == 302 and response.headers["Location"].endswith("/login")
    assert _can_sign_in(app, ELDER, NEW_PASSWORD)
    assert not _can_sign_in(app, ELDER, OLD_PASSWORD)
    assert audit_actions(app) == ["reset.code_issued", "reset.code_used"]
    replay = reset(app.test_client(), ELDER, code, "another fine long phrase")
    assert replay.status_code == 400 and WRONG_CODE in replay.get_data(as_text=True)
    assert _can_sign_in(app, ELDER, NEW_PASSWORD)


def test_the_reset_ends_every_session_and_kept_sign_in(app, people, code):
    phone, laptop = app.test_client(), app.test_client()
    sign_in(phone, ELDER)
    submit(laptop, "/login", {"login": ELDER, "password": OLD_PASSWORD, "remember": "y"})
    remembered = laptop.get_cookie("learnhub_remember").value
    assert phone.get("/me/account").status_code == 200
    assert reset(app.test_client(), ELDER, code).status_code == 302
    assert phone.get("/me/account").status_code == 302
    assert laptop.get("/me/account").status_code == 302
    copy = app.test_client()
    copy.set_cookie("learnhub_remember", remembered)
    assert copy.get("/me/account").status_code == 302
    with app.app_context():
        ended = db.session.scalars(
            select(DeviceSession.end_reason).where(DeviceSession.user_id == people["elder"])
        ).all()
        assert ended and set(ended) == {EndReason.PASSWORD_CHANGED}


def test_a_bulk_opened_account_reset_with_a_code_needs_no_second_change(app, people, code):
    with app.app_context():
        db.session.execute(update(User).values(must_change_password=True))
        db.session.commit()
    reset(app.test_client(), ELDER, code)
    client = app.test_client()
    sign_in(client, ELDER, NEW_PASSWORD)
    assert client.get("/me/account").status_code == 200


@pytest.mark.parametrize("change", ["altered", "expired", "replaced", "other_account"])
def test_a_bad_code_changes_nothing_and_says_one_clear_thing(app, client, people, code, change):
    login, typed = ELDER, code
    if change == "altered":
        typed = code[:-1] + str((int(code[-1]) + 1) % 10)
    elif change == "expired":
        with app.app_context():
            db.session.execute(update(ResetCode).values(expires_at=utcnow() - timedelta(minutes=1)))
            db.session.commit()
    elif change == "replaced":
        issue_code(staff_client(app, "heping"), people["elder"])
    else:
        login = "shenhe_learner"  # the elder's code for another account
    before = _password_hash(app, login) if login == ELDER else None
    response = reset(client, login, typed)
    assert response.status_code == 400
    assert WRONG_CODE in response.get_data(as_text=True)
    if before is not None:
        assert _password_hash(app) == before
    assert _can_sign_in(app, login, OLD_PASSWORD)
    assert audit_actions(app, refused=True) == ["reset.code_refused"]


def test_an_unknown_account_gets_the_same_answer(app, client, people, code):
    response = reset(client, "13900000000", code)
    assert response.status_code == 400 and WRONG_CODE in response.get_data(as_text=True)
    assert audit_actions(app, refused=True) == ["reset.code_refused"]


def test_a_weak_password_is_refused_before_the_code_is_tried(app, client, people, code):
    response = reset(client, ELDER, code, password="12345678")
    assert response.status_code == 400 and WRONG_CODE not in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(ResetCode.used_at)) is None
        assert db.session.scalar(select(User.reset_failures).where(User.mobile == ELDER)) == 0
    assert reset(client, ELDER, code).status_code == 302  # the code still works


def _wrong(code: str, n: int) -> str:
    return str((int(code) + 1 + n) % 100_000_000).zfill(8)


def test_ten_wrong_codes_lock_resets_even_for_the_right_code(app, people, code):
    for n in range(9):
        answer = reset(app.test_client(), ELDER, _wrong(code, n))
        assert WRONG_CODE in answer.get_data(as_text=True)
    tenth = reset(app.test_client(), ELDER, _wrong(code, 9))
    assert tenth.status_code == 400 and LOCKED in tenth.get_data(as_text=True)
    right = reset(app.test_client(), ELDER, code)
    assert right.status_code == 400 and LOCKED in right.get_data(as_text=True)
    assert _can_sign_in(app, ELDER, OLD_PASSWORD)
    assert audit_actions(app, refused=True) == ["reset.code_refused"] * 11
    # An hour later the lock is over, and the code (still within its day) works.
    with app.app_context():
        db.session.execute(update(User).values(reset_locked_until=utcnow() - timedelta(seconds=1)))
        db.session.commit()
    assert reset(app.test_client(), ELDER, code).status_code == 302


def test_staff_see_the_lock_and_a_new_code_lifts_it(app, people, code):
    for n in range(10):
        reset(app.test_client(), ELDER, _wrong(code, n))
    desk = staff_client(app, "heping")
    page = desk.get(f"/staff/help-desk/learners/{people['elder']}").get_data(as_text=True)
    assert "Too many wrong codes" in page
    new_code = issue_code(desk, people["elder"])[1]
    assert reset(app.test_client(), ELDER, new_code).status_code == 302


def test_wrong_codes_in_a_row_are_counted_per_account(app, people, code):
    for n in range(9):
        reset(app.test_client(), "shenhe_learner", _wrong(code, n))
    assert reset(app.test_client(), ELDER, code).status_code == 302  # not the elder's count


def test_reset_posts_are_limited_per_address(app, client, people, code):
    app.config["RESET_LIMIT_PER_ADDRESS"] = "3 per 10 minutes"
    codes = [reset(client, "13900000000", code).status_code for _ in range(4)]
    assert codes == [400, 400, 400, 429]


def test_reset_posts_are_limited_per_network(app, people, code):
    app.config["RESET_LIMIT_PER_NETWORK"] = "3 per 10 minutes"
    codes = [
        reset(app.test_client(), "13900000000", code,
              environ_base={"REMOTE_ADDR": f"203.0.113.{n}"}).status_code
        for n in range(4)
    ]  # fmt: skip
    assert codes == [400, 400, 400, 429]


def test_the_login_page_leads_to_help(app, client):
    client.set_cookie("learnhub_locale", "en")
    page = client.get("/login").get_data(as_text=True)
    assert 'href="/forgot"' in page
    forgot = client.get("/forgot").get_data(as_text=True)
    assert "Ask a learning centre" in forgot and 'href="/reset"' in forgot
