"""Anchors: the ledger's heads written outside the database, signed with the ledger key.

A chain alone cannot show that its newest entries were cut off together with the head the
account stores. An anchor file (in ``CREDIT_LEDGER_ANCHOR_DIR``, by default
``ledger-anchors`` in the instance folder) records every account's head sequence and hash,
signed with the newest ledger key; `flask ledger verify` and the nightly check compare the
database with the latest anchor: a head that went backwards, a different entry at an
anchored sequence or a missing account is a break.

Each anchor also carries, per account, the last sequence sealed with the old unkeyed scheme
(``legacy_through``): taken from the database by the first anchor ever written (run
`flask ledger anchor` right after upgrading), and carried forward unchanged after that, so
an unkeyed entry appended later never verifies.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from flask import current_app
from sqlalchemy import func, select

from learnhub.extensions import db

from ..models import CreditAccount, HashScheme, LedgerEntry
from .ledger_keys import key_by_id, signing_key

ANCHOR_PREFIX = "anchor-"
ANCHORS_KEPT = 200  # about eight days of hourly anchors; older ones are removed


class AnchorError(RuntimeError):
    """The latest anchor cannot be trusted (unreadable, unknown key, wrong signature)."""


@dataclass(frozen=True)
class AnchoredHead:
    sequence: int
    hash: str
    legacy_through: int


@dataclass(frozen=True)
class Anchor:
    path: Path
    written_at: str
    heads: dict[str, AnchoredHead]  # by account number


def anchor_dir() -> Path:
    """Where anchor files are written and read."""
    configured = current_app.config.get("CREDIT_LEDGER_ANCHOR_DIR")
    return Path(configured) if configured else Path(current_app.instance_path) / "ledger-anchors"


def _signature(secret: bytes, payload: dict) -> str:
    text = json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hmac.new(secret, text.encode("utf-8"), hashlib.sha256).hexdigest()


def latest_anchor() -> Anchor | None:
    """The newest anchor file, checked against its signature; None when there is none."""
    folder = anchor_dir()
    files = sorted(folder.glob(f"{ANCHOR_PREFIX}*.json")) if folder.is_dir() else []
    if not files:
        return None
    path = files[-1]
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
        payload, signature = document["payload"], document["signature"]
        key = key_by_id(payload["key_id"])
        heads = {
            number: AnchoredHead(head["sequence"], head["hash"], head["legacy_through"])
            for number, head in payload["accounts"].items()
        }
    except (OSError, ValueError, KeyError, TypeError) as error:
        raise AnchorError(f"anchor {path.name} cannot be read: {error}") from None
    if key is None:
        raise AnchorError(f"anchor {path.name} is signed with a key that is not configured")
    if not hmac.compare_digest(_signature(key.secret, payload), str(signature)):
        raise AnchorError(f"anchor {path.name} does not match its signature")
    return Anchor(path, payload["written_at"], heads)


def current_heads(previous: Anchor | None) -> dict[str, AnchoredHead]:
    """Every account's head now, with its legacy boundary (carried from ``previous``)."""
    legacy = dict(
        db.session.execute(
            select(LedgerEntry.account_id, func.max(LedgerEntry.sequence))
            .where(LedgerEntry.hash_scheme == HashScheme.SHA256)
            .group_by(LedgerEntry.account_id)
        ).all()
    )
    rows = db.session.execute(
        select(CreditAccount.id, CreditAccount.number, CreditAccount.head_sequence,
               CreditAccount.head_hash).order_by(CreditAccount.id)
    )  # fmt: skip
    heads = {}
    for account_id, number, sequence, head_hash in rows:
        if previous is None:
            legacy_through = legacy.get(account_id, 0)
        else:
            before = previous.heads.get(number)
            legacy_through = before.legacy_through if before is not None else 0
        heads[number] = AnchoredHead(sequence, head_hash, legacy_through)
    return heads


def write_anchor(previous: Anchor | None, now: datetime | None = None) -> Path:
    """Write a signed anchor of every account's head; returns its path (old ones pruned)."""
    now = now or datetime.now(UTC)
    key = signing_key()
    payload = {
        "version": 1,
        "written_at": now.isoformat(timespec="microseconds"),
        "key_id": key.key_id,
        "accounts": {
            number: {"sequence": h.sequence, "hash": h.hash, "legacy_through": h.legacy_through}
            for number, h in current_heads(previous).items()
        },
    }
    document = {"payload": payload, "signature": _signature(key.secret, payload)}
    folder = anchor_dir()
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{ANCHOR_PREFIX}{now.strftime('%Y%m%dT%H%M%S%fZ')}.json"
    tmp = folder / f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}"
    tmp.write_text(json.dumps(document, ensure_ascii=False, indent=1), encoding="utf-8")
    os.replace(tmp, path)  # nobody reads half an anchor
    for old in sorted(folder.glob(f"{ANCHOR_PREFIX}*.json"))[:-ANCHORS_KEPT]:
        old.unlink()
    return path
