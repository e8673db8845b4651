"""Tamper evidence: a keyed chain (HMAC-SHA256, keys outside the database), signed anchors of
the heads outside the database, and append-only triggers on both databases."""

from __future__ import annotations

import hashlib
import hmac
import json
import os
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError

from learnhub.creditbank import jobs as creditbank_jobs
from learnhub.creditbank import services
from learnhub.creditbank.models import CreditAccount, EntryKind, HashScheme, LedgerEntry
from learnhub.creditbank.services.anchors import anchor_dir, latest_anchor, write_anchor
from learnhub.creditbank.services.ledger import keyed_entry_hash, legacy_entry_hash
from learnhub.creditbank.services.ledger_keys import (
    KEY_FILE_NAME,
    LedgerKey,
    LedgerKeyError,
    signing_key,
)
from learnhub.database import utcnow
from learnhub.extensions import db
from learnhub.jobs.models import FailedJob
from learnhub.jobs.queue import queue

from .conftest import account_for, new_learner, tamper

D = Decimal


def _account_with(entries: int) -> CreditAccount:
    account = account_for(new_learner())
    for n in range(1, entries + 1):
        services.post_entry(account, D("1"), EntryKind.ATTENDANCE, f"a:{n}")
    db.session.commit()
    return account


def _append_forged(account: CreditAccount, scheme: HashScheme, key: LedgerKey | None = None):
    """The issue's attack: the next sequence number, a hash computed as the ledger does it,
    and the head moved on — plain INSERT and UPDATE, which the database allows."""
    account = db.session.get(CreditAccount, account.id)
    balance = services.balance_of(account)
    entry = LedgerEntry(
        account_id=account.id, sequence=account.head_sequence + 1, amount=D("99"),
        kind=EntryKind.ADJUSTMENT, business_key=f"forged:{account.head_sequence + 1}", memo="",
        balance_after=balance + D("99"),
        created_at=utcnow(), prev_hash=account.head_hash, hash_scheme=scheme,
        key_id=key.key_id if key else None,
    )  # fmt: skip
    entry.hash = keyed_entry_hash(entry, key) if key else legacy_entry_hash(entry)
    db.session.add(entry)
    account.head_sequence, account.head_hash = entry.sequence, entry.hash
    db.session.commit()
    return entry


def _breaks():
    return [(b.account_number, b.sequence, b.problem) for b in services.verify_ledger()]


def test_new_entries_are_sealed_with_the_newest_key_kept_outside_the_database(app, ctx):
    account = _account_with(1)
    entry = db.session.scalar(select(LedgerEntry).where(LedgerEntry.account_id == account.id))
    key = signing_key()
    assert entry.hash_scheme is HashScheme.HMAC_SHA256 and entry.key_id == key.key_id
    assert entry.hash == keyed_entry_hash(entry, key) != legacy_entry_hash(entry)
    key_file = os.path.join(app.instance_path, KEY_FILE_NAME)
    assert os.stat(key_file).st_mode & 0o777 == 0o600
    assert _breaks() == []


def test_the_issues_forged_entry_with_a_right_sha256_is_caught(runner, ctx):
    account = _account_with(2)
    assert runner.invoke(args=["ledger", "verify"]).exit_code == 0
    _append_forged(account, HashScheme.SHA256)
    result = runner.invoke(args=["ledger", "verify"])
    assert result.exit_code == 1
    assert f"BREAK account {account.number} entry 3: unkeyed entry" in result.output


def test_a_forged_entry_sealed_with_a_guessed_key_is_caught(ctx):
    account = _account_with(2)
    guessed = LedgerKey(signing_key().key_id, b"g" * 40)
    _append_forged(account, HashScheme.HMAC_SHA256, guessed)
    assert _breaks() == [(account.number, 3, "entry was altered (hash does not match its content)")]


