"""``flask backup`` and ``flask restore``: a consistent copy taken while credits are being
posted, checked by the ledger's own verification before it is trusted, and put back."""

from __future__ import annotations

import threading
from decimal import Decimal as D

from sqlalchemy import func, select

from learnhub.creditbank import services
from learnhub.creditbank.models import CreditAccount, EntryKind, LedgerEntry
from learnhub.extensions import db
from tests.creditbank.conftest import account_for, new_learner, tamper


def _account(account_id: int) -> CreditAccount:
    return db.session.get(CreditAccount, account_id)


def _entries() -> int:
    db.session.rollback()  # read what is committed now, not this session's old snapshot
    return db.session.scalar(select(func.count()).select_from(LedgerEntry))


def _account_with(entries: int):
    account = account_for(new_learner())
    for n in range(1, entries + 1):
        services.post_entry(account, D("1"), EntryKind.ATTENDANCE, f"backup:{account.id}:{n}")
    db.session.commit()
    return account


def _post_one_more(account, key: str) -> None:
    services.post_entry(account, D("1"), EntryKind.ATTENDANCE, key)
    db.session.commit()


def _backup(runner, parent):
    result = runner.invoke(args=["backup", str(parent)])
    folders = sorted(parent.iterdir()) if parent.exists() else []
    return result, (folders[-1] if folders else None)


def _release_connections() -> None:
    """Nothing of this test's session holds a lock the restore must take."""
    db.session.commit()
    db.session.close()


def test_a_backup_taken_while_credits_are_posted_restores_to_that_moment(
    app, runner, ctx, tmp_path
):
    account_id = _account_with(3).id
    _release_connections()  # this thread holds no lock while the other one writes
    writing, stop = [], threading.Event()

    def post_while_backing_up():  # another process of the site, posting credits meanwhile
        with app.test_request_context(method="POST"):
            n = 0
            while not stop.is_set() and n < 50:
                n += 1
                live = _account(account_id)
                services.post_entry(live, D("1"), EntryKind.ATTENDANCE, f"during:{n}")
                db.session.commit()
                writing.append(n)
            db.session.remove()

    writer = threading.Thread(target=post_while_backing_up)
    writer.start()
    try:
        result, folder = _backup(runner, tmp_path / "backups")
    finally:
        stop.set()
        writer.join()
    assert result.exit_code == 0, result.output
    assert "Ledger OK" in result.output and writing  # checked, and written to meanwhile
    _post_one_more(_account(account_id), "after the backup")
    after = _entries()

    _release_connections()
    restored = runner.invoke(args=["restore", str(folder), "--yes"])
    assert restored.exit_code == 0, restored.output
    assert "the ledger checks out" in restored.output
    assert 3 <= _entries() < after  # back to the backup's moment: the later entry is gone
    assert runner.invoke(args=["ledger", "verify"]).exit_code == 0


def test_a_forged_ledger_fails_its_backup_and_a_good_backup_repairs_it(app, runner, ctx, tmp_path):
    account = _account_with(2)
    good, good_folder = _backup(runner, tmp_path / "good")
    assert good.exit_code == 0, good.output
    tamper("UPDATE ledger_entry SET amount = 50 WHERE account_id = :id AND sequence = 1",
           id=account.id)  # fmt: skip

    bad, bad_folder = _backup(runner, tmp_path / "bad")
    assert bad.exit_code != 0
    assert "does not verify" in bad.output and f"BREAK account {account.number}" in bad.output

    _post_one_more(_account(account.id), "before the restore")
    before = _entries()
    _release_connections()
    refused = runner.invoke(args=["restore", str(bad_folder), "--yes"])
    assert refused.exit_code != 0
    assert "does not verify" in refused.output and "Nothing was changed." in refused.output
    assert _entries() == before  # the live database as it was

    _release_connections()
    repaired = runner.invoke(args=["restore", str(good_folder), "--yes"])
    assert repaired.exit_code == 0, repaired.output
    assert _entries() == 2
    assert runner.invoke(args=["ledger", "verify"]).exit_code == 0


def test_restore_refuses_a_folder_without_a_backup_and_asks_before_replacing(
    app, runner, ctx, tmp_path
):
    _account_with(1)
    empty = tmp_path / "empty"
    empty.mkdir()
    result = runner.invoke(args=["restore", str(empty), "--yes"])
    assert result.exit_code != 0 and "holds no" in result.output
    assert "Nothing was changed." in result.output

    _, folder = _backup(runner, tmp_path / "backups")
    _post_one_more(account_for_any(), "kept")
    kept = _entries()
    _release_connections()
    declined = runner.invoke(args=["restore", str(folder)], input="n\n")
    assert declined.exit_code != 0 and "Replace every row" in declined.output
    assert _entries() == kept


def account_for_any() -> CreditAccount:
    return _account(db.session.scalar(select(LedgerEntry.account_id).limit(1)))
