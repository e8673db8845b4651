"""Credit bank benchmark: postings per second through the service layer, and the pages of an
account with 10,000 entries in a ledger of ``--entries`` — on SQLite and, when given a
server, on PostgreSQL.

Every figure comes with a ratio against a baseline measured in the same run on the same
database: postings against a bare one-row INSERT + COMMIT, pages against a trivial route
(``return "ok"``) served by the same app to the same signed-in client.

    .venv/bin/python -m bench.creditbank_bench                    # SQLite (temporary file)
    .venv/bin/python -m bench.creditbank_bench postgresql://postgres@127.0.0.1:5432/postgres
                                                                  # SQLite, then PostgreSQL
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from decimal import Decimal
from pathlib import Path

import flask_migrate
from flask import current_app
from sqlalchemy import create_engine, insert, make_url, select, text

from learnhub import create_app
from learnhub.accounts import services as account_services
from learnhub.accounts.models import Role, User
from learnhub.config import normalise_database_url
from learnhub.creditbank import services
from learnhub.creditbank.models import EntryKind, HashScheme, LedgerEntry
from learnhub.creditbank.services.ledger import keyed_entry_hash
from learnhub.creditbank.services.ledger_keys import signing_key
from learnhub.database import utcnow
from learnhub.extensions import db
from learnhub.regions.services import load_regions

ENTRY_COLUMNS = [column.key for column in LedgerEntry.__table__.columns if column.key != "id"]

CONFIG = {"TESTING": True, "SECRET_KEY": "bench", "PASSWORD_HASH_TIME_COST": 1,
          "PASSWORD_HASH_MEMORY_KIB": 8 * 1024, "PASSWORD_HASH_PARALLELISM": 1}  # fmt: skip
PAGES = (
    "/me/credits?page=1",
    "/me/credits?page=2",
    "/me/credits?page=100",
    "/me/credits?page=200",
    "/me/credits?start=2000-01-01&end=2099-12-31&page=150",
    "/me/credits/statement.csv",
    "/me/credits/transcript",
    "/me/credits/transcript.pdf",
)


def database(url: str | None) -> tuple[str, callable]:
    if not url:
        folder = tempfile.mkdtemp()
        return f"sqlite:///{Path(folder) / 'bench.sqlite3'}", lambda: None
    server = make_url(normalise_database_url(url))
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text('DROP DATABASE IF EXISTS "learnhub_bench" WITH (FORCE)'))
        connection.execute(text('CREATE DATABASE "learnhub_bench"'))

    def drop():
        with admin.connect() as connection:
            connection.execute(text('DROP DATABASE IF EXISTS "learnhub_bench" WITH (FORCE)'))
        admin.dispose()

    return server.set(database="learnhub_bench").render_as_string(hide_password=False), drop


def bare_commits_per_second(count: int) -> float:
    """Baseline: one tiny INSERT and a COMMIT, the least a posting can cost."""
    db.session.execute(text("CREATE TABLE bench_baseline (id INTEGER PRIMARY KEY, n INTEGER)"))
    db.session.commit()
    started = time.perf_counter()
    for n in range(count):
        db.session.execute(text("INSERT INTO bench_baseline (id, n) VALUES (:n, :n)"), {"n": n})
        db.session.commit()
    return count / (time.perf_counter() - started)


def postings_per_second(account, count: int) -> float:
    """post_entry with one commit each, as a request or a retrying worker does."""
    started = time.perf_counter()
    for n in range(count):
        services.post_entry(account, Decimal("0.25"), EntryKind.ATTENDANCE, f"b:{n}")
        db.session.commit()
    return count / (time.perf_counter() - started)


FILL_BATCH = 10_000
OTHER_ACCOUNT_ENTRIES = 100  # a resident's years of courses, activities and recognitions


def other_accounts(count: int) -> list:
    """Credit accounts of ``count`` more residents (bulk-registered), to hold the ledger's
    entries beyond the signed-in learner's."""
    now, notice = utcnow(), current_app.config["PRIVACY_NOTICE_VERSION"]
    db.session.execute(insert(User), [
        {"username": f"ledger{n:07d}", "display_name": f"居民{n}", "password_hash": "x",
         "role": Role.LEARNER, "city_code": "210100", "district_code": "210102",
         "created_at": now, "notice_version": notice, "notice_agreed_at": now}
        for n in range(count)
    ])  # fmt: skip
    users = db.session.scalars(select(User).where(User.username.startswith("ledger"))).all()
    accounts = [services.open_account(user) for user in users]
    db.session.commit()
    return accounts


def fill(entries_by_account: list[tuple]) -> None:
    """Each account's entries, each sealed in the chain as post_entry seals it (the ledger's
    own keyed hash of the entry and the hash before it), written 10,000 to a statement.
    What one posting costs is measured above, through post_entry; a million of them one at
    a time took most of an hour of a province run. ``verify_ledger`` at the end of the run
    checks every link of what this wrote."""
    key, amount, rows = signing_key(), Decimal("0.01"), []
    for account, count in entries_by_account:
        sequence, head, balance = (
            account.head_sequence,
            account.head_hash,
            services.balance_of(account),
        )
        for n in range(count):
            balance += amount
            sequence += 1
            entry = LedgerEntry(
                account_id=account.id, sequence=sequence, amount=amount,
                kind=EntryKind.ATTENDANCE, business_key=f"s:{n}", module_id=None,
                reverses_id=None, posted_by_id=None, memo=f"社区大讲堂第{n}讲",
                balance_after=balance, created_at=utcnow(), prev_hash=head,
                hash_scheme=HashScheme.HMAC_SHA256, key_id=key.key_id,
            )  # fmt: skip
            entry.hash = head = keyed_entry_hash(entry, key)
            rows.append({column: getattr(entry, column) for column in ENTRY_COLUMNS})
            if len(rows) == FILL_BATCH:
                db.session.execute(insert(LedgerEntry), rows)
                rows = []
        account.head_sequence, account.head_hash = sequence, head
    if rows:
        db.session.execute(insert(LedgerEntry), rows)
    db.session.commit()


