"""The PostgreSQL backend's snapshots: every entry's terms as posting lists, taken now and then.

A GIN index finds a common word's 45,000 entries fast, but counting them by module and
ranking them makes PostgreSQL visit every one of their rows (GIN has no index-only scans):
200 ms and more a query at 100,000 lessons. A snapshot keeps each term's documents and
weights as two byte strings (search_snapshot_posting), read in one look-up and scored in
the process by the engine the Whoosh index uses (pgsearch.py); every host reads the same.

Entries keep changing in their transactions as before. One written after the snapshot
was taken (``indexed_at`` after its ``taken_at``) is matched by queries on search_entry
itself (an index on ``indexed_at`` finds those few), and the snapshot's own document for it
is listed stale (search_snapshot_stale) in the same transaction (:func:`mark_stale`). So a
query sees exactly the entries committed, as before snapshots existed. The job worker
takes a new snapshot when the entries written since pass :data:`FRESH_LIMIT` (or a
rebuild ends).

Taking one waits for the writer holding the backend's write lock (a few milliseconds),
starts a repeatable-read transaction and reads the clock while holding it, so that
transaction sees every entry written before ``taken_at`` and none after; then it lets
writers go on and reads every entry (PostgreSQL does the grouping). Holding the write lock
again for a moment, it lists as stale its documents rewritten or removed meanwhile and
becomes current. The previous snapshot stays until the next one, for queries that began
on it. Nothing is written to search_entry: its rows stay as their writers left them.
"""

from __future__ import annotations

import logging
import time

from sqlalchemy import Connection, text

log = logging.getLogger(__name__)

# A new snapshot once this many entries were written since the last (or this share of it):
# each query matches those on search_entry, a cost that grows with them.
FRESH_LIMIT = 2_000
FRESH_SHARE = 0.02

_NEW = text("INSERT INTO search_snapshot (built_at, taken_at, documents, content_length,"
            " current) VALUES (now(), :taken_at, 0, 0, false) RETURNING id")  # fmt: skip
_DOCUMENTS = text(
    "INSERT INTO search_snapshot_doc (snapshot_id, docnum, key, indexed_at, kind, object_id,"
    " course_id, module, published, weight, content_length)"
    " SELECT :snapshot, row_number() OVER (ORDER BY key) - 1, key, indexed_at, kind,"
    " object_id, course_id, module, published, weight, content_length FROM search_entry"
)
_POSTINGS = text(
    "INSERT INTO search_snapshot_posting (snapshot_id, lexeme, ids, weights)"
    " SELECT :snapshot, t.key, string_agg(int4send(d.docnum), '' ORDER BY d.docnum),"
    " string_agg(float8send(CAST(t.value AS float8)), '' ORDER BY d.docnum)"
    " FROM search_snapshot_doc AS d JOIN search_entry AS e ON e.key = d.key,"
    " jsonb_each(e.term_weights) AS t WHERE d.snapshot_id = :snapshot GROUP BY t.key"
)
_TOTALS = text(
    "UPDATE search_snapshot SET (documents, content_length) = (SELECT count(*),"
    " coalesce(sum(content_length), 0) FROM search_snapshot_doc WHERE snapshot_id = :snapshot)"
    " WHERE id = :snapshot"
)
_STALE_SINCE = text(
    "INSERT INTO search_snapshot_stale (snapshot_id, docnum)"
    " SELECT :snapshot, d.docnum FROM search_snapshot_doc AS d WHERE d.snapshot_id = :snapshot"
    " AND NOT EXISTS (SELECT 1 FROM search_entry AS e WHERE e.key = d.key"
    " AND e.indexed_at = d.indexed_at)"
)
_CURRENT = text("UPDATE search_snapshot SET current = (id = :snapshot)")
_OLDER = text("DELETE FROM search_snapshot WHERE id < (SELECT max(id) FROM search_snapshot"
              " WHERE id < :snapshot)")  # fmt: skip
