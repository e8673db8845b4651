"""Activities (活动): find, sign up, check in, earn credits for attending."""

from . import checkin_routes, roster_routes  # noqa: F401  (they register on bp)
from .blueprint import bp
from .models import Activity, ActivityKind, ActivitySession, Attendance, SignUp

__all__ = ["Activity", "ActivityKind", "ActivitySession", "Attendance", "SignUp", "bp"]
