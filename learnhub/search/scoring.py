"""Matching, counting and ranking a query tree on one searcher's segments.

A results page needs every match (for the total and the module facets), and Whoosh's
matchers walk postings one Python call at a time: too slow at 100,000 lessons. So each
segment's postings of a query term are read a block at a time into {docnum: weight}
(kept in a bounded cache, see postings.py), matching is set algebra on those, facets are
intersections with a module's postings, and documents are scored with Whoosh's own BM25
formula and statistics, times their kind and popularity weights. Whoosh's own top-k
(block-max) was measured slower than this at 100,000 lessons, because a page must count
every match anyway; but a broad word's page does not need every match scored: best()
scores a segment's matches by groups, strongest first, and stops where no document left
can reach the page (exactly the page scoring all would give).
"""

from __future__ import annotations

import functools
import heapq
from array import array
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from .postings import PostingsCache, TermPostings, read_postings
from .schema import PART_WEIGHTS

# Whole documents: a course beats one of its lessons for the same words.
KIND_WEIGHTS = {"course": 2.0, "activity": 1.5, "lesson": 1.0}
PINYIN_WEIGHT = 3.0  # pinyin keys come from titles (and a course's module and region)
# A query run's grams alternative (all its title bigrams, see queries.py) weighs this much
# in all, shared among its bigrams: far below a word in the title (5 × BM25 of the word),
# so a title that has the words ranks above one that has the characters only.
GRAMS_WEIGHT = 0.1
_B, _K1 = 0.75, 1.2  # Whoosh's BM25F defaults
# best(): every match of a segment is scored up to this many, or this many times the
# page's end (cheap enough); a bound is trusted only this far (float rounding of the bound
# against the score).
PRUNE_FROM, PRUNE_RATIO = 1_000, 4
LENGTH_CHUNK = 64  # documents of one group scored together before the next bound check
_MARGIN = 1 + 1e-9


@dataclass
class Leaf:
    """One segment of the searcher, as the query sees it.

    Per-document values are read into arrays the first time a query needs them (a segment
    never changes, so they stay right): they index several times faster than columns, and
    hold a number in 8 bytes where a list of Python numbers takes up to 40.
    """

    key: str
    reader: object
    offset: int
    deleted: frozenset[int]
    lists: dict[str, Sequence | frozenset]

    def values(self, name: str) -> Sequence:
        found = self.lists.get(name)
        if found is None:
            reader = self.reader
            if name == "length":
                count = reader.doc_count_all()
                found = array("q", (reader.doc_field_length(d, "content", 1) for d in range(count)))
            elif name == "kind_weight":  # the kind's weight times the document's own
                found = array("d", (
                    KIND_WEIGHTS.get(k, 1.0) * w / 100
                    for k, w in zip(reader.column_reader("kind"), reader.column_reader("weight"),
                                    strict=True)
                ))  # fmt: skip
            else:
                found = _compact(list(reader.column_reader(name)))
            self.lists[name] = found
        return found


