"""One study clock per learner: lessons, tabs, devices and parallel requests share it."""

import math
import threading
import time
from datetime import timedelta

import pytest
from sqlalchemy import select

from learnhub.database import utcnow
from learnhub.extensions import db
from learnhub.learning import services
from learnhub.learning.models import LessonProgress, StudyClock
from tests.helpers import csrf_token_from, sign_in
from tests.learning_steps import count, enrol, lesson_ids, read_lesson, report, time_passes

READING = 6  # seconds: the minimum reading time of the fixture course's text


def test_two_tabs_reading_at_once_share_one_clock(enrolled_learner):
    """Two lessons opened together in two tabs: one reading's time cannot count for both."""
    user, (first, second) = enrolled_learner(("text", "text"))
    opened = utcnow()
    services.visit_lesson(user, first, now=opened)
    services.visit_lesson(user, second, now=opened)
    services.mark_text_read(user, first, now=opened + timedelta(seconds=READING))
    with pytest.raises(services.ReadOnFirst) as refused:
        services.mark_text_read(user, second, now=opened + timedelta(seconds=READING))
    assert refused.value.seconds == READING
    done = services.mark_text_read(user, second, now=opened + timedelta(seconds=2 * READING))
    assert done.completed_at is not None


def test_reading_while_a_video_plays_shares_the_clock(enrolled_learner):
    """A video played at the fastest speed uses all of the clock: a text read meanwhile does
    not also count."""
    user, (video, text) = enrolled_learner(("video", "text"))
    start = utcnow()
    services.visit_lesson(user, text, now=start)
    services.report_media_position(user, video, 0, start, "start")
    services.report_media_position(user, video, 30, start + timedelta(seconds=15))
    with pytest.raises(services.ReadOnFirst):
        services.mark_text_read(user, text, now=start + timedelta(seconds=15))


def test_idle_time_is_not_saved_up(enrolled_learner):
    """An hour without study leaves nothing to spend later: each piece of work counts from
    its own start."""
    user, (first, second) = enrolled_learner(("text", "text"))
    start = utcnow()
    services.visit_lesson(user, first, now=start)
    services.mark_text_read(user, first, now=start + timedelta(seconds=READING))
    later = start + timedelta(hours=1)
    services.visit_lesson(user, second, now=later)
    with pytest.raises(services.ReadOnFirst):
        services.mark_text_read(user, second, now=later + timedelta(seconds=1))


def two_devices(app, client):
    """The learner's second device (a client signed in separately)."""
    other = app.test_client()
    sign_in(other, "zhanglan")
    return [client, other]


def race(posts):
    """Send the prepared posts at the same moment from threads; returns the responses."""
    barrier, responses = threading.Barrier(len(posts)), [None] * len(posts)

    def send(index, post):
        barrier.wait()
        responses[index] = post()

    threads = [threading.Thread(target=send, args=item) for item in enumerate(posts)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return responses


def test_parallel_done_presses_cannot_spend_one_reading_twice(client, app, make_course, learner):
    """Two devices open two lessons, wait one reading time, press "done" at the same moment:
    exactly one lesson is done."""
    course_id = make_course(lessons=("text", "text", "text"))
    first, *lessons = lesson_ids(app, course_id)
    enrol(client, course_id)
    read_lesson(client, app, first)  # the learner's clock has been used before
    devices = two_devices(app, client)
    tokens = [
        csrf_token_from(device.get(f"/lessons/{lesson}").get_data(as_text=True))
        for device, lesson in zip(devices, lessons, strict=True)
    ]
    time_passes(app, READING + 1)
    responses = race([
        lambda device=device, lesson=lesson, token=token: device.post(
            f"/lessons/{lesson}/read", data={"csrf_token": token}
        )
        for device, lesson, token in zip(devices, lessons, tokens, strict=True)
    ])  # fmt: skip
    assert [r.status_code for r in responses] == [302, 302]
    with app.app_context():
        done = db.session.scalars(
            select(LessonProgress.completed_at).where(LessonProgress.lesson_id.in_(lessons))
        ).all()
        assert sorted(d is not None for d in done) == [False, True]


def test_parallel_media_reports_cannot_spend_one_minute_twice(client, app, make_course, learner):
    """Two devices play two videos; after 150 s both report the end at the same moment."""
    course_id = make_course(lessons=("video", "video"))
    lessons = lesson_ids(app, course_id)
    enrol(client, course_id)
    devices = two_devices(app, client)
    pages = [device.get(f"/lessons/{lesson}").get_data(as_text=True)
             for device, lesson in zip(devices, lessons, strict=True)]  # fmt: skip
    started = time.monotonic()  # real seconds pass too, and count (more under load)
    for device, lesson in zip(devices, lessons, strict=True):
        assert report(device, lesson, 0, "start").status_code == 200
    time_passes(app, 150)
    responses = race([
        lambda device=device, lesson=lesson, page=page: device.post(
            f"/lessons/{lesson}/media", json={"position": 300, "event": "progress"},
            headers={"X-CSRFToken": page.split('data-csrf="')[1].split('"')[0]},
        )
        for device, lesson, page in zip(devices, lessons, pages, strict=True)
    ])  # fmt: skip
    assert [r.status_code for r in responses] == [200, 200]
    assert sorted(r.json["completed"] for r in responses) == [False, True]
    real_seconds = math.ceil(time.monotonic() - started)
    assert sum(r.json["credited_seconds"] for r in responses) <= 300 + 2 * (3 + real_seconds)
    assert count(app, StudyClock) == 1