def spread(entries: int, account_entries: int, account) -> list[tuple]:
    """(account, entries) pairs: the signed-in learner's ``account_entries``, the rest of
    the ledger's ``entries`` 100 to an account of other residents."""
    own = min(entries, account_entries)
    others = -(-(entries - own) // OTHER_ACCOUNT_ENTRIES)
    pairs = [(account, own)]
    left = entries - own
    for other in other_accounts(others) if others else []:
        pairs.append((other, min(left, OTHER_ACCOUNT_ENTRIES)))
        left -= OTHER_ACCOUNT_ENTRIES
    return pairs


def median_ms(client, url: str, repeat: int) -> tuple[float, int]:
    timings, status = [], 0
    for _ in range(repeat):
        started = time.perf_counter()
        response = client.get(url)
        response.get_data()  # a streamed download is timed to its last byte
        timings.append(time.perf_counter() - started)
        status = response.status_code
        response.close()
    return statistics.median(timings) * 1000, status


def run(url: str | None, postings: int, entries: int, account_entries: int, repeat: int) -> dict:
    database_url, drop = database(url)
    account_entries = min(entries, account_entries)
    figures = {"entries": entries, "account_entries": account_entries, "postings": postings,
               "pages": {}}  # fmt: skip
    backend = make_url(database_url).get_backend_name()
    app = create_app({**CONFIG, "SQLALCHEMY_DATABASE_URI": database_url})
    app.add_url_rule("/bench-ok", "bench_ok", lambda: "ok")
    try:
        with app.app_context():
            flask_migrate.upgrade()
            load_regions()
            notice = app.config["PRIVACY_NOTICE_VERSION"]  # else /me/credits asks for consent
            users = [account_services.register(f"bench{n}", "bench password 1", "测试学员",
                                               "210100", "210102", notice_version=notice)
                     for n in range(2)]  # fmt: skip
            db.session.commit()
            account, big = (services.account_of(u) for u in users)
            baseline = bare_commits_per_second(postings)
            rate = postings_per_second(account, postings)
            figures.update(backend=backend, posting_rate=rate, bare_commit_rate=baseline)
            print(f"[{backend}] postings: {rate:,.0f}/s through post_entry ({postings}, one "
                  f"commit each); bare INSERT+COMMIT {baseline:,.0f}/s; "
                  f"ratio {rate / baseline:.2f}")  # fmt: skip
            started = time.perf_counter()
            accounts = spread(entries, account_entries, big)
            fill(accounts)
            figures["fill_seconds"] = time.perf_counter() - started
            print(f"[{backend}] filled the ledger with {entries:,} entries in "
                  f"{time.perf_counter() - started:.1f} s: the signed-in learner's account "
                  f"{account_entries:,}, {len(accounts) - 1:,} others up to "
                  f"{OTHER_ACCOUNT_ENTRIES} each (chained, {FILL_BATCH:,} to a "
                  "statement)")  # fmt: skip
        client = app.test_client()
        _login(app, client)
        base_ms, _status = median_ms(client, "/bench-ok", repeat * 5)
        print(f"[{backend}] trivial route: {base_ms:.2f} ms (median of {repeat * 5})")
        for page in PAGES:
            count = 1 if page.endswith(".pdf") else repeat
            ms, status = median_ms(client, page, count)
            figures["pages"][page] = {"ms": ms, "status": status, "trivial_ms": base_ms}
            print(f"[{backend}]   {page} ({account_entries:,} entries): {ms:.0f} ms, "
                  f"HTTP {status}, "
                  f"ratio {ms / base_ms:,.0f}× the trivial route (median of {count})")  # fmt: skip
        started = time.perf_counter()
        with app.app_context():
            breaks = list(services.verify_ledger())
        figures.update(verify_seconds=time.perf_counter() - started, breaks=len(breaks))
        print(f"[{backend}] ledger verify over {postings + entries:,} entries: "
              f"{time.perf_counter() - started:.2f} s, breaks: {len(breaks)}")  # fmt: skip
    finally:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
        drop()
    return figures


def _login(app, client) -> None:
    """Sign in as the big account's owner (CSRF off for the benchmark client only)."""
    app.config["WTF_CSRF_ENABLED"] = False
    response = client.post("/login", data={"login": "bench1", "password": "bench password 1"})
    assert response.status_code in (302, 303), response.status_code


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("postgres_url", nargs="?", help="also run on this PostgreSQL server")
    parser.add_argument("--postings", type=int, default=2000)
    parser.add_argument("--entries", type=int, default=10_000, help="ledger entries in all")
    parser.add_argument(
        "--account-entries",
        type=int,
        default=10_000,
        help="of them, in the signed-in learner's account (the pages'); the "
        f"rest {OTHER_ACCOUNT_ENTRIES} to an account of other residents",
    )
    parser.add_argument("--repeat", type=int, default=5, help="requests per page (median)")
    parser.add_argument("--json", help="also write the figures to this file (for bench/run)")
    parser.add_argument("--only-postgres", action="store_true", help="skip the SQLite run")
    args = parser.parse_args()
    urls = (None, args.postgres_url) if args.postgres_url else (None,)
    figures = [run(url, args.postings, args.entries, args.account_entries, args.repeat)
               for url in urls if url or not args.only_postgres]  # fmt: skip
    if args.json:
        Path(args.json).write_text(json.dumps(figures, indent=1))


if __name__ == "__main__":
    main()
