"""Conversion rules and applications (学分转换). Services flush but never commit.

By concern:

- :mod:`.rule_versions`: rules and their versions (effective dates): create, change, end
- :mod:`.applications`: what a learner has; apply (a hold), withdraw, approve, reject

This package re-exports their public names for callers outside the feature; the feature's
own modules import the submodule they need, never this package, so no import goes round.
"""

from ..errors import ConversionError
from .applications import (
    COMMITTED,
    applications_of,
    apply,
    approve,
    available_credits,
    credits_for,
    module_credits,
    open_application,
    open_key,
    pending_for,
    recently_decided,
    reject,
    withdraw,
)
from .rule_versions import (
    ONE_DAY,
    RULE_KEY_RE,
    all_rules,
    create_rule,
    end_rule,
    latest_version,
    new_version,
    rules_in_effect,
    versions_of,
)

__all__ = [
    "COMMITTED",
    "ONE_DAY",
    "RULE_KEY_RE",
    "ConversionError",
    "all_rules",
    "applications_of",
    "apply",
    "approve",
    "available_credits",
    "create_rule",
    "credits_for",
    "end_rule",
    "latest_version",
    "module_credits",
    "new_version",
    "open_application",
    "open_key",
    "pending_for",
    "recently_decided",
    "reject",
    "rules_in_effect",
    "versions_of",
    "withdraw",
]
