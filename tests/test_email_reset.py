"""Self-service reset by e-mail: a confirmed address, a link that works once and within an
hour, and a /forgot page that never tells whether an address is known. Mail goes through a
real SMTP server started for the test (the ``mail_server`` fixture) by the real job queue."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from learnhub.accounts.models import Role, User
from learnhub.accounts.recovery_models import EmailToken
from learnhub.database import utcnow
from learnhub.extensions import db
from tests.helpers import csrf_token_from, sign_in, submit
from tests.recovery_steps import NEW_PASSWORD, audit_actions, issue_code, reset, staff_client

OLD_PASSWORD = "correct horse battery"
ADDRESS = "wang.xiuying@example.com"
LINK_RE = re.compile(r"http://localhost(/\S+)")
SENT = "If this address is confirmed on an account, we have sent it a link"


def _link(message) -> str:
    return LINK_RE.search(message.get_content()).group(1)


def _signed_in(login: str = "learner1"):
    def make(app):
        client = app.test_client()
        sign_in(client, login)
        client.set_cookie("learnhub_locale", "en")
        return client

    return make


def _add_and_confirm(app, client, messages, run_jobs, address: str = ADDRESS) -> None:
    assert submit(client, "/me/email", {"email": address}).status_code == 302
    assert run_jobs() == 1
    confirm = _link(messages[-1])
    assert confirm.startswith("/me/email/confirm/")
    page = client.get(confirm)
    assert page.status_code == 200  # a button: a mail scanner's visit confirms nothing
    with app.app_context():
        assert db.session.scalar(select(User.email_confirmed_at)) is None
    assert submit(client, confirm, {}).status_code == 302


def _forgot(client, address: str):
    client.set_cookie("learnhub_locale", "en")
    return submit(client, "/forgot", {"email": address})


def _without_tokens(html: str) -> str:
    return re.sub(r'name="csrf_token"( type="hidden")? value="[^"]+"', "", html)


@pytest.fixture
def learner_with_address(app, make_user, mail_server, run_jobs):
    make_user()
    client = _signed_in()(app)
    _add_and_confirm(app, client, mail_server, run_jobs)
    return client


def test_without_a_mail_server_the_option_is_hidden(app, make_user):
    make_user()
    client = _signed_in()(app)
    assert "/me/email" not in client.get("/me/account").get_data(as_text=True)
    assert client.get("/me/email").status_code == 404
    forgot = client.get("/forgot").get_data(as_text=True)
    assert "Ask a learning centre" in forgot and 'name="email"' not in forgot


def test_an_address_is_confirmed_by_the_link_sent_to_it(app, learner_with_address, mail_server):
    message = mail_server[0]
    assert message["To"] == ADDRESS and "noreply@learnhub.test" in message["From"]
    with app.app_context():
        user = db.session.scalar(select(User))
        assert user.email == ADDRESS and user.email_confirmed_at is not None
    assert "/me/email" in learner_with_address.get("/me/account").get_data(as_text=True)


def test_forgot_sends_a_link_that_sets_a_new_password_once(
    app, learner_with_address, mail_server, run_jobs
):
    elsewhere = app.test_client()
    response = _forgot(elsewhere, "  Wang.Xiuying@Example.com ")
    assert response.status_code == 200 and SENT in response.get_data(as_text=True)
    assert run_jobs() == 1
    link = _link(mail_server[-1])
    assert link.startswith("/reset/email/")
    assert submit(elsewhere, link, {"new_password": NEW_PASSWORD, "confirm": NEW_PASSWORD},
                  page=link).status_code == 302  # fmt: skip
    assert learner_with_address.get("/me/account").status_code == 302  # signed out everywhere
    assert sign_in(app.test_client(), "learner1", NEW_PASSWORD).status_code == 302
    assert sign_in(app.test_client(), "learner1", OLD_PASSWORD).status_code == 400
    assert audit_actions(app) == ["reset.by_email"]
    assert elsewhere.get(link).status_code == 404  # used: gone


def test_a_forged_host_header_never_reaches_the_mailed_link(
    app, learner_with_address, mail_server, run_jobs
):
    """Reset-link poisoning: an attacker asks for the victim's link with their own Host; the
    mail still names the site's own address (SITE_URL), so the token goes nowhere else."""
    app.config["SITE_URL"] = "https://learn.example.cn"
    attacker = app.test_client()
    attacker.set_cookie("learnhub_locale", "en")
    page = attacker.get("/forgot", headers={"Host": "evil.example"}).get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    attacker.post("/forgot", data={"csrf_token": token, "email": ADDRESS},
                  headers={"Host": "evil.example"})  # fmt: skip
    assert run_jobs() == 1
    body = mail_server[-1].get_content()
    assert "https://learn.example.cn/reset/email/" in body and "evil.example" not in body


