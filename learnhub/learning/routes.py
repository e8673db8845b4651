"""Studying: the course page, enrol, leave, my learning, lessons, progress and quizzes."""

import math

from flask import abort, flash, jsonify, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from learnhub.accounts.header import header_visitor
from learnhub.cache import CATALOGUE, cached_page, digest_of
from learnhub.catalogue.models import Lesson, LessonKind
from learnhub.catalogue.services import visible_course
from learnhub.database import writing_transaction
from learnhub.extensions import db
from learnhub.forms import EmptyForm
from learnhub.translation_domain import current_locale
from learnhub.ui import canonical_redirect

from . import services, speech
from .blueprint import bp
from .course_page import course_outline, course_page, lesson_facts
from .forms import QuizForm


def _visible_lesson(lesson_id: int) -> Lesson:
    lesson = db.session.get(Lesson, lesson_id)
    if lesson is None or course_outline(lesson.course_id) is None:  # None: a draft course
        abort(404)
    return lesson


# Every visitor gets the course page kept whole by what it shows of them, or the kept public
# part with their own progress and buttons put in (course_page.py).


@bp.get("/courses/<int:course_id>")
def course(course_id: int):
    # Pages are kept by address (course_page.py): only the page's own fills the cache.
    if (to_canonical := canonical_redirect()) is not None:
        return to_canonical  # no view counted: the page itself follows
    page = course_page(course_id)
    services.view_resource("course", course_id, course_id)  # after: a hidden course 404s first
    return page


@bp.get("/courses/<int:course_id>/speech.wav")
def course_speech(course_id: int):
    """The course's title and summary read aloud (made once by espeak-ng)."""
    found = visible_course(course_id) or abort(404)
    language = current_locale().language if current_locale() else "zh"
    path = speech.speech_file(f"{found.title}\n{found.summary}", language)
    if path is None:
        abort(404)
    return send_file(path, mimetype="audio/wav", max_age=86400)


@bp.post("/courses/<int:course_id>/enrol")
@login_required
def enrol(course_id: int):
    course = visible_course(course_id) or abort(404)
    if EmptyForm().validate_on_submit():
        try:
            services.enrol(current_user, course)
        except services.LearningError as error:
            db.session.rollback()
            flash(str(error.message))
        else:
            db.session.commit()
            flash(_("You are enrolled in %(title)s.", title=course.title))
    return redirect(url_for("learning.course", course_id=course.id))


@bp.post("/courses/<int:course_id>/leave")
@login_required
def leave(course_id: int):
    course = visible_course(course_id) or abort(404)
    if EmptyForm().validate_on_submit():
        try:
            undone = services.leave(current_user, course)
        except services.LearningError as error:
            db.session.rollback()
            flash(str(error.message))
        else:
            db.session.commit()
            flash(
                _("You have left %(title)s. Nothing of it is kept.", title=course.title)
                if undone
                else _("You have left %(title)s. Your progress is kept if you come back.",
                       title=course.title)
            )  # fmt: skip
    return redirect(url_for("learning.course", course_id=course.id))


@bp.get("/me")
@login_required
def my_learning():
    # The page shows the learner nothing but these rows (and the header): kept by them, so a
    # change of progress is a new page in every worker at once.
    courses = services.my_learning(current_user)
    return cached_page(
        "my-learning",
        lambda: render_template("learning/my_learning.html", courses=courses),
        CATALOGUE,
        key=(digest_of(courses),),
        visitor=header_visitor(),
        personal=True,
    )


@bp.get("/lessons/<int:lesson_id>")
def lesson(lesson_id: int):
    # What opening it asks of the lesson is kept: a lesson whose page is kept is not read.
    facts = lesson_facts(lesson_id) or abort(404)
    if (to_canonical := canonical_redirect()) is not None:
        return to_canonical  # no view counted: the page itself follows
    services.view_resource("lesson", facts.id, facts.course_id)
    learner = current_user if current_user.is_authenticated else None
    visit = services.visit_without_writing(learner, facts)
    if visit is None:
        # Opening it starts a reading or issues a quiz attempt: a write of its own.
        with writing_transaction():
            visit = services.visit_lesson(learner, _visible_lesson(lesson_id))
    if facts.kind is LessonKind.QUIZ:
        return _render_lesson(_visible_lesson(lesson_id), visit)  # the learner's answer sheet
    # A reading or a recording shows a visitor nothing of their own but whether they are
    # enrolled and done with it (and the header): the page is kept by those.
    done = visit.progress is not None and visit.progress.completed_at is not None
    return cached_page("lesson", lambda: _render_lesson(_visible_lesson(lesson_id), visit),
                       CATALOGUE, key=(visit.enrolled, done), visitor=header_visitor())  # fmt: skip


