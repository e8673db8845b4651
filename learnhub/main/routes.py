"""Home and help pages."""

from flask import render_template

from . import bp


@bp.get("/")
def home():
    return render_template("main/home.html")


@bp.get("/help")
def help_page():
    return render_template("main/help.html")


@bp.get("/healthz")
def healthz():
    """Liveness and database reachability for load balancers."""
    from sqlalchemy import text

    from learnhub.extensions import db

    db.session.execute(text("SELECT 1"))
    return {"status": "ok"}
