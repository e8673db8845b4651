"""Did you mean, on any backend: a query's unknown words replaced by the nearest indexed ones.

The rules live here, without Whoosh or SQL: each backend answers the few questions they ask
through a ``Terms`` (suggestions.py for the Whoosh index, pgindex.py for PostgreSQL), so
both suggest alike (长证 → 长征, 党使 → 党史, zhinengshouj → 智能手机, 雷峰 → 雷锋).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Protocol

from . import text
from .schema import content_terms

PINYIN, CONTENT, GRAMS = "pinyin", "content", "grams"  # the index fields asked about
MIN_PINYIN_KEY = 4  # a shorter Latin word is no misspelt pinyin (initials, English)
LONG_PINYIN_KEY = 7  # from this length a pinyin key may be two letters away, not just one
CANDIDATES = 3
NAMES_FROM = 5  # documents whose names are read for the Chinese of a pinyin key


class Terms(Protocol):
    """What "did you mean" asks of an index."""

    def has(self, field: str, term: str) -> bool:
        """Whether some document has ``term`` in ``field``."""

    def similar(self, field: str, term: str, maxdist: int, prefix: int, limit: int) -> list[str]:
        """Indexed terms of ``field`` up to ``maxdist`` edits from ``term`` (keeping its first
        ``prefix`` letters), the most frequent first, ``limit`` at most."""

    def names(self, key: str) -> Iterable[str]:
        """The names of the best documents with the pinyin key ``key``: for each, its title
        and then its names besides the title (SearchDocument.also_pinyin)."""


def did_you_mean(terms: Terms, query_text: str) -> str | None:
    """The query with unknown words replaced by the nearest indexed ones, or None."""
    changed, pieces = False, []
    for piece in text.query_pieces(query_text):
        replacement = _nearest(terms, piece)
        changed |= replacement is not None and replacement != piece
        pieces.append(replacement or piece)
    return " ".join(pieces) if changed else None


def _nearest(terms: Terms, piece: str) -> str | None:
    if text.is_latin(piece):
        return _nearest_latin(terms, piece)
    words = text.query_words(piece)
    if all(terms.has(CONTENT, word) for word in words) and (
        len(words) == 1 or all(terms.has(GRAMS, g) for g in text.query_grams(piece))
    ):  # known words, and not single known characters no title has together (党使)
        return None
    replacement = _sounds_like(terms, piece)  # the right sounds, wrong characters?
    if replacement:
        return replacement
    changed = False
    for i, word in enumerate(words):
        if not terms.has(CONTENT, word):
            replacement = _sounds_like(terms, word)
            changed |= replacement is not None
            words[i] = replacement or word
    return "".join(words) if changed else None


def _nearest_latin(terms: Terms, piece: str) -> str | None:
    key = text.fold_pinyin(piece)
    stems = content_terms(piece)
    if terms.has(PINYIN, key) or any(terms.has(CONTENT, t) for t in stems):
        return None
    if len(key) >= MIN_PINYIN_KEY:
        maxdist = 1 if len(key) < LONG_PINYIN_KEY else 2
        candidates = terms.similar(PINYIN, key, maxdist, 1, CANDIDATES)
        # Typing not finished (zhinengshouj) first: 智能手机 rather than 智能手.
        for candidate in sorted(candidates, key=lambda c: not c.startswith(key)):
            # Only as Chinese: a folded key (dansi) is no word anyone would type.
            chinese = _chinese_for(terms, candidate)
            if chinese:
                return chinese
    for stem in stems:
        for candidate in terms.similar(CONTENT, stem, 1, 2, CANDIDATES):
            # A word the typed one begins is searched already (queries.MIN_PREFIX), and
            # is a stem ("healthi"): not a word to offer.
            if not candidate.startswith(stem):
                return candidate
    return None


def _sounds_like(terms: Terms, word: str) -> str | None:
    """Indexed Chinese with a reading of ``word`` (each reading of a heteronym is tried).

    Of several, the one sharing most characters with ``word``: 长证 reads zhangzheng
    (战争) or changzheng (长征), and the learner who typed 长 meant 长征.
    """
    found = []
    for key in text.pinyin_readings(word):
        if terms.has(PINYIN, key):
            chinese = _chinese_for(terms, key)
            if chinese and chinese not in found:
                found.append(chinese)
    return max(found, key=lambda c: len(set(c) & set(word)), default=None)


def _chinese_for(terms: Terms, key: str) -> str | None:
    """Chinese words in indexed titles that sound like the pinyin key (党史 for dansi).

    Also in the names a document is found by besides its title (its module and region,
    a lesson's course title), where 党史 of 百年党史学堂 is.
    """
    for name in terms.names(key):
        match = text.span_with_pinyin(name, key)
        if match:
            return match
    return None
