"""Public activity pages: the list and calendar, an activity's page, its .ics file, signing
up and cancelling, and the private calendar feed."""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

from flask import Response, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from learnhub.cache import cached_page, cached_value, track_content
from learnhub.database import utcnow, writing_transaction
from learnhub.extensions import db
from learnhub.forms import EmptyForm
from learnhub.places.models import Place
from learnhub.regions.services import districts_by_city
from learnhub.ui import page_number, safe_next_url

from . import listing, signups
from .blueprint import bp
from .calendar_files import calendar
from .feeds import feed_by_token, feed_sessions, session_event
from .models import Activity, ActivityKind, ActivitySession, SignUp, SignUpStatus

ACTIVITIES = "activities"  # the cached content: staff changes to these bump its version
for _model in (Activity, ActivitySession, ActivityKind):
    track_content(_model, ACTIVITIES)


@dataclass(frozen=True)
class UpcomingActivity:
    """One line of a place's "upcoming activities" (the shape places/place.html reads)."""

    title: str
    url: str
    starts_at: object
    ends_at: object


@bp.app_template_global()
def upcoming_activities_at(place) -> list[UpcomingActivity]:
    """A place's next published sessions, for the place's page (``places.place``)."""
    place_id = place.id if isinstance(place, Place) else int(place)
    return [
        UpcomingActivity(
            title=session.activity.title,
            url=url_for("activities.detail", activity_id=session.activity_id),
            starts_at=session.starts_at,
            ends_at=session.ends_at,
        )
        for session in listing.upcoming_sessions_at(place_id)
    ]


class Choice(NamedTuple):
    """A city, district or kind in the filters (picklable, for the cache)."""

    code: str
    display_name: str
    name_en: str = ""


def _filter_choices():
    """The filters' cities, districts and kinds: the same for every visitor, so cached."""
    province = current_app.config["HOME_PROVINCE"]
    return cached_value("activity_filters", (province,), lambda: _choices_of(province), ACTIVITIES)


def _choices_of(province: str) -> dict:
    districts = {
        Choice(city.code, city.display_name): [Choice(d.code, d.display_name) for d in group]
        for city, group in districts_by_city(province).items()
    }
    kinds = [Choice(k.code, k.name, k.name_en) for k in listing.kinds()]
    return {"cities": list(districts), "districts": districts, "kinds": kinds}


@bp.get("/activities")
def index():
    """Signed-out visitors get the unfiltered list and calendars from the cache, renewed
    every minute (free places change by sign-ups, which touch no cached content); filtered
    pages, whose addresses are countless, are built each time."""
    if set(request.args) <= {"view"} and request.args.get("view", "list") in listing.VIEWS:
        return cached_page("activities", _index_page, ACTIVITIES, renew_every=60)
    return _index_page()


def _index_page():
    province = current_app.config["HOME_PROVINCE"]
    filters = listing.read_filters(request.args, province)
    view = request.args.get("view") if request.args.get("view") in listing.VIEWS else "list"
    context = {"filters": filters, "view": view, **_filter_choices()}
    if view == "list":
        context["pagination"] = listing.upcoming_page(filters, page_number())
    else:
        day = listing.read_day(request.args.get("day"))
        first, after, previous, following = listing.calendar_range(view, day)
        context.update(
            day=day, first=first, last=after, previous=previous, following=following,
            days=listing.calendar_days(filters, view, day),
            month_day_limit=listing.MONTH_DAY_LIMIT,
        )  # fmt: skip
    return render_template("activities/index.html", **context)


@dataclass(frozen=True)
class SessionRow:
    """One session on the activity's page, as this visitor sees it."""

    session: ActivitySession
    waiting: int
    mine: SignUp | None
    position: int | None
    refusal: str | None


def _session_rows(activity) -> list[SessionRow]:
    rows = []
    for session in activity.sessions:
        mine = (
            signups.live_signup(current_user.id, session.id)
            if current_user.is_authenticated
            else None
        )
        refusal = signups.session_refusal(session)
        rows.append(
            SessionRow(
                session=session,
                waiting=signups.waiting_count(session.id),
                mine=mine,
                position=signups.waiting_position(mine) if mine is not None else None,
                refusal=str(refusal) if refusal is not None else None,
            )
        )
    return rows


@bp.get("/activities/<int:activity_id>")
def detail(activity_id: int):
    activity = listing.published_activity(activity_id) or abort(404)
    return render_template(
        "activities/detail.html",
        activity=activity,
        rows=_session_rows(activity),
        form=EmptyForm(),
        now=utcnow(),
        waiting_limit=signups.waiting_list_limit(),
        SignUpStatus=SignUpStatus,
    )


def _ics(text: str, filename: str) -> Response:
    return Response(
        text,
        mimetype="text/calendar",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


@bp.get("/activities/<int:activity_id>.ics")
def activity_ics(activity_id: int):
    activity = listing.published_activity(activity_id) or abort(404)
    site = request.host_url
    events = [session_event(session, site) for session in activity.sessions]
    return _ics(calendar(events, activity.title), f"activity-{activity.id}.ics")


@bp.get("/activities/feed/<token>.ics")
def feed(token: str):
    found = feed_by_token(token) or abort(404)
    site = request.host_url
    text = calendar(
        [session_event(session, site) for session in feed_sessions(found.user_id)],
        _("My activities"),
    )
    with writing_transaction():  # notes when the feed was last read
        found.last_read_at = utcnow()
    return _ics(text, "my-activities.ics")


# ---- signing up and cancelling ----------------------------------------------------------------


def _session_or_404(session_id: int) -> ActivitySession:
    session = db.session.get(ActivitySession, session_id)
    if session is None or listing.published_activity(session.activity_id) is None:
        abort(404)
    return session


def _back_to(activity_id: int, session_id: int):
    default = url_for("activities.detail", activity_id=activity_id, _anchor=f"session-{session_id}")
    return redirect(safe_next_url(default))


@bp.post("/activities/sessions/<int:session_id>/sign-up")
@login_required
def sign_up(session_id: int):
    session = _session_or_404(session_id)
    activity_id = session.activity_id
    if EmptyForm().validate_on_submit():
        try:
            signup = signups.sign_up(current_user, session)
        except signups.SignUpRefused as refusal:
            db.session.rollback()
            flash(str(refusal.message))
        else:
            db.session.commit()
            if signup.status is SignUpStatus.CONFIRMED:
                flash(_("You are signed up. We will remind you the day before."))
            else:
                flash(
                    _("The session is full: you are number %(position)d on the waiting list. "
                      "If a place comes free, it is yours and we tell you.",
                      position=signups.waiting_position(signup))
                )  # fmt: skip
    else:
        flash(_("The form has expired. Please try again."))
    return _back_to(activity_id, session_id)


@bp.post("/activities/sessions/<int:session_id>/cancel")
@login_required
def cancel(session_id: int):
    session = _session_or_404(session_id)
    activity_id = session.activity_id
    if EmptyForm().validate_on_submit():
        mine = signups.live_signup(current_user.id, session.id)
        try:
            if mine is None:
                raise signups.SignUpRefused(_("You are not signed up for this session."))
            signups.cancel(mine)
        except signups.SignUpRefused as refusal:
            db.session.rollback()
            flash(str(refusal.message))
        else:
            db.session.commit()
            flash(_("Your sign-up is cancelled."))
    else:
        flash(_("The form has expired. Please try again."))
    return _back_to(activity_id, session_id)
