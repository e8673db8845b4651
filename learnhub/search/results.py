"""What a search gives back: a page of hits, the total, the module facets."""

from __future__ import annotations

import heapq
from dataclasses import dataclass

from .scoring import QueryEngine

MAX_RESULTS = 500  # pages reach this far; nobody reads further, and it bounds the work


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


def results_page(
    engine: QueryEngine,
    modules: tuple[str, ...],
    terms: frozenset[str],
    module: str | None,
    sort: str,
    offset: int,
    limit: int,
) -> IndexResults:
    """One page of the engine's query: every match counted, only the page's hits ranked."""
    leaves = engine.leaves
    matches = {}
    facets: dict[str, int] = {}
    for i, leaf in enumerate(leaves):
        found = engine.matches(leaf)
        for slug in modules:
            count = found.intersection_cardinality(engine.module_docs(leaf, slug))
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
    ranked = []
    for i, found in matches.items():
        if sort == "newest":
            ranked += engine.newest(leaves[i], found)
        else:
            ranked += engine.best(leaves[i], found, end)
    page = heapq.nlargest(end, ranked, key=lambda pair: (pair[0], -pair[1]))[offset:end]
    hits = [_hit(engine.searcher, d, score) for score, d in page]
    return IndexResults(hits, total, facets, terms)


def _hit(searcher, docnum: int, score: float) -> IndexHit:
    stored = searcher.stored_fields(docnum)
    course_id = stored.get("course_id", -1)
    return IndexHit(stored["kind"], stored["object_id"],
                    course_id if course_id >= 0 else None, float(score))  # fmt: skip
