"""A per-process request limit for the API and exports (fixed one-minute windows).

Each web process counts on its own, so with N processes a client may make up to N times
the limit; it stops floods, not a determined distributed client (that is the proxy's job).
"""

from __future__ import annotations

import threading
import time

from flask import abort, current_app, request

_counts: dict[tuple[str, int], int] = {}
_lock = threading.Lock()


def limit_requests() -> None:
    """Abort with 429 once this client address exceeds RANKINGS_API_RATE_LIMIT a minute."""
    limit = current_app.config["RANKINGS_API_RATE_LIMIT"]
    if not limit:
        return
    minute = int(time.monotonic() // 60)
    key = (request.remote_addr or "", minute)
    with _lock:
        if len(_counts) > 10_000:
            for old in [k for k in _counts if k[1] != minute]:
                del _counts[old]
        _counts[key] = _counts.get(key, 0) + 1
        count = _counts[key]
    if count > limit:
        abort(429)


def reset() -> None:
    with _lock:
        _counts.clear()
