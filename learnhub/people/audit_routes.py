"""/staff/audit: the audit log of the whole province, for province staff."""

from flask import abort, render_template, request
from flask_login import current_user, login_required
from sqlalchemy import select

from learnhub import audit
from learnhub.accounts.access import may_read_audit_log
from learnhub.audit.models import ACTION_LABELS
from learnhub.extensions import db
from learnhub.regions.models import Region
from learnhub.ui import page_number

from .audit_filters import FilterError, read_audit_filter
from .blueprint import bp
from .listing import shown_login
from .places import region_label

PER_PAGE = 50


def _where(entry, regions: dict[str, Region]) -> str:
    return region_label(regions.get(entry.district_code or entry.city_code or ""))


@bp.get("/staff/audit")
@login_required
def audit_log():
    if not may_read_audit_log(current_user):
        abort(403)
    error, pagination = None, None
    try:
        wanted = read_audit_filter(request.args)
    except FilterError as problem:
        error = str(problem)
    else:
        query = audit.entries(**wanted.as_arguments())
        pagination = db.paginate(query, page=page_number(), per_page=PER_PAGE, error_out=False)
    regions = {region.code: region for region in db.session.scalars(select(Region))}
    return render_template(
        "people/audit.html", pagination=pagination, error=error, args=request.args,
        actions=ACTION_LABELS, where=lambda entry: _where(entry, regions),
        shown_login=shown_login,
    ), 400 if error else 200  # fmt: skip
