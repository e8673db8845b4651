"""/staff/people: staff accounts of one's region — list, export, create, change, disable,
enable, new activation link — and /activate/<token>, where a new staff member sets their
own password."""

from flask import (
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user

from learnhub import audit
from learnhub.accounts.access import (
    CENTRE_ROLES,
    grantable_roles,
    may_administer,
    role_required,
    staff_scope,
)
from learnhub.accounts.models import ROLE_LABELS, STAFF_ROLES, User
from learnhub.audit import AuditAction
from learnhub.database import writing_transaction
from learnhub.extensions import db
from learnhub.forms import EmptyForm, form_status, show_problems
from learnhub.ui import page_number, site_url_for

from . import activation, listing, services
from .blueprint import bp
from .errors import PeopleError, Refused
from .forms import ActivationForm, ChangeStaffForm, DisableForm, EnableForm, NewStaffForm
from .places import region_choices, region_label

PER_PAGE = 25


def _role_choices(selected=None) -> list[tuple[str, str]]:
    roles = grantable_roles(current_user)
    if selected is not None and selected not in roles:
        roles = [selected, *roles]  # the account's current role, shown as it is
    return [("", _("Choose…"))] + [(str(role), str(ROLE_LABELS[role])) for role in roles]


def _fill_choices(form, user: User | None = None) -> None:
    form.role.choices = _role_choices(user.role if user else None)
    form.region.choices = region_choices(current_user)
    if user is not None and user.managed_region_code not in dict(form.region.choices):
        form.region.choices.insert(1, (user.managed_region_code, region_label(user.managed_region)))


def _refused(refused: Refused):
    """Undo the attempt, record it as refused (on its own), and say why."""
    db.session.rollback()
    services.record_refusal(current_user, refused)
    db.session.commit()


def _no_store(response):
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


@bp.get("/staff/people")
@role_required(*CENTRE_ROLES)
def people():
    wanted, error = listing.read_filter(request.args)
    pagination = None
    if error is None:
        query = listing.staff_query(staff_scope(current_user), wanted)
        pagination = db.paginate(query, page=page_number(), per_page=PER_PAGE, error_out=False)
    return render_template(
        "people/list.html", pagination=pagination, error=error, wanted=wanted,
        roles=[(str(r), ROLE_LABELS[r]) for r in ROLE_LABELS if r in STAFF_ROLES],
        statuses=listing.STATUS_LABELS, regions=region_choices(current_user)[1:],
        status_of=listing.status_of, shown_login=listing.shown_login,
        region_label=region_label, may_administer=may_administer,
    ), 400 if error else 200  # fmt: skip


@bp.get("/staff/people/export.csv")
@role_required(*CENTRE_ROLES)
def export_people():
    wanted, error = listing.read_filter(request.args)
    if error is not None:
        abort(400, error)
    scope = staff_scope(current_user)
    query = listing.staff_query(scope, wanted).limit(listing.EXPORT_MAX_ROWS)
    people = list(db.session.scalars(query))
    body = listing.to_csv(people)
    with writing_transaction():
        audit.record(AuditAction.STAFF_LIST_EXPORTED, actor=current_user,
                     city_code=scope.city_code, district_code=scope.district_code,
                     details={"rows": len(people)})  # fmt: skip
    return _no_store(current_app.response_class(
        body, mimetype="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="staff.csv"'},
    ))  # fmt: skip


@bp.route("/staff/people/new", methods=["GET", "POST"])
@role_required(*CENTRE_ROLES)
def new_person():
    form = NewStaffForm()
    _fill_choices(form)
    status = 200
    if form.validate_on_submit():
        try:
            user, token = services.create_staff(
                current_user, form.login.data, form.display_name.data, form.role.data,
                form.region.data,
            )  # fmt: skip
        except Refused as refused:
            _refused(refused)
            show_problems(form, {refused.field: refused.message})
            status = 403
        except PeopleError as error:
            db.session.rollback()
            show_problems(form, {error.field: error.message})
        else:
            db.session.commit()
            return _link_page(user, token, created=True)
    page = render_template("people/new.html", form=form)
    return page, status if status != 200 else form_status(form)


def _link_page(user: User, token: str, created: bool):
    """The activation link, shown this once to the staff member who hands it over."""
    link = site_url_for("people.activate", token=token)
    hours = int(activation.ACTIVATION_LIFETIME.total_seconds() // 3600)
    page = render_template("people/link.html", person=user, link=link, created=created, hours=hours)
    return _no_store(current_app.make_response(page))


def _visible_person(user_id: int) -> User:
    """A staff account of the user's region (else 404: others are not shown)."""
    person = db.get_or_404(User, user_id)
    region = person.managed_region
    if person.role not in STAFF_ROLES or region is None:
        abort(404)
    if not staff_scope(current_user).covers_region(region.code, region.level, region.parent_code):
        abort(404)
    return person


def _person_page(person: User, change=None, disable=None, enable=None, status: int = 200):
    change = change or ChangeStaffForm(
        formdata=None, role=str(person.role), region=person.managed_region_code
    )
    _fill_choices(change, person)
    return render_template(
        "people/person.html", person=person, change_form=change,
        disable_form=disable or DisableForm(formdata=None),
        enable_form=enable or EnableForm(formdata=None),
        may_change=may_administer(current_user, person), status=listing.status_of(person),
        statuses=listing.STATUS_LABELS, shown_login=listing.shown_login,
        region_label=region_label,
    ), status  # fmt: skip


@bp.get("/staff/people/<int:user_id>")
@role_required(*CENTRE_ROLES)
def person(user_id: int):
    return _person_page(_visible_person(user_id))


def _refusal_page(refused: Refused, person: User | None):
    _refused(refused)
    return render_template("people/refused.html", message=refused.message, person=person), 403


@bp.post("/staff/people/<int:user_id>/change")
@role_required(*CENTRE_ROLES)
def change_person(user_id: int):
    person = db.get_or_404(User, user_id)
    form = ChangeStaffForm()
    if not form.validate_on_submit():
        return _person_page(_visible_person(user_id), change=form, status=400)
    try:
        services.change_staff(current_user, person, form.role.data, form.region.data,
                              form.reason.data)  # fmt: skip
    except Refused as refused:
        return _refusal_page(refused, person)
    except PeopleError as error:
        db.session.rollback()
        show_problems(form, {error.field: error.message})
        return _person_page(_visible_person(user_id), change=form, status=400)
    db.session.commit()
    flash(_("The role or region of %(name)s is changed; they must sign in again.",
            name=person.display_name))  # fmt: skip
    return redirect(url_for("people.person", user_id=person.id))


def _on_off(user_id: int, form, service, done_message: str, field: str):
    person = db.get_or_404(User, user_id)
    if not form.validate_on_submit():
        return _person_page(_visible_person(user_id), status=400, **{field: form})
    try:
        service(current_user, person, form[f"{field}_reason"].data or "")
    except Refused as refused:
        return _refusal_page(refused, person)
    except PeopleError as error:
        db.session.rollback()
        flash(str(error.message))
        return redirect(url_for("people.person", user_id=person.id))
    db.session.commit()
    flash(done_message % {"name": person.display_name})
    return redirect(url_for("people.person", user_id=person.id))


@bp.post("/staff/people/<int:user_id>/disable")
@role_required(*CENTRE_ROLES)
def disable_person(user_id: int):
    return _on_off(user_id, DisableForm(), services.disable_staff, _(
        "The account of %(name)s is disabled and signed out everywhere."), "disable")  # fmt: skip


@bp.post("/staff/people/<int:user_id>/enable")
@role_required(*CENTRE_ROLES)
def enable_person(user_id: int):
    return _on_off(user_id, EnableForm(), services.enable_staff, _(
        "The account of %(name)s is enabled again."), "enable")  # fmt: skip


@bp.post("/staff/people/<int:user_id>/link")
@role_required(*CENTRE_ROLES)
def reissue_link(user_id: int):
    person = db.get_or_404(User, user_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    try:
        token = services.reissue_link(current_user, person)
    except Refused as refused:
        return _refusal_page(refused, person)
    except PeopleError as error:
        db.session.rollback()
        flash(str(error.message))
        return redirect(url_for("people.person", user_id=person.id))
    db.session.commit()
    return _link_page(person, token, created=False)


@bp.route("/activate/<token>", methods=["GET", "POST"])
def activate(token: str):
    """The link's page: the new staff member chooses their password (once)."""
    link = activation.usable_link(token)
    if link is None:
        page = render_template("people/activate_invalid.html", message=activation.LINK_NOT_VALID)
        return _no_store(current_app.make_response((page, 400)))
    form = ActivationForm()
    if form.validate_on_submit():
        try:
            user = activation.activate(token, form.password.data)
        except PeopleError as error:
            db.session.rollback()
            if error.field is None:
                page = render_template("people/activate_invalid.html", message=error.message)
                return _no_store(current_app.make_response((page, 400)))
            show_problems(form, {error.field: error.message})
        else:
            db.session.commit()
            flash(_("Your password is set, %(name)s. Sign in with it now.", name=user.display_name))
            return redirect(url_for("accounts.login"))
    page = render_template("people/activate.html", form=form, person=link.user)
    return _no_store(current_app.make_response((page, form_status(form))))
