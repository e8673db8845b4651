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
from learnhub.catalogue.models import Module
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
from learnhub.creditbank.services.statements import account_totals
from learnhub.creditbank.services.transfers import (
    accept_transfer,
    decline_transfer,
    follow_city_change,
    transfers_for,
)
from learnhub.creditbank.services.verify_throttle import record_verify_miss, verify_blocked
from learnhub.extensions import db
from tests.helpers import read_text_lesson

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
        with pytest.raises(CreditError, match="kept by another center"):
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


def test_county_staff_list_the_requests_of_their_district_only(ctx):
    staff = new_staff()
    heping = new_learner(role=Role.COUNTY_STAFF, managed_region_code="210102")
    shenhe = new_learner(district="210103", role=Role.COUNTY_STAFF, managed_region_code="210103")
    in_heping = adjust(account_for(new_learner()), "12", staff, "补记", "kh").request
    in_shenhe = adjust(
        account_for(new_learner(district="210103")), "12", staff, "补记", "ks"
    ).request
    assert requests_for(heping) == [in_heping]
    assert requests_for(shenhe) == [in_shenhe]
    assert requests_for(staff) == [in_heping, in_shenhe]  # the city sees both, oldest first


def test_a_learner_with_a_stray_region_edits_no_course(app):
    with app.app_context():
        stray = SimpleNamespace(
            role=Role.LEARNER, managed_region_code="210000", is_authenticated=True
        )
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


# ---- statuses, reversals, holds, awards ----------------------------------------------


def test_a_status_change_keeps_who_when_and_why(ctx):
    staff = new_staff()
    account = account_for(new_learner())
    assert services.set_account_status(account, AccountStatus.FROZEN, LONG, staff) == 0
    assert account.status_reason == LONG[:200] and account.status_changed_at is not None
    assert account.status_changed_by_id == staff.id


def test_a_reversal_counts_against_the_entrys_module(app, ctx):
    from learnhub.catalogue.services import module_by_slug
    from learnhub.creditbank.services.ledger import reverse_entry

    module = module_by_slug("party-history")
    account = account_for(new_learner())
    entry = services.post_entry(
        account, D("2"), EntryKind.COMPLETION, "course_completion:1", module_id=module.id
    )
    reverse_entry(entry, new_staff(), "代学")
    assert account_totals(account).by_module == [(module, D("0.00"))]


def test_holds_are_listed_per_account_oldest_first_and_settled_in_the_staffs_name(ctx):
    from learnhub.creditbank.services.holds import pending_holds

    staff = new_staff()
    mine, other = account_for(new_learner()), account_for(new_learner())
    for account in (mine, other):
        services.post_entry(account, D("5"), EntryKind.ATTENDANCE, "a:1")
    first = services.hold_credits(mine, "1", "conversion:1")
    second = services.hold_credits(mine, "2", "conversion:2")
    services.hold_credits(other, "1", "conversion:3")
    assert pending_holds(mine) == [first, second]
    assert services.hold_credits(mine, "2", "conversion:2") is second  # the same key: the hold
    entry = services.settle_hold(second, staff, "结业证书")
    assert (entry.posted_by_id, entry.memo, entry.amount) == (staff.id, "结业证书", D("-2.00"))
    assert pending_holds(mine) == [first]


def test_a_zero_credit_course_pays_nothing_and_keeps_nothing(app, make_course, make_user):
    from learnhub.accounts.models import User
    from learnhub.catalogue.models import Course
    from learnhub.creditbank.models import Certificate
    from learnhub.learning import services as learning

    course_id = make_course(lessons=("text",), credits="0")
    user_id = make_user(login="zero")
    with app.app_context():
        user, course = db.session.get(User, user_id), db.session.get(Course, course_id)
        learning.enrol(user, course)
        read_text_lesson(user, course.lessons[0])
        db.session.commit()
        assert learning.completion_of(user, course) is not None
        assert db.session.scalars(select(Certificate)).all() == []
        assert db.session.scalars(select(PendingAward)).all() == []
        assert services.balance_of(services.account_of(user)) == D("0.00")


