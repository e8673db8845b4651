"""Which activities a centre's staff member may see and change: the region checks shared by
every staff page of the activities feature (authoring, roster, check-in, the week).

An activity belongs to the province (no city), a city, or a district of a city. Province
staff manage every activity; city staff their city's, including its districts'; county staff
their district's. Nobody else manages any. A record outside the scope answers 404, as the
project does for records a staff member may not know exist.
"""

from __future__ import annotations

from flask import abort
from sqlalchemy import Select, select

from learnhub.accounts.access import staff_scope
from learnhub.extensions import db

from .models import Activity, ActivitySession


def may_manage_activity(user, activity: Activity) -> bool:
    """Whether the user's centre looks after this activity's region."""
    return staff_scope(user).covers(activity.city_code, activity.district_code)


def manageable_activities(user) -> Select:
    """A select() of the activities in the user's scope (nothing for non-staff)."""
    scope = staff_scope(user)
    return select(Activity).where(scope.where(Activity.city_code, Activity.district_code))


def activity_for_staff(activity_id: int, user) -> Activity:
    """The activity, if it lies in the user's scope; otherwise abort with 404."""
    activity = db.session.get(Activity, activity_id)
    if activity is None or not may_manage_activity(user, activity):
        abort(404)
    return activity


def session_for_staff(session_id: int, user) -> ActivitySession:
    """The session, if its activity lies in the user's scope; otherwise abort with 404."""
    session = db.session.get(ActivitySession, session_id)
    if session is None or not may_manage_activity(user, session.activity):
        abort(404)
    return session
