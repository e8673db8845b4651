"""Public pages of places: /places (a filtered list), /places/<id>, its photo, and /map.

The map is drawn here as SVG (drawing.py) and works without JavaScript: its points and
the list beside it are links, and "near me" by district is a plain form. The optional
script (static/map.js) finds the places nearest the visitor's own position in the browser:
the position is never sent to the server.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import abort, current_app, render_template, request
from flask_login import current_user
from sqlalchemy import func, select

from learnhub.accounts.access import staff_scope
from learnhub.extensions import db
from learnhub.media import send_media
from learnhub.regions.models import RegionLevel
from learnhub.regions.services import cities_of, districts_by_city, get_region
from learnhub.security import content_security_policy
from learnhub.ui import elder_mode_requested, page_number

from . import drawing, services
from .blueprint import bp
from .forms import parse_kind
from .models import PLACE_KIND_LABELS, Place

PER_PAGE = 20
# The map page may ask for the visitor's position (the browser asks them first); every
# other page keeps the site's "geolocation=()".
MAP_PERMISSIONS = "camera=(), microphone=(), geolocation=(self)"


def _province() -> str:
    return current_app.config["HOME_PROVINCE"]


def _region_of(code: str | None, level: RegionLevel):
    region = get_region(code) if code and len(code) == 6 else None
    return region if region is not None and region.level is level else None


@bp.get("/places")
def index():
    city = _region_of(request.args.get("city"), RegionLevel.CITY)
    district = _region_of(request.args.get("district"), RegionLevel.DISTRICT)
    if district is not None and city is not None and district.parent_code != city.code:
        district = None  # a district of another city: the city wins
    wanted = services.PlaceFilter(
        city_code=city.code if city else None,
        district_code=district.code if district else None,
        kind=parse_kind(request.args.get("kind")),
        elder_friendly=request.args.get("elder") == "1",
    )
    query = services.places_query(wanted)
    pagination = db.paginate(query, page=page_number(), per_page=PER_PAGE, error_out=False)
    return render_template(
        "places/index.html",
        pagination=pagination,
        wanted=wanted,
        cities=cities_of(_province()),
        districts=districts_by_city(_province()),
        kinds=PLACE_KIND_LABELS,
    )


def _visible_place(place_id: int) -> Place:
    """A published place; a hidden one only for the staff who look after it."""
    place = db.get_or_404(Place, place_id)
    if not place.published and not staff_scope(current_user).covers(
        place.city_code, place.district_code
    ):
        abort(404)
    return place


@bp.get("/places/<int:place_id>")
def place(place_id: int):
    found = _visible_place(place_id)
    return render_template("places/place.html", place=found)


@bp.get("/places/<int:place_id>/photo")
def photo(place_id: int):
    found = _visible_place(place_id)
    if not found.photo_name:
        abort(404)
    return send_media(found.photo_name, public=found.published)


def _tile_layers() -> list[str]:
    setting = current_app.config.get("MAP_TILE_URL")
    if not setting:
        return []
    return [setting] if isinstance(setting, str) else [str(url) for url in setting]


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


@bp.get("/map")
def map_page():
    places = services.mapped_places()
    cities = cities_of(_province())
    large = elder_mode_requested()
    picture = drawing.draw(places, cities, large=large)
    layers = _tile_layers()
    tiles = drawing.tiles(picture, layers, int(current_app.config["MAP_TILE_ZOOM"]))
    district = _region_of(request.args.get("district"), RegionLevel.DISTRICT)
    nearby = services.places_near_district(district) if district is not None else None
    by_city = {city.code: [] for city in cities}
    for found in places:
        by_city.setdefault(found.city_code, []).append(found)
    colours = {label.city.code: label.colour for label in picture.labels}
    response = current_app.make_response(
        render_template(
            "places/map.html",
            picture=picture,
            tiles=tiles,
            cities=cities,
            by_city=by_city,
            colours=colours,
            districts=districts_by_city(_province()),
            district=district,
            nearby=nearby,
            attribution=current_app.config.get("MAP_TILE_ATTRIBUTION", ""),
            unmapped=_unmapped_count(),
        )
    )
    response.headers["Permissions-Policy"] = MAP_PERMISSIONS
    if tiles:
        origins = tuple(sorted({_origin(url) for url in layers}))
        response.headers["Content-Security-Policy"] = content_security_policy(origins)
    return response


def _unmapped_count() -> int:
    unmapped = services.places_query(services.PlaceFilter()).where(Place.longitude.is_(None))
    return db.session.scalar(select(func.count()).select_from(unmapped.subquery()))
