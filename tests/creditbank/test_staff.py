"""Staff credit pages: finding accounts in scope, and each action with its refusals."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import func, select

from learnhub.accounts.models import Role, User
from learnhub.creditbank import services
from learnhub.creditbank.models import (
    AccountStatus,
    Certificate,
    CertificateKind,
    EntryKind,
    LedgerEntry,
)
from learnhub.creditbank.services.accounts import account_by_number
from learnhub.extensions import db
from tests.helpers import csrf_token_from, sign_in, submit

SHENYANG, DALIAN = "210100", "210200"


@pytest.fixture
def staffed(app, make_user, client):
    """A Shenyang learner with 3 credits and a certificate; signed in as Shenyang staff."""
    make_user(login="sy_staff", role=Role.CITY_STAFF, managed=SHENYANG, name="沈阳中心")
    user_id = make_user(login="wang_xiuying", name="王秀英")
    with app.app_context():
        account = services.account_of(db.session.get(User, user_id))
        services.post_entry(account, Decimal("2"), EntryKind.ATTENDANCE, "a:1", memo="讲座一")
        services.post_entry(account, Decimal("1"), EntryKind.ATTENDANCE, "a:2", memo="讲座二")
        certificate = services.issue_certificate(
            account, CertificateKind.COURSE, "course_completion:9", "智能手机入门", Decimal("1")
        )
        db.session.commit()
        number, code = account.number, certificate.code
    client.set_cookie("learnhub_locale", "en")
    sign_in(client, "sy_staff")
    return number, code


def _ledger(app, number):
    """What a user could notice about the account: entries, balance, status, revocations."""
    with app.app_context():
        account = account_by_number(number)
        entries = db.session.scalar(
            select(func.count()).where(LedgerEntry.account_id == account.id)
        )
        revoked = db.session.scalar(
            select(func.count()).where(
                Certificate.account_id == account.id, Certificate.revoked_at.is_not(None)
            )
        )
        return entries, services.balance_of(account), account.status, revoked


def _text(response) -> str:
    return response.get_data(as_text=True)


# ---- finding -------------------------------------------------------------------------


def test_find_by_number_username_and_mobile(client, app, make_user, staffed):
    number, _code = staffed
    make_user(login="13912345678", name="李明")
    spaced = services.format_account_number(number)
    for typed in (spaced, number, "wang_xiuying"):
        response = client.get("/staff/credits", query_string={"q": typed})
        assert response.status_code == 302
        assert response.headers["Location"].endswith(f"/staff/credits/{number}")
    found = client.get("/staff/credits", query_string={"q": "139 1234 5678"}, follow_redirects=True)
    assert "李明" in _text(found)
    page = _text(client.get(f"/staff/credits/{number}"))
    assert "王秀英" in page and "3.00" in page and "讲座二" in page and "智能手机入门" in page
    pdf = client.get(f"/staff/credits/{number}/transcript.pdf")
    assert pdf.mimetype == "application/pdf" and pdf.get_data().startswith(b"%PDF")


def test_mistyped_account_number_is_refused_before_lookup(client, staffed):
    number, _code = staffed
    wrong_check = number[:-1] + ("1" if number[-1] != "1" else "2")
    response = client.get("/staff/credits", query_string={"q": wrong_check})
    assert response.status_code == 400
    assert "mistyped" in _text(response)
    short = client.get("/staff/credits", query_string={"q": number[:-2]})
    assert short.status_code == 400 and "15 characters" in _text(short)


def test_other_city_is_not_found_and_its_pages_are_forbidden(client, app, make_user, staffed):
    make_user(login="dalian_one", name="大连学员", city=DALIAN, district=None)
    with app.app_context():
        user = db.session.scalar(select(User).where(User.username == "dalian_one"))
        number = services.account_of(user).number
    search = client.get("/staff/credits", query_string={"q": "dalian_one"})
    assert search.status_code == 400 and "No credit account found" in _text(search)
    assert client.get(f"/staff/credits/{number}").status_code == 403
    assert client.get(f"/staff/credits/{number}/freeze").status_code == 403
    assert client.get(f"/staff/credits/{number}/transcript.pdf").status_code == 403
    before = _ledger(app, number)
    # A valid form (the CSRF token of a page this staff member may open): only the city
    # check can refuse it.
    own = _text(client.get(f"/staff/credits/{staffed[0]}/adjust"))
    response = client.post(
        f"/staff/credits/{number}/adjust",
        data={"amount": "5", "memo": "x", "key": "k", "csrf_token": csrf_token_from(own)},
    )
    assert response.status_code == 403
    assert _ledger(app, number) == before


def test_province_staff_see_every_city(app, make_user, staffed):
    make_user(login="prov", role=Role.PROVINCE_STAFF, name="省中心")
    make_user(login="dalian_two", name="大连学员", city=DALIAN, district=None)
    province = app.test_client()
    province.set_cookie("learnhub_locale", "en")
    sign_in(province, "prov")
    found = province.get("/staff/credits", query_string={"q": "dalian_two"}, follow_redirects=True)
    assert found.status_code == 200 and "大连学员" in _text(found)


def test_learners_cannot_open_staff_pages(client, app, make_user, staffed):
    number, _code = staffed
    learner = app.test_client()
    sign_in(learner, "wang_xiuying")
    assert learner.get("/staff/credits").status_code == 403
    assert learner.get(f"/staff/credits/{number}").status_code == 403
    assert learner.get("/staff/credits/open-accounts").status_code == 403


# ---- actions -------------------------------------------------------------------------


def test_freeze_needs_a_reason_then_unfreeze(client, app, staffed):
    number, _code = staffed
    url = f"/staff/credits/{number}/freeze"
    assert "No new deposits" in _text(client.get(url))
    empty = submit(client, url, {"reason": "  "})
    assert empty.status_code == 400 and "Give a reason" in _text(empty)
    assert _ledger(app, number)[2] is AccountStatus.ACTIVE
    done = submit(client, url, {"reason": "身份核查"}, follow_redirects=True)
    assert "The account is frozen." in _text(done) and "身份核查" in _text(done)
    assert _ledger(app, number)[2] is AccountStatus.FROZEN
    again = submit(client, url, {"reason": "again"})
    assert again.status_code == 400 and "already frozen" in _text(again)
    submit(client, f"/staff/credits/{number}/unfreeze", {"reason": "核查完毕"})
    assert _ledger(app, number)[2] is AccountStatus.ACTIVE


def test_close_is_final(client, app, staffed):
    number, _code = staffed
    submit(client, f"/staff/credits/{number}/close", {"reason": "迁出本省"})
    before = _ledger(app, number)
    assert before[2] is AccountStatus.CLOSED
    adjust = submit(client, f"/staff/credits/{number}/adjust", {"amount": "1", "memo": "补记"})
    assert adjust.status_code == 400 and "closed" in _text(adjust)
    unfreeze = submit(client, f"/staff/credits/{number}/unfreeze", {"reason": "误操作"})
    assert unfreeze.status_code == 400 and "closed" in _text(unfreeze)
    assert _ledger(app, number) == before


def test_reverse_an_entry_once(client, app, staffed):
    number, _code = staffed
    url = f"/staff/credits/{number}/entries/1/reverse"
    assert "−2.00" in _text(client.get(url))
    assert submit(client, url, {"reason": ""}).status_code == 400
    assert _ledger(app, number)[:2] == (2, Decimal("3.00"))
    done = submit(client, url, {"reason": "重复登记"}, follow_redirects=True)
    assert "The entry is reversed." in _text(done)
    assert _ledger(app, number)[:2] == (3, Decimal("1.00"))
    again = submit(client, url, {"reason": "再次冲正"})
    assert again.status_code == 400 and "already been reversed" in _text(again)
    reversal = submit(client, f"/staff/credits/{number}/entries/3/reverse", {"reason": "撤销"})
    assert reversal.status_code == 400 and "cannot be reversed" in _text(reversal)
    assert _ledger(app, number)[:2] == (3, Decimal("1.00"))


def test_reversal_that_would_go_below_zero_is_refused(client, app, staffed):
    number, _code = staffed
    submit(client, f"/staff/credits/{number}/adjust", {"amount": "-2.5", "memo": "兑换线下"})
    before = _ledger(app, number)
    assert before[1] == Decimal("0.50")
    refused = submit(client, f"/staff/credits/{number}/entries/1/reverse", {"reason": "重复"})
    assert refused.status_code == 400 and "below zero" in _text(refused)
    assert "Nothing was changed." in _text(refused)
    assert _ledger(app, number) == before


def test_adjustment_needs_a_memo_and_posts_once(client, app, staffed):
    number, _code = staffed
    url = f"/staff/credits/{number}/adjust"
    no_memo = submit(client, url, {"amount": "1.5", "memo": ""})
    assert no_memo.status_code == 400 and "Say why" in _text(no_memo)
    junk = submit(client, url, {"amount": "1.234", "memo": "补记"})
    assert junk.status_code == 400 and "decimal places" in _text(junk)
    too_much = submit(client, url, {"amount": "-9", "memo": "扣减"})
    assert too_much.status_code == 400 and "below zero" in _text(too_much)
    assert _ledger(app, number)[:2] == (2, Decimal("3.00"))
    html = _text(client.get(url))
    token = csrf_token_from(html)
    key = html.split('name="key" type="hidden" value="')[1].split('"')[0]
    data = {"amount": "1.5", "memo": "线下讲座补记", "key": key, "csrf_token": token}
    assert client.post(url, data=data).status_code == 302
    again = client.post(url, data=data)  # a double click posts once, and says so
    assert again.status_code == 400 and "already been posted" in _text(again)
    assert _ledger(app, number)[:2] == (3, Decimal("4.50"))
    assert "线下讲座补记" in _text(client.get(f"/staff/credits/{number}"))


def test_revoke_certificate_needs_a_reason_and_shows_on_verify(client, app, staffed):
    number, code = staffed
    url = f"/staff/credits/{number}/certificates/{code}/revoke"
    assert submit(client, url, {"reason": ""}).status_code == 400
    assert _ledger(app, number)[3] == 0
    submit(client, url, {"reason": "代考"})
    assert _ledger(app, number)[3] == 1
    assert "Revoked on" in _text(client.get(f"/verify/{code}"))
    again = submit(client, url, {"reason": "代考"})
    assert again.status_code == 400 and "already been revoked" in _text(again)


def test_actions_without_csrf_token_change_nothing(client, app, staffed):
    number, code = staffed
    before = _ledger(app, number)
    posts = {
        f"/staff/credits/{number}/freeze": {"reason": "x"},
        f"/staff/credits/{number}/entries/1/reverse": {"reason": "x"},
        f"/staff/credits/{number}/adjust": {"amount": "1", "memo": "x", "key": "k"},
        f"/staff/credits/{number}/certificates/{code}/revoke": {"reason": "x"},
    }
    for url, data in posts.items():
        assert client.post(url, data=data).status_code == 400
    assert _ledger(app, number) == before


def test_frozen_credits_are_shown_and_cannot_be_reversed_away(client, app, staffed):
    number, _code = staffed
    with app.app_context():
        account = account_by_number(number)
        services.hold_credits(account, Decimal("2.5"), "conversion_application:7")
        db.session.commit()
    page = _text(client.get(f"/staff/credits/{number}"))
    assert "conversion_application:7" in page and "2.50" in page and "0.50" in page
    before = _ledger(app, number)
    refused = submit(client, f"/staff/credits/{number}/entries/1/reverse", {"reason": "重复"})
    assert refused.status_code == 400 and "frozen for a pending application" in _text(refused)
    assert _ledger(app, number) == before
