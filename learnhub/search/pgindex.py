"""The PostgreSQL search backend: the index as a table every host shares (SEARCH_BACKEND).

The same adapter as the Whoosh index (index.SearchIndex: status, search, suggest,
highlight, and the writing side sync.py drives), on the table ``search_entry`` (one row per
document, its terms in a tsvector with a GIN index and their weights; see pgterms.py for
the terms). Nothing lives in a file: a change is written in the transaction that makes it
(sync.py), so it is found on every host the moment it commits, and gone with a rollback.
Queries read the entries' snapshot as posting lists and the entries written since
(pgsnapshot.py, pgsearch.py), and each process keeps what it read of the snapshot.

Locks (PostgreSQL advisory locks, no files): a transaction takes ``WRITE_LOCK`` before it
reads what to write and keeps it to its commit; so does each batch of a rebuild. Whoever
writes an entry last has therefore read every change committed before: two editors
changing one course at once (an audience each) both end up in its entries, and an edit a
rebuild's batch did not see is written after that batch. The lock is held for the few
milliseconds between reading the changed content and the commit, and only by
transactions that change searchable content (editors, importers), never by learners.
``REBUILD_LOCK`` lets one rebuild run at a time.
"""

from __future__ import annotations

import contextlib
import functools
import logging
from collections.abc import Iterable, Iterator, Mapping
from datetime import datetime

from sqlalchemy import Connection, delete, func, select, text
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from learnhub.catalogue.models import Course, CourseStatus
from learnhub.extensions import db

from . import pgsnapshot, pgterms, spelling
from . import text as search_text
from .highlight import highlight
from .index import IndexUnavailable
from .models import SearchEntry
from .pgsearch import EntriesUnweighted, SnapshotReader
from .queries import MAX_COMPLETIONS, interpret
from .results import IndexResults
from .schema import SearchDocument

log = logging.getLogger(__name__)

WRITE_LOCK = 0x6C68_7365_6172_6301  # advisory lock keys ("lhsearc" + 1, + 2)
REBUILD_LOCK = 0x6C68_7365_6172_6302
_ENTRY = SearchEntry.__table__
_LETTERS = "abcdefghijklmnopqrstuvwxyz"
_UNWEIGHTED = text("SELECT 1 FROM search_entry WHERE term_weights IS NULL LIMIT 1")


