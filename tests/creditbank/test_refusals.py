"""Every refusal of the credit bank's services, as the staff member reads it: the message and
the form field it is shown at — also those the pages' own form checks usually catch first
(a blank reason), since services are called from commands and other features too."""

from __future__ import annotations

import hashlib
import hmac
import json
from datetime import UTC, datetime
from decimal import Decimal

import pytest

from learnhub.accounts.models import Role
from learnhub.creditbank import services
from learnhub.creditbank.amounts import parse_credits
from learnhub.creditbank.errors import CreditError
from learnhub.creditbank.models import (
    AccountStatus,
    CertificateKind,
    EntryKind,
    HashScheme,
    LedgerEntry,
)
from learnhub.creditbank.pending_models import AwardStatus, PendingAward
from learnhub.creditbank.services.accounts import check_account_takes
from learnhub.creditbank.services.adjustments import (
    adjust,
    reject_request,
    withdraw_request,
)
from learnhub.creditbank.services.awards import decline_award
from learnhub.creditbank.services.certificates import revoke_certificate
from learnhub.creditbank.services.ledger import (
    keyed_entry_hash,
    legacy_entry_hash,
    reverse_entry,
)
from learnhub.creditbank.services.ledger_keys import LedgerKey
from learnhub.creditbank.services.numbers import parse_account_number
from learnhub.creditbank.services.transfers import decline_transfer, follow_city_change
from learnhub.extensions import db

from .conftest import account_for, new_learner, new_staff

D = Decimal


def refusal(call, *args) -> tuple[str | None, str]:
    """The field and the message of the CreditError the call raises."""
    with pytest.raises(CreditError) as caught:
        call(*args)
    return caught.value.field, str(caught.value)


@pytest.fixture
def books(ctx):
    """A Shenyang learner with 5 credits, two Shenyang staff members."""
    staff, second = new_staff(), new_staff()
    account = account_for(new_learner())
    services.post_entry(account, D("5"), EntryKind.ATTENDANCE, "a:1", memo="讲座")
    return account, staff, second


GIVE_A_REASON = ("reason", "Give a reason.")


@pytest.mark.parametrize("reason", [None, "", "   "])
def test_blank_reasons_are_refused_at_the_reason_field(books, reason):
    account, staff, second = books
    certificate = services.issue_certificate(
        account, CertificateKind.COURSE, "course_completion:1", "课程", D("1")
    )
    assert refusal(revoke_certificate, certificate, reason) == GIVE_A_REASON
    asked = adjust(account, "20", staff, "补记", "k1").request
    assert refusal(reject_request, asked, second, reason) == GIVE_A_REASON
    services.set_account_status(account, AccountStatus.FROZEN, "核查", staff)
    award = PendingAward(
        account_id=account.id, kind=EntryKind.COMPLETION, business_key="course_completion:2",
        amount=D("1"), title="课程二",
    )  # fmt: skip
    db.session.add(award)
    db.session.flush()
    assert refusal(decline_award, award, second, reason) == GIVE_A_REASON
    assert refusal(services.set_account_status, account, AccountStatus.CLOSED, reason, staff) == (
        GIVE_A_REASON
    )
    learner = account.user
    learner.city_code, learner.district_code = "210200", None
    transfer = follow_city_change(learner, "210200")
    receiving = new_staff(city="210200")
    assert refusal(decline_transfer, transfer, receiving, reason) == GIVE_A_REASON
    assert award.status is AwardStatus.PENDING and asked.decided_by_id is None


def test_status_changes_say_why_nothing_changed(books):
    account, staff, _second = books
    assert refusal(services.set_account_status, account, AccountStatus.FROZEN, " ", staff) == (
        GIVE_A_REASON
    )
    assert refusal(services.set_account_status, account, AccountStatus.ACTIVE, "", staff) == (
        None, "This account is not frozen.",
    )  # fmt: skip
    services.set_account_status(account, AccountStatus.FROZEN, "核查", staff)
    assert refusal(services.set_account_status, account, AccountStatus.FROZEN, "再", staff) == (
        None, "This account is already frozen.",
    )  # fmt: skip
    assert account.status_changed_by_id == staff.id and account.status_reason == "核查"
    services.set_account_status(account, AccountStatus.CLOSED, "迁出", staff)
    assert refusal(services.set_account_status, account, AccountStatus.ACTIVE, "", staff) == (
        None, "This account is closed.",
    )  # fmt: skip