def _compact(values: list) -> Sequence:
    """Whole numbers as an array of 64-bit integers; anything else stays a list."""
    try:
        return array("q", values)
    except (TypeError, OverflowError):
        return values


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

    @functools.cached_property
    def highest_boost(self) -> float:
        """The highest popularity factor of the request: read only when best() prunes, not
        on every query (the boosts hold every popular course)."""
        return max(1.0, *self.boosts.values()) if self.boosts else 1.0

    def postings(self, leaf: Leaf, fieldname: str, value: str) -> TermPostings:
        btext = self.searcher.schema[fieldname].to_bytes(value)
        return self.postings_cache.get(leaf.key, leaf.reader, fieldname, btext)

    def matches(self, leaf: Leaf, node=None) -> frozenset[int]:
        found = self._matches(leaf, node or self.tree)
        return found - leaf.deleted if leaf.deleted else found

    def _matches(self, leaf: Leaf, node) -> frozenset[int]:
        """The documents of the segment matching ``node`` (deleted ones included).

        An "all" (and "grams": every bigram of the typed run) builds only its narrowest
        child's set and keeps, of those, the documents every other child has: two broad
        words' unions (a word or its bigrams, 30,000 documents each at 100,000 lessons) are
        never built to keep a few."""
        if node[0] == "term":
            return self.postings(leaf, node[1], node[2]).docs
        children = node[1]
        if len(children) == 1:
            return self._matches(leaf, children[0])
        if node[0] == "any":
            sets = [found for found in (self._matches(leaf, c) for c in children) if found]
            return frozenset().union(*sets) if len(sets) > 1 else (sets or [frozenset()])[0]
        first, *others = sorted(children, key=lambda child: self._most(leaf, child))
        found = self._matches(leaf, first)
        for child in others:
            found = self._kept(leaf, child, found)
        return found

    def _kept(self, leaf: Leaf, node, found: frozenset[int]) -> frozenset[int]:
        """The documents of ``found`` that ``node`` matches: set intersections only, each as
        long as ``found`` at most (A ∩ (B ∪ C) is (A ∩ B) ∪ (A ∩ C))."""
        if not found:
            return found
        if node[0] == "term":
            return found & self.postings(leaf, node[1], node[2]).docs
        if node[0] == "any":
            return frozenset().union(*(self._kept(leaf, child, found) for child in node[1]))
        for child in node[1]:
            found = self._kept(leaf, child, found)
        return found

    def _most(self, leaf: Leaf, node) -> int:
        """At most how many documents ``node`` matches, from its terms' postings alone."""
        if node[0] == "term":
            return len(self.postings(leaf, node[1], node[2]).docs)
        sizes = [self._most(leaf, child) for child in node[1]]
        return sum(sizes) if node[0] == "any" else min(sizes)

    def module_docs(self, leaf: Leaf, slug: str) -> frozenset[int]:
        # Every query needs every module's documents: kept with the segment, not in the LRU.
        found = leaf.lists.get(f"module:{slug}")
        if found is None:
            btext = self.searcher.schema["module"].to_bytes(slug)
            found = leaf.lists[f"module:{slug}"] = frozenset(
                read_postings(leaf.reader, "module", btext)
            )
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
            if postings:
                weight = boost * searcher.idf(fieldname, value)
                # Pinyin keys and grams come from the title: no penalty for long titles there.
                b = _B / searcher.avg_field_length(fieldname) if fieldname == "content" else 0.0
                stats.append((postings, weight, b))
        return stats

    def score(self, leaf: Leaf, docnums: Iterable[int], stats=None) -> list[tuple[float, int]]:
        """(score, global docnum) for documents of one segment: BM25 times their weights."""
        stats = self._stats(leaf) if stats is None else stats
        lengths = leaf.values("length")
        kind_weights, courses = leaf.values("kind_weight"), leaf.values("course_id")
        boosts, offset, k1, norm = self.boosts, leaf.offset, _K1, 1 - _B
        stats = [(postings.weights, weight, b) for postings, weight, b in stats]
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

    def best(self, leaf: Leaf, found: frozenset[int], count: int) -> list[tuple[float, int]]:
        """The ``count`` best of ``found`` as :meth:`score` scores and the page orders them
        (score, then lower docnum), scoring only documents that can still reach them.

        A broad word's documents are visited by the strongest term's weight and the
        document's kind weight, best first (a title before a body); a group stops being
        visited once even its best case — shortest length, highest popularity, every other
        term at its ceiling — stays below the count-th score already found. Exact: a
        skipped document's score is below that bound."""
        if len(found) <= max(PRUNE_RATIO * count, PRUNE_FROM):
            return self.score(leaf, found)
        stats = self._stats(leaf)
        if not stats:
            return self.score(leaf, found, stats)
        k1, norm = _K1, 1 - _B
        kind_weights, lengths = leaf.values("kind_weight"), leaf.values("length")
        popularity = self.highest_boost
        postings, weight, b = max(stats, key=lambda stat: stat[1])  # the strongest term
        others = sum(w for p, w, _b in stats if p is not postings)
        rest = others * (k1 + 1) * max(kind_weights) * popularity

        def ceiling(tf: float, kind_weight: float, length: float) -> float:
            """The best score a document of this group and length can reach."""
            lengthnorm = norm + b * length if b else 1.0
            term = weight * tf * (k1 + 1) / (tf + k1 * lengthnorm) * kind_weight
            return (term * popularity + rest) * _MARGIN

        heap: list[tuple[float, int]] = []  # (score, -global docnum): the best ``count``
        groups = sorted(
            ((ceiling(tf, kind_weight, lengths[docnums[0]]), tf, kind_weight, docnums)
             for (tf, kind_weight), docnums in postings.groups(kind_weights, lengths)),
            key=lambda group: group[0], reverse=True,
        )  # fmt: skip
        for best_case, tf, kind_weight, docnums in groups:
            if len(heap) == count and best_case < heap[0][0]:
                break
            # A group's documents tie but for their length (and popularity): shortest first,
            # a chunk at a time, until even a chunk's shortest cannot reach the page. A word
            # in every document is one group of them all.
            for start in range(0, len(docnums), LENGTH_CHUNK):
                chunk = docnums[start : start + LENGTH_CHUNK]
                shortest = lengths[chunk[0]]
                if start and len(heap) == count and ceiling(tf, kind_weight, shortest) < heap[0][0]:
                    break
                _keep_best(heap, count, self.score(leaf, found.intersection(chunk), stats))
        elsewhere = found.difference(postings.weights)  # matched by other terms alone
        if elsewhere and (len(heap) < count or rest * _MARGIN >= heap[0][0]):
            _keep_best(heap, count, self.score(leaf, elsewhere, stats))
        return [(score, -negated) for score, negated in heap]

    def strong(self, leaf: Leaf, found: frozenset[int]) -> set[int] | None:
        """For a one-word query matching very many: the documents with the word in the title.

        (Or repeated as often in the body.) Only these are scored when they fill the page:
        an approximation that keeps the broadest queries fast. A word with synonyms (any of
        several one-word content terms, see queries.py) counts as one word here.
        """
        tree = self.tree
        if tree[0] == "any":  # the grams alternative only adds weak matches: left out here
            tree = ("any", [n for n in tree[1] if n[0] != "grams"])
            if len(tree[1]) == 1:
                tree = tree[1][0]
        if tree[0] == "term":
            words = [tree]
        elif tree[0] == "any" and all(n[:2] == ("term", "content") for n in tree[1]):
            words = tree[1]
        else:
            return None
        strong: set[int] = set()
        for _term, fieldname, value in words:
            postings = self.postings(leaf, fieldname, value)
            strong.update(postings.weighing_at_least(PART_WEIGHTS[0]) & found)
        return strong


def _keep_best(heap: list, count: int, scored: list[tuple[float, int]]) -> None:
    """Keep in ``heap`` the ``count`` largest (score, -docnum): the page's order."""
    for score, docnum in scored:
        item = (score, -docnum)
        if len(heap) < count:
            heapq.heappush(heap, item)
        elif item > heap[0]:
            heapq.heapreplace(heap, item)
