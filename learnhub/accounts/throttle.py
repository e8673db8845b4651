"""How often sign-in may be tried: per client network, per address, and per account.

Counted by Flask-Limiter where RATELIMIT_STORAGE_URI says (Redis for several workers and
hosts). A network or address over its limit waits; an account with too many wrong
passwords is locked for the rest of the window, even for the right password — so a
script cannot guess on, and the Argon2 work of a flood never starts (the check runs
before the password is hashed).
"""

from __future__ import annotations

from flask import current_app, request
from flask_babel import lazy_gettext as _l

from learnhub.clients import client_network
from learnhub.extensions import limiter

from .services import parse_login_name


def _account_key() -> str:
    login = parse_login_name(request.form.get("login", ""))
    if login is None:
        return "account:none"
    return f"account:{login.username or ''}:{login.mobile or ''}"


def _failed(response) -> bool:
    # A refused sign-in answers 400 (the form again, with the error); 302 is a success.
    return response.status_code == 400


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
