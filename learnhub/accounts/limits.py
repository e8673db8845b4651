"""How many accounts one client may register (REGISTRATION_RATE_LIMIT_PER_ADDRESS / _NETWORK).

Every POST of the registration form counts, before anything is checked or created, so
parallel posts cannot slip past (Flask-Limiter increments its counter atomically). Counted
per client address (behind TRUSTED_PROXY_COUNT proxies) and per network (/24, /64), in
RATELIMIT_STORAGE_URI. Beyond either limit: the site's 429 page, and nothing is created.
"""

from __future__ import annotations

from flask import current_app

from learnhub.clients import client_address, client_network
from learnhub.extensions import limiter


def _per_address() -> str:
    return current_app.config["REGISTRATION_RATE_LIMIT_PER_ADDRESS"]


def _per_network() -> str:
    return current_app.config["REGISTRATION_RATE_LIMIT_PER_NETWORK"]


registration_per_address = limiter.limit(
    _per_address, key_func=client_address, methods=["POST"], scope="register-address"
)
registration_per_network = limiter.limit(
    _per_network, key_func=client_network, methods=["POST"], scope="register-network"
)
