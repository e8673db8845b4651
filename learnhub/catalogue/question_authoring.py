"""Writing quiz questions and their answers to choose from, and the rules for them.

Used by the studio's pages and by the bulk importer alike (see ``authoring``).
"""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from learnhub.extensions import db

from .authoring import lock_course, raise_if, refuse
from .course_authoring import ensure_still_publishable
from .models import Lesson, LessonKind, QuizChoice, QuizQuestion

PROMPT_MAX_LENGTH = 1000
CHOICE_MAX_LENGTH = 255
MIN_CHOICES, MAX_CHOICES = 2, 10


@dataclass(frozen=True)
class QuestionDetails:
    """A quiz question and its answers to choose from: (text, correct) pairs, in order."""

    prompt: str
    multiple: bool
    choices: tuple[tuple[str, bool], ...]


def question_problems(details: QuestionDetails) -> dict[str, object]:
    """Every rule the question breaks, by field (empty when it is fine)."""
    problems = {}
    if not details.prompt:
        problems["prompt"] = _l("Enter the question.")
    elif len(details.prompt) > PROMPT_MAX_LENGTH:
        problems["prompt"] = _l("A question has at most %(max)d characters.", max=PROMPT_MAX_LENGTH)
    choice_problem = _choices_problem(details)
    if choice_problem:
        problems["choices"] = choice_problem
    return problems


def _choices_problem(details: QuestionDetails) -> object | None:
    texts = [text for text, _correct in details.choices]
    correct = sum(1 for _text, is_correct in details.choices if is_correct)
    if not MIN_CHOICES <= len(texts) <= MAX_CHOICES or not all(texts):
        return _l("Give from %(min)d to %(max)d answers to choose from.",
                  min=MIN_CHOICES, max=MAX_CHOICES)  # fmt: skip
    if any(len(text) > CHOICE_MAX_LENGTH for text in texts):
        return _l("An answer has at most %(max)d characters.", max=CHOICE_MAX_LENGTH)
    if correct == 0:
        return _l("Mark the correct answer.")
    if correct > 1 and not details.multiple:
        return _l("Mark only one correct answer, or say that several answers are correct.")
    return None


def _ensure_quiz(lesson: Lesson) -> None:
    if lesson.kind is not LessonKind.QUIZ:
        refuse("prompt", _l("Only quizzes have questions."))


def add_question(lesson: Lesson, details: QuestionDetails) -> QuizQuestion:
    """A new question at the end of a quiz."""
    _ensure_quiz(lesson)
    raise_if(question_problems(details))
    lock_course(lesson.course)
    last = db.session.scalar(
        select(func.max(QuizQuestion.position)).where(QuizQuestion.lesson_id == lesson.id)
    )
    question = QuizQuestion(lesson=lesson, position=(last or 0) + 1)
    db.session.add(question)
    _apply_question_details(question, details)
    db.session.flush()
    return question


def update_question(question: QuizQuestion, details: QuestionDetails) -> None:
    """Change a question and its answers; answers keep their place (and id) where they can."""
    raise_if(question_problems(details))
    _apply_question_details(question, details)
    db.session.flush()


def _apply_question_details(question: QuizQuestion, details: QuestionDetails) -> None:
    question.prompt = details.prompt
    question.multiple = details.multiple
    existing = list(question.choices)
    for position, (text, correct) in enumerate(details.choices, start=1):
        if position <= len(existing):
            choice = existing[position - 1]
            choice.text, choice.correct = text, correct
        else:
            question.choices.append(QuizChoice(position=position, text=text, correct=correct))
    for extra in existing[len(details.choices) :]:
        question.choices.remove(extra)


def delete_question(question: QuizQuestion) -> None:
    """Remove a question from its quiz."""
    course = question.lesson.course
    lock_course(course)
    lesson = question.lesson
    db.session.delete(question)
    db.session.flush()
    db.session.expire(lesson, ["questions"])
    ensure_still_publishable(course)
