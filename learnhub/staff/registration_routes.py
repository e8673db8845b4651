"""/staff/rankings/registrations: bursts of registrations from one network, for the staff of
their cities to exclude from the ranking (audited, reversible). Rules: rankings/bursts.py."""

from flask import abort, current_app, flash, redirect, render_template, url_for
from flask_babel import ngettext
from flask_login import current_user

from learnhub import audit
from learnhub.accounts.access import may_review_registrations, role_required, staff_scope
from learnhub.accounts.models import Role
from learnhub.audit import AuditAction
from learnhub.extensions import db
from learnhub.forms import form_status, show_problems
from learnhub.rankings import bursts
from learnhub.regions.services import get_region

from .blueprint import bp
from .forms import BurstDecisionForm

REVIEWERS = (Role.CITY_STAFF, Role.PROVINCE_STAFF)


@bp.get("/rankings/registrations")
@role_required(*REVIEWERS)
def registration_bursts():
    return _bursts_page(BurstDecisionForm())


def _bursts_page(form: BurstDecisionForm, status: int = 200):
    scope = staff_scope(current_user)
    cities = None if scope.everything else frozenset({scope.city_code})
    found = bursts.bursts(cities)
    decisions = bursts.decisions(cities)
    codes = {b.city_code for b in found} | {d.city_code for d in decisions}
    regions = {code: get_region(code) for code in codes}
    return render_template(
        "staff/registration_bursts.html",
        bursts=found,
        city_names={code: region.display_name for code, region in regions.items() if region},
        decisions=decisions,
        form=form,
        threshold=current_app.config["RANKINGS_BURST_REGISTRATIONS"],
        minutes=current_app.config["RANKINGS_BURST_MINUTES"],
        exclude=bursts.EXCLUDE,
    ), status


@bp.post("/rankings/registrations/<any(exclude, restore):action>")
@role_required(*REVIEWERS)
def decide_registration_burst(action: str):
    form = BurstDecisionForm()
    valid = form.validate_on_submit()
    if form.tampered():
        abort(400)
    if not may_review_registrations(current_user, form.city.data):
        abort(403)
    if valid:
        try:
            review = bursts.decide(
                action, current_user, form.network.data, form.city.data,
                int(form.start.data), int(form.end.data), form.reason.data,
            )  # fmt: skip
        except bursts.BurstError as refusal:
            db.session.rollback()
            show_problems(form, {refusal.field: refusal.message})
        else:
            audit.record(AuditAction.REGISTRATIONS_DECIDED, actor=current_user,
                         city_code=form.city.data, reason=form.reason.data,
                         details={"action": action, "registrations": review.registrations,
                                  "start": form.start.data, "end": form.end.data})  # fmt: skip
            db.session.commit()
            if action == bursts.EXCLUDE:
                flash(ngettext("%(num)d registration no longer counts for the ranking.",
                               "%(num)d registrations no longer count for the ranking.",
                               review.registrations))  # fmt: skip
            else:
                flash(ngettext("%(num)d registration counts for the ranking again.",
                               "%(num)d registrations count for the ranking again.",
                               review.registrations))  # fmt: skip
            return redirect(url_for("staff.registration_bursts"))
    return _bursts_page(form, form_status(form))
