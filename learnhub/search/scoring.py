"""Matching, counting and ranking a query tree on one searcher's segments.

A results page needs every match (for the total and the module facets), and Whoosh's
matchers walk postings one Python call at a time: too slow at 100,000 lessons. So each
segment's postings of a query term are read a block at a time into {docnum: weight}
(kept in a bounded cache, see postings.py), matching is set algebra on those, facets are
intersections with a module's postings, and documents are scored with Whoosh's own BM25
formula and statistics, times their kind and popularity weights. Whoosh's own top-k
(block-max) was measured slower than this at 100,000 lessons, because a page must count
every match anyway.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
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


@dataclass
class Leaf:
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
            elif name == "kind_weight":  # the kind's weight times the document's own
                found = [
                    KIND_WEIGHTS.get(k, 1.0) * w / 100
                    for k, w in zip(reader.column_reader("kind"), reader.column_reader("weight"),
                                    strict=True)
                ]  # fmt: skip
            else:
                found = list(reader.column_reader(name))
            self.lists[name] = found
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

    def matches(self, leaf: Leaf, node=None) -> frozenset[int]:
        node = node or self.tree
        if node[0] == "term":
            found = self.postings(leaf, node[1], node[2]).docs
            return found - leaf.deleted if leaf.deleted else found
        sets = [self.matches(leaf, child) for child in node[1]]
        if node[0] == "any":
            return frozenset().union(*sets)
        # "all", and "grams" (every bigram of the typed run), need every child
        sets.sort(key=len)
        return sets[0].intersection(*sets[1:])

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

    def score(self, leaf: Leaf, docnums: Iterable[int]) -> list[tuple[float, int]]:
        """(score, global docnum) for documents of one segment: BM25 times their weights."""
        searcher = self.searcher
        stats = []
        for fieldname, value, boost in set(self.terms()):
            postings = self.postings(leaf, fieldname, value).weights
            if postings:
                weight = boost * searcher.idf(fieldname, value)
                # Pinyin keys and grams come from the title: no penalty for long titles there.
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
            postings = self.postings(leaf, fieldname, value).weights
            strong.update(d for d, w in postings.items() if w >= PART_WEIGHTS[0] and d in found)
        return strong
