"""Full-text search of courses, lessons and activities (Whoosh + jieba).

Only ``index.py`` talks to Whoosh; ``sync.py`` keeps the index in step with the database
from session events, so the code that changes the catalogue never calls search.
"""

from . import cli, routes, sync  # noqa: F401  (they register on bp)
from .blueprint import bp

bp.record_once(lambda state: sync.init_app(state.app))

__all__ = ["bp"]
