"""The search index: the only module that talks to Whoosh.

Everything goes in and out as plain values (:class:`SearchDocument`, :class:`IndexResults`),
so the rest of the site, the tests and the benchmark never import Whoosh.

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
import heapq
import logging
import os
import secrets
import shutil
import threading
import time
import weakref
from collections import OrderedDict
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from whoosh import fields, query
from whoosh.analysis import LowercaseFilter, StemFilter, StopFilter, Token, Tokenizer
from whoosh.codec.whoosh3 import W3LeafMatcher
from whoosh.filedb.filestore import FileStorage
from whoosh.highlight import ContextFragmenter, HtmlFormatter, WholeFragmenter, highlight
from whoosh.util.filelock import FileLock

from . import text

log = logging.getLogger(__name__)

# Parts of a document's text, strongest first: a word in the title weighs five times a word
# in the body, so a title match beats a body match; the summary, tags and module sit between.
PART_WEIGHTS = (5.0, 2.0, 1.0)
_PART_SEPARATOR = "\x1e"  # never in stored text (see _clean)
# Whole documents: a course beats one of its lessons for the same words.
KIND_WEIGHTS = {"course": 2.0, "activity": 1.5, "lesson": 1.0}
PINYIN_WEIGHT = 3.0  # pinyin keys come from titles (and a course's module and region)
STOP_WORDS = frozenset((
    "a", "an", "and", "are", "as", "at", "be", "by", "can", "for", "from", "have", "if", "in",
    "is", "it", "may", "not", "of", "on", "or", "that", "the", "this", "to", "us", "we", "when",
    "will", "with", "yet", "you", "your", "的", "了", "和", "与", "及",
))  # fmt: skip
MAX_RESULTS = 500  # pages reach this far; nobody reads further, and it bounds the work


class IndexUnavailable(Exception):
    """The index is missing, half-built or damaged: search the database instead, rebuild."""


@dataclass(frozen=True)
class SearchDocument:
    """One searchable thing, as the index needs it (plain text, no HTML)."""

    kind: str  # course, lesson, activity
    object_id: int
    course_id: int | None
    module: str  # the module's slug: the facet
    published: datetime | None
    title: str
    secondary: str = ""  # summary, module name, tags, region
    body: str = ""
    # Chinese names typed in pinyin besides the title (a course's module and region), so
    # "dangshi" finds the 百年党史学堂 courses whose titles do not say 党史.
    also_pinyin: str = ""

    @property
    def key(self) -> str:
        return document_key(self.kind, self.object_id)


def document_key(kind: str, object_id: int) -> str:
    return f"{kind}:{object_id}"


@dataclass(frozen=True)
class IndexHit:
    kind: str
    object_id: int
    course_id: int | None
    score: float


@dataclass(frozen=True)
class IndexResults:
    hits: list[IndexHit]
    total: int
    facets: dict[str, int]  # module slug → matching documents (before the module filter)
    highlight_terms: frozenset[str] = frozenset()


# ---- analysis ------------------------------------------------------------------------


class ChineseTokenizer(Tokenizer):
    """jieba's words with their offsets (jieba's own Whoosh analyzer, kept small and quiet).

    In index mode it cuts for search (overlapping parts: 百年党史学堂 gives 百年, 党史, 学堂
    and the whole) and weighs each part of a document (see PART_WEIGHTS); in query mode it
    cuts precisely. jieba.analyse is not imported: it reads a 6 MB IDF table on import and
    leaves the file open, which the test suite (warnings are errors) rightly refuses.
    """

    def __call__(self, value, positions=False, chars=False, keeporiginal=False,
                 removestops=True, start_pos=0, start_char=0, tokenize=True, mode="",
                 **kwargs):  # fmt: skip
        token = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        search_mode = mode != "query"
        offset, pos = 0, start_pos
        for part, weight in zip(value.split(_PART_SEPARATOR), PART_WEIGHTS, strict=False):
            for word, start, end in text.segment(part, search_mode=search_mode):
                token.text = word
                if keeporiginal:
                    token.original = word
                token.boost = weight
                token.stopped = False
                if positions:
                    token.pos = pos
                    pos += 1
                if chars:
                    token.startchar = start_char + offset + start
                    token.endchar = start_char + offset + end
                yield token
            offset += len(part) + 1


_ALSO_PINYIN_MARK = "\x1e"  # between a document's title and its also_pinyin names
ALSO_PINYIN_BOOST = 0.3


class PinyinTokenizer(Tokenizer):
    """The pinyin keys of a title (see text.pinyin_keys): worked out where the title is indexed."""

    def __call__(self, value, positions=False, chars=False, removestops=True, mode="",
                 **kwargs):  # fmt: skip
        token = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        title, _mark, also = value.partition(_ALSO_PINYIN_MARK)
        title_keys = text.pinyin_keys(title)
        also_keys = sorted(set(text.pinyin_keys(also)) - set(title_keys))
        # Keys of the module or region weigh less than the title's: a title that says it wins.
        weighted = [(k, 1.0) for k in title_keys] + [(k, ALSO_PINYIN_BOOST) for k in also_keys]
        for pos, (key, boost) in enumerate(weighted):
            token.text = key
            token.boost = boost
            if positions:
                token.pos = pos
            yield token


def _content_analyzer():
    return (
        ChineseTokenizer()
        | LowercaseFilter()
        | StopFilter(stoplist=STOP_WORDS, minsize=1)
        | StemFilter(cachesize=50_000)
    )


CONTENT_ANALYZER = _content_analyzer()

SCHEMA = fields.Schema(
    key=fields.ID(unique=True, stored=True),
    kind=fields.ID(stored=True, sortable=True),
    object_id=fields.NUMERIC(int, stored=True),
    course_id=fields.NUMERIC(int, bits=64, stored=True, sortable=True),
    module=fields.ID(stored=True),
    published=fields.NUMERIC(int, bits=64, sortable=True),
    title=fields.STORED(),
    content=fields.TEXT(analyzer=CONTENT_ANALYZER, phrase=False),
    pinyin=fields.TEXT(analyzer=PinyinTokenizer(), phrase=False, spelling=True),
)


def _clean(value: str) -> str:
    return (value or "").replace(_PART_SEPARATOR, " ")


def _fields(doc: SearchDocument) -> dict:
    published = doc.published or datetime(1970, 1, 1, tzinfo=UTC)
    return {
        "key": doc.key,
        "kind": doc.kind,
        "object_id": doc.object_id,
        "course_id": doc.course_id if doc.course_id is not None else -1,
        "module": doc.module or "",
        "published": int(published.timestamp() * 1000),
        "title": doc.title,
        "content": _PART_SEPARATOR.join(_clean(p) for p in (doc.title, doc.secondary, doc.body)),
        "pinyin": f"{doc.title}{_ALSO_PINYIN_MARK}{doc.also_pinyin}",
    }


# ---- queries -------------------------------------------------------------------------
# A query is a small tree: ("term", field, text) | ("all", [nodes]) | ("any", [nodes]),
# answered with set algebra on postings (below). Built from terms, never parsed: no input
# can be query syntax.


def _interpret(query_text: str, match_all: bool) -> tuple[tuple | None, frozenset[str]]:
    """What the visitor typed, as a query tree, and the content words to highlight."""
    words: list[tuple] = []
    highlight_terms: set[str] = set()
    latin_run: list[str] = []

    def close_latin_run():
        if len(latin_run) > 1:
            joined = ("term", "pinyin", text.fold_pinyin("".join(latin_run)))
            typed = words[-len(latin_run) :]
            del words[-len(latin_run) :]
            words.append(("any", [("all", typed), joined]))
        latin_run.clear()

    for piece in text.query_pieces(query_text):
        if text.is_latin(piece):
            alternatives = [("term", "pinyin", text.fold_pinyin(piece))]
            for stem in _content_terms(piece):
                alternatives.append(("term", "content", stem))
                highlight_terms.add(stem)
            words.append(("any", alternatives))
            latin_run.append(piece)
            continue
        close_latin_run()
        for word in text.query_words(piece):
            for term in _content_terms(word):
                words.append(("term", "content", term))
                highlight_terms.add(term)
    close_latin_run()
    if not words:
        return None, frozenset()
    tree = words[0] if len(words) == 1 else ("all" if match_all else "any", words)
    return tree, frozenset(highlight_terms)


def _content_terms(word: str) -> list[str]:
    return [t.text for t in CONTENT_ANALYZER(word, mode="query")]


# ---- matching, counting and ranking ----------------------------------------------------
# A results page needs every match (for the total and the module facets), and Whoosh's
# matchers walk postings one Python call at a time: too slow at 100,000 lessons. So each
# segment's postings of a query term are read a block at a time into {docnum: weight}
# (kept in a bounded cache), matching is set algebra on those, facets are intersections
# with a module's postings, and documents are scored with Whoosh's own BM25 formula and
# statistics, times their kind and popularity weights. Whoosh's own top-k (block-max) was
# measured slower than this at 100,000 lessons, because a page must count every match anyway.

EXACT_LIMIT = 10_000  # above this, a one-word query scores only its strong matches
_POSTINGS_BUDGET = 300_000  # cached postings entries per process (about 40 MB)
_B, _K1 = 0.75, 1.2  # Whoosh's BM25F defaults


@dataclass(frozen=True)
class _TermPostings:
    """A term's postings in one segment: weight per document, and the documents as a set."""

    weights: dict[int, float]
    docs: frozenset[int]

    def __len__(self) -> int:
        return len(self.weights)


