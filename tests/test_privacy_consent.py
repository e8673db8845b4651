"""The privacy notice and consent: registration records the version and when; a new
version is asked for at the next request; nothing that needs consent is done meanwhile;
withdrawing; bulk opening records a paper agreement only when staff say so."""

from sqlalchemy import select

from learnhub.accounts.models import User
from learnhub.extensions import db
from learnhub.learning.models import Enrolment
from learnhub.privacy.models import ConsentAction, ConsentChannel, ConsentRecord
from tests.helpers import csrf_token_from, sign_in, submit

REGISTRATION = {
    "login": "13812345678", "display_name": "李淑珍", "password": "correct horse battery",
    "confirm": "correct horse battery", "city": "210100", "district": "210102",
}  # fmt: skip


def user_named(app, login: str) -> User:
    with app.app_context():
        user = db.session.scalar(
            select(User).where((User.username == login) | (User.mobile == login))
        )
        db.session.expunge_all()
        return user


def history(app, user_id: int) -> list[tuple]:
    with app.app_context():
        rows = db.session.scalars(
            select(ConsentRecord).where(ConsentRecord.user_id == user_id).order_by(ConsentRecord.id)
        )
        return [(r.version, r.action, r.channel) for r in rows]


def test_the_notice_is_public_and_says_what_is_kept_for_how_long(client, app):
    page = client.get("/privacy").get_data(as_text=True)
    assert app.config["PRIVACY_NOTICE_VERSION"] in page
    assert "180" in page  # sign-in records, PRIVACY_SIGN_IN_RECORD_DAYS
    assert 'href="/privacy"' in client.get("/").get_data(as_text=True)  # in every footer


def test_registering_records_the_version_agreed_and_when(client, app):
    response = submit(client, "/register", {**REGISTRATION, "agree": "y"})
    assert response.status_code == 302
    user = user_named(app, "13812345678")
    assert user.notice_version == app.config["PRIVACY_NOTICE_VERSION"]
    assert user.notice_agreed_at is not None
    assert history(app, user.id) == [
        (app.config["PRIVACY_NOTICE_VERSION"], ConsentAction.AGREED, ConsentChannel.REGISTRATION)
    ]


def test_registering_without_agreeing_is_refused_and_creates_nothing(client, app):
    response = submit(client, "/register", REGISTRATION)
    assert response.status_code == 400
    assert 'id="agree-error"' in response.get_data(as_text=True)
    assert user_named(app, "13812345678") is None


def test_the_optional_birth_year_says_why_it_is_asked(client):
    page = client.get("/register").get_data(as_text=True)
    assert 'id="birth_year-hint"' in page


def test_a_new_notice_is_asked_for_at_the_next_sign_in_and_nothing_is_done_meanwhile(
    client, app, make_user, make_course
):
    user_id = make_user(login="learner1")
    course_id = make_course()
    app.config["PRIVACY_NOTICE_VERSION"] = "2099-01"  # a new notice is published
    response = sign_in(client, "learner1")
    assert response.status_code == 302
    landing = client.get(response.headers["Location"])
    assert landing.status_code == 302 and "/privacy/consent" in landing.headers["Location"]
    # A post that needs consent (enrolling) is not done: sent to the notice instead.
    token = csrf_token_from(client.get("/privacy/consent").get_data(as_text=True))
    enrol = client.post(f"/courses/{course_id}/enrol", data={"csrf_token": token})
    assert enrol.status_code == 302 and "/privacy/consent" in enrol.headers["Location"]
    with app.app_context():
        assert db.session.scalar(select(Enrolment).where(Enrolment.user_id == user_id)) is None
    # Agreeing (the box must be ticked) records the new version and lets the person on.
    refused = submit(client, "/privacy/consent", {})
    assert refused.status_code == 400
    agreed = submit(client, "/privacy/consent?next=/me", {"agree": "y"})
    assert agreed.status_code == 302 and agreed.headers["Location"] == "/me"
    assert user_named(app, "learner1").notice_version == "2099-01"
    assert history(app, user_id)[-1] == ("2099-01", ConsentAction.AGREED, ConsentChannel.SIGN_IN)
    assert client.get("/me").status_code == 200


def test_staff_are_not_asked_their_data_is_kept_under_their_employment(client, app, make_user):
    from learnhub.accounts.models import Role

    make_user(login="shenyang", role=Role.CITY_STAFF, managed="210100", notice_version=None)
    sign_in(client, "shenyang")
    assert client.get("/staff/").status_code == 200