_STALE = text(
    "INSERT INTO search_snapshot_stale (snapshot_id, docnum)"
    " SELECT d.snapshot_id, d.docnum FROM search_snapshot_doc AS d"
    " JOIN search_snapshot AS s ON s.id = d.snapshot_id AND s.current"
    " WHERE d.key = ANY(CAST(:keys AS text[])) ON CONFLICT DO NOTHING"
)
# The entries written since the current snapshot (all of them when there is none).
_FRESH_COUNT = text(
    "SELECT (SELECT count(*) FROM search_entry WHERE indexed_at > coalesce((SELECT taken_at"
    " FROM search_snapshot WHERE current), '-infinity')),"
    " (SELECT documents FROM search_snapshot WHERE current)"
)
_SUMMARY = text(
    "SELECT s.id, s.built_at, (SELECT count(*) FROM search_entry AS e"
    " WHERE e.indexed_at > s.taken_at) FROM search_snapshot AS s WHERE s.current"
)


def summary(connection: Connection) -> str:
    """The current snapshot and how many entries were written since, for the operator."""
    found = connection.execute(_SUMMARY).one_or_none()
    if found is None:
        return "no snapshot yet (the worker or a rebuild takes one)"
    snapshot, built_at, fresh = found
    return f"snapshot {snapshot} of {built_at:%Y-%m-%d %H:%M} UTC; entries written since: {fresh}"


def mark_stale(connection: Connection, keys: list[str]) -> None:
    """List the current snapshot's documents of ``keys`` as stale (their entries are being
    rewritten or removed in this transaction, which holds the write lock)."""
    if keys:
        connection.execute(_STALE, {"keys": keys})


def snapshot_due(connection: Connection) -> bool:
    """Whether so many entries were written since the snapshot that a new one is due."""
    fresh, documents = connection.execute(_FRESH_COUNT).one()
    connection.commit()
    return fresh > 0 and (
        documents is None or fresh >= min(FRESH_LIMIT, max(1, documents * FRESH_SHARE))
    )


def take_snapshot(connection: Connection, write_lock: int, lock_writes) -> int:
    """Take a snapshot of every entry and make it current; returns its id.

    ``write_lock`` is the backend's write lock (a PostgreSQL advisory lock key) and
    ``lock_writes(connection)`` takes it until the transaction ends. Callers hold the
    rebuild lock, so one snapshot is taken at a time."""
    started = time.perf_counter()
    snapshot = capture(connection, write_lock)
    log.info("search snapshot %d read in %.1f s", snapshot, time.perf_counter() - started)
    make_current(connection, snapshot, lock_writes)
    return snapshot


def capture(connection: Connection, write_lock: int) -> int:
    """Every entry as committed now, as a new snapshot's documents and postings (not yet
    current); returns its id. Writers wait only while its transaction begins."""
    lock = {"key": write_lock}
    connection.commit()
    connection.execute(text("SELECT pg_advisory_lock(:key)"), lock)
    connection.commit()  # the lock is the session's: it outlives this transaction
    held = True
    try:
        with connection.begin():
            connection.exec_driver_sql("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
            # The transaction sees the database as of its first query: with no writer
            # half-way, every entry before this moment and none after.
            taken_at = connection.scalar(text("SELECT clock_timestamp()"))
            held = not connection.scalar(text("SELECT pg_advisory_unlock(:key)"), lock)
            snapshot = connection.scalar(_NEW, {"taken_at": taken_at})
            connection.execute(_DOCUMENTS, {"snapshot": snapshot})
            connection.execute(_POSTINGS, {"snapshot": snapshot})
            connection.execute(_TOTALS, {"snapshot": snapshot})
    finally:  # a session lock is never left to the pool, whatever failed
        if held:
            connection.rollback()
            connection.execute(text("SELECT pg_advisory_unlock(:key)"), lock)
            connection.commit()
    return snapshot


def make_current(connection: Connection, snapshot: int, lock_writes) -> None:
    """Switch queries to ``snapshot``; its documents rewritten or removed since
    :func:`capture` are listed stale first. The write lock keeps writers out meanwhile."""
    with connection.begin():
        lock_writes(connection)
        locked = time.perf_counter()
        connection.execute(_STALE_SINCE, {"snapshot": snapshot})
        connection.execute(_CURRENT, {"snapshot": snapshot})
    log.info("search snapshot %d current (writers held %.2f s)", snapshot,
             time.perf_counter() - locked)  # fmt: skip
    with connection.begin():  # the one before stays for queries that began on it
        connection.execute(_OLDER, {"snapshot": snapshot})
