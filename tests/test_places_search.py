"""Search finds learning places and published activities: Chinese, pinyin and initials."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import update

from learnhub.accounts.scopes import EVERYTHING
from learnhub.activities.models import Activity, ActivityKind, ActivityStatus
from learnhub.activities.signals import activity_published
from learnhub.database import utcnow
from learnhub.extensions import db
from learnhub.places import services
from learnhub.places.models import Place, PlaceKind
from learnhub.places.services import PlaceDetails
from learnhub.search import sync
from tests.search.helpers import commit_and_index, indexed_keys

pytestmark = pytest.mark.usefixtures("english")  # compares the English messages


def add_place(name: str, **extra) -> Place:
    details = PlaceDetails(
        name=name,
        kind=extra.pop("kind", PlaceKind.LIBRARY),
        city_code="210100",
        district_code="210102",
        address="和平区南京北街1号",
        longitude=Decimal("123.42"),
        latitude=Decimal("41.79"),
        description=extra.pop("description", ""),
    )
    place = services.create_place(EVERYTHING, details, None)
    commit_and_index()
    return place


def add_activity(title: str, place: Place | None, status=ActivityStatus.PUBLISHED) -> Activity:
    kind = db.session.query(ActivityKind).filter_by(code="reading").one_or_none()
    if kind is None:
        kind = ActivityKind(code="reading", name="好书诵读", name_en="Reading aloud")
        db.session.add(kind)
    activity = Activity(
        title=title, kind=kind, organiser="和平区社区教育学院", city_code="210100",
        place=place, is_online=place is None, status=status, published_at=utcnow(),
        description_html="<p>邀请居民<strong>朗读</strong>经典。</p>",
    )  # fmt: skip
    db.session.add(activity)
    commit_and_index()
    return activity


@pytest.mark.parametrize("typed", ["书屋", "城市书屋", "chengshishuwu", "shuwu", "cssw", "hpcssw"])
def test_a_place_is_found_by_chinese_pinyin_and_initials(app, typed):
    with app.app_context():
        place = add_place("和平城市书屋")
        add_place("沈河文化活动中心", kind=PlaceKind.CULTURE_HALL)
        assert ("place", place.id) in indexed_keys(typed)[:3]


def test_a_place_is_found_by_its_kind_and_district(app):
    with app.app_context():
        place = add_place("南湖学习点", kind=PlaceKind.ELDER_UNIVERSITY)
        # The kind in every language of the site (Chinese once the catalogue has it).
        assert ("place", place.id) in indexed_keys("university elderly")
        assert ("place", place.id) in indexed_keys("和平区")


def test_hiding_renaming_and_showing_a_place_update_the_index(app):
    with app.app_context():
        # a teaching point: "书屋" can only come from its name (a library's kind says 城市书屋)
        place = add_place("和平城市书屋", kind=PlaceKind.TEACHING_POINT)
        services.set_published(EVERYTHING, place, False)
        commit_and_index()
        assert ("place", place.id) not in indexed_keys("书屋")
        services.set_published(EVERYTHING, place, True)
        place.name = "和平读书驿站"
        commit_and_index()
        assert ("place", place.id) in indexed_keys("驿站")
        assert ("place", place.id) not in indexed_keys("书屋")


def test_the_results_page_shows_a_place_with_its_label_and_link(app, client):
    with app.app_context():
        place_id = add_place("和平城市书屋").id
    client.set_cookie("learnhub_locale", "en")
    page = client.get("/search?q=cssw").get_data(as_text=True)
    assert f'href="/places/{place_id}"' in page
    assert "Learning place · Library or city reading room" in page
    found = client.get("/api/v1/search?q=书屋").get_json()["results"]
    assert found[0]["kind"] == "place" and found[0]["course"] is None


def test_a_published_activity_is_found_by_title_kind_place_and_text(app):
    with app.app_context():
        place = add_place("和平城市书屋")
        activity = add_activity("经典诵读会", place)
        for typed in ("诵读会", "jingdian", "jdsdh", "好书诵读", "城市书屋", "朗读", "南京北街"):
            assert ("activity", activity.id) in indexed_keys(typed), typed


def test_drafts_and_cancelled_activities_are_not_found(app):
    with app.app_context():
        draft = add_activity("草稿讲座", None, status=ActivityStatus.DRAFT)
        assert ("activity", draft.id) not in indexed_keys("草稿讲座")
        live = add_activity("社区大讲堂", None)
        live.status = ActivityStatus.CANCELLED
        commit_and_index()
        assert ("activity", live.id) not in indexed_keys("社区大讲堂")


def test_the_activity_signals_reindex_what_a_statement_changed(app):
    """A status changed by an UPDATE statement is invisible to the flush: the activities
    feature's signal is what tells search."""
    with app.app_context():
        activity = add_activity("智能手机公益培训", None, status=ActivityStatus.DRAFT)
        db.session.execute(
            update(Activity).where(Activity.id == activity.id).values(status="published")
        )
        activity_published.send(activity)
        commit_and_index()
        assert ("activity", activity.id) in indexed_keys("公益培训")


def test_renaming_a_place_rewrites_its_activities(app):
    with app.app_context():
        place = add_place("和平城市书屋")
        activity = add_activity("经典诵读会", place)
        place.name = "和平读书驿站"
        commit_and_index()
        assert ("activity", activity.id) in indexed_keys("读书驿站")


def test_a_rebuild_holds_places_and_activities(app):
    with app.app_context():
        place = add_place("和平城市书屋")
        activity = add_activity("经典诵读会", place)
        hidden = add_place("隐藏书屋")
        services.set_published(EVERYTHING, hidden, False)
        commit_and_index()
        sync.rebuild_index()
        assert ("place", place.id) in indexed_keys("书屋")
        assert ("place", hidden.id) not in indexed_keys("书屋")
        assert ("activity", activity.id) in indexed_keys("诵读会")
        db.session.rollback()  # end this session's read: the count opens a session of its own
        assert sync.searchable_count() == 2  # the place shown and the published activity


def test_the_results_page_links_an_activity_to_its_page(app_factory):
    app = app_factory()
    with app.app_context():
        activity_id = add_activity("经典诵读会", None).id
    client = app.test_client()
    client.set_cookie("learnhub_locale", "en")
    page = client.get("/search?q=诵读会").get_data(as_text=True)
    assert f'href="/activities/{activity_id}"' in page
    assert "Activity · 好书诵读" in page
