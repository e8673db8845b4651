"""Learning places: staff pages by region, validation, the public list and place pages."""

from __future__ import annotations

import io
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import func, select

from learnhub.accounts.models import Role
from learnhub.audit import AuditAction, AuditEntry
from learnhub.extensions import db
from learnhub.places import services
from learnhub.places.models import Place, PlaceKind
from learnhub.places.services import PlaceDetails
from tests.helpers import csrf_token_from, form_token_from, sign_in, submit

SHENYANG, HEPING, SHENHE, DALIAN = "210100", "210102", "210103", "210200"
PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 200
JPEG = b"\xff\xd8\xff\xe0" + b"\0" * 200


def add_place(
    name="和平区社区教育学院",
    city=SHENYANG,
    district=HEPING,
    published=True,
    kind=PlaceKind.COMMUNITY_COLLEGE,
    lon="123.42",
    lat="41.79",
    **extra,
) -> int:
    details = PlaceDetails(
        name=name,
        kind=kind,
        city_code=city,
        district_code=district,
        address="和平区南京北街1号",
        longitude=Decimal(lon) if lon else None,
        latitude=Decimal(lat) if lat else None,
        opening_hours="周一至周五 8:30-17:00",
        phone="024-23456789",
        **extra,
    )
    place = services.create_place(services.Scope(everything=True), details, None)
    place.published = published
    db.session.commit()
    return place.id


@pytest.fixture
def staff(make_user):
    make_user(login="sy_city", role=Role.CITY_STAFF, managed=SHENYANG, name="沈阳中心")
    make_user(
        login="dl_city",
        role=Role.CITY_STAFF,
        managed=DALIAN,
        name="大连中心",
        city=DALIAN,
        district="210202",
    )
    make_user(login="hp_county", role=Role.COUNTY_STAFF, managed=HEPING, name="和平中心")
    make_user(
        login="sh_county", role=Role.COUNTY_STAFF, managed=SHENHE, name="沈河中心", district=SHENHE
    )
    make_user(login="province", role=Role.PROVINCE_STAFF, managed="210000", name="省中心")
    make_user(login="learner", name="王秀英")


def form_data(**changes) -> dict:
    data = {
        "name": "和平区老年大学",
        "kind": "elder_university",
        "city_code": SHENYANG,
        "district_code": HEPING,
        "address": "和平区三好街5号",
        "longitude": "123.43",
        "latitude": "41.78",
        "opening_hours": "周一至周六 9:00-16:00",
        "phone": "024-22334455",
        "step_free": "y",
        "seats": "80",
        "description": "书法、声乐、智能手机课程。",
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def places_named(app, name) -> list[Place]:
    with app.app_context():
        found = list(db.session.scalars(select(Place).where(Place.name == name)))
        db.session.expunge_all()
        return found


# ---- staff: adding and changing ----------------------------------------------------------


def test_city_staff_add_a_place_that_is_public_and_audited(app, client, staff):
    sign_in(client, "sy_city")
    response = submit(client, "/staff/places/new", form_data())
    assert response.status_code == 302
    (place,) = places_named(app, "和平区老年大学")
    assert place.published and place.kind is PlaceKind.ELDER_UNIVERSITY
    assert place.longitude == Decimal("123.43") and place.seats == 80
    assert place.elder_friendly
    with app.app_context():
        entry = db.session.scalar(select(AuditEntry))
        assert entry.action == AuditAction.PLACE_CREATED
        assert (entry.city_code, entry.district_code) == (SHENYANG, HEPING)
        assert entry.details["name"] == "和平区老年大学"
    page = app.test_client().get(f"/places/{place.id}").get_data(as_text=True)
    assert "和平区老年大学" in page and 'href="tel:024-22334455"' in page


def test_county_staff_add_places_only_in_their_district(app, client, staff):
    sign_in(client, "hp_county")
    page = client.get("/staff/places/new").get_data(as_text=True)
    assert f'value="{HEPING}"' in page and f'value="{SHENHE}"' not in page
    response = submit(client, "/staff/places/new", form_data(district_code=SHENHE))
    assert response.status_code == 400
    assert places_named(app, "和平区老年大学") == []
    # A whole-city place is the city centre's, not the county's.
    response = submit(client, "/staff/places/new", form_data(district_code=""))
    assert response.status_code == 400
    assert submit(client, "/staff/places/new", form_data()).status_code == 302


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"longitude": "141.5"}, "outside the province"),  # Japan
        ({"longitude": "41.78", "latitude": "123.43"}, "A latitude lies between"),  # swapped
        ({"latitude": ""}, "Give both the longitude and the latitude"),
        ({"longitude": "东经123"}, "Enter a number of degrees"),
        ({"district_code": "210202"}, "Choose one of the options"),  # Dalian's, not offered
        ({"phone": "12345"}, "Enter a phone number"),
        ({"name": "  "}, "Enter the place"),
        ({"kind": "castle"}, "Choose one of the options"),
        ({"seats": "-3"}, "Enter a whole number"),
    ],
)
def test_bad_input_is_refused_with_a_message_and_nothing_changes(
    app, client, staff, changes, message
):
    client.set_cookie("learnhub_locale", "en")
    sign_in(client, "sy_city")
    response = submit(client, "/staff/places/new", form_data(**changes))
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Place)) == 0
        assert db.session.scalar(select(func.count()).select_from(AuditEntry)) == 0