def test_a_deleted_last_entry_with_its_head_rolled_back_is_caught_by_the_anchor(runner, ctx):
    account = _account_with(3)
    assert runner.invoke(args=["ledger", "anchor"]).exit_code == 0
    second = db.session.scalar(
        select(LedgerEntry).where(LedgerEntry.account_id == account.id, LedgerEntry.sequence == 2)
    )
    tamper("DELETE FROM ledger_entry WHERE account_id = :id AND sequence = 3", id=account.id)
    tamper(
        "UPDATE credit_account SET head_sequence = 2, head_hash = :h WHERE id = :id",
        h=second.hash, id=account.id,
    )  # fmt: skip
    result = runner.invoke(args=["ledger", "verify"])
    assert result.exit_code == 1
    assert f"BREAK account {account.number} entry 3: head went back to entry 2" in result.output
    refused = runner.invoke(args=["ledger", "anchor"])  # the evidence is not anchored over
    assert refused.exit_code == 1 and "head went back behind the anchor" in refused.output


def test_an_anchored_entry_rewritten_with_the_key_is_caught(ctx):
    account = _account_with(1)
    write_anchor(None)
    entry = db.session.scalar(select(LedgerEntry).where(LedgerEntry.account_id == account.id))
    entry.memo = "改过"
    rewritten = keyed_entry_hash(entry, signing_key())
    db.session.rollback()
    tamper("UPDATE ledger_entry SET memo = '改过', hash = :h WHERE id = :id", h=rewritten,
           id=entry.id)  # fmt: skip
    tamper("UPDATE credit_account SET head_hash = :h WHERE id = :id", h=rewritten, id=account.id)
    assert _breaks() == [(account.number, 1, "entry differs from the one in the anchor")]


def test_an_anchored_account_that_disappears_is_a_break(ctx):
    account = _account_with(0)
    number, account_id = account.number, account.id
    write_anchor(None)
    tamper("DELETE FROM credit_account WHERE id = :id", id=account_id)
    assert _breaks() == [(number, 0, "account is missing (it is in the anchor)")]


def test_an_anchor_changed_on_disk_is_a_break(ctx):
    _account_with(2)
    path = write_anchor(None)
    document = json.loads(path.read_text())
    for head in document["payload"]["accounts"].values():
        head["sequence"] = 1
    path.write_text(json.dumps(document))
    (found,) = _breaks()
    assert found == ("anchor", 0, f"anchor {path.name} does not match its signature")


def test_the_hourly_job_anchors_and_refuses_to_anchor_over_a_rollback(app, run_jobs):
    with app.test_request_context():
        account = _account_with(2)
        account_id, number = account.id, account.number
        first_hash = db.session.scalar(
            select(LedgerEntry.hash).where(
                LedgerEntry.account_id == account_id, LedgerEntry.sequence == 1
            )
        )
    queue.enqueue(creditbank_jobs.anchor_ledger_every_hour.s())
    run_jobs()
    with app.app_context():
        assert db.session.scalars(select(FailedJob)).all() == []
        first = latest_anchor()
        assert first.heads[number].sequence == 2
        tamper("DELETE FROM ledger_entry WHERE account_id = :id AND sequence = 2", id=account_id)
        tamper(
            "UPDATE credit_account SET head_sequence = 1, head_hash = :h WHERE id = :id",
            h=first_hash, id=account_id,
        )  # fmt: skip
    queue.enqueue(creditbank_jobs.anchor_ledger_every_hour.s())
    run_jobs()
    with app.app_context():
        (failure,) = db.session.scalars(select(FailedJob)).all()
        assert "head went back behind the anchor" in failure.error
        assert latest_anchor().path == first.path  # nothing new was anchored
    queue.enqueue(creditbank_jobs.verify_ledger_every_night.s())
    run_jobs()
    with app.app_context():
        night = db.session.scalar(
            select(FailedJob).where(FailedJob.name.like("%verify_ledger_every_night"))
        )
        assert "head went back" in night.error


def test_the_nightly_check_anchors_a_sound_ledger(app, run_jobs):
    with app.test_request_context():
        number = _account_with(1).number
    queue.enqueue(creditbank_jobs.verify_ledger_every_night.s())
    run_jobs()
    with app.app_context():
        assert db.session.scalars(select(FailedJob)).all() == []
        assert latest_anchor().heads[number].sequence == 1
        assert len(list(anchor_dir().glob("anchor-*.json"))) == 1


