"""Boards computed recently, kept per process for ``RANKINGS_CACHE_SECONDS``.

A module of its own: the leaderboard reads through it and the aggregator, which the
leaderboard depends on, empties it after writing new numbers.
"""

from __future__ import annotations

import threading
import time

from flask import current_app

_cache: dict[tuple, tuple[float, object]] = {}
_cache_lock = threading.Lock()


def cached_board(key: tuple, compute):
    """compute(), or its value computed less than RANKINGS_CACHE_SECONDS ago."""
    seconds = current_app.config["RANKINGS_CACHE_SECONDS"]
    if not seconds:
        return compute()
    now = time.monotonic()
    hit = _cache.get(key)
    if hit and hit[0] > now:
        return hit[1]
    value = compute()
    with _cache_lock:
        if len(_cache) > 2000:
            _cache.clear()
        _cache[key] = (now + seconds, value)
    return value


def clear_cache() -> None:
    """Forget cached boards (the aggregator calls it after writing)."""
    with _cache_lock:
        _cache.clear()
