"""Searching the catalogue: results pages, suggestions, popularity, the searched-terms log.

Plain services: they take plain values and return plain values; the backend (backends.py:
the Whoosh index or the PostgreSQL entries) is asked through one adapter, and the database
search below stands in for it while it is unusable.
"""

from __future__ import annotations

import logging
import math
import re
import threading
import time
from dataclasses import dataclass, field
from datetime import date, timedelta

from flask import current_app
from sqlalchemy import and_, func, or_, select
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import selectinload

from learnhub.catalogue.models import Course, CourseStatus, Lesson, Module
from learnhub.catalogue.services import module_names
from learnhub.clock import local_today
from learnhub.extensions import db

from . import backends, jobs, text
from .hits import Hit, hits_for
from .index import IndexUnavailable
from .models import LessonText, SearchTermCount
from .results import MAX_RESULTS, IndexHit, IndexResults
from .synonyms import synonym_map

log = logging.getLogger(__name__)

PER_PAGE = 10
MAX_PAGE = MAX_RESULTS // PER_PAGE
SORTS = ("relevance", "newest")
POPULARITY_WEIGHT = 0.25  # the most popular course scores at most 25% more: a mild boost
POPULARITY_TTL = 60.0  # seconds a process keeps the popularity figures
FEW_RESULTS = 3  # fewer than this, and a "did you mean" is looked for
_LONG_NUMBER = re.compile(r"\d{6,}")


# ---- popularity ------------------------------------------------------------------------


def course_popularity() -> dict[int, int]:
    """How popular each published course is: the one source search ranks by.

    For now its enrolments (Course.enrolment_count); the rankings' view aggregates can
    replace this body without anything else changing.
    """
    query = select(Course.id, Course.enrolment_count).where(
        Course.status == CourseStatus.PUBLISHED, Course.enrolment_count > 0
    )
    return {row.id: row.enrolment_count for row in db.session.execute(query)}


_popularity_lock = threading.Lock()
_popularity: dict[str, tuple[float, dict[int, float]]] = {}


def popularity_boosts() -> dict[int, float]:
    """Course id → score factor in [1, 1 + POPULARITY_WEIGHT], log-scaled, kept a minute."""
    key = current_app.config["SQLALCHEMY_DATABASE_URI"]
    now = time.monotonic()
    with _popularity_lock:
        cached = _popularity.get(key)
    if cached and now - cached[0] < POPULARITY_TTL:
        return cached[1]
    counts = course_popularity()
    top = math.log1p(max(counts.values(), default=0)) or 1.0
    boosts = {cid: 1.0 + POPULARITY_WEIGHT * math.log1p(n) / top for cid, n in counts.items()}
    with _popularity_lock:
        _popularity[key] = (now, boosts)
    return boosts


def forget_popularity() -> None:
    """Drop the kept figures (tests, or after a bulk change of enrolments)."""
    with _popularity_lock:
        _popularity.clear()


# ---- results ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Facet:
    slug: str
    name: str
    count: int


