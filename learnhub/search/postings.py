"""Postings read from the index a block at a time, and kept in a bounded cache.

A term's postings in one segment become arrays of its documents and its weight in each, and
a bitmap of the documents: the forms scoring (numpy, scoring.py) and matching and counting
(pyroaring's set algebra in C) work on. Reading them fast reads the Whoosh 3 codec's posting
blocks itself (the format is Whoosh's, the code private): the first place to look after a
Whoosh upgrade, and tests/search/test_postings.py pins it against Whoosh's public API.
"""

from __future__ import annotations

import io
import pickle
import struct
import threading
import zlib
from array import array
from collections import OrderedDict
from dataclasses import dataclass
from itertools import accumulate, repeat

import numpy as np
from pyroaring import BitMap, FrozenBitMap
from whoosh.codec.whoosh3 import WHOOSH3_HEADER_MAGIC, W3TermsReader
from whoosh.reading import TermNotFound

# cached postings per process: about 14 bytes each (4 + 8 in the arrays, at most 2 in the
# bitmap), some 14 MB; a dict and a frozenset of them took 130 bytes a posting
_POSTINGS_BUDGET = 1_000_000
_BLOCK_LENGTH = struct.Struct("!i")  # whoosh.system.pack_int


@dataclass(frozen=True)
class TermPostings:
    """A term's postings in one segment: the documents in order with the term's weight in
    each (numpy arrays, for scoring), and the same documents as a bitmap (for matching)."""

    ids: np.ndarray  # uint32, ascending
    weights: np.ndarray  # float64, the weight in ids[i]
    docs: FrozenBitMap

    @classmethod
    def of(cls, ids: array, weights: array) -> TermPostings:
        return cls(np.frombuffer(ids, dtype=np.uint32), np.frombuffer(weights), FrozenBitMap(ids))

    def __len__(self) -> int:
        return len(self.ids)

    def weights_of(self, docnums: np.ndarray, segment_size: int) -> np.ndarray:
        """The term's weight in each of ``docnums`` (ascending), 0 where it is absent."""
        ids = self.ids
        if len(docnums) * 16 < len(ids):  # a few documents: looked up in the ids
            return looked_up(ids, self.weights, docnums, 0.0)
        # many: spread over the whole segment and picked (a quarter of the look-up's time)
        spread = np.zeros(segment_size)
        spread[ids] = self.weights
        return spread[docnums]


def looked_up(keys: np.ndarray, values: np.ndarray, wanted: np.ndarray, absent: float):
    """``values[i]`` for each of ``wanted`` that is ``keys[i]`` (``keys`` ascending and not
    empty), ``absent`` for the others."""
    at = np.minimum(np.searchsorted(keys, wanted), len(keys) - 1)
    return np.where(keys[at] == wanted, values[at], absent)


def docnums(found: BitMap | FrozenBitMap) -> np.ndarray:
    """A bitmap's documents as an ascending numpy array."""
    return np.frombuffer(found.to_array(), dtype=np.uint32)


class PostingsCache:
    """Postings read from immutable segments, least recently used dropped first."""

    def __init__(self, budget: int = _POSTINGS_BUDGET):
        self.budget = budget
        self.size = 0
        self.entries: OrderedDict[tuple, TermPostings] = OrderedDict()
        self.lock = threading.Lock()

    def get(self, segment_key: str, reader, fieldname: str, btext: bytes) -> TermPostings:
        """A term's postings in a Whoosh segment, read from ``reader`` unless kept."""
        key = (segment_key, fieldname, btext)
        found = self.peek(key)
        if found is None:
            found = self.put(key, TermPostings.of(*read_postings(reader, fieldname, btext)))
        return found

    def peek(self, key: tuple) -> TermPostings | None:
        """The postings kept under ``key`` (its first item names the segment), or None."""
        with self.lock:
            found = self.entries.get(key)
            if found is not None:
                self.entries.move_to_end(key)
            return found

    def put(self, key: tuple, postings: TermPostings) -> TermPostings:
        with self.lock:
            replaced = self.entries.pop(key, None)
            if replaced is not None:
                self.size -= len(replaced)
            self.entries[key] = postings
            self.size += len(postings)
            while self.size > self.budget and len(self.entries) > 1:
                _key, dropped = self.entries.popitem(last=False)
                self.size -= len(dropped)
        return postings

    def forget_other_generations(self, generation: str) -> None:
        with self.lock:
            for key in [k for k in self.entries if not k[0].startswith(generation)]:
                self.size -= len(self.entries.pop(key))


def read_postings(reader, fieldname: str, btext: bytes) -> tuple[array, array]:
    """(docnums, weights) of a term in one segment, deleted documents included: arrays of
    unsigned 32-bit ids, ascending, and of floats."""
    ids, weights = array("I"), array("d")
    terms = getattr(reader, "_terms", None)  # a segment's term table
    if type(terms) is not W3TermsReader:
        terminfo = None
        if (fieldname, btext) not in reader:
            return ids, weights
    else:
        try:  # one look-up in the term table, not a test for the term and then another
            terminfo = terms.term_info(fieldname, btext)
        except (KeyError, TermNotFound):
            return ids, weights
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
        _read_blocks(terms._postfile.get(offset, length), ids, weights)
        return ids, weights
    matcher = reader.postings(fieldname, btext)
    leaf = getattr(matcher, "child", matcher)  # unwrap the filter that hides deletions
    leaf.reset()  # the filter may have moved past deleted documents
    while leaf.is_active():
        ids.append(leaf.id())
        weights.append(leaf.weight())
        leaf.next()
    return ids, weights


def _read_blocks(raw: bytes, ids: array, weights: array) -> None:
    """A posting list as the Whoosh 3 codec writes it (W3PostingsWriter._write_block): a
    magic tag, then blocks of [length (negative on the last)][pickled block info]
    [pickled (id deltas, weights, values), zlib-compressed when the info says so]; its
    ids and weights appended to ``ids`` and ``weights``."""
    if raw[:4] != WHOOSH3_HEADER_MAGIC:
        raise ValueError("not a Whoosh 3 posting list")
    stream = io.BytesIO(raw)
    position = 4
    while position < len(raw):
        (length,) = _BLOCK_LENGTH.unpack_from(raw, position)
        end = position + _BLOCK_LENGTH.size + abs(length)
        stream.seek(position + _BLOCK_LENGTH.size)
        info = pickle.load(stream)  # noqa: S301 - the index's own bytes, read as Whoosh reads them
        count, _last_id, _max_weight, compression, _min, _max = info
        data = raw[stream.tell() : end]
        block = zlib.decompress(data) if compression else data
        deltas, block_weights, _values = pickle.loads(block)  # noqa: S301 - the index's own bytes
        ids.extend(accumulate(deltas))
        weights.extend(_expanded(block_weights, count))
        position = end


def _expanded(weights, count: int):
    """A block's weights as stored: None when all are 1, one number when all are equal."""
    if weights is None:
        return repeat(1.0, count)
    if isinstance(weights, float | int):
        return repeat(float(weights), count)
    return weights