class _Postings:
    """Postings read from immutable segments, least recently used dropped first."""

    def __init__(self, budget: int = _POSTINGS_BUDGET):
        self.budget = budget
        self.size = 0
        self.entries: OrderedDict[tuple, _TermPostings] = OrderedDict()
        self.lock = threading.Lock()

    def get(self, segment_key: str, reader, fieldname: str, btext: bytes) -> _TermPostings:
        key = (segment_key, fieldname, btext)
        with self.lock:
            found = self.entries.get(key)
            if found is not None:
                self.entries.move_to_end(key)
                return found
        weights = _read_postings(reader, fieldname, btext)
        found = _TermPostings(weights, frozenset(weights))
        with self.lock:
            self.entries[key] = found
            self.size += len(found)
            while self.size > self.budget and len(self.entries) > 1:
                _key, dropped = self.entries.popitem(last=False)
                self.size -= len(dropped)
        return found

    def forget_other_generations(self, generation: str) -> None:
        with self.lock:
            for key in [k for k in self.entries if not k[0].startswith(generation)]:
                self.size -= len(self.entries.pop(key))


def _read_postings(reader, fieldname: str, btext: bytes) -> dict[int, float]:
    """{docnum: weight} of a term in one segment, deleted documents included."""
    if (fieldname, btext) not in reader:
        return {}
    matcher = reader.postings(fieldname, btext)
    leaf = getattr(matcher, "child", matcher)  # unwrap the filter that hides deletions
    leaf.reset()  # the filter may have moved past deleted documents
    postings: dict[int, float] = {}
    if type(leaf) is not W3LeafMatcher:
        while leaf.is_active():
            postings[leaf.id()] = leaf.weight()
            leaf.next()
        return postings
    # Whoosh's generic walk makes several Python calls per posting; this codec's matcher
    # hands over whole blocks, which is five times faster.
    while leaf.is_active():
        leaf._read_ids()
        leaf._read_weights()
        postings.update(zip(leaf._ids, leaf._weights, strict=True))
        leaf._next_block()
    return postings


