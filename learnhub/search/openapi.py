"""The OpenAPI description of the search API (/api/v1/search), part of /api/v1/openapi.json."""

from __future__ import annotations

from .services import PER_PAGE, SORTS

SEARCH_REF = "#/components/schemas/Search"


def search_paths() -> dict:
    """The /api/v1/search path object."""
    # Longer text is accepted and cut at MAX_QUERY_LENGTH ("truncated": true).
    query = {"type": "string"}
    return {
        "/api/v1/search": {
            "get": {
                "summary": "Published courses, lessons, places and activities matching a query",
                "operationId": "search",
                "parameters": [
                    query_parameter("q", query, "What was typed (Chinese, pinyin or initials)."),
                    query_parameter(
                        "page",
                        {"type": "integer", "minimum": 1, "default": 1},
                        f"Page of {PER_PAGE} results.",
                    ),
                    query_parameter(
                        "sort", {"type": "string", "enum": sorted(SORTS), "default": "relevance"}
                    ),
                    query_parameter(
                        "module",
                        {"type": "string", "maxLength": 40},
                        "A module's slug: only its courses.",
                    ),
                    query_parameter(
                        "as_typed",
                        {"type": "string", "enum": ["1"]},
                        "1: never show a suggestion's results instead of an empty result.",
                    ),
                ],
                "responses": {
                    "200": {
                        "description": "Results, facets and a suggestion",
                        "content": {"application/json": {"schema": {"$ref": SEARCH_REF}}},
                    }
                },
            }
        }
    }


def search_schemas() -> dict:
    """The schemas /api/v1/search answers with."""
    titled = {"type": "object", "properties": {"id": {"type": "integer"},
                                               "title": {"type": "string"}}}  # fmt: skip
    hit = {
        "type": "object",
        "properties": {
            "kind": {"type": "string", "enum": ["course", "lesson", "place", "activity"]},
            "id": {"type": "integer"},
            "url": {"type": "string"},
            "title": {"type": "string"},
            "title_html": {"type": "string"},
            "snippet_html": {"type": "string"},
            "label": {"type": "string", "description": "What a place or activity is."},
            "course": {**titled, "type": ["object", "null"]},
            "module": {"type": ["object", "null"], "properties": {"slug": {"type": "string"},
                                                                  "name": {"type": "string"}}},
        },
    }  # fmt: skip
    return {
        "Search": {
            "type": "object",
            "required": ["query", "page", "pages", "total", "results"],
            "properties": {
                "query": {"type": "string"},
                "truncated": {"type": "boolean"},
                "page": {"type": "integer"},
                "pages": {"type": "integer"},
                "per_page": {"type": "integer"},
                "sort": {"type": "string"},
                "module": {"type": ["string", "null"], "description": "The slug filtered on."},
                "elder_mode_switch": {"type": "boolean"},
                "total": {"type": "integer"},
                "some_words": {"type": "boolean"},
                "from_database": {"type": "boolean"},
                "suggestion": {"type": ["string", "null"]},
                "corrected": {
                    "type": ["string", "null"],
                    "description": "Nothing was found for the query: these are the results "
                    "of this suggestion instead (unless as_typed=1).",
                },
                "facets": {"type": "array", "items": {"type": "object"}},
                "results": {"type": "array", "items": hit},
                "popular": {"type": "array", "items": titled},
            },
        }
    }


def query_parameter(name: str, schema: dict, description: str = "") -> dict:
    """An optional query-string parameter."""
    return {"name": name, "in": "query", "required": False, "schema": schema,
            "description": description}  # fmt: skip
