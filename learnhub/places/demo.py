"""Demo learning places: four in every city of the province, every kind present.

Made from the region tree (names and coordinates), so they lie in their cities and
districts; the same every time (no randomness), and loading twice adds nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from decimal import Decimal

from flask import current_app
from sqlalchemy import select

from learnhub.accounts.scopes import EVERYTHING
from learnhub.extensions import db
from learnhub.regions.models import Region
from learnhub.regions.services import cities_of

from .models import Place, PlaceKind
from .services import PlaceDetails, create_place

PLACES_PER_CITY = 4
KIND_ORDER = list(PlaceKind)
STREETS = (
    "中山路",
    "人民路",
    "解放大街",
    "新华街",
    "建设大路",
    "文化路",
    "胜利街",
    "长江路",
    "黄河北大街",
    "青年大街",
    "和平街",
    "友谊路",
    "光明路",
    "北京街",
)
COMMUNITIES = ("幸福", "春光", "丽景", "桃源", "新兴", "阳光", "金秋", "和谐", "翠竹", "长青")
AREA_CODES = {
    "210100": "024",
    "210200": "0411",
    "210300": "0412",
    "210400": "024",
    "210500": "024",
    "210600": "0415",
    "210700": "0416",
    "210800": "0417",
    "210900": "0418",
    "211000": "0419",
    "211100": "0427",
    "211200": "024",
    "211300": "0421",
    "211400": "0429",
}
OPENING_HOURS = (
    "周一至周五 8:30—17:00",
    "周二至周日 9:00—17:00，周一闭馆",
    "每天 9:00—20:30",
    "周一至周六 8:00—11:30，14:00—17:00",
)
DESCRIPTIONS = {
    PlaceKind.COMMUNITY_COLLEGE: (
        "统筹全区社区教育，开设书法、声乐、智能手机、家庭教育等课程，"
        "指导各街道社区教育学校开展工作。"
    ),
    PlaceKind.STREET_SCHOOL: "面向辖区居民开设常态化课程和讲座，周末有亲子课堂。",
    PlaceKind.TEACHING_POINT: "就在小区里，开设健康讲座、手机课堂和手工课，居民步行即到。",
    PlaceKind.ELDER_UNIVERSITY: (
        "开设书画、摄影、合唱、太极、智能手机应用等课程，每学期春秋两季招生。"
    ),
    PlaceKind.LIBRARY: "免费借阅、自助阅读，定期举办好书推荐和好书诵读活动。",
    PlaceKind.EXPERIENCE_BASE: "市民终身学习体验基地，可预约参观体验非遗技艺和科普项目。",
    PlaceKind.CULTURE_HALL: "文化活动中心，有排练厅和多功能厅，社区大讲堂和广场舞队在这里活动。",
    PlaceKind.OTHER: "青少年和家庭的科普学习场所，节假日开放体验课程。",
}


def _short(name: str) -> str:
    """沈阳市 → 沈阳, 和平区 → 和平 (keeping two-character names whole)."""
    stem = name.removesuffix("市")
    for suffix in ("满族自治县", "蒙古族自治县", "自治县", "区", "县", "市"):
        if stem.endswith(suffix) and len(stem) - len(suffix) >= 2:
            return stem[: -len(suffix)]
    return stem


def _name(kind: PlaceKind, city: Region, district: Region, n: int) -> str:
    city_short, district_short = _short(city.name), _short(district.name)
    street = STREETS[n % len(STREETS)].removesuffix("路").removesuffix("街").removesuffix("大")
    return {
        PlaceKind.COMMUNITY_COLLEGE: f"{city_short}市{district.name}社区教育学院",
        PlaceKind.STREET_SCHOOL: f"{district.name}{street}街道社区教育学校",
        PlaceKind.TEACHING_POINT: f"{district_short}{COMMUNITIES[n % len(COMMUNITIES)]}社区教学点",
        PlaceKind.ELDER_UNIVERSITY: f"{city_short}市老年大学",
        PlaceKind.LIBRARY: f"{city_short}市图书馆{district_short}城市书屋",
        PlaceKind.EXPERIENCE_BASE: f"{city_short}市民终身学习体验基地",
        PlaceKind.CULTURE_HALL: f"{district.name}文化活动中心",
        PlaceKind.OTHER: f"{city_short}市青少年科技馆",
    }[kind]


def _offset(n: int) -> tuple[Decimal, Decimal]:
    """A small, fixed step away from the district's centre (about one to three kilometres)."""
    steps = ((3, 2), (-2, 3), (2, -3), (-3, -2), (1, 4), (-4, 1))
    east, north = steps[n % len(steps)]
    return Decimal(east) * Decimal("0.007"), Decimal(north) * Decimal("0.006")


def demo_places(cities: list[Region]) -> Iterable[PlaceDetails]:
    """The demo places of these cities, in a fixed order."""
    n = 0
    for city in cities:
        districts = [d for d in city.children if d.longitude is not None] or [city]
        for i in range(PLACES_PER_CITY):
            kind = KIND_ORDER[n % len(KIND_ORDER)]
            district = districts[i % len(districts)]
            east, north = _offset(n)
            phone_digits = 8 if AREA_CODES.get(city.code, "024") in ("024", "0411") else 7
            number = str(23456789 + n * 104729)[-phone_digits:]
            yield PlaceDetails(
                name=_name(kind, city, district, n),
                kind=kind,
                city_code=city.code,
                district_code=district.code if district is not city else None,
                address=f"{city.name}{district.name if district is not city else ''}"
                f"{STREETS[n % len(STREETS)]}{(n * 37) % 300 + 1}号",
                longitude=district.longitude + east,
                latitude=district.latitude + north,
                opening_hours=OPENING_HOURS[n % len(OPENING_HOURS)],
                phone=f"{AREA_CODES.get(city.code, '024')}-{number}",
                step_free=n % 3 != 2,
                lift=n % 2 == 0,
                seats=(40 + (n * 13) % 160) if n % 4 != 3 else None,
                hearing_loop=n % 5 == 0,
                description=DESCRIPTIONS[kind],
            )
            n += 1


def load_demo_places(progress: Callable[[Iterable], Iterable] = iter) -> int:
    """Add the demo places that are not there yet (by name and city); returns how many."""
    cities = cities_of(current_app.config["HOME_PROVINCE"])
    existing = {tuple(row) for row in db.session.execute(select(Place.name, Place.city_code))}
    added = 0
    for details in progress(list(demo_places(cities))):
        if (details.name, details.city_code) in existing:
            continue
        create_place(EVERYTHING, details, None)
        existing.add((details.name, details.city_code))
        added += 1
    db.session.flush()
    return added