def test_a_kept_award_is_paid_as_of_its_completion(app, make_course, make_user):
    from learnhub.accounts.models import User
    from learnhub.catalogue.models import Course
    from learnhub.creditbank.models import Certificate, LedgerEntry
    from learnhub.creditbank.services.awards import award_course_completion
    from learnhub.learning import services as learning

    course_id = make_course(title="防诈骗课", lessons=("text",), credits="1.5")
    user_id = make_user(login="frozen_one")
    with app.test_request_context(method="POST"):
        staff = new_staff()
        user, course = db.session.get(User, user_id), db.session.get(Course, course_id)
        account = services.account_of(user)
        services.set_account_status(account, AccountStatus.FROZEN, "核查", staff)
        learning.enrol(user, course)
        read_text_lesson(user, course.lessons[0])
        completion = learning.completion_of(user, course)
        (award,) = db.session.scalars(select(PendingAward)).all()
        assert award.earned_at == completion.completed_at and award.title == "防诈骗课"
        services.set_account_status(account, AccountStatus.ACTIVE, "", staff)
        entry = db.session.scalar(select(LedgerEntry).where(LedgerEntry.account_id == account.id))
        certificate = db.session.scalar(select(Certificate))
        assert entry.memo == "防诈骗课" and entry.amount == D("1.50")
        assert certificate.issued_at == completion.completed_at
        # Told again after a later freeze, the paid completion is not kept a second time.
        services.set_account_status(account, AccountStatus.FROZEN, "再次核查", staff)
        assert award_course_completion(completion).id == entry.id
        assert len(db.session.scalars(select(PendingAward)).all()) == 1
        db.session.rollback()


def test_lists_on_the_account_page_are_newest_first(ctx):
    from learnhub.creditbank.services.adjustments import requests_of
    from learnhub.creditbank.services.transfers import transfers_of

    staff = new_staff()
    learner = new_learner()
    account = account_for(learner)
    services.post_entry(account, D("5"), EntryKind.ATTENDANCE, "a:1")
    asked = [adjust(account, "12", staff, "补记", f"k{n}").request for n in (1, 2)]
    assert requests_of(account) == asked[::-1]
    learner.city_code, learner.district_code = "210200", None
    first = follow_city_change(learner, "210200")
    learner.city_code = "210300"
    second = follow_city_change(learner, "210300")
    assert transfers_of(account.id) == [second, first]
    assert (first.status, first.decision_reason, first.decided_by_id) == (
        TransferStatus.CANCELLED, "", None,
    )  # fmt: skip


def test_long_memos_and_keys_are_cut_to_their_columns(ctx):
    staff = new_staff()
    account = account_for(new_learner())
    request = adjust(account, "12", staff, LONG, "k" * 70).request
    assert request.memo == LONG[:200] and request.form_key == "k" * 60


def test_an_accounts_totals_count_its_own_entries_only(ctx):
    first, second = (account_for(new_learner()) for _ in range(2))
    modules = db.session.scalars(select(Module).order_by(Module.position)).all()
    services.post_entry(first, Decimal("2"), EntryKind.ATTENDANCE, "t:1", module_id=modules[1].id)
    services.post_entry(first, Decimal("1"), EntryKind.ATTENDANCE, "t:2", module_id=modules[0].id)
    services.post_entry(second, Decimal("5"), EntryKind.ATTENDANCE, "t:3", module_id=modules[0].id)
    assert account_totals(first).by_kind == {EntryKind.ATTENDANCE: Decimal("3")}
    assert account_totals(first).by_module == [
        (modules[0], Decimal("1")),
        (modules[1], Decimal("2")),
    ]
    assert account_totals(second).by_kind == {EntryKind.ATTENDANCE: Decimal("5")}
    # Kept per head: the next posting shows at once, in its kind and its module.
    services.post_entry(first, Decimal("4"), EntryKind.COMPLETION, "t:4", module_id=modules[1].id)
    assert account_totals(first).by_kind == {
        EntryKind.ATTENDANCE: Decimal("3"),
        EntryKind.COMPLETION: Decimal("4"),
    }
    assert account_totals(first).by_module == [
        (modules[0], Decimal("1")),
        (modules[1], Decimal("6")),
    ]


def test_an_adjustment_records_who_posted_it_and_its_memo(ctx):
    staff = new_staff()
    outcome = adjust(account_for(new_learner()), "5", staff, "  补记讲座  ", "k-who")
    assert outcome.entry.posted_by_id == staff.id and outcome.entry.memo == "补记讲座"
