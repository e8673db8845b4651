"""Home and help pages."""

from flask import current_app, render_template
from sqlalchemy import text

from learnhub.cache import CATALOGUE, cached_fragment, cached_page
from learnhub.catalogue import services as catalogue
from learnhub.extensions import db
from learnhub.rankings.leaderboard import top_cities

from . import bp


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
    return cached_page("home", _render_home, CATALOGUE, renew_every=seconds)


def _render_home() -> str:
    return render_template(
        "main/home.html",
        courses=cached_fragment("home", (), _home_courses, CATALOGUE),
        top3=top_cities("clicks", "week", limit=3),
    )


@bp.get("/help")
def help_page():
    return render_template("main/help.html")


@bp.get("/healthz")
def healthz():
    """Liveness and database reachability for load balancers."""
    db.session.execute(text("SELECT 1"))
    return {"status": "ok"}
