"""/staff/news: a centre's news — list, write, change, publish and withdraw.

Province staff write the province's news and any city's, city staff their city's, county
staff their district's (shown with their city's news); accounts.scopes.Scope decides. An
item of another region is not found (404), as on the other staff pages.
"""

from __future__ import annotations

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from learnhub import audit
from learnhub.accounts.access import CENTRE_ROLES, role_required, staff_scope
from learnhub.audit import AuditAction
from learnhub.extensions import db
from learnhub.forms import EmptyForm, allow_upload_of, form_status, show_problems
from learnhub.media import MediaKind, discard, max_bytes
from learnhub.regions.models import RegionLevel
from learnhub.regions.services import cities_of
from learnhub.ui import page_number

from . import services
from .blueprint import bp
from .forms import NewsForm, parse_kind
from .models import NEWS_KIND_LABELS, NewsItem, NewsStatus

PER_PAGE = 25


@bp.url_value_preprocessor
def _allow_images(endpoint, _values) -> None:
    if endpoint in ("news.staff_new", "news.staff_edit"):
        allow_upload_of(max_bytes(MediaKind.IMAGE))


def _form(item: NewsItem | None = None) -> NewsForm:
    scope = staff_scope(current_user)
    cities = [
        c
        for c in cities_of(current_app.config["HOME_PROVINCE"])
        if scope.everything or c.code == scope.city_code
    ]
    districts = [
        d
        for c in cities
        for d in c.children
        if d.level is RegionLevel.DISTRICT and scope.covers(c.code, d.code)
    ]
    return NewsForm(
        cities=cities,
        districts=districts,
        province=scope.everything,
        has_image=bool(item and item.image_name),
    )


def _managed(news_id: int) -> NewsItem:
    """A news item of the signed-in centre's region (else 404: others are not shown)."""
    item = db.get_or_404(NewsItem, news_id)
    if not staff_scope(current_user).covers(item.city_code, item.district_code):
        abort(404)
    return item


def _record(action: AuditAction, item: NewsItem, details: dict | None = None) -> None:
    audit.record(
        action,
        actor=current_user,
        city_code=item.city_code,
        district_code=item.district_code,
        details={"news": item.id, "title": item.title, **(details or {})},
    )


def _commit_or_discard(new_image: str | None) -> None:
    """Commit; a picture stored for a change that did not commit is removed again."""
    try:
        db.session.commit()
    except Exception:
        db.session.rollback()
        discard(new_image)
        raise


@bp.get("/staff/news")
@role_required(*CENTRE_ROLES)
def staff_list():
    wanted = services.NewsFilter(kind=parse_kind(request.args.get("kind")))
    query = services.news_query(wanted, scope=staff_scope(current_user))
    pagination = db.paginate(query, page=page_number(), per_page=PER_PAGE, error_out=False)
    return render_template(
        "news/staff_list.html", pagination=pagination, wanted=wanted, kinds=NEWS_KIND_LABELS
    )


@bp.route("/staff/news/new", methods=["GET", "POST"])
@role_required(*CENTRE_ROLES)
def staff_new():
    form = _form()
    if form.validate_on_submit():
        try:
            item = services.create_news(
                staff_scope(current_user), form.details(), current_user, form.image_upload
            )
        except services.NewsError as error:
            db.session.rollback()
            show_problems(form, {error.field: error.message})
        else:
            _record(AuditAction.NEWS_SAVED, item, {"after": services.details_of(item)})
            _commit_or_discard(item.image_name)
            flash(
                _("The draft “%(title)s” is saved. Publish it when it is ready.", title=item.title)
            )
            return redirect(url_for("news.staff_list"))
    return render_template("news/staff_form.html", form=form, item=None), form_status(form)


@bp.route("/staff/news/<int:news_id>/edit", methods=["GET", "POST"])
@role_required(*CENTRE_ROLES)
def staff_edit(news_id: int):
    item = _managed(news_id)
    form = _form(item)
    if not form.is_submitted():
        form.fill_from(item)
    elif form.validate():
        before, old_image = services.details_of(item), item.image_name
        try:
            replaced = services.update_news(
                staff_scope(current_user), item, form.details(), form.image_upload,
                form.removes_image,
            )  # fmt: skip
        except services.NewsError as error:
            db.session.rollback()
            show_problems(form, {error.field: error.message})
        else:
            after = services.details_of(item)
            changed = {k: [before[k], after[k]] for k in after if before[k] != after[k]}
            new_image = item.image_name if item.image_name != old_image else None
            if item.image_name != old_image:
                changed["image"] = "removed" if new_image is None else "new"
            _record(AuditAction.NEWS_SAVED, item, {"changed": changed})
            _commit_or_discard(new_image)
            discard(replaced)  # only now: a rolled-back change keeps its old picture
            flash(_("Your changes are saved."))
            return redirect(url_for("news.staff_list"))
    return render_template("news/staff_form.html", form=form, item=item), form_status(form)


@bp.post("/staff/news/<int:news_id>/publish")
@role_required(*CENTRE_ROLES)
def staff_publish(news_id: int):
    return _set_status(news_id, NewsStatus.PUBLISHED)


@bp.post("/staff/news/<int:news_id>/withdraw")
@role_required(*CENTRE_ROLES)
def staff_withdraw(news_id: int):
    return _set_status(news_id, NewsStatus.WITHDRAWN)


def _set_status(news_id: int, status: NewsStatus):
    item = _managed(news_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    if services.set_status(staff_scope(current_user), item, status):
        _record(AuditAction.NEWS_STATUS_CHANGED, item, {"status": str(status)})
    db.session.commit()
    if status is NewsStatus.PUBLISHED:
        flash(_("“%(title)s” is published.", title=item.title))
    else:
        flash(_("“%(title)s” is withdrawn from the public pages.", title=item.title))
    return redirect(url_for("news.staff_list"))
