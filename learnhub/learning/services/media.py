"""Video and audio lessons: credit what was really played, within the learner's one clock.

The server keeps the learner's last reported position and its (server) time per lesson.
A report whose position moved forward no faster than the fastest playback speed
(``MEDIA_MAX_PLAYBACK_RATE``) since then adds the stretch [last, now] to the union of parts
played, as far as the study clock allows (playing S seconds of media needs S / rate
wall-seconds). Any other move is a seek (or a step back) and earns nothing; parts played
again add nothing. The lesson is done when the union covers ``MEDIA_DONE_SHARE`` of it.
"""

from __future__ import annotations

import math
from datetime import datetime

from flask import current_app
from flask_babel import lazy_gettext as _l

from learnhub.accounts.models import User
from learnhub.catalogue.models import Lesson
from learnhub.database import utcnow

from ..models import LessonProgress
from . import study_clock
from .completion import complete_lesson
from .enrolment import require_enrolment
from .errors import LearningError
from .played_ranges import add_range, covered_seconds
from .progress import progress_row

MEDIA_DONE_SHARE = 0.9  # a media lesson is done when 90 % of it has really been played
MEDIA_EVENTS = ("start", "progress", "pause")


def report_media_position(
    user: User,
    lesson: Lesson,
    position: float,
    now: datetime | None = None,
    event: str = "progress",
) -> LessonProgress:
    """Take a player's report of where it is now (seconds into the media)."""
    if not lesson.is_media:
        raise LearningError(_l("This lesson has no video or audio."))
    require_enrolment(user, lesson)
    if not isinstance(position, int | float) or not math.isfinite(position) or position < 0:
        raise LearningError(_l("The player sent a position that is not possible."))
    if event not in MEDIA_EVENTS:
        raise LearningError(_l("The player sent a report that is not possible. Reload the page."))
    now = now or utcnow()
    position = min(int(position), lesson.duration_seconds)
    clock = study_clock.locked_clock(user)  # first: the learner's requests take turns here
    progress = progress_row(user, lesson, now=now, lock=True)
    playing = progress.last_report_at is not None and event != "start"
    if playing and position > progress.last_position:
        _credit_played(clock, progress, position, now)
    progress.last_position = position
    progress.last_report_at = None if event == "pause" else now
    if progress.credited_seconds >= MEDIA_DONE_SHARE * lesson.duration_seconds:
        complete_lesson(user, lesson, progress, now)
    return progress


def _credit_played(clock, progress: LessonProgress, position: int, now: datetime) -> None:
    """Add [last position, position] to the parts played, if it was played and the clock
    has time for it (only the part it has time for)."""
    rate = float(current_app.config["MEDIA_MAX_PLAYBACK_RATE"])
    tolerance = study_clock.media_tolerance_seconds()
    since = progress.last_report_at
    played = position - progress.last_position
    elapsed = max((now - since).total_seconds(), 0.0)
    if played > (elapsed + tolerance) * rate:
        return  # faster than any playback speed: a seek
    needed = played / rate
    granted = min(needed, study_clock.seconds_available(clock, since, now, tolerance))
    heard = played if granted >= needed else int(granted * rate)
    if heard <= 0:
        return
    study_clock.spend(clock, since, heard / rate)
    start = progress.last_position
    progress.played_ranges = add_range(progress.played_ranges or [], start, start + heard)
    progress.credited_seconds = covered_seconds(progress.played_ranges)
