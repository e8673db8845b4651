"""/staff/topics: the province's topics — list, write, change, publish and withdraw.

Only the province centre's staff write topics: the route rules (accounts/route_rules.py)
refuse everyone else before the view, the views check the role again, and the services
refuse a writer who is not province staff.
"""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.exc import IntegrityError

from learnhub import audit
from learnhub.accounts.access import role_required
from learnhub.accounts.models import Role
from learnhub.audit import AuditAction
from learnhub.extensions import db
from learnhub.forms import EmptyForm, allow_upload_of, form_status, show_problems
from learnhub.media import MediaKind, discard, max_bytes

from . import picker, reading, services
from .blueprint import bp
from .forms import TopicForm
from .models import Topic, TopicStatus

province_staff = role_required(Role.PROVINCE_STAFF)
UPLOAD_ENDPOINTS = ("topics.staff_new", "topics.staff_edit")


@bp.url_value_preprocessor
def _allow_covers(endpoint, _values) -> None:
    if (
        endpoint in UPLOAD_ENDPOINTS
        and request.method == "POST"
        and current_user.is_authenticated
        and current_user.role is Role.PROVINCE_STAFF
    ):
        allow_upload_of(max_bytes(MediaKind.IMAGE))


def _record(action: AuditAction, topic: Topic, details: dict | None = None) -> None:
    audit.record(
        action,
        actor=current_user,
        details={"topic": topic.id, "slug": topic.slug, "title": topic.title, **(details or {})},
    )


def _commit_or_discard(new_cover: str | None) -> bool:
    """Commit; False if the address was taken meanwhile (then nothing is kept, and a cover
    stored for the change is removed again)."""
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        discard(new_cover)
        return False
    except Exception:
        db.session.rollback()
        discard(new_cover)
        raise
    return True


def _refused(form: TopicForm, error: services.TopicError) -> None:
    db.session.rollback()
    if error.forbidden:
        abort(403)
    show_problems(form, {error.field: error.message})


def _taken(form: TopicForm) -> None:
    show_problems(
        form, {"slug": _("Another topic has the address %(slug)s already.", slug=form.slug.data)}
    )


def _form_page(form: TopicForm, topic: Topic | None):
    found = request.args.get("find", "")
    return render_template(
        "topics/staff_form.html",
        form=form,
        topic=topic,
        find=found,
        candidates=picker.find_candidates(found),
        chosen=picker.chosen_items(topic) if topic is not None else None,
    ), form_status(form)


@bp.get("/staff/topics")
@province_staff
def staff_list():
    return render_template("topics/staff_list.html", topics=reading.all_topics())


@bp.route("/staff/topics/new", methods=["GET", "POST"])
@province_staff
def staff_new():
    form = TopicForm()
    if form.validate_on_submit():
        try:
            topic = services.create_topic(current_user, form.details(), form.cover_upload)
        except services.TopicError as error:
            _refused(form, error)
        else:
            _record(AuditAction.TOPIC_SAVED, topic, {"after": services.details_of(topic)})
            if _commit_or_discard(topic.cover_name):
                flash(
                    _("The draft “%(title)s” is saved. Publish it when it is ready.",
                      title=topic.title)
                )  # fmt: skip
                return redirect(url_for("topics.staff_list"))
            _taken(form)
    return _form_page(form, None)


@bp.route("/staff/topics/<int:topic_id>/edit", methods=["GET", "POST"])
@province_staff
def staff_edit(topic_id: int):
    topic = db.get_or_404(Topic, topic_id)
    form = TopicForm(has_cover=bool(topic.cover_name))
    if not form.is_submitted():
        form.fill_from(services.form_values_of(topic))
    elif form.validate():
        before, old_cover = services.details_of(topic), topic.cover_name
        try:
            replaced = services.update_topic(
                current_user, topic, form.details(), form.cover_upload, form.removes_cover
            )
        except services.TopicError as error:
            _refused(form, error)
        else:
            after = services.details_of(topic)
            changed = {k: [before[k], after[k]] for k in after if before[k] != after[k]}
            new_cover = topic.cover_name if topic.cover_name != old_cover else None
            if topic.cover_name != old_cover:
                changed["cover"] = "removed" if new_cover is None else "new"
            _record(AuditAction.TOPIC_SAVED, topic, {"changed": changed})
            if _commit_or_discard(new_cover):
                discard(replaced)  # only now: a rolled-back change keeps its old picture
                flash(_("Your changes are saved."))
                return redirect(url_for("topics.staff_list"))
            topic = db.get_or_404(Topic, topic_id)
            _taken(form)
    return _form_page(form, topic)


@bp.post("/staff/topics/<int:topic_id>/publish")
@province_staff
def staff_publish(topic_id: int):
    return _set_status(topic_id, TopicStatus.PUBLISHED)


@bp.post("/staff/topics/<int:topic_id>/withdraw")
@province_staff
def staff_withdraw(topic_id: int):
    return _set_status(topic_id, TopicStatus.WITHDRAWN)


def _set_status(topic_id: int, status: TopicStatus):
    topic = db.get_or_404(Topic, topic_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    try:
        changed = services.set_status(current_user, topic, status)
    except services.TopicError:
        db.session.rollback()
        abort(403)
    if changed:
        _record(AuditAction.TOPIC_STATUS_CHANGED, topic, {"status": str(status)})
    db.session.commit()
    if status is TopicStatus.PUBLISHED:
        flash(_("“%(title)s” is published.", title=topic.title))
    else:
        flash(_("“%(title)s” is withdrawn from the public pages.", title=topic.title))
    return redirect(url_for("topics.staff_list"))
