"""Accounts, the ledger, idempotent awards, the hash chain and `ledger verify`."""

from __future__ import annotations

import threading
from decimal import Decimal

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import DBAPIError, IntegrityError

from learnhub.catalogue.models import Course
from learnhub.creditbank import jobs as creditbank_jobs
from learnhub.creditbank import services
from learnhub.creditbank.errors import CreditError
from learnhub.creditbank.models import (
    AccountStatus,
    Certificate,
    CreditAccount,
    EntryKind,
    LedgerEntry,
)
from learnhub.creditbank.services import ledger
from learnhub.creditbank.services.adjustments import adjust
from learnhub.creditbank.services.awards import award_course_completion
from learnhub.creditbank.services.ledger import reverse_entry
from learnhub.creditbank.services.numbers import (
    check_character,
    make_account_number,
    parse_account_number,
)
from learnhub.extensions import db
from learnhub.jobs.models import FailedJob
from learnhub.jobs.queue import queue
from learnhub.learning import services as learning
from learnhub.learning.models import CourseCompletion
from tests.helpers import read_text_lesson

from .conftest import account_for, new_learner, new_staff, tamper

D = Decimal


# ---- account numbers ------------------------------------------------------------------


def test_check_character_is_iso_7064_mod_11_2_as_on_id_cards():
    assert check_character("11010519491231002") == "X"  # GB 11643 example
    assert check_character("44052418800101001") == "4"


def test_account_number_encodes_region_and_sequence_and_rejects_typos():
    number = make_account_number("210100", 17)
    assert number.startswith("21010000000017") and len(number) == 15
    assert parse_account_number(number) == number
    assert parse_account_number(services.format_account_number(number)) == number
    assert parse_account_number(number.lower()) == number
    typo = number[:3] + str((int(number[3]) + 1) % 10) + number[4:]
    assert parse_account_number(typo) is None
    swapped = number[:7] + number[8] + number[7] + number[9:]
    assert swapped == number or parse_account_number(swapped) is None
    assert parse_account_number("abc") is None


def test_registration_opens_one_account_in_the_home_city(app, make_user):
    user_id = make_user(login="opener", city="210200", district="210202")
    with app.app_context():
        account = db.session.scalar(select(CreditAccount).where(CreditAccount.user_id == user_id))
        assert account.number.startswith("210200")
        assert account.status is AccountStatus.ACTIVE
        assert services.open_account(account.user) is account
        assert services.balance_of(account) == D("0.00")


def test_accounts_in_a_city_get_consecutive_sequences(ctx):
    first, second = account_for(new_learner()), account_for(new_learner())
    assert second.sequence == first.sequence + 1
    assert first.number != second.number


# ---- postings -------------------------------------------------------------------------


def test_post_entry_keeps_balance_and_chain(ctx):
    account = account_for(new_learner())
    one = services.post_entry(account, D("1.50"), EntryKind.ATTENDANCE, "activity:1")
    two = services.post_entry(account, D("0.25"), EntryKind.ATTENDANCE, "activity:2")
    assert (one.sequence, two.sequence) == (1, 2)
    assert two.prev_hash == one.hash and one.prev_hash == "0" * 64
    assert two.balance_after == D("1.75") == services.balance_of(account)
    db.session.commit()
    assert list(services.verify_ledger()) == []


def test_same_business_key_pays_once(ctx):
    account = account_for(new_learner())
    first = services.post_entry(account, D("2"), EntryKind.RECOGNITION, "recognition:9")
    again = services.post_entry(account, D("2"), EntryKind.RECOGNITION, "recognition:9")
    assert again.id == first.id
    assert services.balance_of(account) == D("2.00")


@pytest.mark.parametrize(
    ("amount", "message"),
    [
        ("-1", "cannot be negative"),
        ("abc", "Enter a number"),
        ("1.234", "at most 2 decimal"),
        ("0", "cannot be zero"),
        ("NaN", "Enter a number"),
    ],
)
def test_bad_amounts_are_refused_and_ledger_unchanged(ctx, amount, message):
    account = account_for(new_learner())
    with pytest.raises(CreditError) as caught:
        services.post_entry(account, amount, EntryKind.ATTENDANCE, "a:1")
    assert message in str(caught.value)
    assert db.session.scalar(select(func.count(LedgerEntry.id))) == 0


