"""Staff dashboard and learner lists, scoped to the staff member's city."""

from flask import abort, current_app, render_template, request
from flask_login import current_user

from learnhub.accounts.access import ensure_may_manage_city, managed_city_codes, role_required
from learnhub.accounts.models import Role
from learnhub.regions.models import RegionLevel
from learnhub.regions.services import get_region

from . import bp, services

CITY_OR_PROVINCE_STAFF = (Role.CITY_STAFF, Role.PROVINCE_STAFF)


@bp.get("/")
@role_required(*CITY_OR_PROVINCE_STAFF)
def dashboard():
    counts = services.learner_counts(
        managed_city_codes(current_user), current_app.config["HOME_PROVINCE"]
    )
    return render_template("staff/dashboard.html", counts=counts)


@bp.get("/cities/<code>")
@role_required(*CITY_OR_PROVINCE_STAFF)
def city(code: str):
    region = get_region(code)
    if region is None or region.level is not RegionLevel.CITY:
        abort(404)
    ensure_may_manage_city(current_user, region.code)
    page = request.args.get("page", 1, type=int)
    return render_template(
        "staff/city.html",
        city=region,
        districts=services.district_counts(region.code),
        learners=services.learners_of_city(region.code, page),
        mask_name=services.mask_name,
        mask_mobile=services.mask_mobile,
    )
