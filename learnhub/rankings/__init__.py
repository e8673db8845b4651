"""Rankings (排名统计): counting clicks, registrations and learning per city and district."""

from flask import Blueprint

bp = Blueprint("rankings", __name__, template_folder="templates", cli_group="rankings")

from . import api, cli, models, routes  # noqa: E402, F401
from .aggregation import connect_signals  # noqa: E402
from .services import init_view_recording  # noqa: E402
from .visitors import init_visitor_cookies  # noqa: E402

connect_signals()


@bp.record_once
def _setup(state):
    init_view_recording(state.app)
    init_visitor_cookies(state.app)
