"""Who may write topics: the province's staff only (a topic speaks for the whole province,
as the six modules do). City and county staff, editors and learners are refused."""

from __future__ import annotations

from learnhub.accounts.models import Role


def may_manage_topics(user) -> bool:
    """Whether the user may create, change, publish and withdraw topics, and see drafts."""
    return bool(user and user.is_authenticated and user.role is Role.PROVINCE_STAFF)
