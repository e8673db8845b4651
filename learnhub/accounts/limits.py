"""How often sign-in and registration may be tried: per client network, per address, and
(sign-in) per account.

Counted by Flask-Limiter where RATELIMIT_STORAGE_URI says (Redis for several workers and
hosts), per client address behind TRUSTED_PROXY_COUNT proxies and per network (/24, /64).
The checks run before the view, so the Argon2 work of a flood never starts; beyond a
limit, the site's 429 page says how long to wait, and nothing is created.

- Sign-in: a network or address over its limit waits; an account with too many wrong
  passwords is locked for the rest of the window, even for the right password.
- Registration: accounts created from one address or network are few
  (REGISTRATION_RATE_LIMIT_PER_ADDRESS / _NETWORK; only successful posts count, so a person
  who mistypes the form is not shut out — parallel posts can pass the count by at most the
  number sent at the same moment); all posts from one address are capped too
  (REGISTRATION_POSTS_PER_ADDRESS), so a flood of bad forms is stopped as well.
"""

from __future__ import annotations

from flask import current_app, request
from flask_babel import lazy_gettext as _l

from learnhub.clients import client_address, client_network
from learnhub.extensions import limiter

from .services import parse_login_name


def _account_key() -> str:
    login = parse_login_name(request.form.get("login", ""))
    if login is None:
        return "account:none"
    return f"account:{login.username or ''}:{login.mobile or ''}"


def _failed(response) -> bool:
    # A refused sign-in or registration answers 400 (the form again, with the error).
    return response.status_code == 400


def _succeeded(response) -> bool:
    return response.status_code == 302  # signed in, or the account created


def _setting(name: str):
    return lambda: current_app.config[name]


sign_in_per_network = limiter.limit(
    _setting("SIGN_IN_LIMIT_PER_NETWORK"), key_func=client_network, methods=["POST"],
    scope="sign-in-network",
)  # fmt: skip
sign_in_per_address = limiter.limit(
    _setting("SIGN_IN_LIMIT_PER_ADDRESS"), methods=["POST"], scope="sign-in-address"
)
sign_in_failures_per_account = limiter.limit(
    _setting("SIGN_IN_FAILURES_PER_ACCOUNT"), key_func=_account_key, methods=["POST"],
    deduct_when=_failed, scope="sign-in-account",
    error_message=_l("Too many wrong passwords for this account."),
)  # fmt: skip

registration_posts_per_address = limiter.limit(
    _setting("REGISTRATION_POSTS_PER_ADDRESS"), key_func=client_address, methods=["POST"],
    scope="register-posts",
)  # fmt: skip
accounts_created_per_address = limiter.limit(
    _setting("REGISTRATION_RATE_LIMIT_PER_ADDRESS"), key_func=client_address,
    methods=["POST"], deduct_when=_succeeded, scope="register-address",
)  # fmt: skip
accounts_created_per_network = limiter.limit(
    _setting("REGISTRATION_RATE_LIMIT_PER_NETWORK"), key_func=client_network,
    methods=["POST"], deduct_when=_succeeded, scope="register-network",
)  # fmt: skip

# Account recovery (/reset, /forgot, e-mail links): every post counts, right or wrong, per
# network and per address; wrong codes are also counted per account (recovery.py).
recovery_per_network = limiter.limit(
    _setting("RESET_LIMIT_PER_NETWORK"), key_func=client_network, methods=["POST"],
    scope="recovery-network",
)  # fmt: skip
recovery_per_address = limiter.limit(
    _setting("RESET_LIMIT_PER_ADDRESS"), key_func=client_address, methods=["POST"],
    scope="recovery-address",
)  # fmt: skip
