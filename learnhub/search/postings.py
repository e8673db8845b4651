"""Postings read from the index a block at a time, and kept in a bounded cache.

A term's postings in one segment become ``{docnum: weight}``: the form matching, counting
and scoring (scoring.py) work on. Reading them fast reads the Whoosh 3 codec's posting
blocks itself (the format is Whoosh's, the code private): the first place to look after a
Whoosh upgrade, and tests/search/test_postings.py pins it against Whoosh's public API.
"""

from __future__ import annotations

import io
import pickle
import struct
import threading
import zlib
from collections import OrderedDict
from dataclasses import dataclass, field
from itertools import accumulate, repeat

from whoosh.codec.whoosh3 import WHOOSH3_HEADER_MAGIC, W3TermsReader
from whoosh.reading import TermNotFound

_POSTINGS_BUDGET = 300_000  # cached postings entries per process (about 40 MB)
_BLOCK_LENGTH = struct.Struct("!i")  # whoosh.system.pack_int


@dataclass(frozen=True)
class TermPostings:
    """A term's postings in one segment: weight per document, and the documents as a set."""

    weights: dict[int, float]
    docs: frozenset[int]
    _groups: list = field(default_factory=list, compare=False, repr=False)
    _at_least: dict = field(default_factory=dict, compare=False, repr=False)

    def __len__(self) -> int:
        return len(self.weights)

    def groups(self, kind_weights, lengths) -> list[tuple[tuple[float, float], tuple]]:
        """The documents by (the term's weight in them, their kind weight), each group's
        shortest first; made once (``kind_weights`` and ``lengths`` are the segment's, as
        the postings are)."""
        if not self._groups and self.weights:
            grouped: dict[tuple[float, float], list[int]] = {}
            for docnum, weight in self.weights.items():
                grouped.setdefault((weight, kind_weights[docnum]), []).append(docnum)
            # tuples, not sets: an eighth of the memory, and ``found.intersection(group)``
            # walks a tuple as fast
            self._groups.extend(
                (key, tuple(sorted(docs, key=lengths.__getitem__))) for key, docs in grouped.items()
            )
        return self._groups

    def weighing_at_least(self, minimum: float) -> frozenset[int]:
        """The documents where the term weighs ``minimum`` or more (in their title, say);
        made once per minimum: a word in every document has as many postings, and a query
        for it asks on every search."""
        found = self._at_least.get(minimum)
        if found is None:
            found = frozenset(d for d, weight in self.weights.items() if weight >= minimum)
            self._at_least[minimum] = found
        return found


class PostingsCache:
    """Postings read from immutable segments, least recently used dropped first."""

    def __init__(self, budget: int = _POSTINGS_BUDGET):
        self.budget = budget
        self.size = 0
        self.entries: OrderedDict[tuple, TermPostings] = OrderedDict()
        self.lock = threading.Lock()

    def get(self, segment_key: str, reader, fieldname: str, btext: bytes) -> TermPostings:
        key = (segment_key, fieldname, btext)
        with self.lock:
            found = self.entries.get(key)
            if found is not None:
                self.entries.move_to_end(key)
                return found
        weights = read_postings(reader, fieldname, btext)
        found = TermPostings(weights, frozenset(weights))
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


def read_postings(reader, fieldname: str, btext: bytes) -> dict[int, float]:
    """{docnum: weight} of a term in one segment, deleted documents included."""
    terms = getattr(reader, "_terms", None)  # a segment's term table
    if type(terms) is not W3TermsReader:
        terminfo = None
        if (fieldname, btext) not in reader:
            return {}
    else:
        try:  # one look-up in the term table, not a test for the term and then another
            terminfo = terms.term_info(fieldname, btext)
        except (KeyError, TermNotFound):
            return {}
    if terminfo is not None and not terminfo.is_inlined():
        # Read straight from the term's extent: reader.postings() wraps the matcher in a
        # filter that hides deleted documents, and that filter walks past every deleted
        # document at the list's start before the first read (after many edits, 40 % of
        # a broad word's time); the matcher itself reads a block in dozens of small reads
        # and undoes the id deltas one Python step at a time (the whole list in one read
        # and C loops take a third less time).
        offset, length = terminfo.extent()
        if isinstance(length, tuple):  # W3TermInfo.from_bytes leaves unpack_int's tuple
            (length,) = length
        return _read_blocks(terms._postfile.get(offset, length))
    matcher = reader.postings(fieldname, btext)
    leaf = getattr(matcher, "child", matcher)  # unwrap the filter that hides deletions
    leaf.reset()  # the filter may have moved past deleted documents
    postings: dict[int, float] = {}
    while leaf.is_active():
        postings[leaf.id()] = leaf.weight()
        leaf.next()
    return postings


def _read_blocks(raw: bytes) -> dict[int, float]:
    """A posting list as the Whoosh 3 codec writes it (W3PostingsWriter._write_block): a
    magic tag, then blocks of [length (negative on the last)][pickled block info]
    [pickled (id deltas, weights, values), zlib-compressed when the info says so]."""
    if raw[:4] != WHOOSH3_HEADER_MAGIC:
        raise ValueError("not a Whoosh 3 posting list")
    stream = io.BytesIO(raw)
    position, postings = 4, {}
    while position < len(raw):
        (length,) = _BLOCK_LENGTH.unpack_from(raw, position)
        end = position + _BLOCK_LENGTH.size + abs(length)
        stream.seek(position + _BLOCK_LENGTH.size)
        info = pickle.load(stream)  # noqa: S301 - the index's own bytes, read as Whoosh reads them
        count, _last_id, _max_weight, compression, _min, _max = info
        data = raw[stream.tell() : end]
        block = zlib.decompress(data) if compression else data
        deltas, weights, _values = pickle.loads(block)  # noqa: S301 - the index's own bytes
        postings.update(zip(accumulate(deltas), _expanded(weights, count), strict=True))
        position = end
    return postings


def _expanded(weights, count: int):
    """A block's weights as stored: None when all are 1, one number when all are equal."""
    if weights is None:
        return repeat(1.0, count)
    if isinstance(weights, float | int):
        return repeat(float(weights), count)
    return weights