class _Storage(FileStorage):
    """One generation's folder, read without mmap, closing on demand what it opened.

    No mmap: a segment file cut short under a mapping kills the process with SIGBUS,
    while a plain read of it raises an error that search turns into IndexUnavailable.
    Whoosh leaves files open when it fails half-way; close_all() closes them then.
    """

    def __init__(self, generation: Path):
        super().__init__(str(generation), supports_mmap=False)
        self._opened: list = []  # strong references: a dropped file would close noisily

    def _remember(self, handle):
        if len(self._opened) > 64:
            self._opened = [h for h in self._opened if not h.is_closed]
        self._opened.append(handle)
        return handle

    def open_file(self, name, **kwargs):
        return self._remember(super().open_file(name, **kwargs))

    def create_file(self, name, **kwargs):
        return self._remember(super().create_file(name, **kwargs))

    def close_all(self) -> None:
        opened, self._opened = self._opened, []
        for handle in opened:
            if not handle.is_closed:
                with contextlib.suppress(Exception):
                    handle.close()


@dataclass
class _Leaf:
    """One segment of the searcher, as the query sees it.

    Per-document values are read into lists the first time a query needs them (a segment
    never changes, so they stay right): lists index several times faster than columns.
    """

    key: str
    reader: object
    offset: int
    deleted: frozenset[int]
    lists: dict[str, list | frozenset]

    def values(self, name: str) -> list:
        found = self.lists.get(name)
        if found is None:
            reader = self.reader
            if name == "length":
                count = reader.doc_count_all()
                found = [reader.doc_field_length(d, "content", 1) for d in range(count)]
            elif name == "kind_weight":
                found = [KIND_WEIGHTS.get(k, 1.0) for k in reader.column_reader("kind")]
            else:
                found = list(reader.column_reader(name))
            self.lists[name] = found
        return found