def test_postings_on_frozen_and_closed_accounts(books):
    account, staff, _second = books
    services.set_account_status(account, AccountStatus.FROZEN, "核查", staff)
    frozen = (None, "This credit account is frozen.")
    assert refusal(check_account_takes, account, EntryKind.COMPLETION) == frozen
    assert refusal(check_account_takes, account, EntryKind.CONVERSION) == frozen
    check_account_takes(account, EntryKind.REVERSAL)  # corrections pass
    check_account_takes(account, EntryKind.ADJUSTMENT)
    services.set_account_status(account, AccountStatus.CLOSED, "迁出", staff)
    closed = (None, "This credit account is closed.")
    assert refusal(check_account_takes, account, EntryKind.ADJUSTMENT) == closed


def test_adjustment_refusals(books, app):
    account, staff, _second = books
    assert refusal(adjust, account, "1", staff, " ", "k") == (
        "memo", "Say why the balance is adjusted.",
    )  # fmt: skip
    assert refusal(adjust, account, "0", staff, "补记", "k") == (
        "amount", "The number of credits cannot be zero.",
    )  # fmt: skip
    assert refusal(adjust, account, "100.01", staff, "补记", "k") == (
        "amount", "One adjustment may move at most 100.00 credits.",
    )  # fmt: skip
    assert refusal(adjust, account, "-20", staff, "扣减", "k") == (
        "amount", "The balance cannot go below zero.",
    )  # fmt: skip
    assert adjust(account, "100", staff, "补记", "k-max").request.amount == D("100.00")
    assert adjust(account, "10", staff, "补记", "k-four").entry.amount == D("10.00")
    assert adjust(account, "10.01", staff, "补记", "k-over").request is not None
    assert refusal(adjust, account, "10.01", staff, "补记", "k-over") == (
        None, "This adjustment has already been requested.",
    )  # fmt: skip
    app.config["CREDIT_ADJUSTMENT_FOUR_EYES"] = "20"
    assert adjust(account, "15", staff, "补记", "k-setting").entry is not None


def test_request_decisions_record_who_and_refuse_the_wrong_person(books):
    account, staff, second = books
    asked = adjust(account, "12", staff, " 补记 ", "k1").request
    assert (asked.requested_by_id, asked.status, asked.memo) == (staff.id, "pending", "补记")
    assert refusal(withdraw_request, asked, second) == (
        None, "Only the staff member who asked can withdraw a request.",
    )  # fmt: skip
    reject_request(asked, second, "  材料不全 ")
    assert (asked.status, asked.decided_by_id, asked.decision_reason) == (
        "rejected", second.id, "材料不全",
    )  # fmt: skip
    assert asked.decided_at is not None
    assert refusal(withdraw_request, asked, staff) == (
        None,
        "This request has already been decided.",
    )


def test_award_decisions_record_who_and_happen_once(books):
    account, staff, second = books
    services.set_account_status(account, AccountStatus.FROZEN, "核查", staff)
    award = PendingAward(
        account_id=account.id, kind=EntryKind.COMPLETION, business_key="course_completion:9",
        amount=D("1"), title="课程",
    )  # fmt: skip
    db.session.add(award)
    db.session.flush()
    decline_award(award, second, " 代学 ")
    assert (award.status, award.decided_by_id, award.decision_reason) == (
        AwardStatus.DECLINED, second.id, "代学",
    )  # fmt: skip
    assert refusal(decline_award, award, staff, "再") == (
        None, "This award has already been paid or declined.",
    )  # fmt: skip


def test_reversal_refusals(books):
    account, staff, _second = books
    entry = db.session.get(LedgerEntry, account.head_sequence and _entry_id(account, 1))
    assert refusal(reverse_entry, entry, staff, " ") == ("memo", "Say why the entry is reversed.")
    reversal = reverse_entry(entry, staff, "  重复  ")
    assert reversal.memo == "重复" and reversal.posted_by_id == staff.id
    assert refusal(reverse_entry, reversal, staff, "撤销") == (
        None, "A reversal cannot be reversed; post an adjustment.",
    )  # fmt: skip
    assert refusal(reverse_entry, entry, staff, "再") == (
        None, "This entry has already been reversed.",
    )  # fmt: skip
    deposit = services.post_entry(account, D("2"), EntryKind.ATTENDANCE, "a:2")
    hold = services.hold_credits(account, D("1"), "conversion:1")
    conversion = services.settle_hold(hold, staff)
    assert refusal(reverse_entry, conversion, staff, "撤销") == (
        None, "Reject or revoke the conversion instead.",
    )  # fmt: skip
    assert deposit.kind is EntryKind.ATTENDANCE


