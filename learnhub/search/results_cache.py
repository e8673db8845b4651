"""Results pages kept in the site's cache (Redis with several workers and hosts).

Searches repeat: in the learning week a whole province looks for 手机, 反诈 and 党史, and a
page built for one visitor serves the next who asks alike (same address, language, elder
mode and text size) until anything it shows changes:

- whatever a results page shows from the database (courses, lessons, modules, places,
  activities, synonyms: SEARCH_RESULTS, bumped by every commit that changes one of them);
- the index, where the database does not say it (backends' version(): Whoosh's worker
  writes after the commit, and a rebuild changes terms without changing content);
- the courses' popularity, which reorders results: kept a minute (services.POPULARITY_TTL).

For a signed-in visitor only the body is kept: the name, menu and CSRF tokens of the layout
are built per request; a signed-out visitor gets the whole page (cache.cached_page). Counting
the search on the staff page (routes._record) happens per request either way. A page made by
the database fallback (no usable index) is never kept.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from flask import g, request

from learnhub.activities.models import Activity, ActivityKind
from learnhub.cache import cached_page, cached_value, track_content
from learnhub.catalogue.models import Course, Lesson, Module
from learnhub.places.models import Place
from learnhub.regions.models import Region
from learnhub.ui import elder_mode_requested, text_size_requested

from . import backends
from .models import SEARCH_RESULTS, LessonText, SearchSynonymGroup, SearchSynonymTerm
from .services import POPULARITY_TTL

for _model in (Course, Lesson, LessonText, Module, Place, Activity, ActivityKind, Region,
               SearchSynonymGroup, SearchSynonymTerm):  # fmt: skip
    track_content(_model, SEARCH_RESULTS)


@dataclass(frozen=True)
class ResultsBody:
    """A results page's body as kept, with what the layout and the search log need."""

    html: str
    query: str  # as understood (services.SearchResults.query)
    sort: str
    module: str | None
    page: int
    total: int
    from_database: bool


def results_body(render: Callable[[], ResultsBody]) -> ResultsBody:
    """The body of this request's results page, from the cache or ``render``."""
    version = _index_version()
    if version is None:
        return render()
    parts = (request.full_path, elder_mode_requested(), text_size_requested(), *_key(version))
    return cached_value("search-body", parts, render, SEARCH_RESULTS,
                        keep=lambda body: not body.from_database)  # fmt: skip


def results_page(body: ResultsBody, render: Callable[[], str]) -> str:
    """The whole page for a signed-out visitor (cache.cached_page), or ``render``'s."""
    version = _index_version()
    if version is None or body.from_database:
        return render()
    return cached_page("search", render, SEARCH_RESULTS, key=_key(version))


def _index_version() -> str | None:
    """The backend's version, asked once a request (Whoosh lists the index's folder)."""
    if "search_index_version" not in g:
        g.search_index_version = backends.backend().version()
    return g.search_index_version


def _key(version: str) -> tuple:
    return version, int(time.time() // POPULARITY_TTL)
