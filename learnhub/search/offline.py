"""Places and activities in the index: their documents, and what a change of them rewrites.

Courses and lessons are read by documents.py; the learning places (学习场所) and the
published activities (活动) are read here, so each kind of content keeps its own loader.
A place's document holds its name, kind, city, district, address and description; an
activity's its title, kind, organiser, place (name and address), city and description.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from learnhub.activities.models import Activity, ActivityStatus
from learnhub.extensions import db
from learnhub.places.models import PLACE_KIND_LABELS, Place
from learnhub.regions.models import Region

from .documents import in_every_language, plain_text
from .schema import SearchDocument, document_key

# The kinds of change this module resolves (sync.py queues them like the others).
KINDS = ("place", "activity", "activity_kind")


def _names(*regions) -> list[str]:
    return [
        name for region in regions if region is not None for name in (region.name, region.name_en)
    ]


def place_document(place: Place) -> SearchDocument:
    secondary = " ".join(
        [
            *in_every_language([PLACE_KIND_LABELS[place.kind]]),
            *_names(place.city, place.district),
            place.address,
        ]
    )
    return SearchDocument(
        kind="place",
        object_id=place.id,
        course_id=None,
        module="",
        published=place.created_at,
        title=place.name,
        secondary=secondary,
        body=place.description or "",
        also_pinyin=" ".join(r.name for r in (place.city, place.district) if r is not None),
    )


def activity_document(activity: Activity, city: Region | None) -> SearchDocument:
    place = activity.place
    where = [place.name, place.address] if place is not None else []
    secondary = " ".join(
        [activity.kind.name, activity.kind.name_en, activity.organiser or "", *where, *_names(city)]
    )
    return SearchDocument(
        kind="activity",
        object_id=activity.id,
        course_id=None,
        module="",
        published=activity.published_at or activity.created_at,
        title=activity.title,
        secondary=secondary,
        body=plain_text(activity.description_html),
        also_pinyin=" ".join([activity.kind.name, place.name if place is not None else ""]),
    )


def _place_query():
    return select(Place).options(selectinload(Place.city), selectinload(Place.district))


def _activity_query():
    return select(Activity).options(selectinload(Activity.kind), selectinload(Activity.place))


def _published_activity(activity: Activity | None) -> bool:
    return activity is not None and activity.status is ActivityStatus.PUBLISHED


def offline_documents(session: Session) -> Iterator[SearchDocument]:
    """Every published place and activity (a rebuild)."""
    places = list(session.scalars(_place_query().where(Place.published.is_(True))))
    activities = list(
        session.scalars(_activity_query().where(Activity.status == ActivityStatus.PUBLISHED))
    )
    cities = {a.id: city_of(session, a) for a in activities}
    session.commit()  # end the read before analysing text (see documents.course_documents)
    yield from (place_document(place) for place in places)
    yield from (activity_document(activity, cities[activity.id]) for activity in activities)


def offline_count(session: Session) -> int:
    places = session.scalar(select(func.count()).select_from(Place).where(Place.published))
    activities = session.scalar(
        select(func.count())
        .select_from(Activity)
        .where(Activity.status == ActivityStatus.PUBLISHED)
    )
    return (places or 0) + (activities or 0)


def resolve_changes(session: Session, changes: Iterable[tuple[str, int]]):
    """What to write for queued changes of places, activities and activity kinds:
    (documents, keys to remove), each re-read as it is now. A place's activities and a
    kind's activities are rewritten with it (they carry its name)."""
    ids: dict[str, set[int]] = {kind: set() for kind in KINDS}
    for kind, object_id in changes:
        ids[kind].add(object_id)
    documents, remove_keys = [], []
    places = {p.id: p for p in session.scalars(_place_query().where(Place.id.in_(ids["place"])))}
    for place_id in sorted(ids["place"]):
        place = places.get(place_id)
        if place is not None and place.published:
            documents.append(place_document(place))
        else:
            remove_keys.append(document_key("place", place_id))
    activity_ids = ids["activity"]
    if ids["place"] or ids["activity_kind"]:
        activity_ids |= set(
            session.scalars(
                select(Activity.id).where(
                    Activity.place_id.in_(ids["place"]) | Activity.kind_id.in_(ids["activity_kind"])
                )
            )
        )
    query = _activity_query().where(Activity.id.in_(activity_ids))
    activities = {a.id: a for a in session.scalars(query)}
    for activity_id in sorted(activity_ids):
        activity = activities.get(activity_id)
        if _published_activity(activity):
            documents.append(activity_document(activity, city_of(session, activity)))
        else:
            remove_keys.append(document_key("activity", activity_id))
    return documents, remove_keys


def load_places(ids: Iterable[int]) -> dict[int, Place]:
    """Published places by id (what search results show)."""
    query = _place_query().where(Place.id.in_(list(ids)), Place.published.is_(True))
    return {place.id: place for place in db.session.scalars(query)}


def load_activities(ids: Iterable[int]) -> dict[int, Activity]:
    """Published activities by id (what search results show)."""
    query = _activity_query().where(
        Activity.id.in_(list(ids)), Activity.status == ActivityStatus.PUBLISHED
    )
    return {activity.id: activity for activity in db.session.scalars(query)}


def city_of(session: Session, activity: Activity) -> Region | None:
    return session.get(Region, activity.city_code) if activity.city_code else None
