"""Activities (活动): find, sign up, check in, earn credits for attending."""

from . import (  # noqa: F401  (they register on bp and the queue)
    checkin_routes,
    cover_routes,
    kind_routes,
    kinds_cli,
    lifecycle_jobs,
    my_routes,
    proxy_routes,
    public_routes,
    reminders,
    roster_routes,
    staff_routes,
)
from .blueprint import bp
from .feed_models import CalendarFeed
from .models import Activity, ActivityKind, ActivitySession, Attendance, SignUp

__all__ = [
    "Activity", "ActivityKind", "ActivitySession", "Attendance", "CalendarFeed", "SignUp", "bp",
]  # fmt: skip
