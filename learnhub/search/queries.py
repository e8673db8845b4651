"""What the visitor typed, as a query tree for the index.

A query is a small tree: ("term", field, text) | ("all", [nodes]) | ("any", [nodes]) |
("grams", [terms of the grams field]: matched like "all", weighed lightly), answered with
set algebra on postings (see scoring.py). Built from terms, never parsed: no
input can be query syntax.

Synonyms (staff's groups, see synonyms.py) are applied here, at query time: a typed word, or
the whole typed phrase, that is a group's word is answered as any of the group's words, each
analysed as if it had been typed. The index never holds them, so a change needs no reindex.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable

from . import text
from .schema import content_terms

Synonyms = text.SynonymMap
# An unknown content term → the indexed content terms it begins ("health" → "healthi").
Completions = Callable[[str], list[str]]
MIN_PREFIX = 4  # a Latin word this long with no postings also matches the words it begins
MAX_COMPLETIONS = 8


def completions_in(reader, term: str) -> list[str]:
    """The content terms of ``reader`` an unknown term begins (MAX_COMPLETIONS at most)."""
    if reader.doc_frequency("content", term):
        return []
    found = itertools.islice(reader.expand_prefix("content", term), MAX_COMPLETIONS)
    return [t.decode() if isinstance(t, bytes) else t for t in found]


def interpret(query_text: str, match_all: bool, synonyms: Synonyms | None = None,
              completions: Completions | None = None
              ) -> tuple[tuple | None, frozenset[str]]:  # fmt: skip
    """What the visitor typed, as a query tree, and the content words to highlight.

    ``completions``: the index's content terms an unknown Latin word of MIN_PREFIX letters or
    more begins, so "health" also finds "Healthy" (stemmed "healthi").
    """
    synonyms = synonyms or {}
    pieces = text.query_pieces(query_text)
    whole = "".join(pieces)
    if len(pieces) > 1 and whole in synonyms:  # 建党100周年 is cut into three pieces
        return _any_of(synonyms[whole])
    return _interpret_pieces(pieces, match_all, synonyms, completions=completions)


def _interpret_pieces(pieces: list[str], match_all: bool, synonyms: Synonyms,
                      grams: bool = True, completions: Completions | None = None
                      ) -> tuple[tuple | None, frozenset[str]]:  # fmt: skip
    words: list[tuple] = []
    highlight_terms: set[str] = set()
    latin_run: list[str] = []

    def close_latin_run():
        if len(latin_run) > 1:
            joined = ("term", "pinyin", text.fold_pinyin("".join(latin_run)))
            typed = words[-len(latin_run) :]
            del words[-len(latin_run) :]
            words.append(("any", [("all", typed), joined]))
        latin_run.clear()

    for piece in pieces:
        if text.is_latin(piece):
            alternatives = [("term", "pinyin", text.fold_pinyin(piece))]
            for stem in content_terms(piece):
                alternatives.append(("term", "content", stem))
                highlight_terms.add(stem)
                if completions and len(stem) >= MIN_PREFIX:
                    for longer in completions(stem):
                        alternatives.append(("term", "content", longer))
                        highlight_terms.add(longer)
            if piece in synonyms:
                others, terms = _any_of(synonyms[piece], leave_out=piece)
                alternatives.extend(others[1] if others else ())
                highlight_terms |= terms
            words.append(("any", alternatives))
            latin_run.append(piece)
            continue
        close_latin_run()
        piece_words: list[tuple] = []
        for word, group in text.with_synonyms(text.query_words(piece), synonyms):
            if group:
                tree, terms = _any_of(group)
                if tree is not None:
                    piece_words.append(tree)
                    highlight_terms |= terms
                continue
            for term in content_terms(word):
                piece_words.append(("term", "content", term))
                highlight_terms.add(term)
        words += _with_grams(piece, piece_words, match_all) if grams else piece_words
    close_latin_run()
    if not words:
        return None, frozenset()
    tree = words[0] if len(words) == 1 else ("all" if match_all else "any", words)
    return tree, frozenset(highlight_terms)


def _with_grams(piece: str, piece_words: list[tuple], match_all: bool) -> list[tuple]:
    """A Chinese piece's words, or else all of its character bigrams in the titles' grams.

    jieba may cut a few characters of a title differently from the whole title (绿江 of
    鸭绿江): the grams alternative finds the title anyway. It is a ("grams", [terms]) node,
    matched like "all" and scored far below the words (scoring.GRAMS_WEIGHT).
    """
    grams = text.query_grams(piece)
    if not grams:
        return piece_words
    grams_node = ("grams", [("term", "grams", gram) for gram in grams])
    if not piece_words:  # only stop words (的, 与): the characters themselves still count
        return [grams_node]
    if not match_all:  # some of the words will do: the grams are one more alternative
        return [*piece_words, grams_node]
    if len(piece_words) == 1:
        only = piece_words[0]
        alternatives = only[1] if only[0] == "any" else [only]  # one flat "any"
        return [("any", [*alternatives, grams_node])]
    return [("any", [("all", piece_words), grams_node])]


def _any_of(group: tuple[str, ...], leave_out: str = "") -> tuple[tuple | None, frozenset[str]]:
    """Any word of a synonym group, each read as a query of its own (all of its parts)."""
    # A group's words are words: no grams alternative (those are for what was typed).
    read = [
        _interpret_pieces(text.query_pieces(w), True, {}, grams=False)
        for w in group
        if w != leave_out
    ]
    # A word that needs all of parts one of which is a word of the group adds nothing (防诈骗
    # = 防 + 诈骗 beside 诈骗), and would only highlight its other parts (防) everywhere.
    single = {tree for tree, _terms in read if tree is not None and tree[0] == "term"}
    alternatives: list[tuple] = []
    highlight_terms: set[str] = set()
    for tree, terms in read:
        if tree is None or tree in alternatives:
            continue
        if tree[0] == "all" and any(c[0] == "term" and c in single for c in tree[1]):
            continue
        alternatives.append(tree)
        highlight_terms |= terms
    if not alternatives:
        return None, frozenset()
    return ("any", alternatives), frozenset(highlight_terms)
