"""Jurisdiction follows the credit account's own city: a learner who moves asks for a
transfer, and the sending city keeps the account until the receiving city accepts."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import func, select

from learnhub.accounts.models import Role, User
from learnhub.creditbank import services
from learnhub.creditbank.models import EntryKind, LedgerEntry, RecognitionApplication
from learnhub.creditbank.pending_models import AccountTransfer, TransferStatus
from learnhub.creditbank.services.accounts import account_by_number
from learnhub.creditbank.services.transfers import accept_transfer
from learnhub.extensions import db
from tests.helpers import csrf_token_from, submit

from .conftest import decide_in_parallel, english_client

SHENYANG, DALIAN, ANSHAN = "210100", "210200", "210300"


@pytest.fixture
def mover(app, make_user):
    """A Shenyang learner with 2 credits, staff of Shenyang, Dalian and Anshan."""
    make_user(login="mover", name="王秀英")
    make_user(login="sy_staff", role=Role.CITY_STAFF, managed=SHENYANG, name="沈阳中心")
    make_user(login="dl_staff", role=Role.CITY_STAFF, managed=DALIAN, city=DALIAN,
              district=None, name="大连中心")  # fmt: skip
    make_user(login="as_staff", role=Role.CITY_STAFF, managed=ANSHAN, city=ANSHAN,
              district=None, name="鞍山中心")  # fmt: skip
    with app.app_context():
        user = db.session.scalar(select(User).where(User.username == "mover"))
        account = services.account_of(user)
        services.post_entry(account, Decimal("2"), EntryKind.ATTENDANCE, "a:1")
        db.session.commit()
        return account.number


DISTRICTS = {SHENYANG: "210102", DALIAN: "210202", ANSHAN: "210302"}


def _move(app, city):
    """The learner changes their city in "my account", as they would in the browser."""
    client = english_client(app, "mover")
    response = submit(
        client, "/me/account",
        {"display_name": "王秀英", "city": city, "district": DISTRICTS[city], "birth_year": ""},
    )  # fmt: skip
    assert response.status_code == 302
    return client


def _keeper(app, number):
    with app.app_context():
        return account_by_number(number).city_code


def _transfers(app):
    with app.app_context():
        return [
            (t.from_city_code, t.to_city_code, t.status)
            for t in db.session.scalars(select(AccountTransfer).order_by(AccountTransfer.id))
        ]


def _entries(app, number):
    with app.app_context():
        account = account_by_number(number)
        return db.session.scalar(select(func.count()).where(LedgerEntry.account_id == account.id))


def test_moving_city_keeps_the_account_with_the_old_city_until_accepted(app, mover):
    learner = _move(app, DALIAN)
    assert _keeper(app, mover) == SHENYANG
    assert _transfers(app) == [(SHENYANG, DALIAN, TransferStatus.PENDING)]
    assert "Your credit account stays with" in learner.get("/me/credits").get_data(as_text=True)
    receiving, sending = english_client(app, "dl_staff"), english_client(app, "sy_staff")
    # The receiving city cannot act yet: the account is not theirs.
    assert receiving.get(f"/staff/credits/{mover}").status_code == 403
    search = receiving.get("/staff/credits", query_string={"q": "mover"})
    assert "No credit account found" in search.get_data(as_text=True)
    # The sending city still keeps it and may correct it meanwhile.
    assert sending.get(f"/staff/credits/{mover}").status_code == 200
    done = submit(sending, f"/staff/credits/{mover}/adjust", {"amount": "1", "memo": "补记"})
    assert done.status_code == 302 and _entries(app, mover) == 2


def test_the_receiving_city_accepts_and_takes_the_account_over(app, mover):
    _move(app, DALIAN)
    receiving = english_client(app, "dl_staff")
    listed = receiving.get("/staff/credits/requests").get_data(as_text=True)
    assert "王秀英" in listed and "Accept" in listed
    sending = english_client(app, "sy_staff")
    assert "Waiting for" in sending.get("/staff/credits/requests").get_data(as_text=True)
    with app.app_context():
        transfer_id = db.session.scalar(select(AccountTransfer.id))
    token = csrf_token_from(sending.get(f"/staff/credits/{mover}/adjust").get_data(as_text=True))
    for action, data in (("accept", {}), ("decline", {"reason": "不接收"})):
        refused = sending.post(
            f"/staff/credits/transfers/{transfer_id}/{action}", data={**data, "csrf_token": token}
        )
        assert refused.status_code == 403  # only the receiving city decides
    assert _keeper(app, mover) == SHENYANG
    done = submit(receiving, f"/staff/credits/transfers/{transfer_id}/accept", {},
                  follow_redirects=True)  # fmt: skip
    assert "The account is transferred" in done.get_data(as_text=True)
    assert _keeper(app, mover) == DALIAN
    with app.app_context():
        transfer = db.session.get(AccountTransfer, transfer_id)
        assert transfer.status is TransferStatus.ACCEPTED
        assert transfer.decided_by.username == "dl_staff" and transfer.decided_at is not None
    assert receiving.get(f"/staff/credits/{mover}").status_code == 200
    assert sending.get(f"/staff/credits/{mover}").status_code == 403
    again = submit(receiving, f"/staff/credits/transfers/{transfer_id}/accept", {})
    assert again.status_code == 400 and "already been decided" in again.get_data(as_text=True)


def test_the_receiving_city_may_decline_with_a_reason(app, mover):
    _move(app, DALIAN)
    with app.app_context():
        transfer_id = db.session.scalar(select(AccountTransfer.id))
    receiving = english_client(app, "dl_staff")
    url = f"/staff/credits/transfers/{transfer_id}/decline"
    assert submit(receiving, url, {"reason": ""}).status_code == 400
    assert submit(receiving, url, {"reason": "未在本市居住"}).status_code == 302
    assert _keeper(app, mover) == SHENYANG
    with app.app_context():
        transfer = db.session.get(AccountTransfer, transfer_id)
        assert (transfer.status, transfer.decision_reason) == (
            TransferStatus.DECLINED, "未在本市居住",
        )  # fmt: skip
        assert transfer.decided_by.username == "dl_staff"
    page = english_client(app, "sy_staff").get(f"/staff/credits/{mover}").get_data(as_text=True)
    assert "未在本市居住" in page and "Declined" in page


def test_moving_on_or_back_replaces_the_waiting_transfer(app, mover):
    _move(app, DALIAN)
    _move(app, ANSHAN)
    assert _transfers(app) == [
        (SHENYANG, DALIAN, TransferStatus.CANCELLED),
        (SHENYANG, ANSHAN, TransferStatus.PENDING),
    ]
    late = submit(english_client(app, "dl_staff"), "/staff/credits/transfers/1/accept", {})
    assert late.status_code == 400 and "already been decided" in late.get_data(as_text=True)
    assert _keeper(app, mover) == SHENYANG
    _move(app, SHENYANG)
    assert [t[2] for t in _transfers(app)] == [TransferStatus.CANCELLED] * 2
    assert _keeper(app, mover) == SHENYANG


def test_changing_only_the_name_asks_for_no_transfer(app, mover):
    _move(app, SHENYANG)
    assert _transfers(app) == []


def test_parallel_acceptances_move_the_account_once(app, make_user, mover):
    make_user(login="dl_two", role=Role.CITY_STAFF, managed=DALIAN, city=DALIAN, district=None)
    _move(app, DALIAN)
    with app.app_context():
        transfer_id = db.session.scalar(select(AccountTransfer.id))
    outcomes = decide_in_parallel(
        app, ["dl_staff", "dl_two"] * 2,
        lambda staff: accept_transfer(db.session.get(AccountTransfer, transfer_id), staff),
    )  # fmt: skip
    assert outcomes == ["done", "refused", "refused", "refused"]
    assert _keeper(app, mover) == DALIAN


def test_open_recognition_applications_move_with_the_account(app, mover):
    with app.app_context():
        account = account_by_number(mover)
        application = RecognitionApplication(
            account_id=account.id, city_code=SHENYANG, category="training", title="培训",
            hours=Decimal("16"), credits_claimed=Decimal("1"), status="submitted",
        )  # fmt: skip
        db.session.add(application)
        db.session.commit()
        application_id = application.id
    _move(app, DALIAN)
    with app.app_context():
        assert db.session.get(RecognitionApplication, application_id).city_code == SHENYANG
        transfer = db.session.scalar(select(AccountTransfer))
        accept_transfer(
            transfer, db.session.scalar(select(User).where(User.username == "dl_staff"))
        )
        db.session.commit()
        assert db.session.get(RecognitionApplication, application_id).city_code == DALIAN
