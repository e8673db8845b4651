"""The rules of learning places: what a place must be, who may change it, how lists filter.

Plain services: they take plain values and models, add and flush, never commit. A refusal
raises :class:`PlaceError` naming the form field it is about.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from decimal import Decimal
from typing import BinaryIO

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import ColumnElement, Select, and_, func, or_, select
from sqlalchemy.orm import selectinload

from learnhub.accounts.scopes import Scope
from learnhub.database import add_once
from learnhub.extensions import db
from learnhub.media import MediaError, MediaKind, check_stream, store_stream
from learnhub.regions.models import Region, RegionLevel

from .models import Place, PlaceKind

# Coordinates may lie this many degrees outside the box of the province's own regions
# (their coordinates are their centres; the province reaches further, e.g. islands).
BOUNDS_MARGIN = Decimal("0.8")
PHOTO_FORMATS = ("jpg", "png")
# 024-86123456, 0411 8765 4321, 13812345678, 400-123-4567, with an extension -123.
_PHONE = re.compile(
    r"^(?:0\d{2,3}[- ]?\d{7,8}(?:-\d{1,6})?|1[3-9]\d{9}|[48]00[- ]?\d{3}[- ]?\d{4})$"
)


class PlaceError(ValueError):
    """A place the rules refuse; ``field`` is the form field it is about (or None)."""

    def __init__(self, field: str | None, message):
        super().__init__("place refused")  # the message renders in the reader's language
        self.field = field
        self.message = message


@dataclass
class PlaceDetails:
    """What a form says about a place (the photo travels separately)."""

    name: str
    kind: PlaceKind
    city_code: str
    district_code: str | None
    address: str = ""
    longitude: Decimal | None = None
    latitude: Decimal | None = None
    opening_hours: str = ""
    phone: str = ""
    step_free: bool = False
    lift: bool = False
    seats: int | None = None
    hearing_loop: bool = False
    description: str = ""


@dataclass(frozen=True)
class Bounds:
    """A box of longitudes and latitudes."""

    west: Decimal
    south: Decimal
    east: Decimal
    north: Decimal

    def contains(self, longitude: Decimal, latitude: Decimal) -> bool:
        return self.west <= longitude <= self.east and self.south <= latitude <= self.north


def province_bounds() -> Bounds | None:
    """The province's rough box: its cities' and districts' coordinates, with a margin."""
    province = current_app.config["HOME_PROVINCE"]
    cities = select(Region.code).where(Region.parent_code == province)
    in_province = or_(
        Region.code == province, Region.parent_code == province, Region.parent_code.in_(cities)
    )
    row = db.session.execute(
        select(
            func.min(Region.longitude),
            func.min(Region.latitude),
            func.max(Region.longitude),
            func.max(Region.latitude),
        ).where(in_province, Region.longitude.is_not(None), Region.latitude.is_not(None))
    ).one()
    if row[0] is None:
        return None
    west, south, east, north = (Decimal(value) for value in row)
    return Bounds(
        west - BOUNDS_MARGIN, south - BOUNDS_MARGIN, east + BOUNDS_MARGIN, north + BOUNDS_MARGIN
    )


# ---- checking -------------------------------------------------------------------------------


def _check_region(scope: Scope, details: PlaceDetails) -> None:
    city = db.session.get(Region, details.city_code or "")
    province = current_app.config["HOME_PROVINCE"]
    if city is None or city.level is not RegionLevel.CITY or city.parent_code != province:
        raise PlaceError("city_code", _l("Choose a city of the province."))
    if details.district_code:
        district = db.session.get(Region, details.district_code)
        if district is None or district.parent_code != city.code:
            raise PlaceError("district_code", _l("This district or county is not in that city."))
    if not scope.covers(details.city_code, details.district_code):
        raise PlaceError(
            "district_code" if scope.district_code else "city_code",
            _l("This place would lie outside the region you look after."),
        )


