"""Highlighted passages of a hit's text: the searched words in <mark>, the rest escaped.

The words are found where they stand in the text, not by cutting the text into words again:
Whoosh's highlighter ran the text through jieba (about 10 µs a character), which was half of
a results page's time. Chinese terms are marked wherever they stand (a learner who searched
党史 sees it marked inside 百年党史学堂 too); Latin words are marked when their stem is a term
(the index stems them: "studies" is marked for the term "studi").
"""

from __future__ import annotations

import bisect
import functools
import heapq
import re

from markupsafe import escape
from whoosh.lang.porter import stem as porter_stem

from .schema import STOP_WORDS

stem = functools.lru_cache(maxsize=20_000)(porter_stem)  # the index's stemmer (StemFilter)
_LATIN_WORD = re.compile(r"[A-Za-z0-9]+")
_ONLY_LATIN = re.compile(r"[a-z0-9]+")
MAX_FRAGMENTS = 2
MAX_STARTS = 50  # passages tried, from the first matches on (a text can match thousands of times)
BETWEEN = "…"


def highlight(value: str, terms: frozenset[str], whole: bool = False,
              length: int = 120) -> str | None:  # fmt: skip
    """HTML (escaped, matches in <mark>) of the best passages, or None if nothing matched.

    ``whole``: all of the text (a title); otherwise up to two passages of about ``length``
    characters around the matches, those with the most different terms first, in text order.
    """
    if not terms or not value:
        return None
    matches = _matches(value, terms)
    if not matches:
        return None
    if whole:
        return _html(value, 0, len(value), matches)
    passages = _best_passages(value, matches, length)
    return BETWEEN.join(_html(value, start, end, matches) for start, end in passages)


def _matches(value: str, terms: frozenset[str]) -> list[tuple[int, int, int]]:
    """(start, end, term number) of each match, in order, never overlapping (longest wins)."""
    latin = {t for t in terms if _ONLY_LATIN.fullmatch(t)}
    other = sorted(terms - latin, key=len, reverse=True)
    numbers = {term: n for n, term in enumerate(sorted(terms))}
    found: list[tuple[int, int, int]] = []
    if latin:
        for word in _LATIN_WORD.finditer(value):
            key = word.group().lower()
            if key not in STOP_WORDS and (key in latin or stem(key) in latin):
                found.append((word.start(), word.end(), numbers.get(key, numbers.get(stem(key)))))
    lowered = value.lower()
    if other and len(lowered) == len(value):  # a letter whose lower case is longer: skip
        taken = [False] * len(value)
        for start, end, _n in found:
            taken[start:end] = [True] * (end - start)
        for term in other:
            at = lowered.find(term)
            while at >= 0:
                end = at + len(term)
                if not any(taken[at:end]):
                    taken[at:end] = [True] * len(term)
                    found.append((at, end, numbers[term]))
                at = lowered.find(term, end)
    return sorted(found)


def _best_passages(value: str, matches: list, length: int) -> list[tuple[int, int]]:
    """Passages of at most ``length`` characters, each starting a little before a match."""
    surround = length // 3
    candidates = []
    last = 0  # the first match past the previous passage's end: ends only move forward
    for i, (start, end, _n) in enumerate(matches[:MAX_STARTS]):
        begin = _word_edge(value, max(0, start - surround), start, forward=True)
        stop = _word_edge(value, min(len(value), begin + length), end, forward=False)
        last = max(last, i)
        while last < len(matches) and matches[last][1] <= stop:
            last += 1
        inside = matches[i:last]
        candidates.append((len({m[2] for m in inside}), len(inside), -begin, begin, stop))
    chosen: list[tuple[int, int]] = []
    for *_score, begin, stop in heapq.nlargest(len(candidates), candidates):
        if all(stop <= b or begin >= s for b, s in chosen):
            chosen.append((begin, stop))
        if len(chosen) == MAX_FRAGMENTS:
            break
    return sorted(chosen)


def _word_edge(value: str, at: int, limit: int, forward: bool) -> int:
    """``at`` moved towards ``limit`` until it no longer cuts a Latin word in two."""
    step = 1 if forward else -1
    while at != limit and 0 < at < len(value) and _in_word(value, at):
        at += step
    return at


def _in_word(value: str, at: int) -> bool:
    before, after = value[at - 1], value[at]
    return before.isascii() and before.isalnum() and after.isascii() and after.isalnum()


def _html(value: str, start: int, end: int, matches: list) -> str:
    parts, at = [], start
    for m_start, m_end, number in matches[bisect.bisect_left(matches, (start,)) :]:
        if m_end > end:
            break
        parts.append(str(escape(value[at:m_start])))
        parts.append(f'<mark class="match term{number}">{escape(value[m_start:m_end])}</mark>')
        at = m_end
    parts.append(str(escape(value[at:end])))
    return "".join(parts)