@dataclass
class SearchResults:
    query: str  # as understood: normalised and cut at text.MAX_QUERY_LENGTH
    page: int = 1
    sort: str = "relevance"
    module: str | None = None
    total: int = 0
    hits: list[Hit] = field(default_factory=list)
    facets: list[Facet] = field(default_factory=list)
    suggestion: str | None = None
    popular: list[Course] = field(default_factory=list)
    some_words: bool = False  # nothing had every word: these have some of them
    from_database: bool = False  # no usable index: a slower, plainer search
    truncated: bool = False  # the query was longer than text.MAX_QUERY_LENGTH
    # Nothing was found for the query but its "did you mean" finds something: these are the
    # suggestion's results (the page says so and offers the query as typed).
    corrected: str | None = None

    @property
    def pages(self) -> int:
        return min(MAX_PAGE, max(1, -(-self.total // PER_PAGE)))

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages


def search(query: str, page: int = 1, sort: str = "relevance",
           module: str | None = None, as_typed: bool = False) -> SearchResults:  # fmt: skip
    """One results page. Bad input of any kind is read as plain words, never an error.

    When nothing is found and "did you mean" knows better (雷峰 → 雷锋), the suggestion's
    results are shown instead (``corrected``), unless the visitor asked for ``as_typed``.
    """
    cleaned = text.clean_query(query)
    results = SearchResults(
        query=cleaned,
        page=min(max(page, 1), MAX_PAGE),
        sort=sort if sort in SORTS else "relevance",
        module=module or None,
        truncated=len(text.normalise(query)) > text.MAX_QUERY_LENGTH,
    )
    if not text.query_pieces(cleaned):
        results.popular = popular_courses()
        return results
    found = _find_some(results, cleaned)
    if found.total < FEW_RESULTS and not results.from_database:
        results.suggestion = _suggestion(cleaned)
    if found.total == 0 and results.suggestion and not as_typed:
        corrected = _find_some(results, results.suggestion)
        if corrected.total:
            found, results.corrected = corrected, results.suggestion
    results.total = found.total
    results.facets = _facets(found.facets)
    results.hits = hits_for(found.hits, found.highlight_terms)
    if not results.hits:
        results.popular = popular_courses()
    return results


def _find_some(results: SearchResults, query: str) -> IndexResults:
    """Pages with every word of ``query``, or else (several words) with some of them."""
    found = _find(results, query)
    if found.total == 0 and len(text.query_pieces(query)) > 1:
        found = _find(results, query, match_all=False)
        results.some_words = found.total > 0
    return found


def _find(results: SearchResults, query: str, match_all: bool = True) -> IndexResults:
    offset = (results.page - 1) * PER_PAGE
    options = {"module": results.module, "sort": results.sort, "offset": offset,
               "limit": PER_PAGE}  # fmt: skip
    index = backends.backend()
    if not results.from_database:
        try:
            return index.search(query, boosts=popularity_boosts(), match_all=match_all,
                                synonyms=synonym_map(), **options)  # fmt: skip
        except IndexUnavailable:
            log.warning("search index unusable; searching the database", exc_info=True)
            results.from_database = True
            _ask_for_rebuild()
    return database_search(query, match_all=match_all, synonyms=synonym_map(), **options)


def _ask_for_rebuild() -> None:
    try:
        jobs.request_rebuild(current_app.config["SEARCH_DIR"])
    except Exception:  # the page still answers, from the database
        log.exception("could not ask for the search index to be rebuilt")


def _suggestion(query: str) -> str | None:
    suggestion = backends.backend().suggest(query)
    return suggestion if suggestion and suggestion != query else None


def _facets(counts: dict[str, int]) -> list[Facet]:
    names = module_names() if counts else {}
    return [Facet(slug, name, counts[slug]) for slug, name in names.items() if slug in counts]


def popular_courses(limit: int = 6) -> list[Course]:
    """The most popular published courses, offered when a search finds nothing."""
    boosts = popularity_boosts()
    query = (
        select(Course)
        .where(Course.status == CourseStatus.PUBLISHED)
        .options(selectinload(Course.module), selectinload(Course.region))
        .order_by(Course.enrolment_count.desc(), Course.published_at.desc(), Course.id.desc())
        .limit(limit)
    )
    courses = list(db.session.scalars(query))
    return sorted(courses, key=lambda c: -boosts.get(c.id, 1.0))


# ---- without an index --------------------------------------------------------------------


def database_search(query: str, *, module: str | None = None, sort: str = "relevance",
                    offset: int = 0, limit: int = PER_PAGE,
                    match_all: bool = True,
                    synonyms: text.SynonymMap | None = None) -> IndexResults:  # fmt: skip
    """The same question asked of the database with LIKE: no pinyin, no stemming, slower.

    Lessons are matched on their title and plain text (search_lesson_text), not on HTML.

    Used only while no index is usable (missing, being rebuilt, damaged). A word of a
    synonym group matches any word of its group, as in the index's search.
    """
    typed = [w for p in text.query_pieces(query) for w in text.query_words(p)]
    choices = [group or (word,) for word, group in text.with_synonyms(typed, synonyms or {})]
    if not choices:
        return IndexResults([], 0, {})
    words = [w for choice in choices for w in choice]
    combine = and_ if match_all else or_
    published = Course.status == CourseStatus.PUBLISHED
    course_match = combine(
        *(or_(*(or_(Course.title.icontains(w, autoescape=True),
                    Course.summary.icontains(w, autoescape=True)) for w in choice))
          for choice in choices)
    )  # fmt: skip
    # The lesson's plain text, not its HTML: "strong" or "span" must not match every lesson.
    lesson_match = combine(
        *(or_(*(or_(Lesson.title.icontains(w, autoescape=True),
                    LessonText.body_text.icontains(w, autoescape=True)) for w in choice))
          for choice in choices)
    )  # fmt: skip
    title_words = [Course.title.icontains(w, autoescape=True) for w in words]
    course_rows = db.session.execute(
        select(Course.id, Module.slug, Course.published_at, Course.enrolment_count,
               or_(*title_words))
        .join(Module).where(published, course_match).limit(MAX_RESULTS)
    ).all()  # fmt: skip
    lesson_title_words = [Lesson.title.icontains(w, autoescape=True) for w in words]
    lesson_rows = db.session.execute(
        select(Lesson.id, Course.id, Module.slug, Course.published_at, Course.enrolment_count,
               or_(*lesson_title_words))
        .join(Course, Lesson.course_id == Course.id).join(Module)
        .outerjoin(LessonText, LessonText.lesson_id == Lesson.id)
        .where(published, lesson_match).limit(MAX_RESULTS)
    ).all()  # fmt: skip
    rows = [("course", cid, cid, slug, when, n, in_title)
            for cid, slug, when, n, in_title in course_rows]  # fmt: skip
    rows += [("lesson", lid, cid, slug, when, n, in_title)
             for lid, cid, slug, when, n, in_title in lesson_rows]  # fmt: skip
    facets: dict[str, int] = {}
    for row in rows:
        facets[row[3]] = facets.get(row[3], 0) + 1
    if module:
        rows = [row for row in rows if row[3] == module]
    if sort == "newest":
        rows.sort(key=lambda r: (r[4].timestamp() if r[4] else 0, r[0] == "course"), reverse=True)
    else:  # title matches first, courses before lessons, then the more popular
        rows.sort(key=lambda r: (bool(r[6]), r[0] == "course", r[5]), reverse=True)
    hits = [IndexHit(r[0], r[1], r[2], 0.0) for r in rows[offset : offset + limit]]
    return IndexResults(hits, len(rows), facets, frozenset(words))


# ---- what people search for ------------------------------------------------------------


def term_for_log(query: str) -> str:
    """The query as it is counted: normalised, long numbers (phones, IDs) blanked out."""
    return _LONG_NUMBER.sub("#", text.clean_query(query))[:100]


def record_search(query: str, found: int) -> None:
    """Count one search of ``query`` for today, and whether it found nothing.

    Runs in its own short transaction on its own connection, so a search page never holds
    the database's write lock while it reads (SQLite lets one writer at a time).
    """
    term = term_for_log(query)
    if not term:
        return
    today = local_today()
    empty = 1 if found == 0 else 0
    table = SearchTermCount.__table__
    with db.engine.begin() as connection:
        dialect = connection.dialect.name
        insert = postgresql_insert if dialect == "postgresql" else sqlite_insert
        statement = insert(table).values(day=today, term=term, searches=1, empty_searches=empty)
        statement = statement.on_conflict_do_update(
            index_elements=[table.c.day, table.c.term],
            set_={
                "searches": table.c.searches + 1,
                "empty_searches": table.c.empty_searches + empty,
            },
        )
        connection.execute(statement)


@dataclass(frozen=True)
class TermCount:
    term: str
    searches: int
    empty_searches: int


def searched_terms(days: int = 30, limit: int = 50) -> dict[str, list[TermCount]]:
    """The most searched terms of the last ``days`` days, and the most searched in vain."""
    since: date = local_today() - timedelta(days=days - 1)
    searches = func.sum(SearchTermCount.searches)
    empty = func.sum(SearchTermCount.empty_searches)
    base = (
        select(SearchTermCount.term, searches, empty)
        .where(SearchTermCount.day >= since)
        .group_by(SearchTermCount.term)
    )
    top = db.session.execute(base.order_by(searches.desc(), SearchTermCount.term).limit(limit))
    missed = db.session.execute(
        base.having(empty > 0).order_by(empty.desc(), SearchTermCount.term).limit(limit)
    )
    return {
        "top": [TermCount(t, s, e) for t, s, e in top],
        "not_found": [TermCount(t, s, e) for t, s, e in missed],
    }
