"""Sign-in cannot be guessed at: limits per account, per address, per network; hashing capped."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from learnhub.accounts import passwords
from learnhub.accounts.models import DeviceSession
from learnhub.extensions import db
from tests.helpers import csrf_token_from

RIGHT, WRONG = "correct horse battery", "not the password"


def attempt(client, login: str, password: str, address: str = "203.0.113.7"):
    environ = {"REMOTE_ADDR": address}
    token = csrf_token_from(client.get("/login", environ_base=environ).get_data(as_text=True))
    return client.post(
        "/login",
        data={"csrf_token": token, "login": login, "password": password},
        environ_base=environ,
    )


def sessions_started(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count(DeviceSession.id)))


def test_an_account_locks_after_five_wrong_passwords_even_for_the_right_one(app, client, make_user):
    make_user()
    failures = [
        attempt(app.test_client(), "learner1", WRONG, f"198.51.{n}.9").status_code
        for n in range(5)  # from five networks: the account's own count, not the address's
    ]
    assert failures == [400] * 5
    locked = attempt(client, "learner1", RIGHT)
    assert locked.status_code == 429
    page = locked.get_data(as_text=True)
    assert "这个账号输错密码的次数太多" in page and "分钟" in page
    assert int(locked.headers["Retry-After"]) > 60
    assert sessions_started(app) == 0


def test_another_account_is_not_locked_by_someone_elses_failures(app, client, make_user):
    make_user()
    make_user("learner2")
    for _ in range(5):
        attempt(client, "learner1", WRONG)
    assert attempt(client, "learner2", RIGHT).status_code == 302


def test_successful_sign_ins_do_not_count_towards_the_lock(app, make_user):
    make_user()
    for _ in range(8):
        assert attempt(app.test_client(), "learner1", RIGHT).status_code == 302


def test_one_address_cannot_try_many_accounts(app, client, make_user):
    app.config["SIGN_IN_LIMIT_PER_ADDRESS"] = "10 per 10 minutes"
    codes = [attempt(client, f"nobody{n}", WRONG).status_code for n in range(11)]
    assert codes == [400] * 10 + [429]


def test_many_addresses_of_one_network_are_one_client(app, make_user):
    app.config.update(SIGN_IN_LIMIT_PER_NETWORK="20 per 10 minutes")
    codes = [
        attempt(app.test_client(), f"nobody{n}", WRONG, f"203.0.113.{n}").status_code
        for n in range(21)
    ]
    assert codes == [400] * 20 + [429]
    assert attempt(app.test_client(), "nobody", WRONG, "198.51.100.1").status_code == 400


@pytest.mark.parametrize("forwarded", ["192.0.2.1", "192.0.2.1, 192.0.2.2"])
def test_forged_forwarded_for_does_not_reset_the_address_limit(app, client, forwarded):
    app.config["SIGN_IN_LIMIT_PER_ADDRESS"] = "3 per 10 minutes"
    token = csrf_token_from(client.get("/login").get_data(as_text=True))
    codes = [
        client.post(
            "/login",
            data={"csrf_token": token, "login": f"nobody{n}", "password": WRONG},
            headers={"X-Forwarded-For": forwarded},
        ).status_code
        for n in range(4)
    ]
    assert codes == [400, 400, 400, 429]


def test_a_worker_busy_hashing_answers_busy_instead_of_piling_up(app, client, make_user):
    make_user()
    app.config.update(PASSWORD_HASH_CONCURRENCY=1, PASSWORD_HASH_WAIT_SECONDS=0.2)
    with app.app_context(), passwords._hash_slot():  # another sign-in holds the only slot
        response = attempt(client, "learner1", RIGHT)
    assert response.status_code == 503
    assert "网站正忙" in response.get_data(as_text=True)
    assert sessions_started(app) == 0
    assert attempt(client, "learner1", RIGHT).status_code == 302  # free again