def test_a_district_of_another_city_is_refused_by_the_service_too(app, staff):
    details = PlaceDetails(
        name="错城", kind=PlaceKind.LIBRARY, city_code=SHENYANG, district_code="210202"
    )
    with app.app_context(), pytest.raises(services.PlaceError) as refused:
        services.check_details(services.Scope(everything=True), details)
    assert refused.value.field == "district_code"


def test_phone_numbers_are_read_as_people_write_them():
    assert services.normalise_phone("（024）23456789") == "024-23456789"
    assert services.normalise_phone("13812345678") == "13812345678"
    assert services.normalise_phone("400-123-4567") == "400-123-4567"
    with pytest.raises(services.PlaceError):
        services.normalise_phone("call us")


def test_editing_changes_the_place_and_records_what_changed(app, client, staff):
    with app.app_context():
        place_id = add_place()
    sign_in(client, "hp_county")
    url = f"/staff/places/{place_id}/edit"
    page = client.get(url).get_data(as_text=True)
    assert "和平区社区教育学院" in page
    response = submit(client, url, form_data(name="和平区社区学院", kind="community_college"))
    assert response.status_code == 302
    (place,) = places_named(app, "和平区社区学院")
    assert place.address == "和平区三好街5号"
    with app.app_context():
        entry = db.session.scalar(select(AuditEntry))
        assert entry.action == AuditAction.PLACE_CHANGED
        assert entry.details["changed"]["name"] == ["和平区社区教育学院", "和平区社区学院"]


def test_a_refused_edit_leaves_the_place_as_it_was(app, client, staff):
    with app.app_context():
        place_id = add_place()
    sign_in(client, "sy_city")
    response = submit(
        client, f"/staff/places/{place_id}/edit", form_data(name="新名字", longitude="200")
    )
    assert response.status_code == 400
    assert places_named(app, "新名字") == []
    assert len(places_named(app, "和平区社区教育学院")) == 1


def test_staff_of_other_regions_and_learners_are_kept_out(app, staff):
    with app.app_context():
        heping = add_place()
        shenhe = add_place("沈河区图书馆", district=SHENHE, kind=PlaceKind.LIBRARY)
    for login, place_id in [("dl_city", heping), ("sh_county", heping), ("hp_county", shenhe)]:
        client = app.test_client()
        sign_in(client, login)
        token = csrf_token_from(client.get("/staff/places").get_data(as_text=True))
        listing = client.get("/staff/places").get_data(as_text=True)
        assert f"/staff/places/{place_id}/edit" not in listing
        assert client.get(f"/staff/places/{place_id}/edit").status_code == 404
        changed = client.post(
            f"/staff/places/{place_id}/edit", data={"csrf_token": token, **form_data(name="改名")}
        )
        assert changed.status_code == 404
        hidden = client.post(f"/staff/places/{place_id}/hide", data={"csrf_token": token})
        assert hidden.status_code == 404
    learner = app.test_client()
    sign_in(learner, "learner")
    assert learner.get(f"/staff/places/{heping}/edit").status_code == 403
    token = csrf_token_from(learner.get("/me/account").get_data(as_text=True))
    assert (
        learner.post(f"/staff/places/{heping}/hide", data={"csrf_token": token}).status_code == 403
    )
    with app.app_context():
        assert db.session.get(Place, heping).published
        assert db.session.get(Place, heping).name == "和平区社区教育学院"
        assert db.session.scalar(select(func.count()).select_from(AuditEntry)) == 0


