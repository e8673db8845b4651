"""Studio pages: editors and staff manage the courses of their region."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from learnhub import audit
from learnhub.accounts.access import (
    COURSE_EDITING_ROLES,
    editable_region_codes,
    ensure_may_edit_course,
    may_feature_courses,
    may_use_studio,
    role_required,
)
from learnhub.audit import AuditAction
from learnhub.catalogue import course_authoring, lesson_authoring, question_authoring
from learnhub.catalogue.authoring import AuthoringError
from learnhub.catalogue.models import (
    STATUS_LABELS,
    Course,
    Lesson,
    LessonKind,
    QuizQuestion,
)
from learnhub.catalogue.services import list_modules
from learnhub.database import AlreadySent
from learnhub.extensions import db
from learnhub.forms import EmptyForm, allow_upload_of, form_status, show_problems
from learnhub.media import MediaKind, max_bytes
from learnhub.ui import page_number

from . import services
from .blueprint import bp
from .fields import format_duration
from .forms import CourseForm, MoveLessonForm, QuestionForm, StatusFilterForm, lesson_form

editors_only = role_required(*COURSE_EDITING_ROLES)

# Pages that take a file: the request may be as large as the largest file they accept.
UPLOAD_KINDS = {
    "studio.new_course": (MediaKind.IMAGE,),
    "studio.edit_course": (MediaKind.IMAGE,),
    "studio.new_lesson": (MediaKind.VIDEO, MediaKind.AUDIO),
    "studio.edit_lesson": (MediaKind.VIDEO, MediaKind.AUDIO),
}


@bp.url_value_preprocessor
def allow_uploads(endpoint: str | None, _values) -> None:
    # Only studio users get the larger limit.
    kinds = UPLOAD_KINDS.get(endpoint or "")
    if kinds and request.method == "POST" and may_use_studio(current_user):
        allow_upload_of(max(max_bytes(kind) for kind in kinds))


@bp.app_template_global()
def course_status_label(status) -> str:
    return str(STATUS_LABELS[status])


@bp.app_context_processor
def studio_helpers() -> dict:
    return {"format_duration": format_duration}


def _editable_course(course_id: int) -> Course:
    course = db.get_or_404(Course, course_id)
    ensure_may_edit_course(current_user, course)
    return course


def _editable_lesson(lesson_id: int) -> Lesson:
    lesson = db.get_or_404(Lesson, lesson_id)
    ensure_may_edit_course(current_user, lesson.course)
    return lesson


def _editable_question(question_id: int) -> QuizQuestion:
    question = db.get_or_404(QuizQuestion, question_id)
    ensure_may_edit_course(current_user, question.lesson.course)
    return question


def _show_problems(form, error: AuthoringError) -> None:
    """Undo the change; put each refusal next to its field, or above the form."""
    db.session.rollback()
    show_problems(form, error.problems)


def _already_sent(target: str):
    """A form that went through before was sent again: say that it added nothing."""
    db.session.rollback()
    flash(_("This form was already sent; nothing new was added."))
    return redirect(target)


def _course_form(course: Course | None = None) -> CourseForm:
    scope = editable_region_codes(current_user)
    regions = [r for r in course_authoring.course_regions() if scope is None or r.code in scope]
    return CourseForm(
        modules=list_modules(),
        regions=regions,
        may_feature=may_feature_courses(current_user),
        has_cover=bool(course and course.cover_path),
        adds=course is None,
    )


# ---- courses --------------------------------------------------------------------------


@bp.get("/")
@editors_only
def index():
    filters = StatusFilterForm(request.args)
    page = page_number()
    courses = services.courses_of(current_user, filters.chosen_status(), page)
    lessons = services.lesson_counts(courses.items)
    return render_template("studio/index.html", courses=courses, lessons=lessons, filters=filters)


@bp.route("/courses/new", methods=["GET", "POST"])
@editors_only
def new_course():
    form = _course_form()
    if form.validate_on_submit():
        try:
            course = services.create_course_once(
                form.details(), current_user, form.form_token.data, form.cover.upload
            )
        except AlreadySent as sent:
            return _already_sent(
                url_for("studio.course", course_id=sent.earlier)
                if sent.earlier
                else url_for("studio.index")
            )
        except AuthoringError as error:
            _show_problems(form, error)
        else:
            db.session.commit()
            flash(_("The course “%(title)s” is saved as a draft.", title=course.title))
            return redirect(url_for("studio.course", course_id=course.id))
    return render_template("studio/course_form.html", form=form, course=None), form_status(form)


@bp.get("/courses/<int:course_id>")
@editors_only
def course(course_id: int):
    found = _editable_course(course_id)
    return render_template("studio/course.html", **_course_page(found))


def _course_page(course: Course, problems=()) -> dict:
    return {"course": course, "problems": problems}


@bp.route("/courses/<int:course_id>/edit", methods=["GET", "POST"])
@editors_only
def edit_course(course_id: int):
    found = _editable_course(course_id)
    form = _course_form(found)
    if not form.is_submitted():
        form.fill_from(found)
    elif form.validate():
        try:
            course_authoring.update_course(
                found, form.details(), form.cover.upload, form.removes_cover
            )
        except AuthoringError as error:
            _show_problems(form, error)
        else:
            db.session.commit()
            flash(_("Your changes are saved."))
            return redirect(url_for("studio.course", course_id=found.id))
    return render_template("studio/course_form.html", form=form, course=found), form_status(form)


@bp.post("/courses/<int:course_id>/publish")
@editors_only
def publish(course_id: int):
    found = _editable_course(course_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    try:
        course_authoring.publish_course(found)
    except course_authoring.NotPublishable as error:
        db.session.rollback()
        page = _course_page(found, problems=[str(reason) for reason in error.reasons])
        return render_template("studio/course.html", **page), 400
    _record_status(found)
    db.session.commit()
    flash(_("The course is published: learners can find it now."))
    return redirect(url_for("studio.course", course_id=found.id))


def _record_status(course) -> None:
    audit.record(AuditAction.COURSE_STATUS_CHANGED, actor=current_user,
                 details={"course": course.id, "title": course.title,
                          "region": course.region_code, "status": str(course.status)})  # fmt: skip


def _change_status(course_id: int, change, message: str):
    found = _editable_course(course_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    change(found)
    _record_status(found)
    db.session.commit()
    flash(message)
    return redirect(url_for("studio.course", course_id=found.id))


@bp.post("/courses/<int:course_id>/unpublish")
@editors_only
def unpublish(course_id: int):
    return _change_status(
        course_id,
        course_authoring.unpublish_course,
        _("The course is back to draft: learners no longer see it."),
    )


@bp.post("/courses/<int:course_id>/archive")
@editors_only
def archive(course_id: int):
    return _change_status(
        course_id,
        course_authoring.archive_course,
        _("The course is archived: it is closed to new learners."),
    )


# ---- lessons --------------------------------------------------------------------------


@bp.route("/courses/<int:course_id>/lessons/new/<kind>", methods=["GET", "POST"])
@editors_only
def new_lesson(course_id: int, kind: str):
    found = _editable_course(course_id)
    if kind not in set(LessonKind):
        abort(404)
    lesson_kind = LessonKind(kind)
    form = lesson_form(lesson_kind, adds=True)
    if form.validate_on_submit():
        try:
            lesson = services.add_lesson_once(
                found, lesson_kind, form.details(), current_user, form.form_token.data, form.upload
            )
        except AlreadySent:
            return _already_sent(url_for("studio.course", course_id=found.id, _anchor="lessons"))
        except AuthoringError as error:
            _show_problems(form, error)
        else:
            db.session.commit()
            flash(_("The lesson “%(title)s” is added.", title=lesson.title))
            return redirect(_after_lesson_saved(lesson))
    status = form_status(form)
    page = {"form": form, "course": found, "kind": lesson_kind, "lesson": None}
    return render_template("studio/lesson_form.html", **page), status


def _after_lesson_saved(lesson: Lesson) -> str:
    if lesson.kind is LessonKind.QUIZ:
        return url_for("studio.edit_lesson", lesson_id=lesson.id, _anchor="questions")
    return url_for("studio.course", course_id=lesson.course_id, _anchor="lessons")


@bp.route("/lessons/<int:lesson_id>/edit", methods=["GET", "POST"])
@editors_only
def edit_lesson(lesson_id: int):
    lesson = _editable_lesson(lesson_id)
    form = lesson_form(lesson.kind)
    if not form.is_submitted():
        form.fill_from(lesson)
    elif form.validate():
        try:
            lesson_authoring.update_lesson(lesson, form.details(), form.upload)
        except AuthoringError as error:
            _show_problems(form, error)
        else:
            db.session.commit()
            flash(_("Your changes are saved."))
            return redirect(_after_lesson_saved(lesson))
    status = form_status(form)
    page = {"form": form, "course": lesson.course, "kind": lesson.kind, "lesson": lesson}
    return render_template("studio/lesson_form.html", **page), status


@bp.post("/lessons/<int:lesson_id>/move")
@editors_only
def move_lesson(lesson_id: int):
    lesson = _editable_lesson(lesson_id)
    form = MoveLessonForm()
    if not form.validate_on_submit():
        abort(400)
    lesson_authoring.move_lesson(lesson, form.steps)
    db.session.commit()
    return redirect(url_for("studio.course", course_id=lesson.course_id, _anchor="lessons"))


@bp.route("/lessons/<int:lesson_id>/delete", methods=["GET", "POST"])
@editors_only
def delete_lesson(lesson_id: int):
    lesson = _editable_lesson(lesson_id)
    course = lesson.course
    form = EmptyForm()
    if form.validate_on_submit():
        title = lesson.title
        try:
            lesson_authoring.delete_lesson(lesson)
        except AuthoringError as error:
            _show_problems(form, error)
        else:
            db.session.commit()
            flash(_("The lesson “%(title)s” is deleted.", title=title))
            return redirect(url_for("studio.course", course_id=course.id, _anchor="lessons"))
    status = form_status(form)
    page = {"form": form, "course": course, "lesson": lesson, "question": None}
    return render_template("studio/confirm_delete.html", **page), status


# ---- quiz questions -------------------------------------------------------------------


@bp.route("/lessons/<int:lesson_id>/questions/new", methods=["GET", "POST"])
@editors_only
def new_question(lesson_id: int):
    lesson = _editable_lesson(lesson_id)
    if lesson.kind is not LessonKind.QUIZ:
        abort(404)
    form = QuestionForm(adds=True)
    questions = url_for("studio.edit_lesson", lesson_id=lesson.id, _anchor="questions")
    if form.validate_on_submit():
        try:
            services.add_question_once(lesson, form.details(), current_user, form.form_token.data)
        except AlreadySent:
            return _already_sent(questions)
        except AuthoringError as error:
            _show_problems(form, error)
        else:
            db.session.commit()
            flash(_("The question is added."))
            return redirect(questions)
    status = form_status(form)
    page = {"form": form, "lesson": lesson, "course": lesson.course, "question": None}
    return render_template("studio/question_form.html", **page), status


@bp.route("/questions/<int:question_id>/edit", methods=["GET", "POST"])
@editors_only
def edit_question(question_id: int):
    question = _editable_question(question_id)
    lesson = question.lesson
    form = QuestionForm(rows=len(question.choices) + 2)
    if not form.is_submitted():
        form.fill_from(question)
    elif form.validate():
        try:
            question_authoring.update_question(question, form.details())
        except AuthoringError as error:
            _show_problems(form, error)
        else:
            db.session.commit()
            flash(_("Your changes are saved."))
            return redirect(url_for("studio.edit_lesson", lesson_id=lesson.id, _anchor="questions"))
    status = form_status(form)
    page = {"form": form, "lesson": lesson, "course": lesson.course, "question": question}
    return render_template("studio/question_form.html", **page), status


@bp.route("/questions/<int:question_id>/delete", methods=["GET", "POST"])
@editors_only
def delete_question(question_id: int):
    question = _editable_question(question_id)
    lesson = question.lesson
    form = EmptyForm()
    if form.validate_on_submit():
        try:
            question_authoring.delete_question(question)
        except AuthoringError as error:
            _show_problems(form, error)
        else:
            db.session.commit()
            flash(_("The question is deleted."))
            return redirect(url_for("studio.edit_lesson", lesson_id=lesson.id, _anchor="questions"))
    status = form_status(form)
    page = {"form": form, "course": lesson.course, "lesson": lesson, "question": question}
    return render_template("studio/confirm_delete.html", **page), status
