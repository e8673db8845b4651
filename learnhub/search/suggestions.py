"""Did you mean on the Whoosh index: spelling.py's rules, asking the searcher."""

from __future__ import annotations

from collections.abc import Iterator

from whoosh import query

from . import spelling


def did_you_mean(searcher, query_text: str) -> str | None:
    """The query with unknown words replaced by the nearest indexed ones, or None."""
    return spelling.did_you_mean(_WhooshTerms(searcher), query_text)


class _WhooshTerms:
    """spelling.Terms on an open searcher."""

    def __init__(self, searcher):
        self.searcher, self.reader = searcher, searcher.reader()

    def has(self, field: str, term: str) -> bool:
        return bool(self.reader.doc_frequency(field, term))

    def similar(self, field: str, term: str, maxdist: int, prefix: int, limit: int) -> list[str]:
        return self.searcher.suggest(field, term, limit=limit, maxdist=maxdist, prefix=prefix)

    def names(self, key: str) -> Iterator[str]:
        for hit in self.searcher.search(
            query.Term(spelling.PINYIN, key), limit=spelling.NAMES_FROM
        ):
            yield hit["title"]
            yield hit.get("also", "")