# ---- keys ----------------------------------------------------------------------------


def test_key_rotation_old_entries_verify_with_their_key(app, runner, ctx):
    account = _account_with(1)
    old = signing_key().key_id
    result = runner.invoke(args=["ledger", "new-key"])
    assert result.exit_code == 0 and "New ledger key" in result.output
    services.post_entry(account, D("1"), EntryKind.ATTENDANCE, "a:new")
    db.session.commit()
    keys = db.session.scalars(select(LedgerEntry.key_id).order_by(LedgerEntry.sequence)).all()
    assert keys[0] == old and keys[1] == signing_key().key_id != old
    assert f"New ledger key {signing_key().key_id} added" in result.output
    assert _breaks() == []
    key_file = os.path.join(app.instance_path, KEY_FILE_NAME)
    with open(key_file) as handle:
        data = json.load(handle)
    data["keys"] = data["keys"][1:]  # someone removed the old key
    with open(key_file, "w") as handle:
        json.dump(data, handle)
    assert _breaks() == [(account.number, 1, f"entry is sealed with ledger key {old!r}, "
                                            "which is not configured")]  # fmt: skip


def test_keys_from_the_setting_are_used_and_no_key_file_is_made(app_factory):
    app = app_factory(CREDIT_LEDGER_KEYS={"old": "o" * 40, "k2027": "n" * 40})
    with app.test_request_context():
        account = _account_with(1)
        entry = db.session.scalar(select(LedgerEntry).where(LedgerEntry.account_id == account.id))
        assert entry.key_id == "k2027"
        assert not os.path.exists(os.path.join(app.instance_path, KEY_FILE_NAME))
        refused = app.test_cli_runner().invoke(args=["ledger", "new-key"])
        assert refused.exit_code == 1
        assert "keys come from CREDIT_LEDGER_KEYS: add the new key there" in refused.output
        app.config["CREDIT_LEDGER_KEYS"] = {"short": "too short"}
        with pytest.raises(LedgerKeyError, match="shorter than 32"):
            services.post_entry(account, D("1"), EntryKind.ATTENDANCE, "a:2")
        db.session.rollback()


# ---- entries from before the ledger was keyed -------------------------------------------


def _legacy_account(entries: int) -> CreditAccount:
    """An account as the ledger left it before keys: unkeyed SHA-256 entries."""
    account = account_for(new_learner())
    db.session.commit()
    for _ in range(entries):
        _append_forged(account, HashScheme.SHA256)
        db.session.execute(text("SELECT 1"))
    return db.session.get(CreditAccount, account.id)


def test_unkeyed_entries_from_before_stay_valid_and_keyed_ones_follow(ctx):
    account = _legacy_account(1)
    services.post_entry(account, D("1"), EntryKind.ATTENDANCE, "a:after")
    db.session.commit()
    assert _breaks() == []
    write_anchor(None)
    assert latest_anchor().heads[account.number].legacy_through == 1
    assert _breaks() == []


def test_after_the_first_anchor_no_unkeyed_entry_is_accepted_anywhere(ctx):
    old = _legacy_account(1)  # only unkeyed entries, and still appendable by the old scheme
    write_anchor(None)
    assert _breaks() == []
    _append_forged(old, HashScheme.SHA256)
    fresh = _legacy_account(1)  # an account made after the anchor: no unkeyed entry allowed
    write_anchor(latest_anchor())  # the boundary is carried forward, never recomputed
    assert latest_anchor().heads[old.number].legacy_through == 1
    assert latest_anchor().heads[fresh.number].legacy_through == 0
    assert _breaks() == [
        (old.number, 2, "unkeyed entry where the ledger was already keyed"),
        (fresh.number, 1, "unkeyed entry where the ledger was already keyed"),
    ]


# ---- the database itself ---------------------------------------------------------------


