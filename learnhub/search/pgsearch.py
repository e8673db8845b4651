"""A query on the PostgreSQL backend: the snapshot's posting lists and the entries written
since, scored in the process by the Whoosh index's engine (scoring.py).

Each query reads, on one connection: the current snapshot and its stale documents, the
entries written since that match the query (by ``indexed_at``, pgsnapshot.py), and
the posting lists of the query's terms not yet in this process's cache (one look-up). The
snapshot's per-document values (lengths, weights, courses, modules) are read once per
process and snapshot. Then the two parts are searched as a Whoosh index's two segments
are: the same matching, counting, BM25 and page (results.results_page), so both backends
rank alike.
"""

from __future__ import annotations

import math
import threading
from array import array
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime

import numpy as np
from pyroaring import FrozenBitMap
from sqlalchemy import Connection, text

from . import pgterms
from .postings import PostingsCache, TermPostings
from .results import IndexResults, results_page
from .scoring import KIND_WEIGHTS, Leaf, QueryEngine

_CURRENT = text(
    "SELECT s.id, s.built_at, s.taken_at, s.documents, s.content_length,"
    " (SELECT string_agg(int4send(t.docnum), '') FROM search_snapshot_stale AS t"
    " WHERE t.snapshot_id = s.id),"
    " f.count, f.length FROM (SELECT 1) AS one LEFT JOIN"
    " (SELECT * FROM search_snapshot WHERE current LIMIT 1) AS s ON true,"
    " LATERAL (SELECT count(*) AS count, coalesce(sum(e.content_length), 0) AS length"
    " FROM search_entry AS e WHERE e.indexed_at > coalesce(s.taken_at, '-infinity')) AS f"
)
# Publication times as the Whoosh index keeps them: milliseconds since 1970 (none: 1970).
_VALUES = text(
    "SELECT string_agg(int4send(content_length), '' ORDER BY docnum),"
    " string_agg(float8send(weight), '' ORDER BY docnum),"
    " string_agg(int4send(coalesce(course_id, -1)), '' ORDER BY docnum),"
    " string_agg(int4send(object_id), '' ORDER BY docnum),"
    " string_agg(int8send(CAST(extract(epoch FROM coalesce(published, 'epoch')) * 1000"
    " AS int8)), '' ORDER BY docnum)"
    " FROM search_snapshot_doc WHERE snapshot_id = :snapshot"
)
_GROUPS = text(
    "SELECT 'kind', kind, string_agg(int4send(docnum), '' ORDER BY docnum)"
    " FROM search_snapshot_doc WHERE snapshot_id = :snapshot GROUP BY kind"
    " UNION ALL SELECT 'module', module, string_agg(int4send(docnum), '' ORDER BY docnum)"
    " FROM search_snapshot_doc WHERE snapshot_id = :snapshot GROUP BY module"
)
_POSTINGS = text(
    "SELECT lexeme, ids, weights FROM search_snapshot_posting"
    " WHERE snapshot_id = :snapshot AND lexeme = ANY(CAST(:lexemes AS text[]))"
)
_FRESH = text(
    "SELECT kind, object_id, coalesce(course_id, -1), module,"
    " CAST(extract(epoch FROM coalesce(published, 'epoch')) * 1000 AS int8), weight,"
    " content_length,"
    " (SELECT array_agg(CAST(e.term_weights ->> u.lexeme AS float8) ORDER BY u.i)"
    " FROM unnest(CAST(:lexemes AS text[])) WITH ORDINALITY AS u(lexeme, i)),"
    " term_weights IS NULL FROM search_entry AS e"
    " WHERE indexed_at > :since AND terms @@ CAST(:query AS tsquery) ORDER BY id"
)
_NOTHING = TermPostings.of(array("I"), array("d"))
_BEGINNING = datetime(1, 1, 1, tzinfo=UTC)  # no snapshot: every entry is written since


class EntriesUnweighted(Exception):
    """Entries written before term weights existed: `flask search reindex` rewrites them."""


def _numbers(raw: bytes | None, sent: str, dtype: str = "") -> np.ndarray:
    """Numbers PostgreSQL sent, big-endian (``sent``: ">i4" from int4send, ">i8" from
    int8send, ">f8" from float8send), as native numbers of ``dtype`` (the same size if
    not given)."""
    found = np.frombuffer(raw or b"", dtype=np.dtype(sent))
    return found.astype(dtype or found.dtype.newbyteorder("="))