class PostgresIndex:
    """Search entries in the site's PostgreSQL database."""

    name = "postgresql"
    writes_in_transaction = True  # sync.py writes entries in the changing transaction
    highlight = staticmethod(highlight)

    def __init__(self):
        self.reader = SnapshotReader()

    # -- state

    def location(self) -> str:
        where = f"PostgreSQL table {_ENTRY.name}"
        try:
            with db.engine.connect() as connection:
                return f"{where} ({pgsnapshot.summary(connection)})"
        except SQLAlchemyError:
            return where

    def status(self) -> str:
        """ "ok", "missing" (empty while courses are published: never rebuilt) or "broken"."""
        try:
            with db.engine.connect() as connection:
                return "missing" if self._missing(connection) else "ok"
        except SQLAlchemyError:
            log.warning("search entries cannot be read", exc_info=True)
            return "broken"

    @staticmethod
    def version() -> str | None:
        """Always the same: entries are written in the transaction that changes what they
        index, so the site's content versions (results_cache.py) change with them."""
        return "entries"

    def document_count(self) -> int:
        with db.engine.connect() as connection:
            return connection.scalar(select(func.count()).select_from(_ENTRY))

    @staticmethod
    def _missing(connection: Connection) -> bool:
        """Never built, or built before entries had term weights (rebuilt then)."""
        if connection.scalar(_UNWEIGHTED) is not None:
            return True
        if connection.scalar(select(_ENTRY.c.id).limit(1)) is not None:
            return False
        published = select(Course.id).where(Course.status == CourseStatus.PUBLISHED).limit(1)
        return connection.scalar(published) is not None

    # -- searching

    def search(self, query_text: str, *, module: str | None = None, sort: str = "relevance",
               offset: int = 0, limit: int = 10, boosts: Mapping[int, float] | None = None,
               match_all: bool = True,
               synonyms: search_text.SynonymMap | None = None) -> IndexResults:  # fmt: skip
        """One page of results, the total and the module facets. Raises IndexUnavailable."""
        try:
            # one view of the snapshot and the entries written since, whatever commits meanwhile
            with db.engine.connect().execution_options(
                isolation_level="REPEATABLE READ"
            ) as connection:
                # Compiling a query costs PostgreSQL ~200 ms (jit, on where it is installed
                # so), and a misjudged plan of these small queries may cross its threshold.
                connection.exec_driver_sql("SET LOCAL jit = off")
                completions = functools.partial(_completions, connection)
                tree, terms = interpret(query_text, match_all, synonyms, completions)
                if tree is None:
                    return IndexResults([], 0, {}, terms)
                results = self.reader.search(connection, tree, terms, module=module,
                                             sort=sort, offset=offset, limit=limit,
                                             boosts=boosts or {})  # fmt: skip
                if results.total == 0 and self._missing(connection):
                    raise IndexUnavailable("the search entries were never built")
        except (SQLAlchemyError, EntriesUnweighted) as error:
            raise IndexUnavailable(str(error)) from error
        return results

    # -- did you mean

    def suggest(self, query_text: str) -> str | None:
        """The query with unknown words replaced by the nearest indexed ones, or None."""
        try:
            with db.engine.connect() as connection:
                return spelling.did_you_mean(_Terms(connection), query_text)
        except SQLAlchemyError:
            log.warning("search suggestions failed", exc_info=True)
            return None

    # -- writing

    def write(self, connection: Connection, documents: Iterable[SearchDocument] = (),
              remove_keys: Iterable[str] = (),
              remove_courses: Iterable[int] = ()) -> int:  # fmt: skip
        """Write entries in the transaction of ``connection`` (which holds lock_writes()):
        documents replace those of the same key, the other entries of ``remove_courses``
        and the ``remove_keys`` go."""
        rows = [_row(doc) for doc in documents]
        written = [row["key"] for row in rows]
        remove_courses, remove_keys = sorted(set(remove_courses)), sorted(set(remove_keys))
        removed = list(remove_keys)
        if remove_courses:
            removed += connection.scalars(
                delete(_ENTRY)
                .where(_ENTRY.c.course_id.in_(remove_courses), _ENTRY.c.key.not_in(written))
                .returning(_ENTRY.c.key)
            )
        if remove_keys:
            connection.execute(delete(_ENTRY).where(_ENTRY.c.key.in_(remove_keys)))
        pgsnapshot.mark_stale(connection, sorted({*written, *removed}))
        if rows:
            statement = insert(_ENTRY).values(indexed_at=func.clock_timestamp())
            statement = statement.on_conflict_do_update(
                index_elements=[_ENTRY.c.key],
                set_={name: statement.excluded[name] for name in (*rows[0], "indexed_at")},
            )
            connection.execute(statement, sorted(rows, key=lambda row: row["key"]))
        return len(rows)

    @staticmethod
    def lock_writes(connection: Connection) -> None:
        """Take the write lock until the transaction of ``connection`` ends (before reading
        what to write)."""
        connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": WRITE_LOCK})

    @contextlib.contextmanager
    def rebuild_lock(self, timeout: float = 0.0) -> Iterator[Connection | None]:
        """A connection holding the rebuild lock (None if another rebuild kept it past timeout).

        Each batch of the rebuild is a transaction of its own on it (rebuild_batch)."""
        with db.engine.connect() as connection:
            taken = connection.scalar(
                text("SELECT pg_try_advisory_lock(:key)"), {"key": REBUILD_LOCK}
            )
            waited = 0.0
            while not taken and waited < timeout:
                connection.execute(text("SELECT pg_sleep(0.1)"))
                waited += 0.1
                taken = connection.scalar(
                    text("SELECT pg_try_advisory_lock(:key)"), {"key": REBUILD_LOCK}
                )
            connection.commit()
            if not taken:
                yield None
                return
            try:
                yield connection
            finally:
                connection.rollback()
                connection.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": REBUILD_LOCK})
                connection.commit()

    @staticmethod
    def clock(connection: Connection) -> datetime:
        """The database's time now (entries are stamped with it)."""
        found = connection.scalar(text("SELECT clock_timestamp()"))
        connection.commit()
        return found

    @contextlib.contextmanager
    def rebuild_batch(self, connection: Connection) -> Iterator[Session]:
        """A transaction holding the write lock exclusively, and a session reading in it."""
        with connection.begin():
            self.lock_writes(connection)
            with Session(bind=connection, expire_on_commit=False) as session:
                yield session

    def take_snapshot(self, connection: Connection) -> int:
        """Take a snapshot of the entries (pgsnapshot.py); ``connection`` holds the rebuild
        lock."""
        return pgsnapshot.take_snapshot(connection, WRITE_LOCK, self.lock_writes)

    def snapshot_if_due(self) -> bool:
        """Take a snapshot if enough entries were written since the last one (and no
        rebuild or other snapshot is running)."""
        with self.rebuild_lock() as connection:
            if connection is None or not pgsnapshot.snapshot_due(connection):
                return False
            self.take_snapshot(connection)
            return True

    def remove_older(self, connection: Connection, started: datetime) -> int:
        """Remove the entries nobody wrote since ``started`` (the end of a rebuild)."""
        with connection.begin():
            self.lock_writes(connection)
            removed = list(connection.scalars(
                delete(_ENTRY).where(_ENTRY.c.indexed_at < started).returning(_ENTRY.c.key)
            ))  # fmt: skip
            pgsnapshot.mark_stale(connection, removed)
            return len(removed)


