"""The OpenAPI description of learnhub's JSON API (served at /api/v1/openapi.json): the
rankings, and the search it includes from the search feature."""

from __future__ import annotations

from learnhub.search.openapi import query_parameter as _param
from learnhub.search.openapi import search_paths, search_schemas


def openapi_document(
    server: str, metrics: list[str], windows: list[str], cities: list[str]
) -> dict:
    error = {"$ref": "#/components/schemas/Error"}
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "learnhub API",
            "version": "1.0.0",
            "description": "City and district leaderboards of the lifelong-learning network "
            "and search of its courses. Days are China-time (Asia/Shanghai) calendar days. "
            "See docs/rankings.md and docs/search.md.",
        },
        "servers": [{"url": server}],
        "paths": {
            "/api/v1/rankings": {
                "get": {
                    "summary": "Cities of the province (or districts of one city) ranked",
                    "operationId": "getRankings",
                    "parameters": [
                        _param("metric", {"type": "string", "enum": metrics, "default": "clicks"}),
                        _param("window", {"type": "string", "enum": windows, "default": "month"}),
                        _param(
                            "start",
                            {"type": "string", "format": "date"},
                            "First day (window=custom), YYYY-MM-DD.",
                        ),
                        _param(
                            "end",
                            {"type": "string", "format": "date"},
                            "Last day, inclusive (window=custom), YYYY-MM-DD.",
                        ),
                        _param(
                            "per_capita",
                            {"type": "boolean", "default": False},
                            "Rank by value per 10,000 residents.",
                        ),
                        _param(
                            "city",
                            {"type": "string", "enum": cities},
                            "A city code: rank its districts instead of the cities.",
                        ),
                    ],
                    "responses": {
                        "200": {
                            "description": "The ranked board",
                            "content": {
                                "application/json": {
                                    "schema": {"$ref": "#/components/schemas/Board"}
                                }
                            },
                        },
                        "400": {"description": "A bad parameter", "content": _json(error)},
                        "429": {"description": "Too many requests", "content": _json(error)},
                    },
                }
            },
            **search_paths(),
        },
        "components": {"schemas": {**_schemas(), **search_schemas()}},
    }


def _json(schema: dict) -> dict:
    return {"application/json": {"schema": schema}}


def _schemas() -> dict:
    nullable_int = {"type": ["integer", "null"]}
    return {
        "Entry": {
            "type": "object",
            "properties": {
                "code": {"type": "string"},
                "name": {"type": "string"},
                "name_en": {"type": "string"},
                "population": nullable_int,
                "value": {"type": "number", "description": "Credits in credits, else counts."},
                "per_10000": {"type": ["number", "null"]},
                "rank": nullable_int,
                "previous_rank": nullable_int,
                "change": {"type": ["integer", "null"], "description": "Places climbed."},
            },
        },
        "Board": {
            "type": "object",
            "properties": {
                "metric": {"type": "string"},
                "window": {"type": "string"},
                "start": {"type": "string", "format": "date"},
                "end": {"type": "string", "format": "date"},
                "previous_start": {"type": "string", "format": "date"},
                "previous_end": {"type": "string", "format": "date"},
                "per_capita": {"type": "boolean"},
                "city": {"type": ["string", "null"]},
                "unattributed": {
                    "type": "number",
                    "description": "Counted for the province but no city (views of "
                    "visitors without an account); 0 for a city's districts.",
                },
                "entries": {"type": "array", "items": {"$ref": "#/components/schemas/Entry"}},
            },
        },
        "Error": {
            "type": "object",
            "properties": {
                "error": {
                    "type": "object",
                    "properties": {
                        "status": {"type": "integer"},
                        "field": {"type": "string"},
                        "message": {"type": "string"},
                    },
                }
            },
        },
    }
