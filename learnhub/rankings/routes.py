"""Public leaderboards: the province's cities, a city's districts, exports."""

from __future__ import annotations

from flask import Response, abort, current_app, render_template, request
from flask_babel import gettext as _
from flask_login import current_user

from learnhub.accounts.access import may_see_rankings_detail
from learnhub.accounts.header import header_visitor
from learnhub.cache import cached_body, cached_page
from learnhub.clock import local_today
from learnhub.regions.models import RegionLevel
from learnhub.regions.services import get_region

from . import exports, leaderboard
from .blueprint import bp
from .board_cache import RANKINGS
from .charts import bar_chart
from .leaderboard import METRICS, STAFF_METRICS, WINDOWS, RankingsInputError
from .limits import api_limit


def read_query(args, city_code: str | None = None, metrics=METRICS):
    """(query, error): the board asked for, or the default board and what was wrong."""
    today = local_today()
    try:
        query = leaderboard.board_query(args, today, metrics)
        error = None
    except RankingsInputError as problem:
        query, error = leaderboard.board_query({}, today), problem
    if city_code:
        query = leaderboard.BoardQuery(**{**query.__dict__, "city_code": city_code})
    return query, error


def chart_of(board) -> str:
    query = board.query
    title = _("%(metric)s by region", metric=STAFF_METRICS[query.metric])
    if query.per_capita:
        title = _("%(metric)s per 10,000 residents", metric=STAFF_METRICS[query.metric])
    description = exports.describe(board)
    items = [(e.display_name, board.shown_value(e) or 0) for e in board.entries]
    return bar_chart(items, title, description)


def _city(code: str):
    region = get_region(code)
    if region is None or region.level is not RegionLevel.CITY:
        abort(404)
    if region.parent_code != current_app.config["HOME_PROVINCE"]:
        abort(404)
    return region


@bp.get("/rankings")
def board():
    query, error = read_query(request.args)

    def render_body() -> str:
        found = leaderboard.leaderboard(query)
        return render_template(
            "rankings/_board_body.html",
            board=found,
            chart=chart_of(found),
            error=error,
            metrics=METRICS,
            windows=WINDOWS,
            city=None,
        )

    seconds = 0 if error else current_app.config["RANKINGS_CACHE_SECONDS"]
    # The board is the same for everyone: kept whole, for signed-in people by what the header
    # shows of them; the body is kept apart too, for the pages of each header.
    page = cached_page(
        "rankings",
        lambda: render_template(
            "rankings/board.html", body=cached_body("rankings", render_body, RANKINGS, seconds)
        ),
        RANKINGS,
        renew_every=seconds,
        visitor=header_visitor(),
    )
    return page, 400 if error else 200


@bp.get("/rankings/cities/<code>")
def city_board(code: str):
    city = _city(code)
    query, error = read_query(request.args, city.code)
    found = leaderboard.leaderboard(query)
    courses = leaderboard.top_courses(query.period, city.code)
    return render_template(
        "rankings/city.html",
        board=found,
        chart=chart_of(found),
        error=error,
        metrics=METRICS,
        windows=WINDOWS,
        city=city,
        courses=courses,
    ), 400 if error else 200


@bp.get("/rankings/export.<fmt>")
@api_limit
def export(fmt: str):
    if fmt not in ("csv", "xlsx"):
        abort(404)
    city_code = request.args.get("city") or None
    if city_code is not None:
        city_code = _city(city_code).code
    metrics = STAFF_METRICS if may_see_rankings_detail(current_user) else METRICS
    query, error = read_query(request.args, city_code, metrics)
    if error:
        abort(400)
    return export_response(leaderboard.leaderboard(query), fmt)


def export_response(found, fmt: str) -> Response:
    query = found.query
    scope = query.city_code or "province"
    name = f"rankings-{scope}-{query.metric}-{query.period.start}-{query.period.end}"
    if fmt == "csv":
        body, mimetype = exports.to_csv(found), "text/csv; charset=utf-8"
    else:
        body = exports.to_xlsx(found)
        mimetype = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    return Response(
        body,
        mimetype=mimetype,
        headers={"Content-Disposition": f'attachment; filename="{name}.{fmt}"'},
    )


@bp.app_template_global()
def rankings_metric_label(metric: str) -> str:
    return str(STAFF_METRICS.get(metric, metric))
