"""The learning map (/map): server-drawn points, no outside servers by default, near me,
the operator's tile layer; the demo places and the demo lesson's link to the map."""

from __future__ import annotations

import json
import re
from collections import Counter
from decimal import Decimal

import pytest
from sqlalchemy import select

from learnhub.catalogue.content import sanitise_html
from learnhub.catalogue.demo import DEMO_CATALOGUE
from learnhub.extensions import db
from learnhub.places import services
from learnhub.places.demo import load_demo_places
from learnhub.places.models import Place, PlaceKind
from learnhub.regions.models import Region
from learnhub.security import CONTENT_SECURITY_POLICY
from tests.test_places import add_place

POINT = re.compile(r'<a href="/places/(\d+)" class="map-point"')
TIANDITU = "https://t0.tianditu.gov.cn/vec_w/wmts?TILEMATRIX={z}&TILEROW={y}&TILECOL={x}&tk=k"


@pytest.fixture
def mapped(app):
    with app.app_context():
        return {
            "heping": add_place(),
            "shenhe": add_place("沈河区图书馆", district="210103", kind=PlaceKind.LIBRARY,
                                lon="123.46", lat="41.80"),
            "dalian": add_place("大连老年大学", city="210200", district="210202",
                                kind=PlaceKind.ELDER_UNIVERSITY, lon="121.62", lat="38.92"),
            "hidden": add_place("隐藏的教学点", published=False, lon="123.40", lat="41.70"),
            "nowhere": add_place("没有坐标的书屋", lon=None, lat=None),
        }  # fmt: skip


def test_every_published_place_with_coordinates_is_a_point_that_links_to_it(client, mapped):
    page = client.get("/map").get_data(as_text=True)
    points = {int(n) for n in POINT.findall(page)}
    assert points == {mapped["heping"], mapped["shenhe"], mapped["dalian"]}
    assert "隐藏的教学点" not in page
    assert "没有坐标的书屋" not in page  # counted under the map, found on /places
    # City names stand at the cities' coordinates, and the list groups places by city.
    assert ">沈阳市</text>" in page and ">大连市</text>" in page
    assert page.index('id="city-210100"') < page.index('id="city-210200"')


def test_in_elder_mode_the_points_are_a_picture_and_the_list_holds_the_links(client, mapped):
    client.set_cookie("learnhub_elder_mode", "on")
    page = client.get("/map").get_data(as_text=True)
    assert POINT.findall(page) == []
    assert 'role="img"' in page and page.count("<circle cx=") >= 3
    for key in ("heping", "shenhe", "dalian"):
        assert f'href="/places/{mapped[key]}"' in page


def test_the_default_map_contacts_no_other_server(client, mapped):
    response = client.get("/map")
    page = response.get_data(as_text=True)
    outside = re.findall(r'(?:src|href)="((?:https?:)?//[^"]*)"', page)
    assert outside == []
    assert response.headers["Content-Security-Policy"] == CONTENT_SECURITY_POLICY
    # The page may ask for the position (the browser asks the visitor); others may not.
    assert "geolocation=(self)" in response.headers["Permissions-Policy"]
    assert "geolocation=()" in client.get("/places").headers["Permissions-Policy"]


def test_an_operators_tile_layer_is_drawn_under_the_points_and_allowed_by_the_policy(
    app_factory,
):
    app = app_factory(MAP_TILE_URL=[TIANDITU], MAP_TILE_ATTRIBUTION="审图号：GS(2024)0001号")
    with app.app_context():
        add_place()
    response = app.test_client().get("/map")
    page = response.get_data(as_text=True)
    assert page.count('<image href="https://t0.tianditu.gov.cn/vec_w/wmts?TILEMATRIX=7&amp;') >= 1
    assert "审图号：GS(2024)0001号" in page
    policy = response.headers["Content-Security-Policy"]
    assert "img-src 'self' data: https://t0.tianditu.gov.cn" in policy
    assert "script-src 'self';" in policy


def test_near_me_by_district_lists_its_places_first_then_the_nearest(client, mapped):
    page = client.get("/map?district=210103").get_data(as_text=True)
    near = page[page.index("near-list") : page.index('class="map-layout"')]
    assert (
        near.index("沈河区图书馆") < near.index("和平区社区教育学院") < near.index("大连老年大学")
    )
    assert "隐藏的教学点" not in near


@pytest.mark.parametrize("district", ["210100", "x", "9" * 400, "%00", ""])
def test_a_district_that_is_not_one_shows_the_map_without_a_near_list(client, mapped, district):
    response = client.get(f"/map?district={district}")
    assert response.status_code == 200
    assert "near-list" not in response.get_data(as_text=True)


def test_places_near_a_district_are_sorted_by_distance(app, mapped):
    with app.app_context():
        heping = db.session.get(Region, "210102")
        found = services.places_near_district(heping)
        assert [n.place.name for n in found][:1] == ["和平区社区教育学院"]
        others = [n.km for n in found[1:] if n.km is not None]
        assert others == sorted(others)
        assert 280 < services.distance_km(123.43, 41.8, 121.61, 38.91) < 380  # 沈阳 → 大连


def test_the_home_page_and_the_navigation_lead_to_the_map(client):
    page = client.get("/").get_data(as_text=True)
    assert page.count('href="/map"') >= 2  # the navigation and the home page's panel
    assert 'href="/map"' in client.get("/help").get_data(as_text=True)


# ---- demo data ---------------------------------------------------------------------------------


def test_demo_places_fill_every_city_with_every_kind_once_and_inside_its_city(app):
    with app.app_context():
        added = load_demo_places()
        db.session.commit()
        assert load_demo_places() == 0  # loading again adds nothing
        places = list(db.session.scalars(select(Place)))
        assert added == len(places)
        cities = db.session.scalars(
            select(Region.code).where(Region.parent_code == app.config["HOME_PROVINCE"])
        ).all()
        per_city = Counter(p.city_code for p in places)
        assert set(per_city) == set(cities) and min(per_city.values()) >= 3
        assert {p.kind for p in places} == set(PlaceKind)
        assert any(p.elder_friendly for p in places) and not all(p.elder_friendly for p in places)
        bounds = services.province_bounds()
        for place in places:
            district = db.session.get(Region, place.district_code)
            assert district.parent_code == place.city_code
            assert bounds.contains(place.longitude, place.latitude)
            assert abs(place.longitude - district.longitude) < Decimal("0.05")
            services.normalise_phone(place.phone)  # a valid number
        names = sorted(p.name for p in places)
        assert len(set(names)) == len(names)


def test_the_demo_lesson_sends_learners_to_the_map():
    catalogue = json.loads(DEMO_CATALOGUE.read_text(encoding="utf-8"))
    bodies = [
        lesson.get("body_html", "")
        for course in catalogue["courses"]
        for lesson in course.get("lessons", [])
        if "终身学习地图" in lesson.get("body_html", "")
    ]
    assert bodies, "the demo lesson about the map is gone"
    for body in bodies:
        assert '<a href="/map"' in sanitise_html(body)
