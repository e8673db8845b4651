"""Search pages: the results page, its JSON twin, and what people searched for (staff)."""

from __future__ import annotations

import logging

from flask import jsonify, render_template, request, url_for
from markupsafe import Markup

from learnhub.accounts.access import role_required
from learnhub.accounts.models import STAFF_ROLES
from learnhub.ui import page_number

from . import services, text
from .blueprint import bp
from .results_cache import ResultsBody, results_body, results_page
from .synonyms import synonym_map
from .term_limits import search_counts

log = logging.getLogger(__name__)


def _search_from_request() -> services.SearchResults:
    query = request.args.get("q", "", type=str)
    page = page_number()
    sort = request.args.get("sort", "relevance", type=str)
    module = request.args.get("module", "", type=str)[:40]
    as_typed = request.args.get("as_typed", "", type=str) == "1"
    return services.search(query, page=page, sort=sort, module=module, as_typed=as_typed)


def _record(query: str, page: int, module: str | None, total: int) -> None:
    """Count a first-page search of every module on the staff page of searched terms."""
    if not query or page != 1 or module:
        return
    try:
        if search_counts(services.term_for_log(query)):
            services.record_search(query, total)
    except Exception:  # counting must never cost a visitor their results
        log.exception("could not record a search term")


def _results_body() -> ResultsBody:
    found = _search_from_request()
    html = render_template("search/_results_body.html", results=found)
    return ResultsBody(html, found.query, found.sort, found.module, found.page, found.total,
                       found.from_database)  # fmt: skip


@bp.app_context_processor
def _search_box_settings() -> dict:
    return {"search_max_query_length": text.MAX_QUERY_LENGTH}


@bp.get("/search")
def results():
    body = results_body(_results_body)
    _record(body.query, body.page, body.module, body.total)
    offer = text.asks_for_elder_mode(body.query)
    return results_page(body, lambda: render_template(
        "search/results.html", body=body, offer_elder_mode=offer,
        body_html=Markup(body.html),  # noqa: S704 - rendered by our autoescaping templates
    ))  # fmt: skip


@bp.get("/api/v1/search")
def api_search():
    found = _search_from_request()
    _record(found.query, found.page, found.module, found.total)
    return jsonify(
        query=found.query,
        truncated=found.truncated,
        page=found.page,
        pages=found.pages,
        per_page=services.PER_PAGE,
        sort=found.sort,
        module=found.module,
        elder_mode_switch=text.asks_for_elder_mode(found.query),
        total=found.total,
        some_words=found.some_words,
        from_database=found.from_database,
        suggestion=found.suggestion,
        corrected=found.corrected,
        facets=[{"module": f.slug, "name": f.name, "count": f.count} for f in found.facets],
        results=[_hit_json(hit) for hit in found.hits],
        popular=[_course_json(course) for course in found.popular],
    )


def _hit_json(hit: services.Hit) -> dict:
    return {
        "kind": hit.kind,
        "id": hit.object_id,
        "url": hit.url,
        "title": hit.title.striptags(),
        "title_html": str(hit.title),
        "snippet_html": str(hit.snippet),
        "label": hit.label,
        "course": {"id": hit.course.id, "title": hit.course.title} if hit.course else None,
        "module": {"slug": hit.module.slug, "name": hit.module.name} if hit.module else None,
    }


def _course_json(course) -> dict:
    return {
        "id": course.id,
        "title": course.title,
        "url": url_for("learning.course", course_id=course.id),
    }


@bp.get("/search/terms")
@role_required(*STAFF_ROLES)
def terms():
    days = 30
    return render_template("search/terms.html", terms=services.searched_terms(days), days=days,
                           synonyms=synonym_map())  # fmt: skip
