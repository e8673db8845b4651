"""Rankings (排名统计): counting views and registrations per city."""

from flask import Blueprint

bp = Blueprint("rankings", __name__, template_folder="templates")

from . import models  # noqa: E402, F401
from .services import init_view_recording  # noqa: E402


@bp.record_once
def _setup(state):
    init_view_recording(state.app)