class _Engine:
    """One query against one searcher: matches, counts and the requested page."""

    def __init__(self, index: SearchIndex, state: _OpenSearcher, tree, boosts):
        self.index, self.state, self.tree = index, state, tree
        self.searcher = state.searcher
        self.boosts = boosts
        self.leaves = state.leaves

    def postings(self, leaf: _Leaf, fieldname: str, value: str) -> _TermPostings:
        btext = self.searcher.schema[fieldname].to_bytes(value)
        return self.index._postings.get(leaf.key, leaf.reader, fieldname, btext)

    def matches(self, leaf: _Leaf, node=None) -> frozenset[int]:
        node = node or self.tree
        if node[0] == "term":
            found = self.postings(leaf, node[1], node[2]).docs
            return found - leaf.deleted if leaf.deleted else found
        sets = [self.matches(leaf, child) for child in node[1]]
        if node[0] == "any":
            return frozenset().union(*sets)
        sets.sort(key=len)
        return sets[0].intersection(*sets[1:])

    def module_docs(self, leaf: _Leaf, slug: str) -> frozenset[int]:
        # Every query needs every module's documents: kept with the segment, not in the LRU.
        found = leaf.lists.get(f"module:{slug}")
        if found is None:
            btext = self.searcher.schema["module"].to_bytes(slug)
            found = leaf.lists[f"module:{slug}"] = frozenset(
                _read_postings(leaf.reader, "module", btext)
            )
        return found

    def terms(self, node=None) -> list[tuple[str, str, float]]:
        node = node or self.tree
        if node[0] == "term":
            boost = PINYIN_WEIGHT if node[1] == "pinyin" else 1.0
            return [(node[1], node[2], boost)]
        return [t for child in node[1] for t in self.terms(child)]

    def score(self, leaf: _Leaf, docnums: Iterable[int]) -> list[tuple[float, int]]:
        """(score, global docnum) for documents of one segment: BM25 times their weights."""
        searcher = self.searcher
        stats = []
        for fieldname, value, boost in set(self.terms()):
            postings = self.postings(leaf, fieldname, value).weights
            if postings:
                weight = boost * searcher.idf(fieldname, value)
                # Pinyin keys multiply with a title's words: no penalty for long titles there.
                b = _B / searcher.avg_field_length(fieldname) if fieldname == "content" else 0.0
                stats.append((postings, weight, b))
        lengths = leaf.values("length")
        kind_weights, courses = leaf.values("kind_weight"), leaf.values("course_id")
        boosts, offset, k1, norm = self.boosts, leaf.offset, _K1, 1 - _B
        scored = []
        for docnum in docnums:
            total = 0.0
            for postings, weight, b in stats:
                tf = postings.get(docnum)
                if tf:
                    lengthnorm = norm + b * lengths[docnum] if b else 1.0
                    total += weight * tf * (k1 + 1) / (tf + k1 * lengthnorm)
            factor = kind_weights[docnum] * boosts.get(courses[docnum], 1.0)
            scored.append((total * factor, docnum + offset))
        return scored

    def strong(self, leaf: _Leaf, found: frozenset[int]) -> set[int] | None:
        """For a one-word query matching very many: the documents with the word in the title.

        (Or repeated as often in the body.) Only these are scored when they fill the page:
        an approximation that keeps the broadest queries fast.
        """
        if self.tree[0] != "term":
            return None
        postings = self.postings(leaf, self.tree[1], self.tree[2]).weights
        return {d for d, w in postings.items() if w >= PART_WEIGHTS[0] and d in found}


# ---- the index -----------------------------------------------------------------------


@dataclass
class _OpenSearcher:
    """An open searcher on one generation, with its segments as queries see them."""

    generation: str
    storage: _Storage
    searcher: object
    leaves: list[_Leaf]
    modules: tuple[str, ...]

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self.searcher.close()
        self.storage.close_all()


