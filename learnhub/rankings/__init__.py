"""Rankings (排名统计): counting clicks, registrations and learning per city and district."""

from . import api, cli, jobs, models, routes  # noqa: F401  (they register on bp and the queue)
from .blueprint import bp
from .events import connect_signals
from .tracking import connect_view_tracking
from .view_buffer import init_view_recording
from .visitors import init_visitor_cookies


@bp.record_once
def _setup(state) -> None:
    connect_signals()
    connect_view_tracking()
    init_view_recording(state.app)
    init_visitor_cookies(state.app)


__all__ = ["bp"]
