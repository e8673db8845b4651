"""/staff/places: a centre's learning places — list, add, change, hide and show.

City staff look after their city's places, county staff their district's, province staff
every place (accounts.scopes.Scope). A place of another region is not found (404), as the
other staff pages do with records of other regions.
"""

from __future__ import annotations

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from learnhub import audit
from learnhub.accounts.access import CENTRE_ROLES, role_required, staff_scope
from learnhub.audit import AuditAction
from learnhub.database import AlreadySent
from learnhub.extensions import db
from learnhub.forms import EmptyForm, allow_upload_of, form_status, show_problems
from learnhub.media import MediaKind, discard, max_bytes
from learnhub.regions.models import Region, RegionLevel
from learnhub.regions.services import cities_of
from learnhub.ui import page_number

from . import services
from .blueprint import bp
from .forms import PlaceForm, parse_kind
from .models import PLACE_KIND_LABELS, Place

PER_PAGE = 25


@bp.url_value_preprocessor
def _allow_photos(endpoint, _values) -> None:
    if endpoint in ("places.staff_new", "places.staff_edit"):
        allow_upload_of(max_bytes(MediaKind.IMAGE))


def _regions_of_scope() -> tuple[list[Region], list[Region]]:
    """The cities and districts the signed-in centre may put places in."""
    scope = staff_scope(current_user)
    from_config = cities_of(current_app.config["HOME_PROVINCE"])
    cities = [c for c in from_config if scope.everything or c.code == scope.city_code]
    districts = [
        d
        for c in cities
        for d in c.children
        if d.level is RegionLevel.DISTRICT and scope.covers(c.code, d.code)
    ]
    return cities, districts


def _form(place: Place | None = None) -> PlaceForm:
    cities, districts = _regions_of_scope()
    has_photo = bool(place and place.photo_name)
    return PlaceForm(
        cities=cities, districts=districts, has_photo=has_photo, place_exists=place is not None
    )


def _managed_place(place_id: int) -> Place:
    """A place of the signed-in centre's region (else 404: others are not shown)."""
    place = db.get_or_404(Place, place_id)
    if not staff_scope(current_user).covers(place.city_code, place.district_code):
        abort(404)
    return place


def _record(action: AuditAction, place: Place, details: dict | None = None) -> None:
    audit.record(
        action,
        actor=current_user,
        city_code=place.city_code,
        district_code=place.district_code,
        details={"place": place.id, "name": place.name, **(details or {})},
    )


@bp.get("/staff/places")
@role_required(*CENTRE_ROLES)
def staff_list():
    scope = staff_scope(current_user)
    wanted = services.PlaceFilter(
        kind=parse_kind(request.args.get("kind")), text=request.args.get("q", "")[:40].strip()
    )
    query = services.places_query(wanted, scope=scope)
    pagination = db.paginate(query, page=page_number(), per_page=PER_PAGE, error_out=False)
    return render_template(
        "places/staff_list.html",
        pagination=pagination,
        wanted=wanted,
        kinds=PLACE_KIND_LABELS,
        hide_form=EmptyForm(),
    )


@bp.route("/staff/places/new", methods=["GET", "POST"])
@role_required(*CENTRE_ROLES)
def staff_new():
    form = _form()
    if form.validate_on_submit():
        try:
            place = services.create_place(
                staff_scope(current_user),
                form.details(),
                current_user,
                form.photo_upload,
                form_token=form.form_token.data,
            )
        except AlreadySent:
            db.session.rollback()
            flash(_("This form was already sent; nothing new was added."))
            return redirect(url_for("places.staff_list"))
        except services.PlaceError as error:
            db.session.rollback()
            show_problems(form, {error.field: error.message})
        else:
            _record(AuditAction.PLACE_CREATED, place, {"after": services.details_of(place)})
            _commit_or_discard(place.photo_name)
            flash(_("The place “%(name)s” is added and shown to the public.", name=place.name))
            return redirect(url_for("places.staff_list"))
    return render_template("places/staff_form.html", form=form, place=None), form_status(form)


def _commit_or_discard(new_photo: str | None) -> None:
    """Commit; a photo stored for a change that did not commit is removed again."""
    try:
        db.session.commit()
    except Exception:
        db.session.rollback()
        discard(new_photo)
        raise


@bp.route("/staff/places/<int:place_id>/edit", methods=["GET", "POST"])
@role_required(*CENTRE_ROLES)
def staff_edit(place_id: int):
    place = _managed_place(place_id)
    form = _form(place)
    if not form.is_submitted():
        form.fill_from(place)
    elif form.validate():
        before, old_photo = services.details_of(place), place.photo_name
        try:
            replaced = services.update_place(
                staff_scope(current_user),
                place,
                form.details(),
                form.photo_upload,
                form.removes_photo,
            )
        except services.PlaceError as error:
            db.session.rollback()
            show_problems(form, {error.field: error.message})
        else:
            after = services.details_of(place)
            changed = {k: [before[k], after[k]] for k in after if before[k] != after[k]}
            new_photo = place.photo_name if place.photo_name != old_photo else None
            if place.photo_name != old_photo:
                changed["photo"] = "removed" if new_photo is None else "new"
            _record(AuditAction.PLACE_CHANGED, place, {"changed": changed})
            _commit_or_discard(new_photo)
            discard(replaced)  # only now: a rolled-back change keeps its old photo
            flash(_("Your changes are saved."))
            return redirect(url_for("places.staff_list"))
    return render_template("places/staff_form.html", form=form, place=place), form_status(form)


@bp.post("/staff/places/<int:place_id>/hide")
@role_required(*CENTRE_ROLES)
def staff_hide(place_id: int):
    return _set_published(place_id, False)


@bp.post("/staff/places/<int:place_id>/show")
@role_required(*CENTRE_ROLES)
def staff_show(place_id: int):
    return _set_published(place_id, True)


def _set_published(place_id: int, published: bool):
    place = _managed_place(place_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    if services.set_published(staff_scope(current_user), place, published):
        _record(AuditAction.PLACE_SHOWN if published else AuditAction.PLACE_HIDDEN, place)
    db.session.commit()
    if published:
        flash(_("“%(name)s” is shown to the public again.", name=place.name))
    else:
        flash(_("“%(name)s” is hidden from the public pages and the map.", name=place.name))
    return redirect(url_for("places.staff_list"))