def test_floats_never_reach_the_ledger(ctx):
    account = account_for(new_learner())
    with pytest.raises(TypeError):
        services.post_entry(account, 0.1, EntryKind.ATTENDANCE, "a:1")


def test_balance_never_goes_below_zero(ctx):
    staff = new_staff()
    account = account_for(new_learner())
    services.post_entry(account, D("1"), EntryKind.ATTENDANCE, "a:1")
    with pytest.raises(CreditError, match="below zero"):
        adjust(account, "-1.01", staff, "typo", "k1")
    assert services.balance_of(account) == D("1.00")


def test_database_refuses_negative_balance_even_past_the_service(ctx):
    account = account_for(new_learner())
    entry = services.post_entry(account, D("1"), EntryKind.ATTENDANCE, "a:1")
    bad = LedgerEntry(
        account_id=account.id, sequence=2, amount=D("-5"), kind=EntryKind.ADJUSTMENT,
        business_key="x", balance_after=D("-4"), created_at=entry.created_at,
        prev_hash=entry.hash, hash="f" * 64,
    )  # fmt: skip
    db.session.add(bad)
    with pytest.raises(IntegrityError):
        db.session.flush()


def test_frozen_account_takes_no_deposits_closed_takes_nothing(ctx):
    staff = new_staff()
    account = account_for(new_learner())
    deposit = services.post_entry(account, D("3"), EntryKind.ATTENDANCE, "a:1")
    with pytest.raises(CreditError, match="reason"):
        services.set_account_status(account, AccountStatus.FROZEN, " ", staff)
    services.set_account_status(account, AccountStatus.FROZEN, "identity check", staff)
    with pytest.raises(CreditError, match="frozen"):
        services.post_entry(account, D("1"), EntryKind.ATTENDANCE, "a:2")
    with pytest.raises(CreditError, match="frozen"):
        services.hold_credits(account, D("1"), "conversion:1")
    reverse_entry(deposit, staff, "attendance was recorded twice")  # corrections pass
    services.set_account_status(account, AccountStatus.CLOSED, "left the province", staff)
    with pytest.raises(CreditError, match="closed"):
        adjust(account, "1", staff, "memo", "k1")
    assert services.balance_of(account) == D("0.00")


def test_reversal_references_the_entry_and_happens_once(ctx):
    staff = new_staff()
    account = account_for(new_learner())
    deposit = services.post_entry(account, D("2.5"), EntryKind.ATTENDANCE, "a:1")
    with pytest.raises(CreditError, match="why"):
        reverse_entry(deposit, staff, "")
    reversal = reverse_entry(deposit, staff, "wrong learner")
    assert reversal.reverses_id == deposit.id and reversal.amount == D("-2.50")
    with pytest.raises(CreditError, match="already been reversed"):
        reverse_entry(deposit, staff, "again")
    with pytest.raises(CreditError):
        reverse_entry(reversal, staff, "undo the undo")
    assert services.balance_of(account) == D("0.00")


def test_holds_freeze_credits_and_settle_or_release(ctx):
    staff = new_staff()
    account = account_for(new_learner())
    services.post_entry(account, D("5"), EntryKind.ATTENDANCE, "a:1")
    hold = services.hold_credits(account, D("4"), "conversion:1")
    assert services.held_amount(account) == D("4.00")
    with pytest.raises(CreditError, match="Not enough"):
        services.hold_credits(account, D("1.01"), "conversion:2")
    with pytest.raises(CreditError, match="frozen for a pending"):
        adjust(account, "-1.5", staff, "memo", "k")
    entry = services.settle_hold(hold, staff)
    assert entry.amount == D("-4.00") and entry.kind is EntryKind.CONVERSION
    assert services.settle_hold(hold, staff).id == entry.id
    assert services.held_amount(account) == 0 and services.balance_of(account) == D("1.00")
    other = services.hold_credits(account, D("1"), "conversion:3")
    services.release_hold(other)
    assert services.held_amount(account) == 0 and services.balance_of(account) == D("1.00")