def test_withdrawn_consent_leaves_only_the_persons_own_data_and_closing(client, app, make_user):
    user_id = make_user(login="learner1")
    sign_in(client, "learner1")
    response = submit(client, "/me/privacy/withdraw", {}, page="/me/data")
    assert response.status_code == 302
    assert user_named(app, "learner1").notice_version is None
    assert history(app, user_id)[-1][1] == ConsentAction.WITHDRAWN
    assert "/privacy/consent" in client.get("/me/credits").headers["Location"]
    assert client.get("/me/data").status_code == 200  # still theirs to take
    assert client.get("/me/close").status_code == 200
    page = client.get("/privacy/consent").get_data(as_text=True)
    assert "/me/data" in page  # the way out is offered on the page


def test_bulk_opening_records_the_paper_agreement_only_when_staff_say_so(app, runner, tmp_path):
    version = app.config["PRIVACY_NOTICE_VERSION"]
    csv_file = tmp_path / "learners.csv"
    csv_file.write_text("login,name,city,district\nzhang_wei,张伟,210100,210102\n")
    wrong = runner.invoke(args=["ledger", "open-accounts", "--notice-agreed", "1999-01",
                                str(csv_file)])  # fmt: skip
    assert wrong.exit_code != 0 and user_named(app, "zhang_wei") is None
    result = runner.invoke(args=["ledger", "open-accounts", "--notice-agreed", version,
                                 str(csv_file)])  # fmt: skip
    assert result.exit_code == 0, result.output
    opened = user_named(app, "zhang_wei")
    assert opened.notice_version == version and opened.notice_agreed_at is not None
    assert history(app, opened.id) == [(version, ConsentAction.AGREED, ConsentChannel.BULK_OPENING)]

    csv_file.write_text("login,name,city,district\nli_na,李娜,210100,210102\n")
    assert runner.invoke(args=["ledger", "open-accounts", str(csv_file)]).exit_code == 0
    not_asked = user_named(app, "li_na")
    assert not_asked.notice_version is None and history(app, not_asked.id) == []


def test_the_upload_page_records_the_agreement_when_ticked(client, app, make_user):
    from io import BytesIO

    from learnhub.accounts.models import Role

    make_user(login="shenyang", role=Role.CITY_STAFF, managed="210100")
    sign_in(client, "shenyang")
    body = "login,name,city,district,password\nzhao_li,赵丽,210100,210102,river lantern tea\n"
    token = csrf_token_from(client.get("/staff/credits/open-accounts").get_data(as_text=True))
    response = client.post(
        "/staff/credits/open-accounts",
        data={"csrf_token": token, "notice_agreed": "y",
              "file": (BytesIO(body.encode()), "learners.csv")},
        content_type="multipart/form-data",
    )  # fmt: skip
    assert response.status_code == 200
    opened = user_named(app, "zhao_li")
    assert opened.notice_version == app.config["PRIVACY_NOTICE_VERSION"]
    assert history(app, opened.id)[0][2] == ConsentChannel.BULK_OPENING


def test_an_account_opened_without_agreement_asks_after_the_own_password(client, app, runner,
                                                                         tmp_path):  # fmt: skip
    csv_file = tmp_path / "learners.csv"
    csv_file.write_text("login,name,city,district,password\nli_na,李娜,210100,210102,"
                        "river lantern tea\n")  # fmt: skip
    assert runner.invoke(args=["ledger", "open-accounts", str(csv_file)]).exit_code == 0
    sign_in(client, "li_na", "river lantern tea")
    assert client.get("/me").headers["Location"].startswith("/me/password")
    changed = submit(client, "/me/password", {
        "current_password": "river lantern tea", "new_password": "my own password 2026",
        "confirm": "my own password 2026"})  # fmt: skip
    assert changed.status_code == 302
    assert "/privacy/consent" in client.get("/me").headers["Location"]


def test_demo_learners_agreed_but_one_is_asked_again(app):
    from learnhub.accounts.demo import DEMO_PASSWORD, load_demo_accounts
    from learnhub.privacy.demo import ASKED_AGAIN, load_demo_privacy

    with app.app_context():
        load_demo_accounts(iter)
        load_demo_privacy(iter)
        load_demo_privacy(iter)  # again: nothing added twice
        db.session.commit()
    learner, asked = app.test_client(), app.test_client()
    sign_in(learner, "learner", DEMO_PASSWORD)
    assert learner.get("/me/account").status_code == 200
    sign_in(asked, ASKED_AGAIN, DEMO_PASSWORD)
    assert "/privacy/consent" in asked.get("/me/account").headers["Location"]
    assert len(history(app, user_named(app, "learner").id)) == 1
