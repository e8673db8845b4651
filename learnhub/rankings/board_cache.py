"""Boards computed recently, kept for ``RANKINGS_CACHE_SECONDS`` in the site's cache.

With several workers or hosts that is Redis (``CACHE_TYPE = "RedisCache"``), so every worker
shows the same board, and new numbers show everywhere at once: each board is kept under the
version of the rankings' content, which the aggregator bumps when it commits new numbers.

A module of its own: the leaderboard reads through it and the aggregator, which the
leaderboard depends on, calls ``clear_cache`` when it writes.
"""

from __future__ import annotations

from flask import current_app

from learnhub.cache import bump_on_commit, content_version
from learnhub.extensions import cache

RANKINGS = "rankings"


def cached_board(key: tuple, compute):
    """compute(), or its value computed less than RANKINGS_CACHE_SECONDS ago from the same
    numbers (values are plain dicts and tuples, so any cache backend can keep them)."""
    seconds = current_app.config["RANKINGS_CACHE_SECONDS"]
    if not seconds:
        return compute()
    full_key = f"board:{content_version(RANKINGS)}:{key!r}"
    value = cache.get(full_key)
    if value is None:
        value = compute()
        cache.set(full_key, value, timeout=seconds)
    return value


def clear_cache() -> None:
    """Boards computed before the current transaction's changes are not shown once it
    commits (on every worker sharing the cache)."""
    bump_on_commit(RANKINGS)
