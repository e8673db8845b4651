"""Staff pages: what is kept and for how long; a learner's full mobile number, with a reason."""

from __future__ import annotations

from flask import abort, make_response, render_template
from flask_babel import gettext as _
from flask_login import current_user

from learnhub.accounts.access import may_look_up, role_required
from learnhub.accounts.masking import mask_mobile
from learnhub.accounts.models import User
from learnhub.accounts.scopes import CENTRE_ROLES
from learnhub.audit import AuditAction, record
from learnhub.extensions import db

from .blueprint import bp
from .forms import RevealMobileForm
from .services import retention
from .services.exposure import RevealRefused, reveal_mobile


@bp.get("/staff/privacy/retention", endpoint="retention")
@role_required(*CENTRE_ROLES)
def retention_page():
    """Each kind of record: how long it is kept, the setting, and what deletes it."""
    return render_template("privacy/retention.html", rules=retention.RULES,
                           period=retention.period)  # fmt: skip


@bp.route(
    "/staff/privacy/people/<int:user_id>/mobile", methods=["GET", "POST"], endpoint="reveal_mobile"
)
@role_required(*CENTRE_ROLES)
def reveal_mobile_page(user_id: int):
    """Show a learner's full mobile number once, for a reason kept in the audit log."""
    person = db.session.get(User, user_id)
    if person is None or not may_look_up(current_user, person):
        abort(404)
    form = RevealMobileForm()
    mobile, status = None, 200
    if form.validate_on_submit():
        try:
            mobile = reveal_mobile(current_user, person, form.reason.data)
        except RevealRefused as refused:
            db.session.rollback()
            if refused.field is None:
                record(AuditAction.MOBILE_REVEALED, actor=current_user, subject=person,
                       reason=form.reason.data, refused=True)  # fmt: skip
                db.session.commit()
                return render_template("privacy/refused.html", message=refused.message), 403
            form.reason.errors.append(refused.message)
        else:
            db.session.commit()
    if form.errors:
        status = 400
    response = make_response(render_template(
        "privacy/reveal_mobile.html", person=person, form=form, mobile=mobile,
        masked=mask_mobile(person.mobile), title=_("Full mobile number"),
    ), status)  # fmt: skip
    response.headers["Cache-Control"] = "no-store"
    return response