def _render_lesson(lesson: Lesson, visit: services.LessonVisit, result=None, answers=None):
    """The lesson page, with the learner's progress and the way to the next lesson."""
    course = course_outline(lesson.course_id)
    lessons = [line.id for line in course.lessons]
    index = lessons.index(lesson.id)
    return render_template(
        "learning/lesson.html",
        lesson=lesson,
        course=course,
        enrolled=visit.enrolled,
        progress=visit.progress,
        visit=visit,
        previous=course.lessons[index - 1] if index > 0 else None,
        next=course.lessons[index + 1] if index + 1 < len(lessons) else None,
        # Only an issued attempt shows the form (building one is not free).
        quiz_form=QuizForm(formdata=None, form_token=visit.quiz_token)
        if visit.quiz_token
        else None,
        result=result,
        answers=answers or {},
        server_speech=speech.espeak_available(),
    )


@bp.post("/lessons/<int:lesson_id>/read")
@login_required
def mark_read(lesson_id: int):
    found = _visible_lesson(lesson_id)
    if EmptyForm().validate_on_submit():
        try:
            services.mark_text_read(current_user, found)
        except services.LearningError as error:
            db.session.rollback()
            flash(str(error.message))
            return redirect(url_for("learning.lesson", lesson_id=found.id))
        db.session.commit()
        flash(_("Lesson done."))
    return redirect(_after_lesson(found))


def _media_position(payload) -> float | None:
    """The position of a player's report ({"position": seconds, "event": …}), or None if
    the report is not one (not an object, no finite number ≥ 0). The service checks the
    event."""
    if not isinstance(payload, dict):
        return None
    position = payload.get("position")
    if not isinstance(position, int | float) or isinstance(position, bool):
        return None
    try:
        position = float(position)
    except OverflowError:  # an integer too large for a float
        return None
    return position if math.isfinite(position) and position >= 0 else None


@bp.post("/lessons/<int:lesson_id>/media")
@login_required
def media_report(lesson_id: int):
    """The player's report: JSON {"position": seconds, "event": "start"|"progress"|"pause"}."""
    found = _visible_lesson(lesson_id)
    payload = request.get_json(silent=True)
    position = _media_position(payload)
    if position is None:
        message = _("The player sent a report that is not possible. Reload the page.")
        return jsonify(error={"message": message}), 400
    if payload.get("event") == "start":
        services.view_resource("media", found.id, found.course_id)
    try:
        progress = services.report_media_position(
            current_user, found, position, event=payload.get("event", "progress")
        )
    except services.LearningError as error:
        db.session.rollback()
        return jsonify(error={"message": str(error.message)}), 400
    db.session.commit()
    return jsonify(
        credited_seconds=progress.credited_seconds,
        completed=progress.completed_at is not None,
    )


@bp.post("/lessons/<int:lesson_id>/quiz")
@login_required
def submit_quiz(lesson_id: int):
    found = _visible_lesson(lesson_id)
    form = QuizForm()
    if not form.validate_on_submit() or not form.form_token.data:
        abort(400)
    answers = {
        q.id: {int(v) for v in request.form.getlist(f"q{q.id}") if v.isdigit()}
        for q in found.questions
    }
    try:
        result = services.submit_quiz(current_user, found, answers, form.form_token.data)
    except services.LearningError as error:
        db.session.rollback()
        flash(str(error.message))
        return redirect(url_for("learning.lesson", lesson_id=found.id))
    visit = services.visit_lesson(current_user, found)  # the next attempt's form, if any
    db.session.commit()
    return _render_lesson(found, visit, result=result, answers=answers)


@bp.get("/lessons/<int:lesson_id>/speech.wav")
def lesson_speech(lesson_id: int):
    """The lesson text read aloud (for browsers that have no Chinese voice of their own)."""
    found = _visible_lesson(lesson_id)
    text = speech.plain_text(f"<p>{found.title}</p>{found.body_html}")
    path = speech.speech_file(text, current_locale().language if current_locale() else "zh")
    if path is None:
        abort(404)
    return send_file(path, mimetype="audio/wav", max_age=86400)


def _after_lesson(lesson: Lesson) -> str:
    lessons = lesson.course.lessons
    index = lessons.index(lesson)
    if index + 1 < len(lessons):
        return url_for("learning.lesson", lesson_id=lessons[index + 1].id)
    return url_for("learning.course", course_id=lesson.course_id)
