"""代报名: a centre's staff member signs a resident up for a session at their request (an
elder who phones or comes in). The resident must be of the staff member's region (never
their own account), the activity of their region (or the province's, or their city's for a
county centre); each sign-up, and each refused attempt, is in the audit log."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import format_datetime
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from learnhub.accounts.access import CENTRE_ROLES, may_look_up, role_required
from learnhub.accounts.masking import mask_mobile
from learnhub.accounts.models import User
from learnhub.accounts.services import find_user, parse_login_name
from learnhub.extensions import db

from . import listing, signups
from .blueprint import bp
from .forms import FindResidentForm, SignUpForResidentForm
from .models import SignUpStatus

NOT_FOUND = _l("No resident of your region found for what you typed.")


def find_resident(text: str, staff) -> User | None:
    """The person typed as a mobile number or username, if the staff member may see them
    (people of other regions are not found, like people who do not exist)."""
    login = parse_login_name(text)
    person = find_user(login) if login is not None else None
    if person is None or not may_look_up(staff, person):
        return None
    return person


def _session_choices(activity) -> list[tuple[int, str]]:
    """The sessions still open for sign-up, with their free places."""
    return [
        (session.id, _("%(when)s · %(free)d of %(capacity)d places free",
                       when=format_datetime(session.starts_at, "yyyy-MM-dd HH:mm"),
                       free=session.free_places, capacity=session.capacity))
        for session in activity.sessions
        if signups.session_refusal(session) is None
    ]  # fmt: skip


def _page(activity, finder, form, person, status=200, problem=None):
    return render_template(
        "activities/staff/sign_up_for.html", activity=activity, finder=finder, form=form,
        person=person, problem=problem, mask_mobile=mask_mobile,
    ), status  # fmt: skip


@bp.get("/staff/activities/<int:activity_id>/sign-up-for")
@role_required(*CENTRE_ROLES)
def staff_sign_up_for(activity_id: int):
    """Find the resident (by mobile number or username), then choose the session."""
    activity = listing.published_activity(activity_id) or abort(404)
    finder = FindResidentForm(request.args)
    form = SignUpForResidentForm(_session_choices(activity))
    if not request.args:
        return _page(activity, finder, form, None)
    person = find_resident(finder.q.data, current_user) if finder.validate() else None
    if person is None:
        if not finder.q.errors:
            finder.q.errors.append(NOT_FOUND)
        return _page(activity, finder, form, None, 400)
    form.person.data = person.id
    return _page(activity, finder, form, person)


@bp.post("/staff/activities/<int:activity_id>/sign-up-for")
@role_required(*CENTRE_ROLES)
def staff_sign_up_for_post(activity_id: int):
    activity = listing.published_activity(activity_id) or abort(404)
    finder = FindResidentForm(formdata=None)
    form = SignUpForResidentForm(_session_choices(activity))
    if not form.validate():
        return _page(activity, finder, form, None, 400)
    person = db.session.get(User, form.person.data)
    if person is None or not may_look_up(current_user, person):
        abort(404)  # as the finder: people of other regions do not exist here
    session = next(s for s in activity.sessions if s.id == form.session.data)
    try:
        signup = signups.sign_up_on_behalf(current_user, person, session)
    except signups.SignUpRefused as refusal:
        db.session.commit()  # only the refusal's audit entry: nothing else was changed
        return _page(activity, finder, form, person, 403 if refusal.forbidden else 400,
                     str(refusal.message))  # fmt: skip
    db.session.commit()
    if signup.status is SignUpStatus.CONFIRMED:
        flash(_("%(name)s has a confirmed place.", name=person.display_name))
    else:
        flash(_("The session is full: %(name)s is on the waiting list.", name=person.display_name))
    return redirect(url_for("activities.staff_sign_up_for", activity_id=activity.id))
