"""Rankings (排名统计): counting clicks, registrations and learning per city and district."""

from . import api, cli, models, routes  # noqa: F401  (they register on bp)
from .aggregation import connect_signals
from .blueprint import bp
from .services import init_view_recording
from .tracking import connect_view_tracking
from .visitors import init_visitor_cookies


@bp.record_once
def _setup(state) -> None:
    connect_signals()
    connect_view_tracking()
    init_view_recording(state.app)
    init_visitor_cookies(state.app)


__all__ = ["bp"]
