"""JSON API for city dashboards: /api/v1/rankings, described at /api/v1/openapi.json."""

from __future__ import annotations

from flask import current_app, jsonify, request

from learnhub.clock import local_today
from learnhub.extensions import db
from learnhub.regions.models import Region, RegionLevel
from learnhub.regions.services import cities_of

from . import leaderboard
from .blueprint import bp
from .leaderboard import METRICS, WINDOWS, RankingsInputError
from .limits import api_limit
from .openapi import openapi_document


def _bad_request(field: str, message) -> tuple:
    return jsonify(error={"status": 400, "field": field, "message": str(message)}), 400


def _number(value):
    if value is None:
        return None
    return int(value) if value == value.to_integral_value() else float(value)


@bp.get("/api/v1/rankings")
@api_limit
def api_rankings():
    """Cities ranked (or, with ?city=, that city's districts)."""
    try:
        query = leaderboard.board_query(request.args, local_today())
    except RankingsInputError as problem:
        return _bad_request(problem.field, problem.message)
    city_code = request.args.get("city") or None
    if city_code is not None:
        city = db.session.get(Region, city_code)
        if (
            city is None
            or city.level is not RegionLevel.CITY
            or city.parent_code != current_app.config["HOME_PROVINCE"]
        ):
            return _bad_request("city", "Unknown city code.")
        query = leaderboard.BoardQuery(**{**query.__dict__, "city_code": city_code})
    board = leaderboard.leaderboard(query)
    return jsonify(
        metric=query.metric,
        window=query.window,
        start=query.period.start.isoformat(),
        end=query.period.end.isoformat(),
        previous_start=query.previous.start.isoformat(),
        previous_end=query.previous.end.isoformat(),
        per_capita=query.per_capita,
        city=city_code,
        unattributed=_number(board.unattributed),
        entries=[
            {
                "code": e.code,
                "name": e.name,
                "name_en": e.name_en,
                "population": e.population,
                "value": _number(e.value),
                "per_10000": _number(e.per_capita),
                "rank": e.rank,
                "previous_rank": e.previous_rank,
                "change": e.change,
            }
            for e in board.entries
        ],
    )


@bp.get("/api/v1/openapi.json")
def api_openapi():
    """The OpenAPI 3.1 description of the rankings API."""
    return jsonify(
        openapi_document(
            # Relative: never built from the request's Host header, which the client chooses.
            server="/",
            metrics=list(METRICS),
            cities=[city.code for city in cities_of(current_app.config["HOME_PROVINCE"])],
            windows=list(WINDOWS),
        )
    )
