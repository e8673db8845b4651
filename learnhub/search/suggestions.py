"""Did you mean: a query's unknown words replaced by the nearest words in the index."""

from __future__ import annotations

from whoosh import query

from . import text
from .schema import content_terms


def did_you_mean(searcher, query_text: str) -> str | None:
    """The query with unknown words replaced by the nearest indexed ones, or None."""
    changed, pieces = False, []
    for piece in text.query_pieces(query_text):
        replacement = _nearest(searcher, piece)
        changed |= replacement is not None and replacement != piece
        pieces.append(replacement or piece)
    return " ".join(pieces) if changed else None


def _nearest(searcher, piece: str) -> str | None:
    if text.is_latin(piece):
        key = text.fold_pinyin(piece)
        terms = content_terms(piece)
        reader = searcher.reader()
        if reader.doc_frequency("pinyin", key) or any(
            reader.doc_frequency("content", t) for t in terms
        ):
            return None
        if len(key) >= 4:
            maxdist = 1 if len(key) < 7 else 2
            for candidate in searcher.suggest("pinyin", key, limit=1, maxdist=maxdist,
                                              prefix=1):  # fmt: skip
                return _chinese_for(searcher, candidate) or candidate
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
        return _chinese_for(searcher, key)
    changed = False
    for i, word in enumerate(words):
        if not reader.doc_frequency("content", word):
            key = text.pinyin_of(word)
            if key and reader.doc_frequency("pinyin", key):
                replacement = _chinese_for(searcher, key)
                changed |= replacement is not None
                words[i] = replacement or word
    return "".join(words) if changed else None


def _chinese_for(searcher, key: str) -> str | None:
    """Chinese words in indexed titles that sound like the pinyin key (党史 for dansi)."""
    found = searcher.search(query.Term("pinyin", key), limit=5)
    for hit in found:
        match = text.span_with_pinyin(hit["title"], key)
        if match:
            return match
    return None
