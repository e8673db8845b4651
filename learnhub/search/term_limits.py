"""Which searches count on the staff page of what people search for (/search/terms).

The page tells staff what residents look for and do not find; anyone could fill it by
searching in a loop. So a search counts only when it looks like a person's browser (no
crawler, script, prefetch or HEAD: learnhub.clients.is_a_person), each client (address,
kept as a keyed pseudonym) counts a term once a day, and at most SEARCH_TERMS_PER_CLIENT
different terms a day. The counters live where Flask-Limiter keeps its own
(RATELIMIT_STORAGE_URI: Redis for several workers and hosts).
"""

from __future__ import annotations

import hashlib

from flask import current_app
from limits import parse

from learnhub.clients import client_address, is_a_person, pseudonym
from learnhub.extensions import limiter

ONCE_A_DAY = parse("1/day")


def search_counts(term: str) -> bool:
    """Whether this request's search of ``term`` is counted (and, if so, note it)."""
    if not is_a_person():
        return False
    client = pseudonym(client_address(), "search-terms")
    term_key = hashlib.sha256(term.encode()).hexdigest()[:24]
    strategy = limiter.limiter
    if not strategy.test(ONCE_A_DAY, "search-term", client, term_key):
        return False
    per_client = parse(f"{current_app.config['SEARCH_TERMS_PER_CLIENT']}/day")
    if not strategy.hit(per_client, "search-terms", client):
        return False
    return strategy.hit(ONCE_A_DAY, "search-term", client, term_key)
