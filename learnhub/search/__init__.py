"""Full-text search of courses, lessons and activities (Whoosh + jieba, or PostgreSQL).

Only the index modules talk to Whoosh; ``sync.py`` queues every change to searchable
content inside its transaction and ``jobs.py`` has the worker apply it, so the code that
changes the catalogue never calls search. With SEARCH_BACKEND = "postgresql" (backends.py)
the same terms live in a table of the site's database, written in the changing transaction.
"""

from . import cli, jobs, routes, sync, synonym_routes  # noqa: F401  (they register on bp, queue)
from .blueprint import bp


@bp.record_once
def _setup(state) -> None:
    sync.init_app(state.app)
    jobs.init_index_jobs()


__all__ = ["bp"]
