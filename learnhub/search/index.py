"""The search index: the adapter the rest of the site talks to, and the only door to Whoosh.

Everything goes in and out as plain values (:class:`SearchDocument`, :class:`IndexResults`),
so the rest of the site, the tests and the benchmark never import Whoosh. This module opens
the index, reports its state, and writes to it (update, rebuild, the writer lock); the
modules beside it hold the rest, and only these import Whoosh (besides highlight.py, which
marks the searched words in a hit's text with nothing of Whoosh's but its stemmer):

    schema.py       what a document is in the index, and how text becomes terms
    queries.py      what the visitor typed, as a query tree
    postings.py     a term's postings read a block at a time, and their cache
    scoring.py      matching, facet counting and BM25 ranking on a searcher's segments
    results.py      a page of hits, the total and facets
    suggestions.py  did you mean (the rules, without Whoosh: spelling.py)
    storage.py      a generation's folder as Whoosh reads it (no mmap; closes what it opened)
    segments.py     how segments merge when changes are written (none left mostly deleted)

Layout of the index folder (``SEARCH_DIR``)::

    current            symlink to the live generation; replaced atomically by a rebuild
    gen-<time>-<hex>/  one Whoosh index each: the live one, its predecessor (still read by
                       searches that started before the swap), or a rebuild in progress
    writer.lock        held (flock) by the one process that writes: applying changes or
                       rebuilding; every write path takes it, so two processes never write
                       at once and a rebuild never misses a change (see docs/search.md)
"""

from __future__ import annotations

import contextlib
import functools
import logging
import os
import re
import secrets
import shutil
import threading
import time
import weakref
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from pyroaring import FrozenBitMap
from whoosh.filedb.filestore import FileStorage
from whoosh.util.filelock import FileLock

from .highlight import highlight
from .postings import PostingsCache
from .queries import completions_in, interpret
from .results import IndexResults, results_page
from .schema import SCHEMA, SearchDocument, index_fields
from .scoring import Leaf, QueryEngine
from .segments import merge_policy
from .storage import GenerationStorage
from .suggestions import did_you_mean
from .text import SynonymMap

log = logging.getLogger(__name__)


class IndexUnavailable(Exception):
    """The index is missing, half-built, damaged or outdated: search the database, rebuild."""


def _open_index(storage: FileStorage):
    """The generation's index, refused when an older version of learnhub built it.

    An index whose fields are not SCHEMA's (the grams field is new, for instance) would
    fail at the first query or write naming a missing field: it counts as unusable, so
    the site searches the database and the worker rebuilds it (as a damaged one).
    """
    ix = storage.open_index()
    if set(ix.schema.names()) != set(SCHEMA.names()):
        raise IndexUnavailable("the search index was built by an older version: rebuild it")
    return ix


# ---- opening a generation ------------------------------------------------------------


@dataclass
class _OpenSearcher:
    """An open searcher on one generation, with its segments as queries see them."""

    generation: str
    storage: GenerationStorage
    searcher: object
    leaves: list[Leaf]
    modules: tuple[str, ...]

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self.searcher.close()
        self.storage.close_all()


def _open_searcher(generation: Path, lists: dict[str, dict[str, object]]) -> _OpenSearcher:
    storage = GenerationStorage(generation)
    try:
        searcher = _open_index(storage).searcher()
        leaves = []
        for subsearcher, offset in searcher.leaf_searchers():
            reader = subsearcher.reader()
            if reader.segment() is None:  # an empty index has no segment at all
                continue
            key = f"{generation}/{reader.segment().segment_id()}"
            deleted = FrozenBitMap(reader.deleted_docs_set if reader.has_deletions() else ())
            if len(deleted) == reader.doc_count_all():
                continue  # every document replaced: nothing to find there (see segments.py)
            leaves.append(Leaf(key, reader, offset, deleted, lists.setdefault(key, {})))
        lexicon = searcher.reader().lexicon("module") or ()  # an empty index gives None
        modules = tuple(sorted(m.decode() if isinstance(m, bytes) else m for m in lexicon if m))
    except BaseException:
        storage.close_all()
        raise
    return _OpenSearcher(str(generation), storage, searcher, leaves, modules)


def _close_all(pool: list[_OpenSearcher]) -> None:
    while pool:
        pool.pop().close()


_TOC_NAME = re.compile(r"_MAIN_(\d+)\.toc")  # Whoosh's table of contents of one commit


