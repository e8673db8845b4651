"""Credit bank benchmark: postings per second through the service layer, and the statement
page of an account with 10,000 entries.

    .venv/bin/python bench/creditbank_bench.py                       # SQLite (temporary file)
    .venv/bin/python bench/creditbank_bench.py postgresql://postgres@127.0.0.1:5432/postgres
"""

from __future__ import annotations

import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

import flask_migrate
from sqlalchemy import create_engine, make_url, text

from learnhub import create_app
from learnhub.accounts import services as account_services
from learnhub.config import normalise_database_url
from learnhub.creditbank import services
from learnhub.creditbank.models import EntryKind
from learnhub.extensions import db
from learnhub.regions.services import load_regions

POSTINGS = 2000
STATEMENT_ENTRIES = 10_000
CONFIG = {"TESTING": True, "SECRET_KEY": "bench", "PASSWORD_HASH_TIME_COST": 1,
          "PASSWORD_HASH_MEMORY_KIB": 8 * 1024, "PASSWORD_HASH_PARALLELISM": 1}  # fmt: skip


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

    return server.set(database="learnhub_bench").render_as_string(hide_password=False), drop


def main(url: str | None) -> None:
    database_url, drop = database(url)
    app = create_app({**CONFIG, "SQLALCHEMY_DATABASE_URI": database_url})
    try:
        with app.app_context():
            flask_migrate.upgrade()
            load_regions()
            users = [account_services.register(f"bench{n}", "bench password 1", "测试", "210100",
                                               "210102") for n in range(2)]  # fmt: skip
            db.session.commit()
            account, big = (services.account_of(u) for u in users)
            started = time.perf_counter()
            for n in range(POSTINGS):  # one transaction per posting, as in a request
                services.post_entry(account, Decimal("0.25"), EntryKind.ATTENDANCE, f"b:{n}")
                db.session.commit()
            elapsed = time.perf_counter() - started
            backend = make_url(database_url).get_backend_name()
            rate = POSTINGS / elapsed
            print(f"{backend}: {rate:,.0f} postings/s ({POSTINGS} postings, one commit each)")
            for n in range(STATEMENT_ENTRIES):
                services.post_entry(big, Decimal("0.01"), EntryKind.ATTENDANCE, f"s:{n}")
                if n % 1000 == 999:
                    db.session.commit()
            db.session.commit()
        client = app.test_client()
        _login(app, client)
        timings = []
        for page in (1, 2, 100, 200):
            started = time.perf_counter()
            response = client.get(f"/me/credits?page={page}")
            timings.append((page, time.perf_counter() - started, response.status_code))
        for page, seconds, status in timings:
            print(f"  statement page {page} of a {STATEMENT_ENTRIES}-entry account: "
                  f"{seconds * 1000:.0f} ms (HTTP {status})")  # fmt: skip
        started = time.perf_counter()
        with app.app_context():
            breaks = list(services.verify_ledger())
        print(f"  ledger verify over {POSTINGS + STATEMENT_ENTRIES} entries: "
              f"{time.perf_counter() - started:.2f} s, breaks: {len(breaks)}")  # fmt: skip
    finally:
        with app.app_context():
            db.engine.dispose()
        drop()


def _login(app, client) -> None:
    """Sign in as the big account's owner (CSRF off for the benchmark client only)."""
    app.config["WTF_CSRF_ENABLED"] = False
    response = client.post("/login", data={"login": "bench1", "password": "bench password 1"})
    assert response.status_code in (302, 303), response.status_code


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else None)
