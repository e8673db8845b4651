"""Steps of a learner's study shared by the learning tests (tests/test_learning*.py)."""

import re
from datetime import timedelta

from sqlalchemy import func, select

from learnhub.catalogue.models import Lesson
from learnhub.extensions import db
from learnhub.learning.models import LessonProgress, QuizAttempt, StudyClock
from tests.helpers import submit


def lesson_ids(app, course_id):
    with app.app_context():
        return list(db.session.scalars(
            select(Lesson.id).where(Lesson.course_id == course_id).order_by(Lesson.position)
        ))  # fmt: skip


def count(app, model, **where):
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model).filter_by(**where))


def enrol(client, course_id):
    return submit(client, f"/courses/{course_id}/enrol", {}, page=f"/courses/{course_id}")


def time_passes(app, seconds):
    """Let ``seconds`` pass for every learner's study as the server sees it: each time it
    noted (openings, media reports, study clocks, quiz attempts) moves that far back. The
    routes take the server's real time, and a test cannot wait that long."""
    delta = timedelta(seconds=seconds)
    with app.app_context():
        for progress in db.session.scalars(select(LessonProgress)):
            progress.started_at -= delta
            if progress.last_report_at is not None:
                progress.last_report_at -= delta
        for clock in db.session.scalars(select(StudyClock)):
            if clock.spent_until is not None:
                clock.spent_until -= delta
        for attempt in db.session.scalars(select(QuizAttempt)):
            attempt.issued_at -= delta
            if attempt.submitted_at is not None:
                attempt.submitted_at -= delta
        db.session.commit()


def read_lesson(client, app, lesson_id, **kwargs):
    """Open a text lesson, read it (for an hour, as far as the server knows), mark it read."""
    client.get(f"/lessons/{lesson_id}")
    time_passes(app, 3600)
    return submit(client, f"/lessons/{lesson_id}/read", {}, page=f"/lessons/{lesson_id}", **kwargs)


def quiz_answers(app, lesson_id, right=True):
    """Form fields answering the fixture quiz, rightly or wrongly."""
    with app.app_context():
        lesson = db.session.get(Lesson, lesson_id)
        data = {}
        for question in lesson.questions:
            picks = [c.id for c in question.choices if c.correct == right]
            data[f"q{question.id}"] = [str(p) for p in picks[: 1 if not right else None]]
        return data


def report(client, lesson, position, event="progress", player_page=None):
    html = client.get(f"/lessons/{player_page or lesson}").get_data(as_text=True)
    token = re.search(r'data-csrf="([^"]+)"', html).group(1)
    return client.post(f"/lessons/{lesson}/media", json={"position": position, "event": event},
                       headers={"X-CSRFToken": token})  # fmt: skip