def test_database_refuses_to_delete_or_update_entries(ctx):
    account = _account_with(1)
    for statement, refusal in (
        ("DELETE FROM ledger_entry", "never changed or deleted|never deleted"),
        ("UPDATE ledger_entry SET memo = 'x'", "never changed"),
    ):
        with pytest.raises(DBAPIError, match=refusal):
            db.session.execute(text(statement))
        db.session.rollback()
    with pytest.raises(DBAPIError, match="never moves back"):
        db.session.execute(
            text("UPDATE credit_account SET head_sequence = 0 WHERE id = :id"), {"id": account.id}
        )
    db.session.rollback()
    assert services.balance_of(account) == D("1.00")


def test_postgresql_refuses_to_truncate_the_ledger(ctx, backend):
    if backend != "postgresql":
        pytest.skip("TRUNCATE is PostgreSQL's")
    _account_with(1)
    with pytest.raises(DBAPIError, match="never changed or deleted"):
        db.session.execute(text("TRUNCATE ledger_entry CASCADE"))
    db.session.rollback()


def test_the_quick_head_check_reports_every_anchored_account_that_went_wrong(ctx):
    from learnhub.creditbank.services.chain_verification import check_heads

    gone, rolled, empty, rewritten, sound = (_account_with(n) for n in (1, 2, 0, 1, 1))
    numbers = [a.number for a in (rolled, empty, rewritten, gone, sound)]
    ids = {a.number: a.id for a in (rolled, rewritten, gone)}
    write_anchor(None)
    assert list(check_heads(latest_anchor())) == []
    first = db.session.scalar(
        select(LedgerEntry.hash).where(
            LedgerEntry.account_id == ids[numbers[0]], LedgerEntry.sequence == 1
        )
    )
    tamper("DELETE FROM ledger_entry WHERE account_id = :id AND sequence = 2", id=ids[numbers[0]])
    tamper(
        "UPDATE credit_account SET head_sequence = 1, head_hash = :h WHERE id = :id",
        h=first, id=ids[numbers[0]],
    )  # fmt: skip
    tamper("UPDATE ledger_entry SET hash = :h WHERE account_id = :id", h="e" * 64,
           id=ids[numbers[2]])  # fmt: skip
    tamper("DELETE FROM ledger_entry WHERE account_id = :id", id=ids[numbers[3]])
    tamper("DELETE FROM credit_account WHERE id = :id", id=ids[numbers[3]])
    found = [(b.account_number, b.sequence, b.problem) for b in check_heads(latest_anchor())]
    assert found == sorted(
        [
            (numbers[0], 2, "head went back behind the anchor"),
            (numbers[2], 1, "entry differs from the one in the anchor"),
            (numbers[3], 1, "account is missing (it is in the anchor)"),
        ]
    )
    assert list(check_heads(None)) == []


def test_the_first_anchor_takes_each_accounts_own_unkeyed_boundary(ctx):
    one, two, keyed = _legacy_account(1), _legacy_account(2), _account_with(1)
    write_anchor(None)
    heads = latest_anchor().heads
    assert [heads[a.number].legacy_through for a in (one, two, keyed)] == [1, 2, 0]
    assert [heads[a.number].sequence for a in (one, two, keyed)] == [1, 2, 1]


def test_an_anchor_is_a_signed_file_anyone_with_the_key_can_check(app_factory, tmp_path):
    folder = tmp_path / "off-site" / "anchors"  # made with its parents
    app = app_factory(CREDIT_LEDGER_ANCHOR_DIR=str(folder))
    with app.test_request_context():
        account = _account_with(2)
        moment = datetime(2027, 1, 2, 3, 4, 5, 678901, tzinfo=UTC)
        path = write_anchor(None, now=moment)
        assert path == folder / "anchor-20270102T030405678901Z.json"
        document = json.loads(path.read_text(encoding="utf-8"))
        payload = document["payload"]
        key = signing_key()
        assert payload["version"] == 1 and payload["key_id"] == key.key_id
        assert payload["written_at"] == "2027-01-02T03:04:05.678901+00:00"
        assert payload["accounts"][account.number] == {
            "sequence": 2, "hash": account.head_hash, "legacy_through": 0,
        }  # fmt: skip
        text = json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
        expected = hmac.new(key.secret, text.encode(), hashlib.sha256).hexdigest()
        assert document["signature"] == expected
        later = write_anchor(latest_anchor(), now=moment.replace(year=2028))
        assert latest_anchor().path == later
        assert latest_anchor().written_at == "2028-01-02T03:04:05.678901+00:00"