def _row(doc: SearchDocument) -> dict:
    weights, length = pgterms.document_weights(doc)
    return {
        "key": doc.key,
        "kind": doc.kind,
        "object_id": doc.object_id,
        "course_id": doc.course_id,
        "module": doc.module or "",
        "published": doc.published,
        "title": doc.title,
        "also": doc.also_pinyin,
        "terms": pgterms.document_vector(doc),
        "weight": doc.weight,
        "term_weights": weights,
        "content_length": length,
    }


class _Terms:
    """spelling.Terms on the table: "did you mean" (spelling.py's rules) asks it which terms
    exist, with one query each.

    A misspelt Latin term is looked up one edit away, and, where spelling.py allows two
    (long pinyin keys), also completed by up to two letters (zhinengshouj → zhinengshouji):
    Whoosh goes any two edits away, too many words to list for a query here."""

    def __init__(self, connection: Connection):
        self.connection = connection

    def has(self, field: str, term: str) -> bool:
        query = pgterms.quoted(pgterms.lexeme(field, term))
        found = self.connection.scalar(
            text("SELECT 1 FROM search_entry WHERE terms @@ CAST(:query AS tsquery) LIMIT 1"),
            {"query": query},
        )
        return found is not None

    def similar(self, field: str, term: str, maxdist: int, prefix: int, limit: int) -> list[str]:
        candidates = sorted(pgterms.lexeme(field, t) for t in _one_edit(term, prefix))
        if not candidates:
            return []
        alternatives = [pgterms.quoted(c) for c in candidates]
        typed = pgterms.lexeme(field, term)
        longest = len(typed) + maxdist if maxdist > 1 else 0  # completions up to this long
        if longest:
            alternatives.append(pgterms.quoted(typed) + ":*")
        found = self.connection.scalars(
            text(
                "SELECT t.lexeme FROM search_entry AS e, unnest(e.terms) AS t"
                " WHERE e.terms @@ CAST(:query AS tsquery) AND (t.lexeme = ANY(:candidates)"
                " OR (t.lexeme LIKE :typed || '%' AND length(t.lexeme) <= :longest))"
                " GROUP BY t.lexeme ORDER BY count(*) DESC, t.lexeme LIMIT :limit"
            ),
            {
                "query": " | ".join(alternatives),
                "candidates": candidates,
                "typed": typed.replace("%", "").replace("_", ""),
                "longest": longest,
                "limit": limit,
            },
        )
        return [lexeme.removeprefix(pgterms.lexeme(field, "")) for lexeme in found]

    def names(self, key: str) -> Iterator[str]:
        rows = self.connection.execute(
            text(
                "SELECT title, also FROM search_entry WHERE terms @@ CAST(:query AS tsquery)"
                " ORDER BY ts_rank(terms, CAST(:query AS tsquery)) DESC, id LIMIT :limit"
            ),
            {
                "query": pgterms.quoted(pgterms.lexeme(spelling.PINYIN, key)),
                "limit": spelling.NAMES_FROM,
            },
        )
        for title, also in rows:
            yield title
            yield also


def _completions(connection: Connection, term: str) -> list[str]:
    """The content terms an unknown term begins ("health" → "healthi"), as
    queries.completions_in on the Whoosh index: MAX_COMPLETIONS at most, in order."""
    if _Terms(connection).has(pgterms.CONTENT, term):
        return []
    return list(
        connection.scalars(
            text(
                'SELECT DISTINCT t.lexeme COLLATE "C" AS lexeme'
                " FROM search_entry AS e, unnest(e.terms) AS t"
                " WHERE e.terms @@ CAST(:query AS tsquery)"
                " AND left(t.lexeme, length(:term)) = :term ORDER BY lexeme LIMIT :limit"
            ),
            {"query": pgterms.quoted(term) + ":*", "term": term, "limit": MAX_COMPLETIONS},
        )
    )


def _one_edit(word: str, prefix: int) -> set[str]:
    """Every word one letter away (deleted, swapped with the next, changed, added), keeping
    the first ``prefix`` letters."""
    found = set()
    for i in range(prefix, len(word) + 1):
        head, tail = word[:i], word[i:]
        if tail:
            found.add(head + tail[1:])
            if len(tail) > 1:
                found.add(head + tail[1] + tail[0] + tail[2:])
        for letter in _LETTERS:
            found.add(head + letter + tail)
            if tail:
                found.add(head + letter + tail[1:])
    found.discard(word)
    return {w for w in found if w}
