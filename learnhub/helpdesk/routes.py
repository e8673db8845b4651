"""Help desk pages for county, city and province centre staff.

Staff find a learner of their region; a learner of another region is "not found", with the
same message as an unknown one, and their pages answer 404. Changes (a reset code, a
district correction) are refused for one's own account, staff of a higher level and people
of other regions: the refusal is recorded in the audit log and answered with 403.
"""

from flask import (
    abort,
    current_app,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user

from learnhub.accounts.access import (
    CENTRE_ROLES,
    may_look_up,
    may_see_credit_account,
    role_required,
)
from learnhub.accounts.masking import mask_mobile
from learnhub.accounts.models import User
from learnhub.accounts.recovery import format_code, locked_until, open_code_of
from learnhub.audit import AuditAction
from learnhub.creditbank.amounts import format_credits
from learnhub.creditbank.models import ENTRY_KIND_LABELS
from learnhub.creditbank.services.numbers import format_account_number
from learnhub.extensions import db
from learnhub.forms import EmptyForm
from learnhub.regions.services import districts_by_city

from . import services
from .blueprint import bp
from .forms import DistrictForm, LearnerSearchForm


def _person_or_404(user_id: int) -> User:
    """A person of the staff member's region (404 for anyone else: not found)."""
    person = db.session.get(User, user_id)
    if person is None or not may_look_up(current_user, person):
        abort(404)
    return person


def _refused(person: User, message):
    """The refusal page (403); the refusal's audit entry is committed on its own."""
    db.session.commit()
    return render_template("helpdesk/refused.html", person=person, message=message), 403


@bp.get("/")
@role_required(*CENTRE_ROLES)
def search():
    """Find a learner by mobile number, username or credit account number."""
    form = LearnerSearchForm(request.args)
    if request.args and form.validate():
        try:
            person = services.find_learner(form.q.data, current_user)
        except services.HelpDeskError as error:
            form.q.errors.append(error.message)
        else:
            return redirect(url_for("helpdesk.learner", user_id=person.id))
    status = 400 if request.args and form.errors else 200
    return render_template("helpdesk/search.html", form=form), status


@bp.get("/learners/<int:user_id>")
@role_required(*CENTRE_ROLES)
def learner(user_id: int):
    """What to check before helping, the learner's overview, and the actions."""
    person = _person_or_404(user_id)
    found = services.overview(person)
    account = found.credit_account
    return render_template(
        "helpdesk/learner.html", person=person, overview=found, mobile=mask_mobile(person.mobile),
        code_open=open_code_of(person) is not None, locked=locked_until(person),
        account_link=account is not None
        and may_see_credit_account(current_user, account.city_code, person),
        format_account=format_account_number, format_credits=format_credits,
        kind_labels=ENTRY_KIND_LABELS, form=EmptyForm(),
    )  # fmt: skip


@bp.post("/learners/<int:user_id>/reset-code")
@role_required(*CENTRE_ROLES)
def reset_code(user_id: int):
    """Issue a one-time code and show it once (never stored, never shown again)."""
    person = db.get_or_404(User, user_id)
    if not EmptyForm().validate_on_submit():
        return redirect(url_for("helpdesk.learner", user_id=person.id))
    try:
        code = services.give_reset_code(current_user, person)
    except services.HelpDeskError as error:
        return _refused(person, error.message)
    db.session.commit()
    hours = current_app.config["RESET_CODE_HOURS"]
    page = render_template("helpdesk/code.html", person=person, code=format_code(code),
                           hours=hours)  # fmt: skip
    response = make_response(page)
    response.headers["Cache-Control"] = "no-store"
    return response


def _district_choices(person: User) -> list[tuple[str, str]]:
    tree = districts_by_city(current_app.config["HOME_PROVINCE"])
    districts = next((d for city, d in tree.items() if city.code == person.city_code), [])
    return [("", _("Choose…"))] + [(d.code, d.display_name) for d in districts]


@bp.route("/learners/<int:user_id>/district", methods=["GET", "POST"])
@role_required(*CENTRE_ROLES)
def district(user_id: int):
    """Correct the district within the learner's city (audited, from → to)."""
    if request.method == "GET":
        person = _person_or_404(user_id)
    else:
        person = db.get_or_404(User, user_id)
        try:
            services.check_may_change(current_user, person, AuditAction.DISTRICT_CORRECTED)
        except services.HelpDeskError as error:
            return _refused(person, error.message)
    form = DistrictForm(district=person.district_code)
    form.district.choices = _district_choices(person)
    if form.validate_on_submit():
        try:
            services.correct_district(current_user, person, form.district.data,
                                      form.reason.data)  # fmt: skip
        except services.HelpDeskError as error:
            db.session.rollback()
            form.district.errors.append(error.message)
        else:
            db.session.commit()
            flash(_("The district is corrected."))
            return redirect(url_for("helpdesk.learner", user_id=person.id))
    page = render_template("helpdesk/district.html", person=person, form=form)
    return page, 400 if form.errors else 200