def _check_coordinates(details: PlaceDetails) -> None:
    longitude, latitude = details.longitude, details.latitude
    if (longitude is None) != (latitude is None):
        field = "latitude" if latitude is None else "longitude"
        raise PlaceError(field, _l("Give both the longitude and the latitude, or neither."))
    if longitude is None:
        return
    if not Decimal(-180) <= longitude <= Decimal(180):
        raise PlaceError("longitude", _l("A longitude lies between -180 and 180."))
    if not Decimal(-90) <= latitude <= Decimal(90):
        raise PlaceError("latitude", _l("A latitude lies between -90 and 90."))
    bounds = province_bounds()
    if bounds is not None and not bounds.contains(longitude, latitude):
        raise PlaceError(
            "longitude",
            _l(
                "These coordinates lie outside the province (longitude %(west)s to %(east)s, "
                "latitude %(south)s to %(north)s). Longitude comes first: east of Greenwich, "
                "about 119 to 126 here.",
                west=round(bounds.west, 1),
                east=round(bounds.east, 1),
                south=round(bounds.south, 1),
                north=round(bounds.north, 1),
            ),
        )


def normalise_phone(phone: str) -> str:
    """A phone number as people write it, checked: area code and number, a mobile, or 400."""
    cleaned = (phone or "").strip().replace("（", "(").replace("）", ")")
    cleaned = re.sub(r"^\((0\d{2,3})\)\s*", r"\1-", cleaned).replace("—", "-").replace("－", "-")
    if cleaned and not _PHONE.match(cleaned):
        raise PlaceError(
            "phone",
            _l(
                "Enter a phone number with its area code (024-86123456), a mobile number "
                "(13812345678) or a 400 number."
            ),
        )
    return cleaned


def check_details(scope: Scope, details: PlaceDetails) -> PlaceDetails:
    """The details as they will be saved, or PlaceError for the first thing wrong."""
    if not details.name.strip():
        raise PlaceError("name", _l("Enter the place's name."))
    try:
        details.kind = PlaceKind(details.kind)
    except ValueError:
        raise PlaceError("kind", _l("Choose one of the options in the list.")) from None
    _check_region(scope, details)
    _check_coordinates(details)
    details.phone = normalise_phone(details.phone)
    if details.seats is not None and details.seats < 0:
        raise PlaceError("seats", _l("Seats cannot be fewer than none."))
    return details


def check_photo(photo: BinaryIO) -> None:
    """A JPEG or PNG picture within the image size limit (read by its content), or PlaceError."""
    try:
        media_format = check_stream(photo, MediaKind.IMAGE)
    except MediaError as error:
        raise PlaceError("photo", error.message) from None
    if media_format.extension not in PHOTO_FORMATS:
        raise PlaceError("photo", _l("Choose a photo in JPEG or PNG format."))


# ---- changing --------------------------------------------------------------------------------


def _apply(place: Place, details: PlaceDetails) -> None:
    for name in PlaceDetails.__dataclass_fields__:
        setattr(place, name, getattr(details, name))
    place.district_code = details.district_code or None


def _store_photo(place: Place, photo: BinaryIO | None) -> str | None:
    """Store a new photo (checked first); returns the replaced photo's path, to discard later."""
    if photo is None:
        return None
    check_photo(photo)
    old, place.photo_name = place.photo_name, store_stream(photo, MediaKind.IMAGE).path
    return old


def create_place(
    scope: Scope,
    details: PlaceDetails,
    created_by,
    photo: BinaryIO | None = None,
    form_token: str | None = None,
) -> Place:
    """A new, published place of the scope's region. ``form_token``: the one-time token of
    the form that adds it; a second post of that form raises AlreadySent (the database's
    unique constraint decides, so two copies of one post at the same moment add one place)."""
    check_details(scope, details)
    if photo is not None:
        check_photo(photo)
    place = Place(
        created_by_id=created_by.id if created_by is not None else None,
        published=True,
        form_token=form_token,
    )
    _apply(place, details)
    add_once(place, Place.id, created_by_id=place.created_by_id, form_token=form_token)
    _store_photo(place, photo)
    db.session.flush()
    return place


