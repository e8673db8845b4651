"""Full-text search of courses, lessons and activities (Whoosh + jieba).

Only ``index.py`` talks to Whoosh; ``sync.py`` keeps the index in step with the database
from session events, so the code that changes the catalogue never calls search.
"""

from flask import Blueprint

bp = Blueprint("search", __name__, template_folder="templates")

from . import cli, routes, sync  # noqa: E402, F401

bp.record_once(lambda state: sync.init_app(state.app))
