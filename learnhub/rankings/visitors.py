"""The anonymous visitor's two cookies: a random visitor id, and the city they chose."""

from __future__ import annotations

import time
from dataclasses import dataclass

from flask import Flask, Response, current_app, g, request
from flask_babel import get_locale

from learnhub.regions.services import cities_of

from . import counting

VISITOR_COOKIE = "learnhub_visitor"
CITY_COOKIE = "learnhub_city"
_CITIES_SECONDS = 300
_cities: dict[str, tuple[float, tuple[CityChoice, ...]]] = {}


@dataclass(frozen=True)
class CityChoice:
    """A city of the picker: plain values, so it can be kept between requests."""

    code: str
    name: str
    name_en: str

    @property
    def display_name(self) -> str:
        locale = get_locale()
        return self.name if locale is None or locale.language == "zh" else self.name_en


def province_cities() -> tuple[CityChoice, ...]:
    """The home province's cities (kept for five minutes per process: every page with the
    city picker lists them)."""
    province = current_app.config["HOME_PROVINCE"]
    cached = _cities.get(province)
    if cached and cached[0] > time.monotonic():
        return cached[1]
    cities = tuple(CityChoice(c.code, c.name, c.name_en) for c in cities_of(province))
    _cities[province] = (time.monotonic() + _CITIES_SECONDS, cities)
    return cities


def province_city_codes() -> frozenset[str]:
    """The codes of the home province's cities."""
    return frozenset(city.code for city in province_cities())


def chosen_city(code: str | None) -> str | None:
    """The city an anonymous visitor chose, if it is one of ours."""
    return code if code and code in province_city_codes() else None


def ensure_visitor_id() -> str:
    """This request's visitor id; a new one is sent as a cookie with the response."""
    if "new_visitor_id" not in g:
        g.new_visitor_id = counting.new_visitor_id()
    return g.new_visitor_id


def _cookie_options(max_age: int) -> dict:
    return {
        "max_age": max_age,
        "httponly": True,
        "samesite": "Lax",
        "secure": current_app.config["SESSION_COOKIE_SECURE"],
    }


def set_city_cookie(response: Response, city_code: str) -> None:
    response.set_cookie(
        CITY_COOKIE, city_code, **_cookie_options(current_app.config["PREFERENCE_COOKIE_MAX_AGE"])
    )


def _give_visitor_id(response: Response) -> Response:
    # Pages only (not the API, static files or errors): a client that sends it back keeps
    # cookies, which is what lets its later views count.
    if request.path.startswith(("/api/", "/static/")) or response.status_code >= 400:
        return response
    if counting.is_valid_visitor_id(request.cookies.get(VISITOR_COOKIE)):
        return response
    if request.method != "GET" and "new_visitor_id" not in g:
        return response
    response.set_cookie(
        VISITOR_COOKIE,
        ensure_visitor_id(),
        **_cookie_options(current_app.config["PREFERENCE_COOKIE_MAX_AGE"]),
    )
    response.vary.add("Cookie")
    return response


def init_visitor_cookies(app: Flask) -> None:
    app.after_request(_give_visitor_id)
