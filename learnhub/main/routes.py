"""Home and help pages."""

from flask import render_template
from sqlalchemy import text

from learnhub.catalogue import services as catalogue
from learnhub.extensions import db

from . import bp


@bp.get("/")
def home():
    return render_template(
        "main/home.html",
        modules=catalogue.list_modules(),
        course_lists=catalogue.home_courses(),
    )


@bp.get("/help")
def help_page():
    return render_template("main/help.html")


@bp.get("/healthz")
def healthz():
    """Liveness and database reachability for load balancers."""
    db.session.execute(text("SELECT 1"))
    return {"status": "ok"}