# ---- course completions ---------------------------------------------------------------


def _complete(app, make_course, make_user, credits="1.5"):
    course_id = make_course(lessons=("text",), credits=credits)
    user_id = make_user(login="completer")
    with app.app_context():
        from learnhub.accounts.models import User

        user, course = db.session.get(User, user_id), db.session.get(Course, course_id)
        learning.enrol(user, course)
        read_text_lesson(user, course.lessons[0])
        db.session.commit()
        return db.session.scalar(select(CourseCompletion.id))


def test_completing_a_course_pays_its_credits_and_issues_a_certificate(app, make_course, make_user):
    completion_id = _complete(app, make_course, make_user)
    with app.app_context():
        entry = db.session.scalar(select(LedgerEntry))
        assert entry.kind is EntryKind.COMPLETION and entry.amount == D("1.50")
        assert entry.business_key == f"course_completion:{completion_id}"
        assert entry.module_id is not None
        certificate = db.session.scalar(select(Certificate))
        assert certificate.credits == D("1.50") and len(certificate.code) == 16
        award_course_completion(db.session.get(CourseCompletion, completion_id))
        db.session.commit()
        assert db.session.scalar(select(func.count(LedgerEntry.id))) == 1
        assert db.session.scalar(select(func.count(Certificate.id))) == 1


