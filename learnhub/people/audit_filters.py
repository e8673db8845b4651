"""The audit log's filters, read from the query string (a bad value is a 400, not a 500)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime

from flask_babel import gettext as _

from learnhub.accounts.services import find_user, parse_login_name
from learnhub.audit import AuditAction
from learnhub.clock import local_day_range

FIRST_YEAR, LAST_YEAR = 2000, 2100  # beyond them a day cannot be turned into a moment


@dataclass(frozen=True)
class AuditFilter:
    action: str | None = None
    person_ids: list[int] | None = None
    since: datetime | None = None
    until: datetime | None = None
    refused_only: bool = False

    def as_arguments(self) -> dict:
        """The keyword arguments of audit.entries()."""
        return {"action": self.action, "person_ids": self.person_ids, "since": self.since,
                "until": self.until, "refused_only": self.refused_only}  # fmt: skip


class FilterError(ValueError):
    """A filter value that cannot be read; the message says which and how."""


def _day(text: str, label: str) -> date | None:
    if not text:
        return None
    try:
        day = date.fromisoformat(text.strip())
    except ValueError:
        day = None
    if day is None or not FIRST_YEAR <= day.year <= LAST_YEAR:
        raise FilterError(_("%(field)s: enter a date like 2026-03-01.", field=label))
    return day


def read_audit_filter(args: Mapping[str, str]) -> AuditFilter:
    """The filters of /staff/audit; raises FilterError for a value that cannot be read."""
    action = args.get("action", "")
    if action and action not in {str(a) for a in AuditAction}:
        raise FilterError(_("Choose an action from the list."))
    person_ids = None
    if person := args.get("person", "").strip():
        login = parse_login_name(person)
        if login is None:
            raise FilterError(_("Person: enter a mobile number or a username."))
        found = find_user(login)
        person_ids = [found.id] if found is not None else []
    start, end = _day(args.get("from", ""), _("From")), _day(args.get("to", ""), _("To"))
    if start and end and start > end:
        raise FilterError(_("The first day comes after the last day."))
    refused = args.get("refused", "")
    if refused not in ("", "1"):
        raise FilterError(_("Refused only: tick the box or leave it empty."))
    since, until = local_day_range(start, end)
    return AuditFilter(action or None, person_ids, since, until, bool(refused))
