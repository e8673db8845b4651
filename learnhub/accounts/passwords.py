"""Password hashing with Argon2id; older hashes are upgraded on the next login.

Each hash takes PASSWORD_HASH_MEMORY_KIB (64 MiB) for a moment, so a worker runs at most
PASSWORD_HASH_CONCURRENCY of them at once: a flood of sign-ins or registrations waits for a
slot (then gets "busy, try again") instead of exhausting the worker's memory.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

from argon2 import PasswordHasher, Type
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app
from werkzeug.exceptions import ServiceUnavailable
from werkzeug.security import check_password_hash

_slots: dict[int, threading.BoundedSemaphore] = {}
_slots_lock = threading.Lock()


class PasswordHashBusy(ServiceUnavailable):
    """Every hashing slot of this worker stayed taken for PASSWORD_HASH_WAIT_SECONDS."""


@contextmanager
def _hash_slot() -> Iterator[None]:
    size = int(current_app.config["PASSWORD_HASH_CONCURRENCY"])
    with _slots_lock:
        slots = _slots.setdefault(size, threading.BoundedSemaphore(size))
    if not slots.acquire(timeout=float(current_app.config["PASSWORD_HASH_WAIT_SECONDS"])):
        raise PasswordHashBusy()
    try:
        yield
    finally:
        slots.release()


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
    with _hash_slot():
        return _hasher().hash(password)


def verify_password(stored_hash: str, password: str) -> bool:
    """Whether the password matches; accepts legacy Werkzeug hashes too."""
    if stored_hash.startswith("$argon2"):
        try:
            with _hash_slot():
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
    with _hash_slot():
        _hasher().hash(password)
