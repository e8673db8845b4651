"""Writing activities: their details and the rules for them (staff pages call these).

Nothing here reads the request or commits: the route commits once the whole change is in,
so a refused change leaves the data as it was. A refusal is an ``AuthoringError`` whose
problems name the form's fields, as for courses.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import BinaryIO
from urllib.parse import urlsplit

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update

from learnhub.accounts.access import staff_scope
from learnhub.catalogue.authoring import AuthoringError, raise_if, refuse, store_upload
from learnhub.catalogue.content import sanitise_html
from learnhub.creditbank.amounts import parse_credits
from learnhub.creditbank.errors import CreditError
from learnhub.database import add_once, utcnow
from learnhub.extensions import db
from learnhub.media import MediaKind, discard
from learnhub.places.models import Place
from learnhub.regions.models import Region, RegionLevel

from .models import Activity, ActivityKind, ActivityStatus, CreditRule

__all__ = ["ActivityDetails", "AuthoringError", "create_activity", "update_activity"]

TITLE_MAX_LENGTH = 120
ORGANISER_MAX_LENGTH = 120
URL_MAX_LENGTH = 500
DESCRIPTION_MAX_LENGTH = 20_000
MAX_FIXED_CREDITS = Decimal("100")
COVER_EXTENSIONS = (".jpg", ".png")  # the brief's JPEG and PNG; WebP is refused here

# Who an activity is for; stored as space-separated codes in Activity.audience.
AUDIENCE_LABELS = {
    "elders": _l("Elders"),
    "parents": _l("Parents"),
    "workers": _l("Workers"),
    "youth": _l("Young people"),
    "everyone": _l("Everyone"),
}
CREDIT_RULE_LABELS = {
    CreditRule.NONE: _l("No credits"),
    CreditRule.HOURS: _l("From the session's hours (the credit bank's rule)"),
    CreditRule.FIXED: _l("A set number of credits per session"),
}
# An activity that is over, or called off, is history: nobody edits it any more.
CLOSED_STATUSES = (ActivityStatus.CANCELLED, ActivityStatus.FINISHED)


@dataclass(frozen=True)
class ActivityDetails:
    """What staff type for an activity. ``region_code`` is the province, a city or a
    district code; ``signup_deadline`` is timezone-aware."""

    title: str
    kind_id: int | None
    organiser: str
    region_code: str
    is_online: bool
    online_url: str
    place_id: int | None
    audience: frozenset[str]
    elder_friendly: bool
    signup_required: bool
    signup_deadline: datetime | None
    credit_rule: CreditRule
    fixed_credits: str  # as typed; parsed by parse_credits
    description_html: str


# ---- regions ----------------------------------------------------------------------------


def allowed_regions(user) -> list[Region]:
    """The levels the user may give an activity: province staff the province or any city,
    city staff their city or one of its districts, county staff their district."""
    scope = staff_scope(user)
    home = current_app.config["HOME_PROVINCE"]
    if scope.everything:
        condition = (Region.code == home) | (
            (Region.parent_code == home) & (Region.level == RegionLevel.CITY)
        )
    elif scope.nothing:
        return []
    elif scope.district_code is not None:
        condition = Region.code == scope.district_code
    else:
        condition = (Region.code == scope.city_code) | (Region.parent_code == scope.city_code)
    return list(db.session.scalars(select(Region).where(condition).order_by(Region.code)))


def region_of(activity: Activity) -> str:
    """The region code an activity belongs to (for the form's level field)."""
    return activity.district_code or activity.city_code or current_app.config["HOME_PROVINCE"]


def _city_and_district(region: Region) -> tuple[str | None, str | None]:
    if region.level is RegionLevel.PROVINCE:
        return None, None
    if region.level is RegionLevel.CITY:
        return region.code, None
    return region.parent_code, region.code


# ---- the rules --------------------------------------------------------------------------


def is_https_url(url: str) -> bool:
    """An https address with a host, and nothing a browser would read another way."""
    if any(char.isspace() or ord(char) < 32 or char == "\\" for char in url):
        return False
    try:
        parts = urlsplit(url)
    except ValueError:
        return False
    return parts.scheme == "https" and bool(parts.hostname)


def _place_problem(details: ActivityDetails, city: str | None, district: str | None):
    place = db.session.get(Place, details.place_id) if details.place_id else None
    if place is None or not place.published:
        return _l("Choose a place from the list.")
    if city is not None and place.city_code != city:
        return _l("Choose a place in the activity's own city.")
    if district is not None and place.district_code != district:
        return _l("Choose a place in the activity's own district.")
    return None


def _kind_problem(kind_id: int | None, current_kind_id: int | None):
    kind = db.session.get(ActivityKind, kind_id) if kind_id else None
    if kind is None or (kind.retired and kind.id != current_kind_id):
        return _l("Choose a kind from the list.")
    return None


def fixed_credit_amount(text: str) -> Decimal:
    """The credits of a "set value" rule, from what was typed; refused on ``fixed_credits``."""
    try:
        amount = parse_credits(text or "", field="fixed_credits")
    except CreditError as error:
        refuse("fixed_credits", error.message)
    if amount <= 0 or amount > MAX_FIXED_CREDITS:
        refuse("fixed_credits", _l("Enter more than 0 and at most 100 credits."))
    return amount


def details_problems(
    details: ActivityDetails, user, activity: Activity | None
) -> tuple[dict[str, object], tuple[str | None, str | None]]:
    """Every broken rule of these details (by field), and the city and district they give."""
    problems: dict[str, object] = {}
    if not details.title:
        problems["title"] = _l("Enter a title.")
    elif len(details.title) > TITLE_MAX_LENGTH:
        problems["title"] = _l("A title has at most %(max)d characters.", max=TITLE_MAX_LENGTH)
    if len(details.organiser) > ORGANISER_MAX_LENGTH:
        problems["organiser"] = _l("At most %(max)d characters.", max=ORGANISER_MAX_LENGTH)
    if kind := _kind_problem(details.kind_id, activity.kind_id if activity else None):
        problems["kind"] = kind
    region = next((r for r in allowed_regions(user) if r.code == details.region_code), None)
    city, district = _city_and_district(region) if region else (None, None)
    if region is None:
        problems["region"] = _l("Choose a level from the list.")
    if details.is_online:
        if not details.online_url:
            problems["online_url"] = _l("Enter the link where people join the activity.")
        elif len(details.online_url) > URL_MAX_LENGTH or not is_https_url(details.online_url):
            problems["online_url"] = _l("Enter a secure link that starts with https://.")
    elif region is not None and (place := _place_problem(details, city, district)):
        problems["place"] = place
    if not set(details.audience) <= set(AUDIENCE_LABELS):
        problems["audience"] = _l("Choose one of the options in the list.")
    if len(details.description_html) > DESCRIPTION_MAX_LENGTH:
        problems["description_html"] = _l("The description is too long.")
    if details.credit_rule is CreditRule.FIXED:
        try:
            fixed_credit_amount(details.fixed_credits)
        except AuthoringError as error:
            problems.update(error.problems)
    if activity is not None and details.signup_deadline is not None:
        last_start = last_session_start(activity)
        if last_start is not None and details.signup_deadline > last_start:
            problems["signup_deadline"] = _l(
                "The sign-up deadline cannot be after the start of the last session."
            )
    return problems, (city, district)


def last_session_start(activity: Activity) -> datetime | None:
    """When the activity's last live session starts (None without sessions)."""
    starts = [s.starts_at for s in activity.sessions if s.cancelled_at is None]
    return max(starts) if starts else None


def refuse_if_closed(activity: Activity) -> None:
    """Refuse a change to a cancelled or finished activity. One conditional UPDATE (it
    touches ``updated_at``) holds the row for the rest of the transaction, so a cancel
    pressed in the same moment cannot slip in between this check and the change."""
    held = db.session.execute(
        update(Activity)
        .where(Activity.id == activity.id, Activity.status.not_in(CLOSED_STATUSES))
        .values(updated_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    if held.rowcount != 1:
        db.session.refresh(activity)
        refuse("", _l("This activity is cancelled or finished; it can no longer be changed."))


# ---- saving -----------------------------------------------------------------------------


def create_activity(
    details: ActivityDetails,
    user,
    cover: BinaryIO | None = None,
    form_token: str | None = None,
) -> Activity:
    """A new draft activity of the user's region. ``form_token``: the one-time token of the
    form that adds it; a second post of that form raises AlreadySent with the first one's id
    (a double click or "send again" adds one activity, whatever the concurrency)."""
    problems, (city, district) = details_problems(details, user, None)
    raise_if(problems)
    activity = Activity(status=ActivityStatus.DRAFT, created_by_id=user.id, form_token=form_token)
    _apply(activity, details, city, district)
    add_once(activity, Activity.id, created_by_id=user.id, form_token=form_token)
    db.session.flush()
    if cover is not None:
        set_cover(activity, cover)
    return activity


def update_activity(
    activity: Activity,
    details: ActivityDetails,
    user,
    cover: BinaryIO | None = None,
    remove_cover: bool = False,
) -> dict[str, tuple]:
    """Change an activity's details; returns what changed ({field: (from, to)}) for the
    audit log. The place changing is one of them (the route tells those signed up)."""
    refuse_if_closed(activity)
    problems, (city, district) = details_problems(details, user, activity)
    raise_if(problems)
    before = _snapshot(activity)
    _apply(activity, details, city, district)
    if remove_cover:
        activity.cover_name = None
    if cover is not None:
        set_cover(activity, cover)
    db.session.flush()
    after = _snapshot(activity)
    return {key: (before[key], after[key]) for key in before if before[key] != after[key]}


def _snapshot(activity: Activity) -> dict:
    return {
        "title": activity.title, "kind": activity.kind_id, "organiser": activity.organiser,
        "city": activity.city_code, "district": activity.district_code,
        "online": activity.is_online, "online_url": activity.online_url,
        "place": activity.place_id, "audience": activity.audience,
        "elder_friendly": activity.elder_friendly, "signup_required": activity.signup_required,
        "signup_deadline": activity.signup_deadline, "credit_rule": str(activity.credit_rule),
        "credit_cents": activity.credit_cents, "cover": activity.cover_name,
        "description": hashlib.sha256(activity.description_html.encode()).hexdigest()[:12],
    }  # fmt: skip


def _apply(activity: Activity, details: ActivityDetails, city, district) -> None:
    activity.title = details.title
    activity.kind_id = details.kind_id
    activity.organiser = details.organiser
    activity.city_code, activity.district_code = city, district
    activity.is_online = details.is_online
    activity.online_url = details.online_url if details.is_online else None
    activity.place_id = None if details.is_online else details.place_id
    activity.audience = " ".join(code for code in AUDIENCE_LABELS if code in details.audience)
    activity.elder_friendly = details.elder_friendly
    activity.signup_required = details.signup_required
    activity.signup_deadline = details.signup_deadline
    activity.credit_rule = details.credit_rule
    activity.credit_cents = (
        int(fixed_credit_amount(details.fixed_credits) * 100)
        if details.credit_rule is CreditRule.FIXED
        else 0
    )
    activity.description_html = sanitise_html(details.description_html)


def set_cover(activity: Activity, picture: BinaryIO) -> None:
    """Store a new cover picture (JPEG or PNG, checked by its content)."""
    stored = store_upload(picture, MediaKind.IMAGE, "cover")
    if not stored.path.endswith(COVER_EXTENSIONS):
        discard(stored.path)
        refuse("cover", _l("Choose a picture in JPEG or PNG format."))
    activity.cover_name = stored.path


def audience_codes(activity: Activity) -> list[str]:
    return [code for code in (activity.audience or "").split() if code in AUDIENCE_LABELS]
