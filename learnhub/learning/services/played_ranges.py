"""The parts of a media lesson really played: a union of whole-second ranges.

Ranges are ``[start, end]`` pairs, sorted and disjoint (touching ones are merged), as they
are stored in ``LessonProgress.played_ranges``. Playing a part again adds nothing.
"""

from __future__ import annotations

Range = tuple[int, int]


def add_range(ranges: list, start: int, end: int) -> list[list[int]]:
    """The union of ``ranges`` and ``[start, end]`` (a new list; the stored one is kept)."""
    if end <= start:
        return [list(r) for r in ranges]
    merged: list[list[int]] = []
    for low, high in sorted([*map(tuple, ranges), (start, end)]):
        if merged and low <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], high)
        else:
            merged.append([low, high])
    return merged


def covered_seconds(ranges: list) -> int:
    """How many seconds the ranges cover together."""
    return sum(high - low for low, high in ranges)