def test_same_completion_awarded_from_many_threads_pays_exactly_once(app, make_course, make_user):
    completion_id = _complete(app, make_course, make_user)
    with app.app_context():
        db.session.execute(text("DELETE FROM credit_certificate"))
        # Start from an unpaid completion: remove the award the signal made.
        _drop_entries_bypassing_trigger()
        db.session.commit()
    threads, barrier, errors = 12, threading.Barrier(12), []

    def award():
        try:
            with app.app_context():
                barrier.wait()  # before any query: on SQLite the first query takes the lock
                completion = db.session.get(CourseCompletion, completion_id)
                award_course_completion(completion)
                db.session.commit()
        except Exception as error:
            errors.append(error)

    workers = [threading.Thread(target=award) for _ in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    assert errors == []
    with app.app_context():
        assert db.session.scalar(select(func.count(LedgerEntry.id))) == 1
        assert db.session.scalar(select(func.count(Certificate.id))) == 1
        assert list(services.verify_ledger()) == []


def test_parallel_postings_to_one_account_keep_the_chain(app, make_user):
    user_id = make_user(login="busy")
    with app.app_context():
        account_id = db.session.scalar(
            select(CreditAccount.id).where(CreditAccount.user_id == user_id)
        )
    barrier, errors = threading.Barrier(8), []

    def post(n):
        try:
            with app.app_context():
                barrier.wait()
                account = db.session.get(CreditAccount, account_id)
                for i in range(5):
                    services.post_entry(account, D("0.10"), EntryKind.ATTENDANCE, f"a:{n}:{i}")
                    db.session.commit()
        except Exception as error:
            errors.append(error)

    workers = [threading.Thread(target=post, args=(n,)) for n in range(8)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    assert errors == []
    with app.app_context():
        account = db.session.get(CreditAccount, account_id)
        assert services.balance_of(account) == D("4.00") and account.head_sequence == 40
        assert list(services.verify_ledger()) == []


def test_a_posting_that_lost_a_race_writes_nothing_and_the_transaction_goes_on(ctx):
    """The database's unique rules still decide a race the account lock did not prevent:
    the losing write is dropped without ending the caller's transaction, and post_entry
    then returns the entry that won (never pays twice)."""
    account = account_for(new_learner())
    first = services.post_entry(account, D("1"), EntryKind.ATTENDANCE, "activity:7")
    head = (account.head_sequence, account.head_hash)
    same_key = LedgerEntry(
        account_id=account.id, sequence=2, amount=D("1"), kind=EntryKind.ATTENDANCE,
        business_key="activity:7", memo="", balance_after=D("2"), created_at=first.created_at,
        prev_hash=first.hash, hash="f" * 64, hash_scheme=first.hash_scheme, key_id=first.key_id,
    )  # fmt: skip
    same_sequence = LedgerEntry(
        account_id=account.id, sequence=1, amount=D("1"), kind=EntryKind.ATTENDANCE,
        business_key="activity:8", memo="", balance_after=D("1"), created_at=first.created_at,
        prev_hash="0" * 64, hash="e" * 64, hash_scheme=first.hash_scheme, key_id=first.key_id,
    )  # fmt: skip
    for entry in (same_key, same_sequence):
        assert ledger._insert_entry(entry, account) is False
    assert (account.head_sequence, account.head_hash) == head
    db.session.commit()  # the transaction was not broken by the refused writes
    assert db.session.scalar(select(func.count(LedgerEntry.id))) == 1
    assert services.balance_of(account) == D("1.00")
    assert list(services.verify_ledger()) == []


# ---- tamper evidence ------------------------------------------------------------------


def _drop_entries_bypassing_trigger():
    """What only someone with database access could do (the test fixture's clean-up too)."""
    tamper("DELETE FROM ledger_entry")
    tamper("UPDATE credit_account SET head_sequence = 0, head_hash = :h", h="0" * 64)


def _tamper(statement: str, **params):
    """Change entries directly in the database, around the append-only triggers."""
    tamper(statement, **params)


def test_database_refuses_to_update_an_entry(ctx):
    account = account_for(new_learner())
    entry = services.post_entry(account, D("1"), EntryKind.ATTENDANCE, "a:1")
    db.session.commit()
    with pytest.raises(DBAPIError, match="never changed"):
        db.session.execute(
            text("UPDATE ledger_entry SET amount = 100000 WHERE id = :id"), {"id": entry.id}
        )
    db.session.rollback()


def test_ledger_verify_finds_an_altered_entry(app, runner):
    with app.app_context():
        account = account_for(new_learner())
        for n in range(1, 4):
            services.post_entry(account, D("1"), EntryKind.ATTENDANCE, f"a:{n}")
        db.session.commit()
        number = account.number
    assert runner.invoke(args=["ledger", "verify"]).exit_code == 0
    with app.app_context():
        _tamper("UPDATE ledger_entry SET amount = 500, balance_after = 600 WHERE sequence = 2")
    result = runner.invoke(args=["ledger", "verify"])
    assert result.exit_code == 1
    assert f"BREAK account {number} entry 2" in result.output
    assert "altered" in result.output


def test_ledger_verify_finds_a_deleted_last_entry(app, runner):
    with app.app_context():
        account = account_for(new_learner())
        for n in range(1, 3):
            services.post_entry(account, D("1"), EntryKind.ATTENDANCE, f"a:{n}")
        db.session.commit()
        _tamper("DELETE FROM ledger_entry WHERE sequence = 2")
    result = runner.invoke(args=["ledger", "verify"])
    assert result.exit_code == 1 and "missing" in result.output


def test_the_nightly_check_fails_on_a_broken_chain_and_staff_see_it(app, run_jobs):
    with app.app_context():
        account = account_for(new_learner())
        for n in range(1, 4):
            services.post_entry(account, D("1"), EntryKind.ATTENDANCE, f"a:{n}")
        db.session.commit()
        number = account.number
    queue.enqueue(creditbank_jobs.verify_ledger_every_night.s())
    run_jobs()
    with app.app_context():
        assert db.session.scalars(select(FailedJob)).all() == []  # a sound ledger passes
        _tamper("UPDATE ledger_entry SET amount = 500, balance_after = 600 WHERE sequence = 2")
    queue.enqueue(creditbank_jobs.verify_ledger_every_night.s())
    run_jobs()
    with app.app_context():
        (failure,) = db.session.scalars(select(FailedJob)).all()
        assert failure.name == "learnhub.creditbank.jobs.verify_ledger_every_night"
        assert "LedgerBroken" in failure.error and f"{number} #2" in failure.error
