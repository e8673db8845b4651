"""Showing a person without revealing them: masked names and mobile numbers.

Used wherever someone other than the person sees them: staff lists and reviews, and the
public certificate check (/verify).
"""

from __future__ import annotations


def mask_name(name: str) -> str:
    """张三丰 → 张**: enough to recognise, not enough to identify."""
    return name[:1] + "*" * max(len(name) - 1, 1)


def mask_mobile(mobile: str | None) -> str:
    """13812345678 → 138****5678."""
    return f"{mobile[:3]}****{mobile[-4:]}" if mobile else ""


def mask_login(user) -> str:
    """The login name as staff see it by default: a username as it is, a mobile masked."""
    return user.username or mask_mobile(user.mobile)
