"""What the credit bank keeps about each decision and each counter: who, when, why (in full
up to the column's length), and only for the row it was meant for."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from types import SimpleNamespace

import pytest
from sqlalchemy import select

from learnhub.accounts.access import editable_region_codes
from learnhub.accounts.models import Role
from learnhub.creditbank import services
from learnhub.creditbank.errors import CreditError
from learnhub.creditbank.models import AccountStatus, CertificateKind, EntryKind, VerifyMiss
from learnhub.creditbank.pending_models import AwardStatus, PendingAward, TransferStatus
from learnhub.creditbank.services.adjustments import (
    adjust,
    approve_request,
    reject_request,
    requests_for,
)
from learnhub.creditbank.services.awards import decline_award
from learnhub.creditbank.services.certificates import (
    normalise_certificate_code,
    revoke_certificate,
)
from learnhub.creditbank.services.transfers import (
    accept_transfer,
    decline_transfer,
    follow_city_change,
    transfers_for,
)
from learnhub.creditbank.services.verify_throttle import record_verify_miss, verify_blocked
from learnhub.extensions import db

from .conftest import account_for, new_learner, new_staff

D = Decimal
LONG = "理" * 250  # longer than the 200 characters a reason column holds


def _kept(account, n):
    award = PendingAward(
        account_id=account.id, kind=EntryKind.COMPLETION, business_key=f"course_completion:{n}",
        amount=D("1"), title=f"课程{n}",
    )  # fmt: skip
    db.session.add(award)
    db.session.flush()
    return award


def test_unfreezing_pays_every_kept_award_and_counts_them(ctx):
    staff = new_staff()
    account = account_for(new_learner())
    services.set_account_status(account, AccountStatus.FROZEN, "核查", staff)
    awards = [_kept(account, n) for n in (1, 2, 3)]
    assert services.set_account_status(account, AccountStatus.ACTIVE, "", staff) == 3
    assert [a.status for a in awards] == [AwardStatus.PAID] * 3
    assert all(a.decided_at is not None and a.entry_id is not None for a in awards)
    assert services.balance_of(account) == D("3.00")


def test_closing_declines_kept_awards_in_the_closers_name(ctx):
    staff = new_staff()
    account = account_for(new_learner())
    services.set_account_status(account, AccountStatus.FROZEN, "核查", staff)
    awards = [_kept(account, n) for n in (1, 2)]
    assert services.set_account_status(account, AccountStatus.CLOSED, "迁出", staff) == 2
    assert [(a.status, a.decided_by_id, a.decision_reason) for a in awards] == [
        (AwardStatus.DECLINED, staff.id, "迁出"),
    ] * 2
    assert all(a.decided_at is not None for a in awards)


def test_declining_one_award_leaves_the_others_kept(ctx):
    staff = new_staff()
    account = account_for(new_learner())
    services.set_account_status(account, AccountStatus.FROZEN, "核查", staff)
    first, second = _kept(account, 1), _kept(account, 2)
    decline_award(first, staff, LONG)
    assert first.decision_reason == LONG[:200] and first.decided_at is not None
    assert second.status is AwardStatus.PENDING and second.decided_at is None


def test_decisions_keep_reasons_up_to_the_column_and_touch_one_row(ctx):
    staff, second = new_staff(), new_staff()
    account = account_for(new_learner())
    services.post_entry(account, D("5"), EntryKind.ATTENDANCE, "a:1")
    one, two = (adjust(account, "12", staff, "补记", f"k{n}").request for n in (1, 2))
    reject_request(one, second, LONG)
    assert one.decision_reason == LONG[:200] and two.status == "pending"
    approve_request(two, second)
    assert (two.status, two.decision_reason, two.decided_by_id) == ("approved", "", second.id)
    certificates = [
        services.issue_certificate(account, CertificateKind.COURSE, f"c:{n}", "课程", D("1"))
        for n in (1, 2)
    ]
    assert revoke_certificate(certificates[0], LONG) is True
    assert certificates[0].revoked_reason == LONG[:200]
    assert certificates[1].revoked_at is None


def test_a_released_hold_says_when(ctx):
    account = account_for(new_learner())
    services.post_entry(account, D("5"), EntryKind.ATTENDANCE, "a:1")
    hold = services.hold_credits(account, "2", "c:1")
    services.release_hold(hold)
    assert hold.status == "released" and hold.closed_at is not None


def test_transfer_decisions_are_recorded_and_refused_to_the_sending_city(ctx):
    learner = new_learner()
    account = account_for(learner)
    learner.city_code, learner.district_code = "210200", None
    transfer = follow_city_change(learner, "210200")
    sending, receiving, elsewhere = new_staff(), new_staff("210200"), new_staff("210300")
    for outsider in (sending, elsewhere):
        with pytest.raises(CreditError, match="kept by another city's center"):
            accept_transfer(transfer, outsider)
    assert transfers_for(receiving) == [transfer] == transfers_for(sending)
    assert transfers_for(elsewhere) == []
    assert transfers_for(new_staff(role=Role.PROVINCE_STAFF)) == [transfer]
    accept_transfer(transfer, receiving)
    assert (transfer.status, transfer.decision_reason, transfer.open_key) == (
        TransferStatus.ACCEPTED, "", None,
    )  # fmt: skip
    assert account.city_code == "210200"
    with pytest.raises(CreditError) as caught:
        decline_transfer(transfer, receiving, "晚了")
    assert str(caught.value) == "This transfer has already been decided."
    with pytest.raises(CreditError) as caught:
        accept_transfer(transfer, receiving)
    assert str(caught.value) == "This transfer has already been decided."


def test_a_transfer_is_declined_with_its_reason_in_full(ctx):
    learner = new_learner()
    learner.city_code, learner.district_code = "210200", None
    transfer = follow_city_change(learner, "210200")
    decline_transfer(transfer, new_staff("210200"), LONG)
    assert transfer.decision_reason == LONG[:200] and transfer.decided_at is not None


def test_requests_are_listed_for_the_staff_who_keep_the_account(ctx):
    staff, dalian = new_staff(), new_staff("210200")
    accounts = [account_for(new_learner()) for _ in range(2)]
    dalian_account = account_for(new_learner(city="210200", district=None))
    asked = [adjust(a, "12", staff, "补记", f"k{n}").request for n, a in enumerate(accounts)]
    theirs = adjust(dalian_account, "12", dalian, "补记", "kd").request
    assert requests_for(staff) == asked  # oldest first, only Shenyang's
    assert requests_for(dalian) == [theirs]
    assert requests_for(new_staff(role=Role.PROVINCE_STAFF)) == [*asked, theirs]
    with pytest.raises(CreditError) as caught:
        approve_request(asked[0], staff)
    assert str(caught.value) == "A second staff member must decide; you asked for this adjustment."


def test_a_learner_with_a_stray_region_edits_no_course(app):
    with app.app_context():
        stray = SimpleNamespace(role=Role.LEARNER, managed_region_code="210000")
        assert editable_region_codes(stray) == frozenset()


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("ABCD-EFGH-JKMN-PQRO", "ABCDEFGHJKMNPQR0"),  # O is read as zero
        ("abcd efgh jkmn pqri", "ABCDEFGHJKMNPQR1"),  # I and L are read as one
        ("ABCDEFGHJKMNPQRL", "ABCDEFGHJKMNPQR1"),
        ("ABCDEFGHJKMNPQRU", None),  # U is not in the alphabet
        ("ABCDEFGHJKMNPQR", None),
        (None, None),
    ],
)
def test_certificate_codes_as_people_type_them(typed, stored):
    assert normalise_certificate_code(typed) == stored


# ---- the /verify guessing counter ------------------------------------------------------


def test_unknown_codes_count_per_client_and_window(ctx, app):
    app.config["CREDIT_VERIFY_MAX_MISSES"] = 2
    app.config["CREDIT_VERIFY_WINDOW_SECONDS"] = 600
    start = datetime(2027, 3, 1, 8, 0, 5, tzinfo=UTC)  # 5 s into a 10-minute window
    assert not verify_blocked("a", start)
    record_verify_miss("a", start)
    assert not verify_blocked("a", start)  # one miss of two allowed
    record_verify_miss("a", start + timedelta(seconds=590))  # the same window
    assert verify_blocked("a", start) and verify_blocked("a", start + timedelta(seconds=594))
    assert not verify_blocked("b", start)  # another client is not counted with it
    record_verify_miss("b", start)
    counts = dict(db.session.execute(select(VerifyMiss.client_key, VerifyMiss.misses)).all())
    assert counts == {"a": 2, "b": 1}
    later = start + timedelta(seconds=595)  # the next window
    assert not verify_blocked("a", later)
    record_verify_miss("c", later)
    windows = db.session.scalars(select(VerifyMiss.window_start)).all()
    assert windows == [datetime(2027, 3, 1, 8, 10, tzinfo=UTC)]  # older windows are pruned


def test_a_single_allowed_miss_is_allowed(ctx, app):
    app.config["CREDIT_VERIFY_MAX_MISSES"] = 1
    now = datetime(2027, 3, 1, 8, 0, tzinfo=UTC)
    assert not verify_blocked("new", now)
    record_verify_miss("new", now)
    assert verify_blocked("new", now)
