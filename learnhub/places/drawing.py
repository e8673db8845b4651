"""The learning map drawn on the server: places and city names as SVG coordinates.

No tile service is needed (and none is reachable from many installations), and no
boundaries are drawn (Chinese boundary maps need official approval): points by their
coordinates, coloured by city, with each city's name at the city's own coordinates. The
projection is Web Mercator, so an operator's tile layer (MAP_TILE_URL) lies under the
points exactly.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from learnhub.regions.models import Region

from .models import Place

WIDTH = 640.0  # the SVG's user units; the page scales it to the screen
# Elder mode draws the same map in fewer units, so its names come out larger on a phone.
WIDTH_LARGE = 460.0
PADDING = 0.06  # of each side, around the outermost points
TILE_PIXELS = 256
# Colours of the cities' points, each at least 3:1 against white (WCAG 1.4.11), told apart
# also by the city names and the list beside the map.
PALETTE = (
    "#0b5c3b",
    "#a4262c",
    "#1f4e99",
    "#8a4b00",
    "#6b2c91",
    "#00707a",
    "#9c2a6b",
    "#4d6b00",
    "#b03d00",
    "#33507a",
    "#7a5200",
    "#006b4f",
    "#8f1d3f",
    "#505050",
)


def mercator(longitude: float, latitude: float) -> tuple[float, float]:
    """Web Mercator world coordinates in [0, 1) (x east, y south)."""
    x = (longitude + 180.0) / 360.0
    sin = math.sin(math.radians(latitude))
    y = 0.5 - math.log((1 + sin) / (1 - sin)) / (4 * math.pi)
    return x, y


@dataclass(frozen=True)
class Point:
    place: Place
    x: float
    y: float
    colour: str


@dataclass(frozen=True)
class Label:
    city: Region
    x: float  # the city's own coordinates (a small marker)
    y: float
    text_x: float  # where its name is written (moved aside when names would overlap)
    text_y: float
    anchor: str
    colour: str


@dataclass(frozen=True)
class Tile:
    url: str
    x: float
    y: float
    size: float


@dataclass
class MapDrawing:
    width: float
    height: float
    points: list[Point] = field(default_factory=list)
    labels: list[Label] = field(default_factory=list)
    tiles: list[Tile] = field(default_factory=list)
    font_size: float = 16.0
    point_radius: float = 5.0
    # Web Mercator world → SVG units: x_svg = (x_world - left) * scale (0: nothing drawn).
    scale: float = 0.0
    left: float = 0.0
    top: float = 0.0


def _coordinates(thing) -> tuple[float, float] | None:
    if thing.longitude is None or thing.latitude is None:
        return None
    return mercator(float(thing.longitude), float(thing.latitude))


def draw(places: list[Place], cities: list[Region], large: bool = False) -> MapDrawing:
    """The map of these places and city names, fitted to them. ``large``: elder mode's
    bigger names and points (the same picture, readable on a phone)."""
    colours = {city.code: PALETTE[i % len(PALETTE)] for i, city in enumerate(cities)}
    spots = [(p, _coordinates(p)) for p in places]
    spots = [(p, xy) for p, xy in spots if xy is not None]
    city_spots = [(c, _coordinates(c)) for c in cities]
    city_spots = [(c, xy) for c, xy in city_spots if xy is not None]
    every = [xy for _p, xy in spots] + [xy for _c, xy in city_spots]
    font_size = 22.0 if large else 15.0
    width = WIDTH_LARGE if large else WIDTH
    if not every:
        return MapDrawing(width, width * 0.75, font_size=font_size)
    west, east = min(x for x, _ in every), max(x for x, _ in every)
    north, south = min(y for _, y in every), max(y for _, y in every)
    span = max(east - west, (south - north) * 1.25, 1e-6)
    pad = span * PADDING
    scale = width / (span + 2 * pad)
    left, top = west - pad - (span - (east - west)) / 2, north - pad
    height = (south - north + 2 * pad) * scale

    def project(xy):
        return (xy[0] - left) * scale, (xy[1] - top) * scale

    drawing = MapDrawing(
        width,
        round(height, 1),
        font_size=font_size,
        point_radius=6.0 if large else 5.0,
        scale=scale,
        left=left,
        top=top,
    )
    for place, xy in spots:
        x, y = project(xy)
        drawing.points.append(
            Point(place, round(x, 1), round(y, 1), colours.get(place.city_code, PALETTE[-1]))
        )
    placed: list[tuple[float, float, float, float]] = []
    for city, xy in city_spots:
        x, y = project(xy)
        name = city.display_name
        drawing.labels.append(
            _label(city, x, y, name, font_size, colours[city.code], placed, drawing)
        )
    return drawing


def _label(city, x, y, name, font_size, colour, placed, drawing) -> Label:
    """The city's name beside its marker, on the first side where it overlaps no other name."""
    width = font_size * (len(name) if any(ord(c) > 0x2E80 for c in name) else len(name) * 0.6)
    gap = font_size * 0.5
    options = (
        (x + gap, y + font_size * 0.35, "start", (x + gap, y - font_size * 0.65)),
        (x - gap, y + font_size * 0.35, "end", (x - gap - width, y - font_size * 0.65)),
        (x - width / 2, y - gap, "start", (x - width / 2, y - gap - font_size)),
        (x - width / 2, y + gap + font_size, "start", (x - width / 2, y + gap)),
    )
    chosen = options[0]
    for option in options:
        left, top = option[3]
        pad = font_size * 0.4  # names that merely touch read as one
        box = (left - pad, top, left + width + pad, top + font_size)
        inside = (
            box[0] >= 0 and box[2] <= drawing.width and box[1] >= 0 and box[3] <= drawing.height
        )
        if inside and not any(_overlap(box, other) for other in placed):
            chosen = option
            break
    left, top = chosen[3]
    placed.append((left, top, left + width, top + font_size))
    return Label(
        city, round(x, 1), round(y, 1), round(chosen[0], 1), round(chosen[1], 1), chosen[2], colour
    )


def _overlap(a, b) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def tiles(drawing: MapDrawing, url_templates: list[str], zoom: int) -> list[Tile]:
    """The tiles of an operator's tile layer that cover the drawing, placed under it.

    ``url_templates`` have {z}, {x} and {y} (天地图's WMTS: TILEMATRIX={z}&TILEROW={y}&
    TILECOL={x}); each is one layer, drawn in order (a base map, then its labels)."""
    if not drawing.scale or not url_templates:
        return []
    count = 2**zoom
    size = drawing.scale / count
    first_x, first_y = int(drawing.left * count), int(drawing.top * count)
    last_x = int((drawing.left + drawing.width / drawing.scale) * count)
    last_y = int((drawing.top + drawing.height / drawing.scale) * count)
    found = []
    for template in url_templates:
        for tile_y in range(first_y, last_y + 1):
            for tile_x in range(first_x, last_x + 1):
                found.append(
                    Tile(
                        template.replace("{z}", str(zoom))
                        .replace("{x}", str(tile_x))
                        .replace("{y}", str(tile_y)),
                        round((tile_x / count - drawing.left) * drawing.scale, 2),
                        round((tile_y / count - drawing.top) * drawing.scale, 2),
                        round(size, 2),
                    )
                )
    return found