def test_without_the_sites_address_the_mail_option_is_hidden(app, make_user, mail_server):
    app.config["SITE_URL"] = None
    make_user()
    forgot = app.test_client().get("/forgot").get_data(as_text=True)
    assert 'name="email"' not in forgot


def test_forgot_answers_the_same_for_known_and_unknown_addresses(
    app, learner_with_address, mail_server, run_jobs
):
    sent = len(mail_server)
    client = app.test_client()
    known = _forgot(client, ADDRESS)
    unknown = _forgot(client, "nobody@example.com")
    assert known.status_code == unknown.status_code == 200
    assert _without_tokens(known.get_data(as_text=True)) == _without_tokens(
        unknown.get_data(as_text=True)
    )
    assert run_jobs() == 1 and len(mail_server) == sent + 1
    assert mail_server[-1]["To"] == ADDRESS


def test_an_unconfirmed_address_gets_no_link(app, make_user, mail_server, run_jobs):
    make_user()
    client = _signed_in()(app)
    submit(client, "/me/email", {"email": ADDRESS})
    run_jobs()
    sent = len(mail_server)
    assert SENT in _forgot(app.test_client(), ADDRESS).get_data(as_text=True)
    assert run_jobs() == 0 and len(mail_server) == sent


def _reset_link(app, mail_server, run_jobs) -> str:
    _forgot(app.test_client(), ADDRESS)
    run_jobs()
    return _link(mail_server[-1])


@pytest.mark.parametrize("change", ["expired", "altered", "address_changed", "code_reset"])
def test_a_link_that_is_no_longer_good_opens_nothing(
    app, learner_with_address, mail_server, run_jobs, make_user, change
):
    link = _reset_link(app, mail_server, run_jobs)
    if change == "expired":
        with app.app_context():
            db.session.execute(
                update(EmailToken).values(expires_at=utcnow() - timedelta(seconds=1))
            )
            db.session.commit()
    elif change == "altered":
        link = link[:-2] + ("AA" if not link.endswith("AA") else "BB")
    elif change == "address_changed":
        submit(learner_with_address, "/me/email", {"email": "new@example.com"})
    else:  # the password was reset with a centre's code meanwhile
        make_user(login="sy_staff", role=Role.CITY_STAFF, managed="210100", name="沈阳中心")
        with app.app_context():
            user_id = db.session.scalar(select(User.id).where(User.username == "learner1"))
        code = issue_code(staff_client(app, "sy_staff"), user_id)[1]
        assert reset(app.test_client(), "learner1", code).status_code == 302
    client = app.test_client()
    assert client.get(link).status_code == 404
    token = csrf_token_from(client.get("/forgot").get_data(as_text=True))
    response = client.post(link, data={"csrf_token": token, "new_password": "a brand new phrase",
                                        "confirm": "a brand new phrase"})  # fmt: skip
    assert response.status_code == 404
    assert sign_in(app.test_client(), "learner1", "a brand new phrase").status_code == 400


def test_forgot_is_limited_per_address(app, learner_with_address):
    app.config["RESET_LIMIT_PER_ADDRESS"] = "2 per 10 minutes"
    client = app.test_client()
    codes = [_forgot(client, ADDRESS).status_code for _ in range(3)]
    assert codes == [200, 200, 429]


def test_a_malformed_address_is_refused_on_the_account(app, make_user, mail_server):
    make_user()
    client = _signed_in()(app)
    assert submit(client, "/me/email", {"email": "not-an-address"}).status_code == 400
    with app.app_context():
        assert db.session.scalar(select(User.email)) is None


def test_removing_the_address_stops_links(app, learner_with_address, mail_server, run_jobs):
    submit(learner_with_address, "/me/email/remove", {}, page="/me/email")
    sent = len(mail_server)
    _forgot(app.test_client(), ADDRESS)
    assert run_jobs() == 0 and len(mail_server) == sent
