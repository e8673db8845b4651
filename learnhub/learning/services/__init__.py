"""Learning rules, a module per concern; this package re-exports what other code uses.

- ``signals``: ``course_completed`` and ``resource_viewed`` (other features listen)
- ``enrolment``: enrol, leave;  ``progress``: a learner's row per lesson
- ``study_clock``: one wall-clock budget per learner across lessons, tabs and devices
- ``reading``: text lessons (minimum reading time);  ``media``: video and audio (the parts
  really played);  ``quizzes``: server-issued attempts, limits, scores
- ``completion``: lessons and courses done;  ``lesson_visit``: what opening a lesson notes;
  ``overview``: "my learning"

Services flush but never commit; the route or command commits. Modules of this package
import each other's modules, never this package.
"""

from .completion import completion_of
from .enrolment import UNDO_WINDOW, enrol, enrolment_of, is_enrolled, leave
from .errors import LearningError
from .lesson_visit import LessonFacts, LessonVisit, visit_lesson, visit_without_writing
from .media import MEDIA_DONE_SHARE, report_media_position
from .overview import CourseProgress, CourseStudy, course_study, my_learning
from .progress import progress_of
from .quizzes import QuizResting, QuizResult, grade_quiz, open_attempt, retry_at, submit_quiz
from .reading import ReadOnFirst, mark_text_read, reading_seconds
from .signals import course_completed, resource_viewed, view_resource

__all__ = [
    "MEDIA_DONE_SHARE",
    "UNDO_WINDOW",
    "CourseProgress",
    "CourseStudy",
    "LearningError",
    "LessonFacts",
    "LessonVisit",
    "QuizResting",
    "QuizResult",
    "ReadOnFirst",
    "completion_of",
    "course_completed",
    "course_study",
    "enrol",
    "enrolment_of",
    "grade_quiz",
    "is_enrolled",
    "leave",
    "mark_text_read",
    "my_learning",
    "open_attempt",
    "progress_of",
    "reading_seconds",
    "report_media_position",
    "resource_viewed",
    "retry_at",
    "submit_quiz",
    "view_resource",
    "visit_lesson",
    "visit_without_writing",
]
