"""Password hashing with Argon2id; older hashes are upgraded on the next login."""

from __future__ import annotations

from argon2 import PasswordHasher, Type
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app
from werkzeug.security import check_password_hash


def _hasher() -> PasswordHasher:
    config = current_app.config
    return PasswordHasher(
        time_cost=config["PASSWORD_HASH_TIME_COST"],
        memory_cost=config["PASSWORD_HASH_MEMORY_KIB"],
        parallelism=config["PASSWORD_HASH_PARALLELISM"],
        type=Type.ID,
    )


def hash_password(password: str) -> str:
    """An Argon2id hash of the password with the configured cost."""
    return _hasher().hash(password)


def verify_password(stored_hash: str, password: str) -> bool:
    """Whether the password matches; accepts legacy Werkzeug hashes too."""
    if stored_hash.startswith("$argon2"):
        try:
            return _hasher().verify(stored_hash, password)
        except (VerificationError, InvalidHashError):
            return False
    if stored_hash.startswith(("scrypt:", "pbkdf2:")):
        return check_password_hash(stored_hash, password)
    return False


def needs_rehash(stored_hash: str) -> bool:
    """Whether the hash is not Argon2id at today's cost (so it is replaced on login)."""
    if not stored_hash.startswith("$argon2id$"):
        return True
    return _hasher().check_needs_rehash(stored_hash)


def burn_time_like_a_verify(password: str) -> None:
    """Spend the time of a real verification, so unknown accounts answer as slowly."""
    _hasher().hash(password)
