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
            # Only as Chinese: a folded key (dansi) is no word anyone would type.
            candidates = searcher.suggest("pinyin", key, limit=3, maxdist=maxdist, prefix=1)
            # Typing not finished (zhinengshouj) first: 智能手机 rather than 智能手.
            for candidate in sorted(candidates, key=lambda c: not c.startswith(key)):
                chinese = _chinese_for(searcher, candidate)
                if chinese:
                    return chinese
        for term in terms:
            for candidate in searcher.suggest("content", term, limit=3, maxdist=1, prefix=2):
                # A word the typed one begins is searched already (queries.MIN_PREFIX), and
                # is a stem ("healthi"): not a word to offer.
                if not candidate.startswith(term):
                    return candidate
        return None
    reader = searcher.reader()
    words = text.query_words(piece)
    if all(reader.doc_frequency("content", word) for word in words) and (
        len(words) == 1 or all(reader.doc_frequency("grams", g) for g in text.query_grams(piece))
    ):  # known words, and not single known characters no title has together (党使)
        return None
    replacement = _sounds_like(searcher, piece)  # the right sounds, wrong characters?
    if replacement:
        return replacement
    changed = False
    for i, word in enumerate(words):
        if not reader.doc_frequency("content", word):
            replacement = _sounds_like(searcher, word)
            changed |= replacement is not None
            words[i] = replacement or word
    return "".join(words) if changed else None


def _sounds_like(searcher, word: str) -> str | None:
    """Indexed Chinese with a reading of ``word`` (each reading of a heteronym is tried).

    Of several, the one sharing most characters with ``word``: 长证 reads zhangzheng
    (战争) or changzheng (长征), and the learner who typed 长 meant 长征.
    """
    reader = searcher.reader()
    found = []
    for key in text.pinyin_readings(word):
        if reader.doc_frequency("pinyin", key):
            chinese = _chinese_for(searcher, key)
            if chinese and chinese not in found:
                found.append(chinese)
    return max(found, key=lambda c: len(set(c) & set(word)), default=None)


def _chinese_for(searcher, key: str) -> str | None:
    """Chinese words in indexed titles that sound like the pinyin key (党史 for dansi).

    Also in the names a document is found by besides its title (its module and region,
    a lesson's course title), where 党史 of 百年党史学堂 is.
    """
    found = searcher.search(query.Term("pinyin", key), limit=5)
    for hit in found:
        for name in (hit["title"], hit.get("also", "")):
            match = text.span_with_pinyin(name, key)
            if match:
                return match
    return None
