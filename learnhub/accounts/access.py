"""Who may see and change what: the one place staff roles and city scope are checked."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from flask import abort
from flask_login import current_user, login_required

from .models import Role, User


def role_required(*roles: Role) -> Callable:
    """A view decorator: signed in, and holding one of these roles (else 403)."""

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        @login_required
        def wrapped(*args, **kwargs):
            if current_user.role not in roles:
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorator


def managed_city_codes(user: User) -> frozenset[str] | None:
    """The cities whose data the user may see; None means every city."""
    if user.role is Role.PROVINCE_STAFF:
        return None
    if user.role is Role.CITY_STAFF and user.managed_region_code:
        return frozenset({user.managed_region_code})
    return frozenset()


def may_manage_city(user: User, city_code: str) -> bool:
    """Whether the user may see and change this city's data."""
    cities = managed_city_codes(user)
    return cities is None or city_code in cities


def ensure_may_manage_city(user: User, city_code: str) -> None:
    """Abort with 403 unless the user may manage this city."""
    if not may_manage_city(user, city_code):
        abort(403)
