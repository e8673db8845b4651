"""Text lessons: done only after the text's minimum reading time, within the learner's clock.

The reading starts when the enrolled learner opens the lesson (server time). The minimum is
``READING_FLOOR_SECONDS`` plus the text's length at ``READING_UNITS_PER_MINUTE``: each
Chinese (or Japanese, Korean) character counts one, so does each word of other scripts.
The default rate, 600 a minute, is fast adult reading of Chinese: honest readers, elders
above all, are slower, so only someone who did not read is ever turned away.
"""

from __future__ import annotations

import functools
import math
import re
from datetime import datetime

from flask import current_app
from flask_babel import LazyString, ngettext
from flask_babel import lazy_gettext as _l

from learnhub.accounts.models import User
from learnhub.catalogue.models import Lesson, LessonKind
from learnhub.database import utcnow

from ..models import LessonProgress
from ..speech import plain_text
from . import study_clock
from .completion import complete_lesson
from .enrolment import require_enrolment
from .errors import LearningError
from .progress import progress_row

# One unit of reading: a CJK character, or a word (a run of letters and digits) of
# any other script.
_READING_UNIT = re.compile(
    r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff]"
    r"|[^\W\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff]+"
)


class ReadOnFirst(LearningError):
    """ "Done" came before the minimum reading time: ``seconds`` more are needed."""

    def __init__(self, seconds: int):
        self.seconds = seconds
        super().__init__(_read_on_message(seconds))


@functools.lru_cache(maxsize=1024)
def _units_of_html(html: str) -> int:
    """Reading units of a lesson's HTML, kept per text: every opening of a lesson asks."""
    return reading_units(plain_text(html))


def reading_units(text: str) -> int:
    """Characters of Chinese and words of other scripts in ``text``."""
    return len(_READING_UNIT.findall(text))


def reading_seconds(lesson: Lesson) -> int:
    """The lesson's minimum reading time in whole seconds."""
    config = current_app.config
    units = _units_of_html(lesson.body_html or "")
    per_minute = float(config["READING_UNITS_PER_MINUTE"])
    return math.ceil(float(config["READING_FLOOR_SECONDS"]) + 60 * units / per_minute)


def mark_text_read(user: User, lesson: Lesson, now: datetime | None = None) -> LessonProgress:
    """ "I have read this lesson": done if the minimum reading time has passed since the
    learner opened it and the study clock has that time; otherwise ``ReadOnFirst``."""
    if lesson.kind is not LessonKind.TEXT:
        raise LearningError(_l("This lesson is not a reading."))
    require_enrolment(user, lesson)
    now = now or utcnow()
    clock = study_clock.locked_clock(user)
    progress = progress_row(user, lesson, now=now, lock=True)
    if progress.completed_at is not None:
        return progress  # already done: a second press spends nothing
    needed = reading_seconds(lesson)
    available = study_clock.seconds_available(clock, progress.started_at, now)
    if available < needed:
        raise ReadOnFirst(math.ceil(needed - available))
    study_clock.spend(clock, progress.started_at, needed)
    complete_lesson(user, lesson, progress, now)
    return progress


def _read_on_message(seconds: int) -> LazyString:
    """How much longer to read, in whole seconds under a minute, else in minutes (lazy:
    said in the language of whoever reads it)."""
    if seconds < 60:
        return LazyString(lambda: ngettext(
            "Please keep reading for about %(num)d more second. Then press "
            "“I have read this lesson” again.",
            "Please keep reading for about %(num)d more seconds. Then press "
            "“I have read this lesson” again.",
            seconds,
        ))  # fmt: skip
    minutes = math.ceil(seconds / 60)
    return LazyString(lambda: ngettext(
        "Please keep reading for about %(num)d more minute. Then press "
        "“I have read this lesson” again.",
        "Please keep reading for about %(num)d more minutes. Then press "
        "“I have read this lesson” again.",
        minutes,
    ))  # fmt: skip
