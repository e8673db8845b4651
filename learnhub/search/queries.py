"""What the visitor typed, as a query tree for the index.

A query is a small tree: ("term", field, text) | ("all", [nodes]) | ("any", [nodes]),
answered with set algebra on postings (see scoring.py). Built from terms, never parsed: no
input can be query syntax.
"""

from __future__ import annotations

from . import text
from .schema import content_terms


def interpret(query_text: str, match_all: bool) -> tuple[tuple | None, frozenset[str]]:
    """What the visitor typed, as a query tree, and the content words to highlight."""
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

    for piece in text.query_pieces(query_text):
        if text.is_latin(piece):
            alternatives = [("term", "pinyin", text.fold_pinyin(piece))]
            for stem in content_terms(piece):
                alternatives.append(("term", "content", stem))
                highlight_terms.add(stem)
            words.append(("any", alternatives))
            latin_run.append(piece)
            continue
        close_latin_run()
        for word in text.query_words(piece):
            for term in content_terms(word):
                words.append(("term", "content", term))
                highlight_terms.add(term)
    close_latin_run()
    if not words:
        return None, frozenset()
    tree = words[0] if len(words) == 1 else ("all" if match_all else "any", words)
    return tree, frozenset(highlight_terms)
