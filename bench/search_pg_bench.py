"""Search benchmark, PostgreSQL backend: the Whoosh index next to the PostgreSQL entries.

    LEARNHUB_BENCH_POSTGRES_URL=postgresql://postgres@127.0.0.1:5432/postgres \\
        .venv/bin/python bench/search_pg_bench.py --lessons 20000

The same synthetic catalogue, queries and measurements as bench/search_bench.py (which puts
Whoosh next to SQLite FTS5); here both sides are learnhub's own adapters, asked exactly as
the site asks them (SearchIndex.search and PostgresIndex.search: a page of 10, the total,
the module facets, popularity boosts). A database is made for the run and dropped after it.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import secrets
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import flask_migrate
import search_bench
import search_corpus
from sqlalchemy import create_engine, make_url, text
from sqlalchemy.dialects.postgresql import insert

from learnhub import create_app
from learnhub.config import normalise_database_url
from learnhub.extensions import db
from learnhub.search import pgsnapshot
from learnhub.search import text as search_text
from learnhub.search.models import SearchEntry
from learnhub.search.pgindex import WRITE_LOCK, PostgresIndex, _row

BATCH = 1000


def _vector_row(doc) -> dict:
    return _row(doc)  # analysing the text: the slow part, done in a pool


def build_postgresql(index: PostgresIndex, docs, procs: int) -> float:
    started = time.perf_counter()
    with multiprocessing.get_context("fork").Pool(procs) as pool:
        rows = pool.imap(_vector_row, docs, chunksize=200)
        batch = []
        for row in rows:
            batch.append(row)
            if len(batch) >= BATCH:
                _write(batch)
                batch = []
        _write(batch)
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(text("VACUUM ANALYZE search_entry"))
    return time.perf_counter() - started


def take_snapshot(index: PostgresIndex) -> tuple[float, float]:
    """The snapshot a rebuild ends with (pgsnapshot.py): what queries read. Returns the
    seconds reading the entries took (no lock) and making it current (writers wait)."""
    with db.engine.connect() as connection:
        started = time.perf_counter()
        snapshot = pgsnapshot.capture(connection, WRITE_LOCK)
        captured = time.perf_counter()
        pgsnapshot.make_current(connection, snapshot, index.lock_writes)
        switched = time.perf_counter()
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(text("VACUUM ANALYZE"))
    return captured - started, switched - captured


def _write(rows) -> None:
    if not rows:
        return
    with db.engine.begin() as connection:
        statement = insert(SearchEntry.__table__).values(indexed_at=text("clock_timestamp()"))
        connection.execute(statement, rows)


def postgresql_searcher(index: PostgresIndex, boosts):
    def search(query: str):
        found = index.search(query, boosts=boosts)
        return found.total, [(h.kind, h.object_id) for h in found.hits], found.facets

    return search


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--lessons", type=int, default=100_000)
    parser.add_argument("--procs", type=int, default=2)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args(argv)
    server_url = os.environ.get("LEARNHUB_BENCH_POSTGRES_URL") or os.environ.get(
        "LEARNHUB_TEST_POSTGRES_URL"
    )
    if not server_url:
        raise SystemExit("set LEARNHUB_BENCH_POSTGRES_URL to a PostgreSQL server")
    server = make_url(normalise_database_url(server_url))
    name = f"learnhub_search_bench_{secrets.token_hex(4)}"
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    folder = Path(tempfile.mkdtemp(prefix="search-pg-bench-"))
    try:
        url = server.set(database=name).render_as_string(hide_password=False)
        os.environ["LEARNHUB_INSTANCE_PATH"] = str(folder / "instance")
        app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SEARCH_BACKEND": "postgresql",
                          "SECRET_KEY": "bench"})  # fmt: skip
        courses, lessons = search_corpus.generate(args.lessons)
        boosts = search_bench.popularity(courses)
        print(f"corpus: {len(courses):,} courses, {len(lessons):,} lessons")
        search_text.segment("预热")
        with app.app_context():
            flask_migrate.upgrade()
            index = PostgresIndex()
            builds = {
                "whoosh": search_bench.build_whoosh(
                    folder / "whoosh", search_bench.documents(courses, lessons), args.procs
                ),
                "postgresql": build_postgresql(
                    index, search_bench.documents(courses, lessons), args.procs
                ),
            }
            # Every entry written and no snapshot yet: a rebuild's state until its snapshot
            # (each query matches the entries on the table itself), one round of queries.
            unsnapshotted = search_bench.measure(postgresql_searcher(index, boosts), 1)
            read, switch = take_snapshot(index)
            print(f"built: whoosh {builds['whoosh']:.1f} s, postgresql"
                  f" {builds['postgresql']:.1f} s; its snapshot read in {read:.1f} s,"
                  f" made current in {switch:.2f} s")  # fmt: skip
            results = {
                "whoosh": search_bench.measure(
                    search_bench.whoosh_searcher(folder / "whoosh", boosts), args.repeat
                ),
                "fts5": search_bench.measure(postgresql_searcher(index, boosts), args.repeat),
            }
            db.engine.dispose()
        print("(in the table below, F is the PostgreSQL backend)")
        search_bench.report(args.lessons, {"fts5": builds["postgresql"], **builds}, results)
        print("\nPostgreSQL backend before its snapshot (every entry matched on the table),"
              " p95 ms cold / warm:")  # fmt: skip
        for kind in search_bench.QUERIES:
            cold, warm = (
                search_bench.percentiles([t[0] for t in unsnapshotted[phase][kind]])[1]
                for phase in ("cold", "warm")
            )
            print(f"  {kind:18}{cold:9.1f}{warm:9.1f}")
    finally:
        shutil.rmtree(folder, ignore_errors=True)
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


if __name__ == "__main__":
    main()
