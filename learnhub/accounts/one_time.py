"""Secrets handed out once (session tokens, activation links, reset codes): random values of
which the database keeps only a hash, so a copy of the database opens nothing."""

from __future__ import annotations

import hashlib
import secrets

# Digits only: a reset code is read aloud over a counter or the phone, and typed by elders.
CODE_DIGITS = "0123456789"


def new_token() -> str:
    """A random token for a link or a cookie (256 bits, URL-safe)."""
    return secrets.token_urlsafe(32)


def new_code(length: int = 8, alphabet: str = CODE_DIGITS) -> str:
    """A random code a person can read aloud and type (8 digits by default)."""
    return "".join(secrets.choice(alphabet) for _ in range(length))


def secret_hash(secret: str) -> str:
    """What is stored of a token or code: its SHA-256, hex (64 characters)."""
    return hashlib.sha256(secret.encode()).hexdigest()
