"""Conversion rules and their versions (docs/conversion.md): create, change, end; which apply.

A change never edits a version: it adds the next one from a chosen day, and the version
before stops the day before. Versions change at midnight (China time), one per day.
"""

from __future__ import annotations

import re
from datetime import date, timedelta
from itertools import groupby

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from learnhub.accounts.access import may_define_credit_rules
from learnhub.accounts.models import User
from learnhub.catalogue.models import Module
from learnhub.clock import local_today
from learnhub.creditbank import services as credits
from learnhub.extensions import db

from ..errors import ConversionError
from ..models import ConversionRule

RULE_KEY_RE = re.compile(r"^[a-z0-9][a-z0-9-]{1,39}$")
ONE_DAY = timedelta(days=1)


def versions_of(rule_key: str) -> list[ConversionRule]:
    """Every version of a rule, newest first."""
    return list(
        db.session.scalars(
            select(ConversionRule)
            .where(ConversionRule.rule_key == rule_key)
            .order_by(ConversionRule.version.desc())
        )
    )


def latest_version(rule_key: str) -> ConversionRule | None:
    """A rule's newest version, or None if there is no such rule."""
    versions = versions_of(rule_key)
    return versions[0] if versions else None


def all_rules() -> list[tuple[str, list[ConversionRule]]]:
    """(rule key, its versions newest first) for every rule, by key."""
    rows = db.session.scalars(
        select(ConversionRule).order_by(ConversionRule.rule_key, ConversionRule.version.desc())
    )
    return [(key, list(versions)) for key, versions in groupby(rows, lambda r: r.rule_key)]


def rules_in_effect(day: date) -> list[ConversionRule]:
    """The versions that apply on this day (at most one per rule)."""
    return list(
        db.session.scalars(
            select(ConversionRule)
            .where(
                ConversionRule.effective_from <= day,
                (ConversionRule.effective_to.is_(None)) | (ConversionRule.effective_to > day),
            )
            .order_by(ConversionRule.credits_required, ConversionRule.rule_key)
        )
    )


def _check_definer(staff: User) -> None:
    if not may_define_credit_rules(staff):
        raise ConversionError(None, _l("Only province center staff may define conversion rules."))


def _clean_terms(title: str, certificate_title: str, credits_required) -> tuple:
    title, certificate_title = (title or "").strip(), (certificate_title or "").strip()
    if not title:
        raise ConversionError("title", _l("Give the rule a title."))
    if not certificate_title:
        raise ConversionError("certificate_title", _l("Name the certificate the rule gives."))
    amount = credits.parse_credits(credits_required, field="credits_required")
    if amount <= 0:
        raise ConversionError("credits_required", _l("A rule needs more than zero credits."))
    return title[:120], certificate_title[:200], amount


def _end_after(starts: date, last_day: date | None) -> date | None:
    if last_day is None:
        return None
    if last_day < starts:
        raise ConversionError("last_day", _l("The last day cannot be before the first day."))
    return last_day + ONE_DAY


def create_rule(
    staff: User,
    rule_key: str,
    title: str,
    certificate_title: str,
    credits_required,
    module: Module | None,
    starts: date,
    last_day: date | None = None,
    today: date | None = None,
) -> ConversionRule:
    """A new rule (its version 1); it cannot start in the past."""
    _check_definer(staff)
    today = today or local_today()
    rule_key = (rule_key or "").strip().lower()
    if not RULE_KEY_RE.match(rule_key):
        raise ConversionError(
            "rule_key", _l("Use 2 to 40 lower-case letters, digits and hyphens, e.g. party-2026.")
        )
    title, certificate_title, amount = _clean_terms(title, certificate_title, credits_required)
    if starts < today:
        raise ConversionError("starts", _l("A rule cannot start in the past."))
    rule = ConversionRule(
        rule_key=rule_key, version=1, title=title, certificate_title=certificate_title,
        credits_required=amount, module_id=module.id if module else None, effective_from=starts,
        effective_to=_end_after(starts, last_day), created_by_id=staff.id,
    )  # fmt: skip
    if latest_version(rule_key) is not None:
        raise ConversionError("rule_key", _l("A rule with this code exists already."))
    _insert_version(rule)
    return rule


def _insert_version(rule: ConversionRule) -> None:
    try:
        with db.session.begin_nested():
            db.session.add(rule)
            db.session.flush()
    except IntegrityError:
        raise ConversionError(
            None, _l("Someone changed this rule at the same moment. Look at it again.")
        ) from None


def _check_may_end_on(latest: ConversionRule, end: date, today: date, field: str) -> None:
    """Versions change at midnight, so one version applies per day and history stays true.

    ``end`` is the first day without the version.
    """
    if latest.effective_from <= today:
        if end <= today:
            raise ConversionError(
                field,
                _l("This rule applies today; a change can start tomorrow at the earliest."),
            )
    elif end < latest.effective_from:
        raise ConversionError(
            field,
            _l(
                "The current version starts on %(date)s; choose that day or later.",
                date=latest.effective_from.isoformat(),
            ),
        )


def new_version(
    staff: User,
    rule_key: str,
    title: str,
    certificate_title: str,
    credits_required,
    module: Module | None,
    starts: date,
    last_day: date | None = None,
    today: date | None = None,
) -> ConversionRule:
    """Change a rule: a new version from ``starts``; the version before ends the day before.

    Applications made under older versions keep them.
    """
    _check_definer(staff)
    today = today or local_today()
    latest = latest_version(rule_key)
    if latest is None:
        raise ConversionError(None, _l("There is no such rule."))
    title, certificate_title, amount = _clean_terms(title, certificate_title, credits_required)
    if starts < today:
        raise ConversionError("starts", _l("A new version cannot start in the past."))
    if latest.effective_to is None or latest.effective_to > starts:
        _check_may_end_on(latest, starts, today, "starts")
        latest.effective_to = starts
    rule = ConversionRule(
        rule_key=rule_key, version=latest.version + 1, title=title,
        certificate_title=certificate_title, credits_required=amount,
        module_id=module.id if module else None, effective_from=starts,
        effective_to=_end_after(starts, last_day), created_by_id=staff.id,
    )  # fmt: skip
    _insert_version(rule)
    return rule


def end_rule(staff: User, rule_key: str, last_day: date, today: date | None = None) -> None:
    """Stop a rule after ``last_day`` (no new applications; pending ones are still decided).

    A rule that has not ended yet may also be given a later last day.
    """
    _check_definer(staff)
    today = today or local_today()
    latest = latest_version(rule_key)
    if latest is None:
        raise ConversionError(None, _l("There is no such rule."))
    end = last_day + ONE_DAY
    if latest.effective_to is not None and latest.effective_to <= today:
        raise ConversionError(
            "last_day",
            _l(
                "This rule ended on %(date)s. To use it again, add a new version.",
                date=latest.last_day.isoformat(),
            ),
        )
    _check_may_end_on(latest, end, today, "last_day")
    latest.effective_to = end
    db.session.flush()
