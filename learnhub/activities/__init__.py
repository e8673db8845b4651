"""Activities (活动): find, sign up, check in, earn credits for attending."""

from . import cover_routes, kind_routes, kinds_cli, lifecycle_jobs, staff_routes  # noqa: F401  (they register on bp and the queue)
from .blueprint import bp
from .models import Activity, ActivityKind, ActivitySession, Attendance, SignUp

__all__ = ["Activity", "ActivityKind", "ActivitySession", "Attendance", "SignUp", "bp"]