# ---- the index -----------------------------------------------------------------------


class SearchIndex:
    """The index in one folder: search it, write to it under its lock, rebuild it."""

    POOL_SIZE = 8  # open searchers kept for reuse (about one per concurrent search)
    name = "whoosh"  # see backends.py
    writes_in_transaction = False  # changes are queued and applied by a job (sync.py)

    def __init__(self, directory: str | os.PathLike):
        self.directory = Path(directory)
        self._pool: list[_OpenSearcher] = []
        self._pool_lock = threading.Lock()
        self._postings = PostingsCache()
        self._lists: dict[str, dict[str, object]] = {}  # segment → per-document values
        self._generation: str | None = None
        # Close the files of pooled searchers when this object goes, not whenever GC runs.
        weakref.finalize(self, _close_all, self._pool)

    def close(self) -> None:
        """Close every open searcher and forget what was read (the next search reopens)."""
        with self._pool_lock:
            _close_all(self._pool)
        self._postings.forget_other_generations("")
        self._lists.clear()

    # -- state

    def current_generation(self) -> Path | None:
        """The live generation's folder, or None when no index was ever completed."""
        link = self.directory / "current"
        try:
            target = os.readlink(link)
        except OSError:
            return None
        path = self.directory / target
        return path if path.is_dir() else None

    def location(self) -> str:
        """Where the index is, for the operator: the live generation, or the folder."""
        return str(self.current_generation() or self.directory)

    def status(self) -> str:
        """ "ok", "missing" (never built), "outdated" (built with other fields) or "broken"."""
        generation = self.current_generation()
        if generation is None:
            return "missing"
        storage = GenerationStorage(generation)
        try:
            with _open_index(storage).searcher() as searcher:
                searcher.doc_count()
                for _ in searcher.reader().iter_docs():
                    break
        except IndexUnavailable:
            log.warning("search index %s was built by an older version", generation)
            return "outdated"
        except Exception:
            log.warning("search index %s cannot be read", generation, exc_info=True)
            return "broken"
        finally:
            storage.close_all()
        return "ok"

    def document_count(self) -> int:
        with self._checkout() as state:
            return state.searcher.doc_count()

    def version(self) -> str | None:
        """The live generation and its latest commit (Whoosh writes a new table of contents,
        _MAIN_<n>.toc, at each): the worker applies changes after they are committed, so
        the site's content versions alone would let a page built meanwhile outlive them."""
        generation = self.current_generation()
        try:
            names = os.listdir(generation) if generation is not None else ()
        except OSError:
            return None
        commits = [int(m.group(1)) for m in map(_TOC_NAME.fullmatch, names) if m]
        return f"{generation.name}/{max(commits)}" if commits else None

    # -- searching

    def search(self, query_text: str, *, module: str | None = None, sort: str = "relevance",
               offset: int = 0, limit: int = 10, boosts: Mapping[int, float] | None = None,
               match_all: bool = True,
               synonyms: SynonymMap | None = None) -> IndexResults:  # fmt: skip
        """One page of results, the total and the module facets. Raises IndexUnavailable.

        ``synonyms`` maps a word to every word of its group (synonyms.synonym_map()).
        """
        with self._checkout() as state:
            completions = functools.partial(completions_in, state.searcher.reader())
            tree, terms = interpret(query_text, match_all, synonyms, completions)
            if tree is None:
                return IndexResults([], 0, {}, terms)
            try:
                engine = QueryEngine(
                    self._postings, state.searcher, state.leaves, tree, boosts or {}
                )
                return results_page(engine, state.modules, terms, module, sort, offset, limit)
            except Exception as error:
                raise IndexUnavailable(str(error)) from error

    @contextlib.contextmanager
    def _checkout(self) -> Iterator[_OpenSearcher]:
        """An open searcher on the live generation, for this search alone.

        Searchers are pooled, not kept per thread: a thread may end at any time (the
        development server makes one per request) and must not strand open files.
        """
        generation = self.current_generation()
        if generation is None:
            raise IndexUnavailable("no search index has been built yet")
        with self._pool_lock:
            state = self._pool.pop() if self._pool else None
            if self._generation != str(generation):  # swapped: what was read is stale
                self._generation = str(generation)
                self._forget_other_generations(str(generation))
        try:
            if state is not None and (
                state.generation != str(generation) or not state.searcher.up_to_date()
            ):
                state.close()
                state = None
            if state is None:
                state = _open_searcher(generation, self._lists)
        except Exception as error:
            if state is not None:
                state.close()
            raise IndexUnavailable(str(error)) from error
        try:
            yield state
        except BaseException:
            state.close()  # it may have read something broken: never reuse it
            raise
        with self._pool_lock:
            if len(self._pool) < self.POOL_SIZE:
                self._pool.append(state)
                return
        state.close()

    def _forget_other_generations(self, generation: str) -> None:
        self._postings.forget_other_generations(generation)
        for key in [k for k in self._lists if not k.startswith(generation)]:
            self._lists.pop(key, None)

    # -- did you mean

    def suggest(self, query_text: str) -> str | None:
        """The query with unknown words replaced by the nearest indexed ones, or None."""
        try:
            with self._checkout() as state:
                return did_you_mean(state.searcher, query_text)
        except IndexUnavailable:
            return None
        except Exception:
            log.warning("search suggestions failed", exc_info=True)
            return None

    # -- highlighting (no open index needed: the analyzer is enough)

    highlight = staticmethod(highlight)

    # -- writing

    @contextlib.contextmanager
    def writer_lock(self, timeout: float = 0.0) -> Iterator[bool]:
        """Hold the index's writer lock (yields False if another process kept it past timeout)."""
        self.directory.mkdir(parents=True, exist_ok=True)
        lock = FileLock(str(self.directory / "writer.lock"))
        deadline = time.monotonic() + timeout
        while not lock.acquire(blocking=False):
            if time.monotonic() >= deadline:
                yield False
                return
            time.sleep(0.05)
        try:
            yield True
        finally:
            lock.release()

    def update(self, documents: Iterable[SearchDocument] = (), remove_keys: Iterable[str] = (),
               remove_courses: Iterable[int] = ()) -> None:  # fmt: skip
        """Apply changes to the live generation. The caller holds writer_lock()."""
        generation = self.current_generation()
        if generation is None:
            raise IndexUnavailable("no search index has been built yet")
        storage = GenerationStorage(generation)
        try:
            try:
                writer = _open_index(storage).writer(timeout=10.0)
            except IndexUnavailable:
                raise
            except Exception as error:
                raise IndexUnavailable(str(error)) from error
            try:
                for course_id in remove_courses:
                    writer.delete_by_term("course_id", course_id)
                for key in remove_keys:
                    writer.delete_by_term("key", key)
                for doc in documents:
                    writer.update_document(**index_fields(doc))
            except BaseException:
                writer.cancel()
                raise
            writer.commit(mergetype=merge_policy)
        finally:
            storage.close_all()

    def rebuild(self, documents: Iterable[SearchDocument], procs: int = 1,
                limitmb: int = 128) -> Path:  # fmt: skip
        """Build a new generation from ``documents``, then make it live in one step.

        Searches keep reading the old generation until the swap. The caller holds
        writer_lock(), so no change is applied to the old generation meanwhile: changes made
        during the build wait in the queue and are applied to the new one afterwards.
        """
        self.directory.mkdir(parents=True, exist_ok=True)
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
        generation = self.directory / f"gen-{stamp}-{secrets.token_hex(4)}"
        generation.mkdir()
        try:
            storage = GenerationStorage(generation)
            ix = storage.create_index(SCHEMA)
            # One segment per process: merging them would cost as much as the build again.
            writer = ix.writer(procs=procs, limitmb=limitmb, multisegment=procs > 1)
            try:
                for doc in documents:
                    writer.add_document(**index_fields(doc))
            except BaseException:
                writer.cancel()
                raise
            writer.commit()
            _fsync_tree(generation)
        except BaseException:
            shutil.rmtree(generation, ignore_errors=True)
            raise
        self._swap_to(generation)
        return generation

    def _swap_to(self, generation: Path) -> None:
        previous = self.current_generation()
        temporary = self.directory / f".current-{secrets.token_hex(4)}"
        os.symlink(generation.name, temporary)
        os.replace(temporary, self.directory / "current")
        _fsync_dir(self.directory)
        keep = {generation.name, previous.name if previous else None}
        for old in self.directory.glob("gen-*"):
            if old.name not in keep:
                shutil.rmtree(old, ignore_errors=True)


def _fsync_tree(directory: Path) -> None:
    for path in directory.iterdir():
        with open(path, "rb") as handle:
            os.fsync(handle.fileno())
    _fsync_dir(directory)


def _fsync_dir(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
