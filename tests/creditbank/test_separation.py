"""Separation of duties on the staff credit pages: never one's own account, never one of a
higher level, capped adjustments, and a second person above the four-eyes amount.

Every refusal is posted as a browser would (signed in, valid CSRF token), so only the rule
under test can refuse it.
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import func, select

from learnhub.accounts.models import Role, User
from learnhub.creditbank import services
from learnhub.creditbank.errors import CreditError
from learnhub.creditbank.models import AccountStatus, CertificateKind, EntryKind, LedgerEntry
from learnhub.creditbank.pending_models import AdjustmentRequest, RequestStatus
from learnhub.creditbank.services.accounts import account_by_number
from learnhub.creditbank.services.adjustments import adjust, approve_request
from learnhub.creditbank.services.certificates import certificates_of
from learnhub.extensions import db
from tests.helpers import csrf_token_from, submit

from .conftest import decide_in_parallel, english_client

SHENYANG, DALIAN = "210100", "210200"


@pytest.fixture
def people(app, make_user):
    """Shenyang: a learner, two city staff and a province staff member living there; Dalian:
    a learner. Every account holds 3 credits and one certificate."""
    make_user(login="wang", name="王秀英")
    make_user(login="sy_one", role=Role.CITY_STAFF, managed=SHENYANG, name="沈阳甲")
    make_user(login="sy_two", role=Role.CITY_STAFF, managed=SHENYANG, name="沈阳乙")
    make_user(login="prov", role=Role.PROVINCE_STAFF, managed="210000", name="省中心")
    make_user(login="dl_learner", city=DALIAN, district=None, name="大连学员")
    numbers = {}
    with app.app_context():
        for user in db.session.scalars(select(User)):
            account = services.account_of(user)
            services.post_entry(account, Decimal("3"), EntryKind.ATTENDANCE, "a:1", memo="讲座")
            services.issue_certificate(
                account, CertificateKind.COURSE, f"course_completion:{user.id}", "课程",
                Decimal("1"),
            )  # fmt: skip
            numbers[user.username] = account.number
        db.session.commit()
    return numbers


def _state(app, number):
    """What anyone could notice: entries, balance, status, revoked certificates, requests."""
    with app.app_context():
        account = account_by_number(number)
        entries = db.session.scalar(
            select(func.count()).where(LedgerEntry.account_id == account.id)
        )
        requests = db.session.scalar(
            select(func.count()).where(AdjustmentRequest.account_id == account.id)
        )
        revoked = [c.revoked_at is not None for c in certificates_of(account)]
        return entries, services.balance_of(account), account.status, revoked, requests


def _code(app, number):
    with app.app_context():
        return certificates_of(account_by_number(number))[0].code


def _actions(number, code):
    base = f"/staff/credits/{number}"
    return {
        f"{base}/adjust": {"amount": "1", "memo": "补记"},
        f"{base}/entries/1/reverse": {"reason": "重复"},
        f"{base}/freeze": {"reason": "核查"},
        f"{base}/close": {"reason": "迁出"},
        f"{base}/certificates/{code}/revoke": {"reason": "代考"},
    }


def _text(response) -> str:
    return response.get_data(as_text=True)


# ---- one's own account ---------------------------------------------------------------


@pytest.mark.parametrize("action", ["adjust", "reverse", "freeze", "close", "revoke"])
def test_staff_cannot_act_on_their_own_account(app, people, action):
    number = people["sy_one"]
    client = english_client(app, "sy_one")
    page = _text(client.get(f"/staff/credits/{number}"))
    assert "This is your own credit account" in page and "Post an adjustment" not in page
    before = _state(app, number)
    url, data = next((u, d) for u, d in _actions(number, _code(app, number)).items() if action in u)
    refused = submit(client, url, data)
    assert refused.status_code == 400
    assert "Nothing was changed." in _text(refused) and "your own credit account" in _text(refused)
    assert _state(app, number) == before


def test_staff_cannot_unfreeze_their_own_account(app, people):
    number = people["sy_one"]
    submit(english_client(app, "sy_two"), f"/staff/credits/{number}/freeze", {"reason": "核查"})
    assert _state(app, number)[2] is AccountStatus.FROZEN
    refused = submit(
        english_client(app, "sy_one"), f"/staff/credits/{number}/unfreeze", {"reason": "x"}
    )
    assert refused.status_code == 400 and "your own credit account" in _text(refused)
    assert _state(app, number)[2] is AccountStatus.FROZEN


def test_a_colleague_of_the_same_level_may_act_on_a_staff_account(app, people):
    number = people["sy_one"]
    done = submit(
        english_client(app, "sy_two"), f"/staff/credits/{number}/adjust",
        {"amount": "1", "memo": "补记"}, follow_redirects=True,
    )  # fmt: skip
    assert "The adjustment is posted." in _text(done)
    assert _state(app, number)[:2] == (2, Decimal("4.00"))


# ---- higher level --------------------------------------------------------------------


def test_city_staff_never_reach_a_province_staff_account_in_their_city(app, people):
    number = people["prov"]
    client = english_client(app, "sy_one")
    search = client.get("/staff/credits", query_string={"q": "prov"})
    assert search.status_code == 400 and "No credit account found" in _text(search)
    assert client.get(f"/staff/credits/{number}").status_code == 403
    before = _state(app, number)
    token = csrf_token_from(_text(client.get(f"/staff/credits/{people['wang']}/adjust")))
    for url, data in _actions(number, _code(app, number)).items():
        assert client.post(url, data={**data, "csrf_token": token}).status_code == 403
    assert _state(app, number) == before


def test_the_services_refuse_a_higher_level_account_too(app, people):
    with app.test_request_context(headers={"Cookie": "learnhub_locale=en"}):
        city_staff = db.session.scalar(select(User).where(User.username == "sy_one"))
        account = account_by_number(people["prov"])
        with pytest.raises(CreditError, match="higher level"):
            adjust(account, "1", city_staff, "补记", "k1")
        db.session.rollback()


def test_province_staff_act_on_a_city_staff_account(app, people):
    number = people["sy_one"]
    done = submit(
        english_client(app, "prov"), f"/staff/credits/{number}/freeze", {"reason": "核查"},
        follow_redirects=True,
    )  # fmt: skip
    assert "The account is frozen." in _text(done)
    assert _state(app, number)[2] is AccountStatus.FROZEN


# ---- another city --------------------------------------------------------------------


def test_another_citys_account_is_refused_with_a_valid_form(app, people):
    number = people["dl_learner"]
    client = english_client(app, "sy_one")
    token = csrf_token_from(_text(client.get(f"/staff/credits/{people['wang']}/adjust")))
    before = _state(app, number)
    for url, data in _actions(number, _code(app, number)).items():
        assert client.post(url, data={**data, "csrf_token": token}).status_code == 403
    assert _state(app, number) == before


# ---- caps and four eyes --------------------------------------------------------------


def test_one_adjustment_is_capped(app, people):
    number = people["wang"]
    client = english_client(app, "sy_one")
    url = f"/staff/credits/{number}/adjust"
    refused = submit(client, url, {"amount": "100.01", "memo": "补记"})
    assert refused.status_code == 400 and "at most 100.00 credits" in _text(refused)
    refused = submit(client, url, {"amount": "-100.01", "memo": "扣减"})
    assert refused.status_code == 400 and "at most 100.00 credits" in _text(refused)
    app.config["CREDIT_ADJUSTMENT_MAX"] = "5"
    refused = submit(client, url, {"amount": "5.01", "memo": "补记"})
    assert refused.status_code == 400 and "at most 5.00 credits" in _text(refused)
    assert _state(app, number)[:2] == (1, Decimal("3.00"))
    assert submit(client, url, {"amount": "5", "memo": "补记"}).status_code == 302
    assert _state(app, number)[:2] == (2, Decimal("8.00"))


def test_up_to_the_four_eyes_amount_an_adjustment_posts_at_once(app, people):
    number = people["wang"]
    client = english_client(app, "sy_one")
    done = submit(client, f"/staff/credits/{number}/adjust", {"amount": "-3", "memo": "扣减"},
                  follow_redirects=True)  # fmt: skip
    assert "The adjustment is posted." in _text(done)
    assert _state(app, number)[:2] == (2, Decimal("0.00"))
    done = submit(client, f"/staff/credits/{number}/adjust", {"amount": "10", "memo": "补记"},
                  follow_redirects=True)  # fmt: skip
    assert "The adjustment is posted." in _text(done)
    assert _state(app, number)[:2] == (3, Decimal("10.00"))


def _ask(app, people, amount="12.50", login="sy_one", holder="wang"):
    client = english_client(app, login)
    done = submit(
        client, f"/staff/credits/{people[holder]}/adjust", {"amount": amount, "memo": "补记活动"},
        follow_redirects=True,
    )  # fmt: skip
    assert "waits for a second staff member" in _text(done)
    with app.app_context():
        return db.session.scalar(select(AdjustmentRequest.id).order_by(AdjustmentRequest.id.desc()))


def test_above_the_four_eyes_amount_a_second_staff_member_posts_it(app, people):
    number = people["wang"]
    request_id = _ask(app, people)
    assert _state(app, number)[:2] == (1, Decimal("3.00"))  # nothing posted yet
    asker = english_client(app, "sy_one")
    listed = _text(asker.get("/staff/credits/requests"))
    assert "补记活动" in listed and "Withdraw" in listed and "Approve" not in listed
    refused = submit(asker, f"/staff/credits/requests/{request_id}/approve", {})
    assert refused.status_code == 400 and "you asked for this adjustment" in _text(refused)
    assert _state(app, number)[:2] == (1, Decimal("3.00"))
    second = english_client(app, "sy_two")
    assert "Approve" in _text(second.get("/staff/credits/requests"))
    done = submit(second, f"/staff/credits/requests/{request_id}/approve", {},
                  follow_redirects=True)  # fmt: skip
    assert "approved and posted" in _text(done)
    assert _state(app, number)[:2] == (2, Decimal("15.50"))
    with app.app_context():
        request = db.session.get(AdjustmentRequest, request_id)
        entry = db.session.get(LedgerEntry, request.entry_id)
        assert request.status is RequestStatus.APPROVED
        assert request.requested_by.username == "sy_one"
        assert request.decided_by.username == "sy_two" and request.decided_at is not None
        assert entry.posted_by_id == request.decided_by_id and entry.memo == "补记活动"
    page = _text(second.get(f"/staff/credits/{number}"))
    assert "Approved and posted" in page and "沈阳甲" in page and "沈阳乙" in page
    again = submit(second, f"/staff/credits/requests/{request_id}/approve", {})
    assert again.status_code == 400 and "already been decided" in _text(again)
    assert _state(app, number)[:2] == (2, Decimal("15.50"))


def test_the_account_holder_cannot_approve_a_request_on_their_account(app, people):
    request_id = _ask(app, people, holder="sy_two")
    refused = submit(
        english_client(app, "sy_two"), f"/staff/credits/requests/{request_id}/approve", {}
    )
    assert refused.status_code == 400 and "your own credit account" in _text(refused)
    assert _state(app, people["sy_two"])[:2] == (1, Decimal("3.00"))
    done = submit(english_client(app, "prov"), f"/staff/credits/requests/{request_id}/approve", {})
    assert done.status_code == 302
    assert _state(app, people["sy_two"])[:2] == (2, Decimal("15.50"))


def test_another_citys_staff_cannot_decide_a_request(app, make_user, people):
    make_user(login="dl_staff", role=Role.CITY_STAFF, managed=DALIAN, city=DALIAN, district=None)
    request_id = _ask(app, people)
    client = english_client(app, "dl_staff")
    assert "补记活动" not in _text(client.get("/staff/credits/requests"))
    assert client.get(f"/staff/credits/requests/{request_id}/approve").status_code == 403
    assert _state(app, people["wang"])[:2] == (1, Decimal("3.00"))


def test_a_request_is_rejected_with_a_reason_or_withdrawn_by_its_asker(app, people):
    number = people["wang"]
    first, second = _ask(app, people), _ask(app, people, amount="20")
    client = english_client(app, "sy_two")
    no_reason = submit(client, f"/staff/credits/requests/{first}/reject", {"reason": ""})
    assert no_reason.status_code == 400
    done = submit(client, f"/staff/credits/requests/{first}/reject", {"reason": "材料不全"},
                  follow_redirects=True)  # fmt: skip
    assert "rejected; nothing was posted" in _text(done)
    refused = submit(client, f"/staff/credits/requests/{second}/withdraw", {})
    assert refused.status_code == 400 and "Only the staff member who asked" in _text(refused)
    asker = english_client(app, "sy_one")
    refused = submit(asker, f"/staff/credits/requests/{second}/reject", {"reason": "自己"})
    assert refused.status_code == 400 and "you asked" in _text(refused)
    done = submit(asker, f"/staff/credits/requests/{second}/withdraw", {}, follow_redirects=True)
    assert "withdrawn; nothing was posted" in _text(done)
    with app.app_context():
        statuses = {
            r.id: (r.status, r.decision_reason, r.decided_by.username)
            for r in db.session.scalars(select(AdjustmentRequest))
        }
    assert statuses == {
        first: (RequestStatus.REJECTED, "材料不全", "sy_two"),
        second: (RequestStatus.WITHDRAWN, "", "sy_one"),
    }
    assert _state(app, number)[:2] == (1, Decimal("3.00"))
    assert "No adjustment is waiting." in _text(asker.get("/staff/credits/requests"))


def test_a_request_that_would_take_the_balance_below_zero_is_refused(app, people):
    refused = submit(
        english_client(app, "sy_one"), f"/staff/credits/{people['wang']}/adjust",
        {"amount": "-12", "memo": "扣减"},
    )  # fmt: skip
    assert refused.status_code == 400 and "below zero" in _text(refused)
    assert _state(app, people["wang"])[4] == 0


def test_parallel_approvals_post_once(app, people):
    request_id = _ask(app, people)
    outcomes = decide_in_parallel(
        app, ["sy_two", "prov"] * 3,
        lambda staff: approve_request(db.session.get(AdjustmentRequest, request_id), staff),
    )  # fmt: skip
    assert outcomes == ["done"] + ["refused"] * 5
    assert _state(app, people["wang"])[:2] == (2, Decimal("15.50"))