def _entry_id(account, sequence):
    from sqlalchemy import select

    return db.session.scalar(
        select(LedgerEntry.id).where(
            LedgerEntry.account_id == account.id, LedgerEntry.sequence == sequence
        )
    )


def test_holds_refusals(books, ctx):
    account, staff, _second = books
    assert refusal(services.hold_credits, account, "0", "c:1") == (
        "amount", "The number of credits cannot be zero.",
    )  # fmt: skip
    assert refusal(services.hold_credits, account, "5.01", "c:1") == (
        "amount", "Not enough credits available.",
    )  # fmt: skip
    hold = services.hold_credits(account, "5", "c:1")
    services.release_hold(hold)
    assert refusal(services.settle_hold, hold, staff) == (
        None, "These credits are no longer frozen.",
    )  # fmt: skip


def test_a_learner_cannot_be_staff_for_the_services(books):
    account, _staff, _second = books
    learner = new_learner()
    assert refusal(adjust, account, "1", learner, "补记", "k") == (
        None, "This credit account is kept by another center.",
    )  # fmt: skip
    province = new_staff(role=Role.PROVINCE_STAFF)
    assert adjust(account, "1", province, "补记", "k").entry is not None


# ---- known answers: the seals of the ledger ----------------------------------------------


def _fixed_entry(**extra) -> LedgerEntry:
    return LedgerEntry(
        account_id=7, sequence=3, amount=D("1.50"), kind=EntryKind.COMPLETION,
        business_key="course_completion:9", module_id=2, reverses_id=None, posted_by_id=None,
        memo="智能手机入门", balance_after=D("4.00"),
        created_at=datetime(2026, 11, 1, 8, 30, 5, 123456, tzinfo=UTC), prev_hash="a" * 64,
        **extra,
    )  # fmt: skip


def _canonical(entry, **keyed) -> bytes:
    content = {
        "account": 7, "sequence": 3, "amount": "1.50", "kind": "completion",
        "business_key": "course_completion:9", "module": 2, "reverses": None,
        "posted_by": None, "memo": "智能手机入门", "balance_after": "4.00",
        "created_at": "2026-11-01T08:30:05.123456+00:00", "prev_hash": "a" * 64, **keyed,
    }  # fmt: skip
    return json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def test_entries_from_before_the_keys_verify_with_the_old_sha256():
    """The seal made by migration 0004's code, computed here independently."""
    entry = _fixed_entry(hash_scheme=HashScheme.SHA256)
    assert legacy_entry_hash(entry) == hashlib.sha256(_canonical(entry)).hexdigest()


def test_keyed_entries_are_an_hmac_of_their_content_scheme_and_key_id():
    key = LedgerKey("k1", b"s" * 40)
    entry = _fixed_entry(hash_scheme=HashScheme.HMAC_SHA256, key_id="k1")
    content = _canonical(entry, scheme="hmac-sha256", key_id="k1")
    assert keyed_entry_hash(entry, key) == hmac.new(key.secret, content, hashlib.sha256).hexdigest()


@pytest.mark.parametrize(
    "typed", ["21010000000A01X", "2101000000001A7", "A10100000000017", "", None, "2101 0000 0001"]
)
def test_malformed_account_numbers_are_not_numbers(typed):
    assert parse_account_number(typed) is None


@pytest.mark.parametrize("typed", ["9" * 400, "-" + "9" * 40, "1e30", "99999999999999999999.001"])
def test_numbers_too_large_to_round_are_refused_as_too_large(app, typed):
    """A number with more digits than Decimal's precision cannot even be rounded to 0.01
    (found by tests/test_fuzz_forms.py): it is refused with the reason, not a server error."""
    with (
        app.test_request_context(headers={"Cookie": "learnhub_locale=en"}),
        pytest.raises(CreditError, match="too large"),
    ):
        parse_credits(typed, allow_negative=True)
