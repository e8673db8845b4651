"""Matching, counting and ranking a query tree on one searcher's segments.

A results page needs every match (for the total and the module facets), and Whoosh's
matchers walk postings one Python call at a time: too slow at 100,000 lessons. So each
segment's postings of a query term are read whole into arrays and a bitmap (kept in a
bounded cache, see postings.py); matching is set algebra on the bitmaps (pyroaring, in C),
a facet is the count of an intersection with a module's bitmap, and every match is scored
at once with numpy: Whoosh's own BM25 formula and statistics, times the document's kind
and popularity weights, each operation in the order the formula writes it, so a score is
the same float a loop over the documents would compute (tests/search/test_ranking.py
checks the page against such a loop). Scoring every match this way costs less than
choosing which to score did in Python, so the page is exact whatever the query.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
from pyroaring import BitMap, FrozenBitMap

from .postings import PostingsCache, TermPostings, docnums, looked_up, read_postings

# Whole documents: a course beats one of its lessons for the same words.
KIND_WEIGHTS = {"course": 2.0, "activity": 1.5, "lesson": 1.0}
PINYIN_WEIGHT = 3.0  # pinyin keys come from titles (and a course's module and region)
# A query run's grams alternative (all its title bigrams, see queries.py) weighs this much
# in all, shared among its bigrams: far below a word in the title (5 × BM25 of the word),
# so a title that has the words ranks above one that has the characters only.
GRAMS_WEIGHT = 0.1
_B, _K1 = 0.75, 1.2  # Whoosh's BM25F defaults
_NOTHING = FrozenBitMap()


@dataclass
class Leaf:
    """One segment of the searcher, as the query sees it.

    Per-document values are read into numpy arrays the first time a query needs them (a
    segment never changes, so they stay right): a query reads them for all its matches at
    once, and a number takes 8 bytes where a list of Python numbers takes up to 40.
    """

    key: str
    reader: object
    offset: int
    deleted: FrozenBitMap
    lists: dict[str, object]  # name → per-document values, a module's bitmap, popularity

    def values(self, name: str) -> np.ndarray:
        found = self.lists.get(name)
        if found is None:
            reader = self.reader
            if name == "length":
                count = reader.doc_count_all()
                found = np.fromiter(
                    (reader.doc_field_length(d, "content", 1) for d in range(count)),
                    dtype=np.int64, count=count,
                )  # fmt: skip
            elif name == "kind_weight":  # the kind's weight times the document's own
                found = np.array([
                    KIND_WEIGHTS.get(k, 1.0) * w / 100
                    for k, w in zip(reader.column_reader("kind"), reader.column_reader("weight"),
                                    strict=True)
                ], dtype=np.float64)  # fmt: skip
            else:  # course_id, published: whole numbers (schema.py)
                found = np.array(list(reader.column_reader(name)), dtype=np.int64)
            self.lists[name] = found
        return found

    def popularity(self, boosts: Mapping[int, float]) -> np.ndarray | None:
        """Each document's popularity factor: its course's in ``boosts``, else 1.0 (None
        when no course has one). Kept while the same mapping is passed: the search service
        keeps one for a minute and never changes it."""
        if not boosts:
            return None
        kept = self.lists.get("popularity")
        if kept is not None and kept[0] is boosts:
            return kept[1]
        popular = np.fromiter(boosts.keys(), dtype=np.int64, count=len(boosts))
        factors = np.fromiter(boosts.values(), dtype=np.float64, count=len(boosts))
        order = np.argsort(popular)
        popular, factors = popular[order], factors[order]
        found = looked_up(popular, factors, self.values("course_id"), 1.0)
        self.lists["popularity"] = (boosts, found)
        return found


class QueryEngine:
    """One query against one searcher: matches, counts and scores, segment by segment."""

    def __init__(
        self,
        postings: PostingsCache,
        searcher,
        leaves: list[Leaf],
        tree,
        boosts: Mapping[int, float],
    ):
        self.postings_cache = postings
        self.searcher, self.leaves, self.tree = searcher, leaves, tree
        self.boosts = boosts

    def postings(self, leaf: Leaf, fieldname: str, value: str) -> TermPostings:
        btext = self.searcher.schema[fieldname].to_bytes(value)
        return self.postings_cache.get(leaf.key, leaf.reader, fieldname, btext)

    def matches(self, leaf: Leaf, node=None) -> FrozenBitMap | BitMap:
        found = self._matches(leaf, node or self.tree)
        return found - leaf.deleted if leaf.deleted else found

    def _matches(self, leaf: Leaf, node) -> FrozenBitMap | BitMap:
        """The documents of the segment matching ``node`` (deleted ones included).

        An "all" (and "grams": every bigram of the typed run) starts from its narrowest
        child and keeps, of those, the documents every other child has: two broad words'
        unions (a word or its bigrams, 30,000 documents each at 100,000 lessons) are never
        built to keep a few."""
        if node[0] == "term":
            return self.postings(leaf, node[1], node[2]).docs
        children = node[1]
        if len(children) == 1:
            return self._matches(leaf, children[0])
        if node[0] == "any":
            return BitMap.union(_NOTHING, *(self._matches(leaf, c) for c in children))
        first, *others = sorted(children, key=lambda child: self._most(leaf, child))
        found = self._matches(leaf, first)
        for child in others:
            found = self._kept(leaf, child, found)
        return found

    def _kept(self, leaf: Leaf, node, found):
        """The documents of ``found`` that ``node`` matches: intersections only, each as
        long as ``found`` at most (A ∩ (B ∪ C) is (A ∩ B) ∪ (A ∩ C))."""
        if not found:
            return found
        if node[0] == "term":
            return found & self.postings(leaf, node[1], node[2]).docs
        if node[0] == "any":
            return BitMap.union(_NOTHING, *(self._kept(leaf, child, found) for child in node[1]))
        for child in node[1]:
            found = self._kept(leaf, child, found)
        return found

    def _most(self, leaf: Leaf, node) -> int:
        """At most how many documents ``node`` matches, from its terms' postings alone."""
        if node[0] == "term":
            return len(self.postings(leaf, node[1], node[2]))
        sizes = [self._most(leaf, child) for child in node[1]]
        return sum(sizes) if node[0] == "any" else min(sizes)

    def module_docs(self, leaf: Leaf, slug: str) -> FrozenBitMap:
        # Every query needs every module's documents: kept with the segment, not in the LRU.
        found = leaf.lists.get(f"module:{slug}")
        if found is None:
            btext = self.searcher.schema["module"].to_bytes(slug)
            ids, _weights = read_postings(leaf.reader, "module", btext)
            found = leaf.lists[f"module:{slug}"] = FrozenBitMap(ids)
        return found

    def terms(self, node=None) -> list[tuple[str, str, float]]:
        node = node or self.tree
        if node[0] == "term":
            boost = PINYIN_WEIGHT if node[1] == "pinyin" else 1.0
            return [(node[1], node[2], boost)]
        if node[0] == "grams":
            share = GRAMS_WEIGHT / len(node[1])
            return [(fieldname, value, share) for _term, fieldname, value in node[1]]
        return [t for child in node[1] for t in self.terms(child)]

    def _stats(self, leaf: Leaf) -> list[tuple[TermPostings, float, float]]:
        """(postings, weight, length factor) of each query term the segment has."""
        searcher = self.searcher
        stats = []
        for fieldname, value, boost in set(self.terms()):
            postings = self.postings(leaf, fieldname, value)
            if len(postings):
                weight = boost * searcher.idf(fieldname, value)
                # Pinyin keys and grams come from the title: no penalty for long titles there.
                b = _B / searcher.avg_field_length(fieldname) if fieldname == "content" else 0.0
                stats.append((postings, weight, b))
        return stats

    def scores(self, leaf: Leaf, found: np.ndarray) -> np.ndarray:
        """BM25 of each of ``found`` (a segment's docnums, ascending) times its weights.

        Term by term, as a loop over the documents adds them: a term a document lacks adds
        0.0 there, which leaves the sum as it was."""
        lengths_all, k1, norm = leaf.values("length"), _K1, 1 - _B
        lengths = lengths_all[found]
        total = np.zeros(len(found))
        for postings, weight, b in self._stats(leaf):
            tf = postings.weights_of(found, len(lengths_all))
            lengthnorm = norm + b * lengths if b else 1.0
            total += weight * tf * (k1 + 1) / (tf + k1 * lengthnorm)
        popularity = leaf.popularity(self.boosts)
        weights = leaf.values("kind_weight")[found]
        return total * (weights * popularity[found] if popularity is not None else weights)

    def best(self, leaf: Leaf, found: FrozenBitMap | BitMap, count: int) -> list[tuple[float, int]]:
        """The ``count`` best of ``found`` as the page orders them (score, then lower
        docnum), as (score, global docnum)."""
        documents = docnums(found)
        scored = self.scores(leaf, documents)
        if len(scored) > count > 0:
            # the count-th highest score; of the documents scoring just that, the lowest
            # docnums (``documents`` ascend) fill the page
            threshold = np.partition(scored, len(scored) - count)[len(scored) - count]
            above = np.flatnonzero(scored > threshold)
            tied = np.flatnonzero(scored == threshold)[: count - len(above)]
            chosen = np.concatenate((above, tied))
        else:
            chosen = np.arange(len(scored))
        offset = leaf.offset
        return [(score, docnum + offset) for score, docnum in
                zip(scored[chosen].tolist(), documents[chosen].tolist(), strict=True)]  # fmt: skip

    def newest(self, leaf: Leaf, found: FrozenBitMap | BitMap) -> list[tuple[int, int]]:
        """(publication time, global docnum) of each of ``found``."""
        documents, offset = docnums(found), leaf.offset
        times = leaf.values("published")[documents].tolist()
        return [(time, docnum + offset) for time, docnum in
                zip(times, documents.tolist(), strict=True)]  # fmt: skip