def update_place(
    scope: Scope,
    place: Place,
    details: PlaceDetails,
    photo: BinaryIO | None = None,
    remove_photo: bool = False,
) -> str | None:
    """Change a place of the scope's region; returns a replaced photo's path (discard it
    after the commit), or None."""
    ensure_in_scope(scope, place)
    check_details(scope, details)
    _apply(place, details)
    replaced = _store_photo(place, photo)
    if replaced is None and remove_photo and photo is None:
        replaced, place.photo_name = place.photo_name, None
    db.session.flush()
    return replaced


def set_published(scope: Scope, place: Place, published: bool) -> bool:
    """Show a place on the public pages, or hide it; returns whether anything changed."""
    ensure_in_scope(scope, place)
    changed = place.published != published
    place.published = published
    db.session.flush()
    return changed


def ensure_in_scope(scope: Scope, place: Place) -> None:
    if not scope.covers(place.city_code, place.district_code):
        raise PlaceError(None, _l("This place is looked after by another centre."))


def details_of(place: Place) -> dict:
    """What the audit log keeps of a place's state."""
    return {name: getattr(place, name) for name in PlaceDetails.__dataclass_fields__}


# ---- reading ---------------------------------------------------------------------------------


@dataclass
class PlaceFilter:
    """What a list of places is narrowed to; None means any."""

    city_code: str | None = None
    district_code: str | None = None
    kind: PlaceKind | None = None
    elder_friendly: bool = False
    text: str = ""


def elder_friendly_clause() -> ColumnElement[bool]:
    """Place.elder_friendly in SQL: step-free, and a lift or seats inside."""
    return and_(
        Place.step_free.is_(True), or_(Place.lift.is_(True), func.coalesce(Place.seats, 0) > 0)
    )


def places_query(wanted: PlaceFilter, scope: Scope | None = None) -> Select:
    """Places matching the filter, by city, district and name; public (published) ones only
    unless a staff ``scope`` is given, which limits them to that region instead."""
    query = select(Place).options(selectinload(Place.city), selectinload(Place.district))
    if scope is None:
        query = query.where(Place.published.is_(True))
    else:
        query = query.where(scope.where(Place.city_code, Place.district_code))
    if wanted.city_code:
        query = query.where(Place.city_code == wanted.city_code)
    if wanted.district_code:
        query = query.where(Place.district_code == wanted.district_code)
    if wanted.kind:
        query = query.where(Place.kind == wanted.kind)
    if wanted.elder_friendly:
        query = query.where(elder_friendly_clause())
    if wanted.text:
        query = query.where(Place.name.icontains(wanted.text, autoescape=True))
    return query.order_by(Place.city_code, Place.district_code, Place.name, Place.id)


def public_place(place_id: int) -> Place | None:
    """A published place, or None."""
    place = db.session.get(Place, place_id)
    return place if place is not None and place.published else None


def mapped_places() -> list[Place]:
    """Every published place with coordinates, by city then name (the map's points)."""
    query = places_query(PlaceFilter()).where(
        Place.longitude.is_not(None), Place.latitude.is_not(None)
    )
    return list(db.session.scalars(query))


def distance_km(lon1, lat1, lon2, lat2) -> float:
    """The great-circle distance between two points, in kilometres (haversine)."""
    lon1, lat1, lon2, lat2 = (math.radians(float(v)) for v in (lon1, lat1, lon2, lat2))
    a = (
        math.sin((lat2 - lat1) / 2) ** 2
        + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    )
    return 2 * 6371.0 * math.asin(math.sqrt(a))


@dataclass(frozen=True)
class NearbyPlace:
    place: Place
    km: float | None  # None: the place has no coordinates


def places_near_district(district: Region, limit: int = 12) -> list[NearbyPlace]:
    """Published places nearest the district: its own first, then the others by distance
    from the district's centre (places without coordinates last)."""
    candidates = db.session.scalars(
        places_query(PlaceFilter()).where(
            or_(Place.district_code == district.code, Place.longitude.is_not(None))
        )
    )
    found = []
    for place in candidates:
        km = None
        if None not in (place.longitude, district.longitude):
            km = distance_km(district.longitude, district.latitude, place.longitude, place.latitude)
        found.append(NearbyPlace(place, km))
    found.sort(
        key=lambda n: (
            n.place.district_code != district.code,
            n.km if n.km is not None else math.inf,
            n.place.name,
        )
    )
    return found[:limit]