def test_hiding_takes_a_place_off_the_public_pages_and_showing_brings_it_back(app, client, staff):
    with app.app_context():
        place_id = add_place()
    public = app.test_client()
    assert public.get(f"/places/{place_id}").status_code == 200
    sign_in(client, "sy_city")
    assert (
        submit(client, f"/staff/places/{place_id}/hide", {}, page="/staff/places").status_code
        == 302
    )
    assert public.get(f"/places/{place_id}").status_code == 404
    assert "和平区社区教育学院" not in public.get("/places").get_data(as_text=True)
    assert "和平区社区教育学院" not in public.get("/map").get_data(as_text=True)
    assert client.get(f"/places/{place_id}").status_code == 200  # its staff still see it
    assert (
        submit(client, f"/staff/places/{place_id}/show", {}, page="/staff/places").status_code
        == 302
    )
    assert public.get(f"/places/{place_id}").status_code == 200
    with app.app_context():
        actions = list(db.session.scalars(select(AuditEntry.action).order_by(AuditEntry.id)))
    assert actions == [AuditAction.PLACE_HIDDEN, AuditAction.PLACE_SHOWN]


# ---- photos ----------------------------------------------------------------------------------


def test_a_photo_is_stored_under_a_random_name_and_served_as_what_it_is(app, client, staff):
    sign_in(client, "sy_city")
    data = form_data(photo=(io.BytesIO(PNG), "../../evil.jpg.html"))
    response = submit(client, "/staff/places/new", data, content_type="multipart/form-data")
    assert response.status_code == 302
    (place,) = places_named(app, "和平区老年大学")
    assert place.photo_name.startswith("image/") and place.photo_name.endswith(".png")
    assert "evil" not in place.photo_name
    served = app.test_client().get(f"/places/{place.id}/photo")
    assert served.status_code == 200 and served.mimetype == "image/png"
    assert served.headers["X-Content-Type-Options"] == "nosniff"
    assert served.get_data() == PNG
    served.close()


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"<html><script>alert(1)</script></html>", "JPEG, PNG or WebP"),
        (b"RIFF\0\0\0\0WEBPVP8 " + b"\0" * 50, "JPEG or PNG"),
        (b"", "The file is empty"),
    ],
)
def test_a_photo_that_is_not_a_jpeg_or_png_is_refused(app, client, staff, content, message):
    client.set_cookie("learnhub_locale", "en")
    sign_in(client, "sy_city")
    data = form_data(photo=(io.BytesIO(content), "photo.jpg"))
    response = submit(client, "/staff/places/new", data, content_type="multipart/form-data")
    if content:
        assert response.status_code == 400
        assert message in response.get_data(as_text=True)
        assert places_named(app, "和平区老年大学") == []


def test_a_photo_over_the_size_limit_is_refused(app, client, staff):
    app.config["MEDIA_MAX_IMAGE_BYTES"] = 1000
    client.set_cookie("learnhub_locale", "en")
    sign_in(client, "sy_city")
    data = form_data(photo=(io.BytesIO(JPEG + b"\0" * 2000), "big.jpg"))
    response = submit(client, "/staff/places/new", data, content_type="multipart/form-data")
    assert response.status_code == 400
    assert "too large" in response.get_data(as_text=True)
    assert places_named(app, "和平区老年大学") == []


def test_a_hidden_places_photo_is_not_served_to_the_public(app, staff):
    with app.app_context():
        place_id = add_place(published=False)
        place = db.session.get(Place, place_id)
        services.update_place(
            services.Scope(everything=True),
            place,
            services.PlaceDetails(**services.details_of(place)),
            photo=io.BytesIO(JPEG),
        )
        db.session.commit()
    assert app.test_client().get(f"/places/{place_id}/photo").status_code == 404


# ---- the public list ---------------------------------------------------------------------------


@pytest.fixture
def listed(app, staff):
    with app.app_context():
        return {
            "college": add_place(),
            "library": add_place(
                "沈河区图书馆", district=SHENHE, kind=PlaceKind.LIBRARY, step_free=True, lift=True
            ),
            "elder": add_place(
                "大连老年大学",
                city=DALIAN,
                district="210202",
                kind=PlaceKind.ELDER_UNIVERSITY,
                lon="121.62",
                lat="38.92",
                step_free=True,
                seats=120,
            ),
            "hidden": add_place("隐藏的教学点", kind=PlaceKind.TEACHING_POINT, published=False),
        }


def _names(client, query) -> set[str]:
    page = client.get(f"/places?{query}").get_data(as_text=True)
    return {
        n
        for n in ("和平区社区教育学院", "沈河区图书馆", "大连老年大学", "隐藏的教学点")
        if n in page
    }


