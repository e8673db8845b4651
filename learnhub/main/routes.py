"""Public pages drawn from several features: home, city pages, help, health."""

from flask import abort, current_app, render_template
from sqlalchemy import text

from learnhub.accounts.header import header_visitor
from learnhub.cache import CATALOGUE, cached_body, cached_fragment, cached_page
from learnhub.catalogue import services as catalogue
from learnhub.extensions import db
from learnhub.jobs.queue import queue
from learnhub.news import latest_news
from learnhub.rankings.leaderboard import city_district_board, top_cities
from learnhub.regions.models import RegionLevel
from learnhub.regions.services import get_region
from learnhub.search.sync import search_index
from learnhub.topics import published_topics
from learnhub.ui import canonical_redirect, page_number
from learnhub.week.services import ongoing_city_week, ongoing_city_weeks

from .blueprint import bp

HOME_TOPICS = 6  # the home page's block of topics; /topics lists them all


def _home_courses() -> str:
    """Modules and featured/new/popular courses: the same for every visitor, so cached."""
    return render_template(
        "main/_home_courses.html",
        modules=catalogue.list_modules(),
        course_lists=catalogue.home_courses(),
    )


@bp.get("/")
def home():
    seconds = current_app.config["RANKINGS_CACHE_SECONDS"]
    return canonical_redirect() or cached_page("home", _render_home, CATALOGUE, renew_every=seconds)


def _render_home() -> str:
    seconds = current_app.config["RANKINGS_CACHE_SECONDS"]
    body = cached_body("home", _home_body, CATALOGUE, renew_every=seconds)
    return render_template("main/home.html", body=body)


def _home_body() -> str:
    """Everything below the greeting: the same for every visitor, signed in or not."""
    return render_template(
        "main/_home_body.html",
        courses=cached_fragment("home", (), _home_courses, CATALOGUE),
        top3=top_cities("clicks", "week", limit=3),
        week_now=ongoing_city_weeks(),
        news_items=latest_news(),
        topics=published_topics(limit=HOME_TOPICS),
    )


@bp.get("/c/<code>")
def city(code: str):
    """A city's page: its courses and its districts ranked."""
    region = get_region(code)
    if region is None or region.level is not RegionLevel.CITY:
        abort(404)
    seconds = current_app.config["RANKINGS_CACHE_SECONDS"]
    return canonical_redirect({"page": ()}) or cached_page(
        "city",
        lambda: _city_page(region),
        CATALOGUE,
        renew_every=seconds,
        visitor=header_visitor(),
    )


def _city_page(region) -> str:
    page = page_number()
    courses = catalogue.course_page(catalogue.CourseFilter(region_code=region.code), page)
    return render_template(
        "main/city.html",
        city=region,
        courses=courses,
        district_board=city_district_board(region.code),
        city_week=ongoing_city_week(region.code),
        news_items=latest_news(region.code),
    )


@bp.get("/help")
def help_page():
    return render_template("main/help.html")


@bp.get("/healthz")
def healthz():
    """What a load balancer and monitoring ask: 503 when the database or the job queue
    cannot be reached (the site cannot work), "degraded" when the search index is missing
    or broken (search falls back to the database meanwhile, so the host stays in)."""
    checks = {"database": _check(lambda: db.session.execute(text("SELECT 1")))}
    checks["jobs"] = _check(queue.pending_count)
    checks["search"] = search_index().status()
    down = checks["database"] != "ok" or checks["jobs"] != "ok"
    status = "down" if down else "ok" if checks["search"] == "ok" else "degraded"
    return {"status": status, "checks": checks}, 503 if down else 200


def _check(probe) -> str:
    try:
        probe()
    except Exception:  # any failure to reach it is the answer, logged for the operator
        current_app.logger.exception("health check failed")
        db.session.rollback()
        return "unavailable"
    return "ok"