def _open_searcher(generation: Path, lists: dict[str, dict[str, list]]) -> _OpenSearcher:
    storage = _Storage(generation)
    try:
        searcher = storage.open_index().searcher()
        leaves = []
        for subsearcher, offset in searcher.leaf_searchers():
            reader = subsearcher.reader()
            if reader.segment() is None:  # an empty index has no segment at all
                continue
            key = f"{generation}/{reader.segment().segment_id()}"
            deleted = frozenset(reader.deleted_docs_set) if reader.has_deletions() else frozenset()
            leaves.append(_Leaf(key, reader, offset, deleted, lists.setdefault(key, {})))
        lexicon = searcher.reader().lexicon("module") or ()  # an empty index gives None
        modules = tuple(sorted(m.decode() if isinstance(m, bytes) else m for m in lexicon if m))
    except BaseException:
        storage.close_all()
        raise
    return _OpenSearcher(str(generation), storage, searcher, leaves, modules)


def _close_all(pool: list[_OpenSearcher]) -> None:
    while pool:
        pool.pop().close()


class SearchIndex:
    """The index in one folder: search it, write to it under its lock, rebuild it."""

    POOL_SIZE = 8  # open searchers kept for reuse (about one per concurrent search)

    def __init__(self, directory: str | os.PathLike):
        self.directory = Path(directory)
        self._pool: list[_OpenSearcher] = []
        self._pool_lock = threading.Lock()
        self._postings = _Postings()
        self._lists: dict[str, dict[str, list]] = {}  # segment → per-document lists
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

    def status(self) -> str:
        """ "ok", "missing" (never built) or "broken" (cannot be opened or read)."""
        generation = self.current_generation()
        if generation is None:
            return "missing"
        storage = _Storage(generation)
        try:
            with storage.open_index().searcher() as searcher:
                searcher.doc_count()
                for _ in searcher.reader().iter_docs():
                    break
        except Exception:
            log.warning("search index %s cannot be read", generation, exc_info=True)
            return "broken"
        finally:
            storage.close_all()
        return "ok"

    def document_count(self) -> int:
        with self._checkout() as state:
            return state.searcher.doc_count()

    # -- searching

    def search(self, query_text: str, *, module: str | None = None, sort: str = "relevance",
               offset: int = 0, limit: int = 10, boosts: Mapping[int, float] | None = None,
               match_all: bool = True) -> IndexResults:  # fmt: skip
        """One page of results, the total and the module facets. Raises IndexUnavailable."""
        tree, terms = _interpret(query_text, match_all)
        if tree is None:
            return IndexResults([], 0, {}, terms)
        with self._checkout() as state:
            try:
                return self._run(state, tree, terms, module, sort, offset, limit, boosts or {})
            except Exception as error:
                raise IndexUnavailable(str(error)) from error

    def _run(self, state, tree, terms, module, sort, offset, limit, boosts):
        engine = _Engine(self, state, tree, boosts)
        matches: dict[int, frozenset[int]] = {}
        facets: dict[str, int] = {}
        for i, leaf in enumerate(state.leaves):
            found = engine.matches(leaf)
            for slug in state.modules:
                count = len(found & engine.module_docs(leaf, slug))
                if count:
                    facets[slug] = facets.get(slug, 0) + count
            if module:
                found = engine.module_docs(leaf, module) & found
            if found:
                matches[i] = found
        total = sum(len(found) for found in matches.values())
        end = min(offset + limit, MAX_RESULTS)
        if total == 0 or offset >= end:
            return IndexResults([], total, facets, terms)
        if sort == "newest":
            ranked = []
            for i, found in matches.items():
                leaf = state.leaves[i]
                published = leaf.values("published")
                ranked += [(published[d], d + leaf.offset) for d in found]
        else:
            if total > EXACT_LIMIT:
                matches = self._strong_matches(engine, state, matches, end)
            ranked = []
            for i, found in matches.items():
                ranked += engine.score(state.leaves[i], found)
        page = heapq.nlargest(end, ranked, key=lambda pair: (pair[0], -pair[1]))[offset:end]
        return IndexResults([self._hit(state, d, score) for score, d in page], total, facets, terms)

    @staticmethod
    def _strong_matches(engine, state, matches: dict[int, frozenset[int]], end: int):
        strong = {i: engine.strong(state.leaves[i], found) for i, found in matches.items()}
        if any(found is None for found in strong.values()):
            return matches
        return strong if sum(map(len, strong.values())) >= end else matches

    @staticmethod
    def _hit(state: _OpenSearcher, docnum: int, score: float) -> IndexHit:
        stored = state.searcher.stored_fields(docnum)
        course_id = stored.get("course_id", -1)
        return IndexHit(stored["kind"], stored["object_id"],
                        course_id if course_id >= 0 else None, float(score))  # fmt: skip

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
                changed, pieces = False, []
                for piece in text.query_pieces(query_text):
                    replacement = self._nearest(state.searcher, piece)
                    changed |= replacement is not None and replacement != piece
                    pieces.append(replacement or piece)
        except IndexUnavailable:
            return None
        except Exception:
            log.warning("search suggestions failed", exc_info=True)
            return None
        return " ".join(pieces) if changed else None

    def _nearest(self, searcher, piece: str) -> str | None:
        if text.is_latin(piece):
            key = text.fold_pinyin(piece)
            terms = _content_terms(piece)
            reader = searcher.reader()
            if reader.doc_frequency("pinyin", key) or any(
                reader.doc_frequency("content", t) for t in terms
            ):
                return None
            if len(key) >= 4:
                maxdist = 1 if len(key) < 7 else 2
                for candidate in searcher.suggest("pinyin", key, limit=1, maxdist=maxdist,
                                                  prefix=1):  # fmt: skip
                    return self._chinese_for(searcher, candidate) or candidate
            for term in terms:
                for candidate in searcher.suggest("content", term, limit=1, maxdist=1, prefix=2):
                    return candidate
            return None
        reader = searcher.reader()
        words = text.query_words(piece)
        if all(reader.doc_frequency("content", word) for word in words):
            return None
        key = text.pinyin_of(piece)  # typed with the right sounds, wrong characters?
        if key and reader.doc_frequency("pinyin", key):
            return self._chinese_for(searcher, key)
        changed = False
        for i, word in enumerate(words):
            if not reader.doc_frequency("content", word):
                key = text.pinyin_of(word)
                if key and reader.doc_frequency("pinyin", key):
                    replacement = self._chinese_for(searcher, key)
                    changed |= replacement is not None
                    words[i] = replacement or word
        return "".join(words) if changed else None

    @staticmethod
    def _chinese_for(searcher, key: str) -> str | None:
        """Chinese words in indexed titles that sound like the pinyin key (党史 for dansi)."""
        found = searcher.search(query.Term("pinyin", key), limit=5)
        for hit in found:
            match = text.span_with_pinyin(hit["title"], key)
            if match:
                return match
        return None

    # -- highlighting

    @staticmethod
    def highlight(value: str, terms: frozenset[str], whole: bool = False,
                  length: int = 120) -> str | None:  # fmt: skip
        """HTML (escaped, matches in <mark>) of the best passages, or None if nothing matched."""
        if not terms or not value:
            return None
        if whole:
            fragmenter = WholeFragmenter()
        else:
            fragmenter = ContextFragmenter(maxchars=length, surround=length // 3)
        formatter = HtmlFormatter(tagname="mark", classname="match", termclass="term", between="…")
        html = highlight(value, terms, CONTENT_ANALYZER, fragmenter, formatter, top=2,
                         mode="index")  # fmt: skip
        return html or None

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
        storage = _Storage(generation)
        try:
            try:
                writer = storage.open_index().writer(timeout=10.0)
            except Exception as error:
                raise IndexUnavailable(str(error)) from error
            try:
                for course_id in remove_courses:
                    writer.delete_by_term("course_id", course_id)
                for key in remove_keys:
                    writer.delete_by_term("key", key)
                for doc in documents:
                    writer.update_document(**_fields(doc))
            except BaseException:
                writer.cancel()
                raise
            writer.commit()
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
            storage = _Storage(generation)
            ix = storage.create_index(SCHEMA)
            # One segment per process: merging them would cost as much as the build again.
            writer = ix.writer(procs=procs, limitmb=limitmb, multisegment=procs > 1)
            try:
                for doc in documents:
                    writer.add_document(**_fields(doc))
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