def _bitmap(docs: np.ndarray) -> FrozenBitMap:
    return FrozenBitMap(array("I", docs.astype(np.uint32).tobytes()))  # fast from an array


def _postings(ids: np.ndarray, weights: np.ndarray) -> TermPostings:
    return TermPostings.of(array("I", ids.tobytes()), array("d", weights.tobytes()))


@dataclass
class Snapshot:
    """What this process keeps of one snapshot: its per-document values and groups."""

    id: int
    key: str  # its id and when it was taken: ids start again in a database restored or emptied
    documents: int
    content_length: int
    lists: dict[str, object]  # Leaf.lists: length, kind_weight, course_id, published, module:…
    kinds: np.ndarray  # the index of each document's kind in ``kind_names``
    kind_names: tuple[str, ...]
    object_ids: np.ndarray
    modules: tuple[str, ...]

    @classmethod
    def read(cls, connection: Connection, snapshot: int, key: str, documents: int,
             content_length: int):  # fmt: skip
        params = {"snapshot": snapshot}
        lengths, weights, courses, objects, published = connection.execute(_VALUES, params).one()
        lists: dict[str, object] = {
            "length": _numbers(lengths, ">i4", "int64"),
            "course_id": _numbers(courses, ">i4", "int64"),
            "published": _numbers(published, ">i8"),
        }
        kinds = np.zeros(documents, dtype=np.int8)
        kind_weights = np.ones(documents)
        kind_names = []
        modules = []
        for group, name, members in connection.execute(_GROUPS, params):
            docs = _numbers(members, ">u4")
            if group == "kind":
                kinds[docs] = len(kind_names)
                kind_weights[docs] = KIND_WEIGHTS.get(name, 1.0)
                kind_names.append(name)
            else:
                lists[f"module:{name}"] = _bitmap(docs)
                if name:
                    modules.append(name)
        lists["kind_weight"] = kind_weights * _numbers(weights, ">f8")
        return cls(snapshot, key, documents, content_length, lists, kinds, tuple(kind_names),
                   _numbers(objects, ">i4", "int64"), tuple(sorted(modules)))  # fmt: skip

    def hit(self, docnum: int) -> dict:
        course_id = int(self.lists["course_id"][docnum])
        return {"kind": self.kind_names[self.kinds[docnum]],
                "object_id": int(self.object_ids[docnum]), "course_id": course_id}  # fmt: skip


class _Fresh:
    """The entries written since the snapshot that match the query: a small segment."""

    def __init__(self, rows: list, lexemes: list[str]):
        if any(row[8] for row in rows):
            raise EntriesUnweighted("search entries without term weights: rebuild them")
        self.rows = rows
        count = len(rows)
        self.lists: dict[str, object] = {
            "length": np.array([row[6] for row in rows], dtype=np.int64),
            "kind_weight": np.array([KIND_WEIGHTS.get(row[0], 1.0) * row[5] for row in rows]),
            "course_id": np.array([row[2] for row in rows], dtype=np.int64),
            "published": np.array([row[4] for row in rows], dtype=np.int64),
        }
        modules: dict[str, list[int]] = {}
        for docnum, row in enumerate(rows):
            modules.setdefault(row[3], []).append(docnum)
        for slug, docs in modules.items():
            self.lists[f"module:{slug}"] = _bitmap(np.array(docs))
        self.modules = tuple(slug for slug in modules if slug)
        weights = np.array([row[7] for row in rows], dtype=np.float64).reshape(
            count, len(lexemes)
        )  # NaN where an entry lacks the lexeme
        self.postings = {}
        for i, value in enumerate(lexemes):
            column = weights[:, i]
            ids = np.flatnonzero(~np.isnan(column)).astype(np.uint32)
            self.postings[value] = _postings(ids, column[ids])

    def hit(self, docnum: int) -> dict:
        kind, object_id, course_id = self.rows[docnum][:3]
        return {"kind": kind, "object_id": object_id, "course_id": course_id}


