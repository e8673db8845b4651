"""How often one client may ask for the rankings API and exports (RANKINGS_API_RATE_LIMIT).

Counted per client address (behind TRUSTED_PROXY_COUNT proxies) by Flask-Limiter, in
RATELIMIT_STORAGE_URI: memory per process by default, Redis for several workers and hosts.
"""

from __future__ import annotations

from flask import current_app

from learnhub.extensions import limiter


def _per_minute() -> str:
    return f"{current_app.config['RANKINGS_API_RATE_LIMIT']}/minute"


def _unlimited() -> bool:
    return not current_app.config["RANKINGS_API_RATE_LIMIT"]


# One budget for the API and the exports together.
api_limit = limiter.shared_limit(_per_minute, scope="rankings-api", exempt_when=_unlimited)
