"""The ledger's keys: secrets kept outside the database that seal entries and anchors.

An entry's hash is an HMAC-SHA256 with one of these keys, and the entry names the key by
its id; whoever can write the database but not read the keys cannot make a entry that
verifies. Keys come from ``CREDIT_LEDGER_KEYS`` (a mapping id → secret, e.g. from the
environment as JSON) or else from the key file (``CREDIT_LEDGER_KEY_FILE``, by default
``ledger-keys.json`` in the instance folder, made on first use). The last key listed signs
new entries; older keys stay to verify the entries they signed (rotation: add a key, never
remove one while entries name it).
"""

from __future__ import annotations

import json
import os
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from flask import current_app

KEY_FILE_NAME = "ledger-keys.json"
MIN_SECRET_LENGTH = 32


class LedgerKeyError(RuntimeError):
    """The ledger keys are missing or unusable: an operator must fix the configuration."""


@dataclass(frozen=True)
class LedgerKey:
    key_id: str
    secret: bytes


def key_file_path() -> Path:
    """Where the key file is (it is used only when CREDIT_LEDGER_KEYS is not set)."""
    configured = current_app.config.get("CREDIT_LEDGER_KEY_FILE")
    return Path(configured) if configured else Path(current_app.instance_path) / KEY_FILE_NAME


def ledger_keys() -> list[LedgerKey]:
    """Every configured key, oldest first; the last one signs new entries."""
    configured = current_app.config.get("CREDIT_LEDGER_KEYS")
    pairs = list(configured.items()) if configured else _read_or_create_key_file()
    keys = [LedgerKey(str(key_id), str(secret).encode()) for key_id, secret in pairs]
    for key in keys:
        if len(key.secret) < MIN_SECRET_LENGTH:
            raise LedgerKeyError(f"ledger key {key.key_id!r} is shorter than 32 characters")
    if not keys:
        raise LedgerKeyError("no ledger key is configured")
    return keys


def signing_key() -> LedgerKey:
    """The newest key: it seals every new entry and anchor."""
    return ledger_keys()[-1]


def key_by_id(key_id: str | None) -> LedgerKey | None:
    """The key with this id, if it is still configured."""
    return next((key for key in ledger_keys() if key.key_id == key_id), None)


# The key file as last read, by path: {path: ((size, mtime), pairs)}. Every posting asks
# for the signing key; a stat() tells whether the file changed (a rotation) since.
_read_files: dict[Path, tuple[tuple[int, int], list[tuple[str, str]]]] = {}


def _read_or_create_key_file() -> list[tuple[str, str]]:
    path = key_file_path()
    try:
        stat = path.stat()
    except FileNotFoundError:
        _write_new_key_file(path, [_new_key_pair()])
        stat = path.stat()
    version = (stat.st_size, stat.st_mtime_ns)
    known = _read_files.get(path)
    if known is not None and known[0] == version:
        return known[1]
    data = json.loads(path.read_text(encoding="utf-8"))
    pairs = [(item["id"], item["secret"]) for item in data["keys"]]
    _read_files[path] = (version, pairs)
    return pairs


def _new_key_pair() -> tuple[str, str]:
    stamp = datetime.now(UTC).strftime("%Y%m%d%H%M%S")
    return f"k{stamp}-{secrets.token_hex(3)}", secrets.token_urlsafe(48)


def _write_new_key_file(path: Path, pairs: list[tuple[str, str]], replace: bool = False) -> None:
    """Write the key file readable by its owner only: aside first, then linked (or renamed)
    into place, so nobody reads half a file and two first writers keep one key."""
    path.parent.mkdir(parents=True, exist_ok=True)
    body = json.dumps({"keys": [{"id": i, "secret": s} for i, s in pairs]}, indent=2)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(body + "\n")
    if replace:
        os.replace(tmp, path)
        return
    try:
        os.link(tmp, path)
    except FileExistsError:
        pass  # another process made the file first: its key is the one
    finally:
        tmp.unlink()


def add_key_to_file() -> str:
    """Rotation: append a new key to the key file (it signs from now on); returns its id."""
    if current_app.config.get("CREDIT_LEDGER_KEYS"):
        raise LedgerKeyError("keys come from CREDIT_LEDGER_KEYS: add the new key there")
    pairs = _read_or_create_key_file()
    new = _new_key_pair()
    _write_new_key_file(key_file_path(), [*pairs, new], replace=True)
    return new[0]