class _Statistics:
    """What scoring.py asks a Whoosh searcher (idf, average length, a hit's fields), for
    the snapshot and the fresh entries together: the documents the snapshot was taken
    with (stale ones too, as Whoosh counts deleted ones) and all entries written since."""

    def __init__(self, snapshot: Snapshot | None, fresh: _Fresh, count: int, length: int,
                 frequencies: Mapping[str, int]):  # fmt: skip
        self.snapshot, self.fresh = snapshot, fresh
        self.documents = (snapshot.documents if snapshot else 0) + count
        self.length = (snapshot.content_length if snapshot else 0) + length
        self.frequencies = frequencies
        self.offset = snapshot.documents if snapshot else 0

    def idf(self, fieldname: str, value: str) -> float:
        frequency = self.frequencies.get(pgterms.lexeme(fieldname, value), 0)
        return math.log(self.documents / (frequency + 1)) + 1

    def avg_field_length(self, _fieldname: str) -> float:
        return self.length / (self.documents or 1)

    def stored_fields(self, docnum: int) -> dict:
        if self.snapshot is not None and docnum < self.offset:
            return self.snapshot.hit(docnum)
        return self.fresh.hit(docnum - self.offset)


class _Engine(QueryEngine):
    """The engine on postings read for this query (no Whoosh reader behind the leaves)."""

    def __init__(self, postings: dict[str, dict[str, TermPostings]], *args):
        super().__init__(None, *args)
        self.found = postings  # leaf key → lexeme → postings

    def postings(self, leaf: Leaf, fieldname: str, value: str) -> TermPostings:
        return self.found[leaf.key].get(pgterms.lexeme(fieldname, value), _NOTHING)

    def module_docs(self, leaf: Leaf, slug: str) -> FrozenBitMap:
        return leaf.lists.get(f"module:{slug}", FrozenBitMap())


class SnapshotReader:
    """One process's view of the snapshots: values and posting lists read once and kept."""

    def __init__(self):
        self.lock = threading.Lock()
        self.snapshot: Snapshot | None = None
        self.cache = PostingsCache()

    def search(self, connection: Connection, tree, terms: frozenset[str], *,
               module: str | None, sort: str, offset: int, limit: int,
               boosts: Mapping[int, float]) -> IndexResults:  # fmt: skip
        current, built_at, taken_at, documents, length, stale, count, fresh_length = (
            connection.execute(_CURRENT).one()
        )
        lexemes = pgterms.lexemes(tree)
        since = taken_at if taken_at is not None else _BEGINNING
        rows = connection.execute(
            _FRESH, {"query": pgterms.query_text(tree), "lexemes": lexemes, "since": since}
        ).all()
        fresh = _Fresh(rows, lexemes)
        leaves, found = [], {"fresh": fresh.postings}
        snapshot = None
        if current is not None:
            key = f"pg{current}@{built_at.timestamp()}/"
            snapshot = self._snapshot(connection, current, key, documents, length)
            found["snapshot"] = self._postings(connection, snapshot, lexemes)
            stale_docs = _bitmap(_numbers(stale, ">u4"))
            leaves.append(Leaf("snapshot", None, 0, stale_docs, snapshot.lists))
        offset_fresh = snapshot.documents if snapshot else 0
        leaves.append(Leaf("fresh", None, offset_fresh, FrozenBitMap(), fresh.lists))
        frequencies = {value: sum(len(f[value]) for f in found.values() if value in f)
                       for value in lexemes}  # fmt: skip
        statistics = _Statistics(snapshot, fresh, count, fresh_length, frequencies)
        modules = tuple(sorted({*(snapshot.modules if snapshot else ()), *fresh.modules}))
        engine = _Engine(found, statistics, leaves, tree, boosts)
        return results_page(engine, modules, terms, module, sort, offset, limit)

    def _snapshot(self, connection: Connection, snapshot: int, key: str, documents: int,
                  length: int) -> Snapshot:  # fmt: skip
        kept = self.snapshot
        if kept is not None and kept.key == key:
            return kept
        found = Snapshot.read(connection, snapshot, key, documents, length)
        with self.lock:
            self.snapshot = found
        self.cache.forget_other_generations(key)
        return found

    def _postings(self, connection: Connection, snapshot: Snapshot,
                  lexemes: list[str]) -> dict[str, TermPostings]:  # fmt: skip
        found, missing = {}, []
        for value in lexemes:
            kept = self.cache.peek((snapshot.key, value))
            if kept is None:
                missing.append(value)
            else:
                found[value] = kept
        if missing:
            for value, ids, weights in connection.execute(
                _POSTINGS, {"snapshot": snapshot.id, "lexemes": missing}
            ):
                postings = _postings(_numbers(ids, ">u4"), _numbers(weights, ">f8"))
                found[value] = self.cache.put((snapshot.key, value), postings)
        return found