def test_the_public_list_filters_by_city_district_kind_and_elder_friendliness(client, listed):
    assert _names(client, "") == {"和平区社区教育学院", "沈河区图书馆", "大连老年大学"}
    assert _names(client, f"city={SHENYANG}") == {"和平区社区教育学院", "沈河区图书馆"}
    assert _names(client, f"city={SHENYANG}&district={SHENHE}") == {"沈河区图书馆"}
    assert _names(client, "kind=library") == {"沈河区图书馆"}
    assert _names(client, "elder=1") == {"沈河区图书馆", "大连老年大学"}
    assert _names(client, "kind=castle&city=x&district=%00&page=-1") == {
        "和平区社区教育学院",
        "沈河区图书馆",
        "大连老年大学",
    }


def test_the_public_list_is_paged(app, client, staff):
    with app.app_context():
        for n in range(23):
            add_place(f"教学点{n:02d}", kind=PlaceKind.TEACHING_POINT)
    first = client.get("/places").get_data(as_text=True)
    second = client.get("/places?page=2").get_data(as_text=True)
    assert "教学点00" in first and "教学点22" not in first
    assert "教学点22" in second and 'rel="prev"' in second


def test_a_place_page_shows_its_facts(client, listed):
    page = client.get(f"/places/{listed['library']}").get_data(as_text=True)
    assert "沈河区图书馆" in page and "周一至周五 8:30-17:00" in page
    assert 'href="tel:024-23456789"' in page
    assert client.get("/places/987654").status_code == 404
    assert client.get(f"/places/{listed['hidden']}").status_code == 404


def test_the_place_page_shows_upcoming_activities_when_a_feature_provides_them(app, listed):
    client = app.test_client()
    assert "Upcoming activities" not in client.get(f"/places/{listed['college']}").get_data(
        as_text=True
    )

    class Item:
        title, url = "好书诵读会", "/activities/7"
        starts_at = ends_at = None

    seen = []

    def upcoming(place):
        seen.append(place.id)
        return []

    app.jinja_env.globals["upcoming_activities_at"] = upcoming
    client.set_cookie("learnhub_locale", "en")
    page = client.get(f"/places/{listed['college']}").get_data(as_text=True)
    assert "Upcoming activities here" in page and "No activities are planned here yet" in page
    assert seen == [listed["college"]]


def test_a_second_post_of_the_same_add_form_adds_nothing(app, client, staff):
    sign_in(client, "sy_city")
    page = client.get("/staff/places/new").get_data(as_text=True)
    tokens = {"csrf_token": csrf_token_from(page), "form_token": form_token_from(page)}
    first = client.post("/staff/places/new", data={**tokens, **form_data()})
    again = client.post("/staff/places/new", data={**tokens, **form_data()})
    assert first.status_code == again.status_code == 302
    assert len(places_named(app, "和平区老年大学")) == 1
    # A post without the form's token (an old page, a script) is refused, not guessed.
    stale = client.post("/staff/places/new", data={"csrf_token": tokens["csrf_token"],
                                                    **form_data(name="无令牌")})  # fmt: skip
    assert stale.status_code == 400 and places_named(app, "无令牌") == []


def test_a_refused_add_leaves_its_token_free_for_the_corrected_form(app, client, staff):
    sign_in(client, "sy_city")
    page = client.get("/staff/places/new").get_data(as_text=True)
    tokens = {"csrf_token": csrf_token_from(page), "form_token": form_token_from(page)}
    refused = client.post("/staff/places/new", data={**tokens, **form_data(phone="x")})
    assert refused.status_code == 400
    assert client.post("/staff/places/new", data={**tokens, **form_data()}).status_code == 302
    assert len(places_named(app, "和平区老年大学")) == 1


def test_replacing_a_photo_removes_the_old_file_after_the_change(app, client, staff):
    with app.app_context():
        place_id = add_place()
    sign_in(client, "sy_city")
    url = f"/staff/places/{place_id}/edit"
    for content in (PNG, JPEG):
        data = form_data(photo=(io.BytesIO(content), "p"))
        assert submit(client, url, data, content_type="multipart/form-data").status_code == 302
    (place,) = places_named(app, "和平区老年大学")
    assert place.photo_name.endswith(".jpg")
    stored = list((Path(app.instance_path) / "media" / "image").iterdir())
    assert [p.name for p in stored] == [place.photo_name.split("/")[1]]
    assert submit(client, url, form_data(remove_photo="y")).status_code == 302
    assert places_named(app, "和平区老年大学")[0].photo_name is None
    assert list((Path(app.instance_path) / "media" / "image").iterdir()) == []
    with app.app_context():
        changes = [e.details["changed"].get("photo") for e in db.session.scalars(
            select(AuditEntry).order_by(AuditEntry.id))]  # fmt: skip
    assert changes == ["new", "new", "removed"]
