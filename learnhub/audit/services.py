"""Recording actions in the audit log, and reading them back."""

from __future__ import annotations

import json
from datetime import datetime

from sqlalchemy import Select, or_, select

from learnhub.extensions import db

from .models import AuditAction, AuditEntry

REASON_LENGTH = 200


def record(
    action: AuditAction,
    *,
    actor=None,
    subject=None,
    city_code: str | None = None,
    district_code: str | None = None,
    reason: str = "",
    details: dict | None = None,
    refused: bool = False,
) -> AuditEntry:
    """Add an entry to the session, to be committed with the action it records.

    ``actor`` and ``subject`` are accounts (or None: nobody signed in, or no person acted
    on); the region defaults to the subject's. ``details`` holds what changed, as JSON
    (from → to), never a password, code or token.
    """
    if subject is not None and city_code is None:
        city_code, district_code = subject.city_code, subject.district_code
    entry = AuditEntry(
        action=str(action),
        actor_id=actor.id if actor is not None else None,
        actor_role=str(actor.role) if actor is not None else None,
        subject_id=subject.id if subject is not None else None,
        city_code=city_code,
        district_code=district_code,
        refused=refused,
        reason=(reason or "").strip()[:REASON_LENGTH],
        details_json=json.dumps(details or {}, ensure_ascii=False, sort_keys=True, default=str),
    )
    db.session.add(entry)
    return entry


def entries(
    where=None,
    *,
    action: str | None = None,
    person_ids: list[int] | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    refused_only: bool = False,
) -> Select:
    """A query of entries, newest first: ``where`` is a region filter for
    ``AuditEntry.city_code``/``district_code`` (accounts.scopes.Scope.where), ``person_ids``
    the accounts that acted or were acted on."""
    query = select(AuditEntry).order_by(AuditEntry.id.desc())
    if where is not None:
        query = query.where(where)
    if action:
        query = query.where(AuditEntry.action == action)
    if person_ids is not None:
        query = query.where(
            or_(AuditEntry.actor_id.in_(person_ids), AuditEntry.subject_id.in_(person_ids))
        )
    if since is not None:
        query = query.where(AuditEntry.at >= since)
    if until is not None:
        query = query.where(AuditEntry.at < until)
    if refused_only:
        query = query.where(AuditEntry.refused.is_(True))
    return query