# ---- each kind of break, read by batches -------------------------------------------------


def _entry(account, sequence):
    return db.session.scalar(
        select(LedgerEntry).where(
            LedgerEntry.account_id == account.id, LedgerEntry.sequence == sequence
        )
    )


def _reseal(account, sequence, **changes):
    """An insider who holds the key rewrites an entry and seals it again (no anchor yet)."""
    entry = _entry(account, sequence)
    for name, value in changes.items():
        setattr(entry, name, value)
    sealed = keyed_entry_hash(entry, signing_key())
    db.session.rollback()
    sets = ", ".join(f"{name} = :{name}" for name in changes)
    values = {
        name: (int(value * 100) if isinstance(value, Decimal) else value)
        for name, value in changes.items()
    }
    tamper(f"UPDATE ledger_entry SET {sets}, hash = :h WHERE id = :id",  # noqa: S608
           h=sealed, id=_entry(account, sequence).id, **values)  # fmt: skip
    return sealed


def test_a_long_chain_is_read_in_batches(ctx):
    account = _account_with(5)
    assert list(services.verify_ledger(batch=2)) == []
    tamper("UPDATE ledger_entry SET memo = 'x' WHERE account_id = :id AND sequence = 4",
           id=account.id)  # fmt: skip
    assert [(b.sequence, b.problem) for b in services.verify_ledger(batch=2)] == [
        (4, "entry was altered (hash does not match its content)")
    ]


def test_a_missing_middle_entry_and_a_broken_link_are_named(ctx):
    gap, link = _account_with(3), _account_with(2)
    numbers = gap.number, link.number
    tamper("DELETE FROM ledger_entry WHERE account_id = :id AND sequence = 2", id=gap.id)
    tamper("UPDATE ledger_entry SET prev_hash = :h WHERE account_id = :id AND sequence = 2",
           h="b" * 64, id=link.id)  # fmt: skip
    assert _breaks() == [
        (numbers[0], 3, "entry 2 is missing"),
        (numbers[1], 2, "previous hash does not match the entry before"),
    ]


def test_a_resealed_balance_that_does_not_add_up_is_a_break(ctx):
    account = _account_with(1)
    sealed = _reseal(account, 1, balance_after=D("7.00"))
    tamper("UPDATE credit_account SET head_hash = :h WHERE id = :id", h=sealed, id=account.id)
    assert _breaks() == [(account.number, 1, "balance after is 7.00, the entries add up to 1.00")]


def test_a_head_that_names_another_hash_is_a_break(ctx):
    account = _account_with(2)
    tamper("UPDATE credit_account SET head_hash = :h WHERE id = :id", h="c" * 64, id=account.id)
    assert _breaks() == [(account.number, 3, "entries after this one are missing (head differs)")]


def test_anchors_in_the_instance_folder_by_default(app, ctx):
    from pathlib import Path

    _account_with(1)
    path = write_anchor(None)
    assert path.parent == Path(app.instance_path) / "ledger-anchors"


def test_an_unreadable_anchor_or_one_with_an_unknown_key_is_a_break(ctx):
    _account_with(1)
    path = write_anchor(None)
    document = json.loads(path.read_text())
    document["payload"]["key_id"] = "gone"
    path.write_text(json.dumps(document))
    assert _breaks() == [("anchor", 0, f"anchor {path.name} is signed with a key that is not "
                                       "configured")]  # fmt: skip
    path.write_text("{not json")
    ((number, sequence, problem),) = _breaks()
    assert (number, sequence) == ("anchor", 0)
    assert problem.startswith(f"anchor {path.name} cannot be read: ")
