"""Video and audio lessons: the union of the parts really played, within the one clock."""

import math
import time
from datetime import timedelta

import pytest
from sqlalchemy import select

from learnhub.database import utcnow
from learnhub.extensions import db
from learnhub.learning import services
from learnhub.learning.models import CourseCompletion, LessonProgress
from learnhub.learning.services.played_ranges import add_range
from tests.learning_steps import count, enrol, lesson_ids, report, time_passes

DURATION = 300  # every fixture video and audio lasts 300 s


class Player:
    """A player on one lesson, reporting at server times ``start + seconds``."""

    def __init__(self, user, lesson, start):
        self.user, self.lesson, self.start = user, lesson, start

    def report(self, at: float, position: float, event: str = "progress") -> LessonProgress:
        now = self.start + timedelta(seconds=at)
        return services.report_media_position(self.user, self.lesson, position, now, event)

    def play(self, from_: int, to: int, at: float, rate: float = 1.0, every: int = 15) -> float:
        """Play from ``from_`` to ``to`` at ``rate``, starting at ``at``, reporting every
        ``every`` wall-seconds as the real player does; returns the wall time at the end."""
        self.report(at, from_, "start")
        position = from_
        while position < to:
            at += every
            position = min(to, position + every * rate)
            self.report(at, position)
        return at


def test_two_videos_played_side_by_side_do_not_both_finish(enrolled_learner):
    """The attack: two 300-s lessons "played" at double speed in two tabs for 150 s. One
    clock: only one lesson's worth of time is there."""
    user, (first, second) = enrolled_learner(("video", "video"))
    start = utcnow()
    a, b = Player(user, first, start), Player(user, second, start)
    a.report(0, 0, "start")
    b.report(0, 0, "start")
    for at in range(15, 151, 15):
        a.report(at, 2 * at)
        b.report(at, 2 * at)
    db.session.commit()
    done = [p.completed_at is not None for p in (a.report(150, 300), b.report(150, 300))]
    assert done.count(True) <= 1
    assert db.session.scalar(select(CourseCompletion.id)) is None
    credited = sum(services.progress_of(user, one).credited_seconds for one in (first, second))
    assert credited <= (150 + 3) * 2  # never more than the wall time allows at the fastest rate


def test_two_videos_side_by_side_through_the_pages(client, app, make_course, learner):
    """The same attack with real requests: both tabs say they reached the end 150 s on."""
    course_id = make_course(lessons=("video", "video"))
    first, second = lesson_ids(app, course_id)
    enrol(client, course_id)
    started = time.monotonic()  # real seconds pass too, and count (more under load)
    for lesson in (first, second):
        assert report(client, lesson, 0, "start").status_code == 200
    time_passes(app, 150)
    answers = [report(client, lesson, 300).json for lesson in (first, second)]
    real_seconds = math.ceil(time.monotonic() - started)
    assert [answer["completed"] for answer in answers] == [True, False]
    # the jitter allowance and the real seconds the requests took, at double speed; no more
    assert answers[1]["credited_seconds"] <= (3 + real_seconds) * 2
    assert count(app, CourseCompletion) == 0


def test_a_video_played_to_the_end_shows_as_finished_when_opened_again(
    client, app, make_course, learner
):
    course_id = make_course(lessons=("video",))
    video = lesson_ids(app, course_id)[0]
    enrol(client, course_id)
    assert "您已经学完这一课。" not in client.get(f"/lessons/{video}").get_data(as_text=True)
    report(client, video, 0, "start")
    time_passes(app, 300)
    assert report(client, video, 300).json["completed"] is True
    assert "您已经学完这一课。" in client.get(f"/lessons/{video}").get_data(as_text=True)


def test_replaying_the_first_ten_seconds_thirty_times_does_not_finish(enrolled_learner):
    """The attack: play 0–10 s thirty times (300 s of playing on a 300-s video)."""
    user, (video,) = enrolled_learner(("video",))
    player, at = Player(user, video, utcnow()), 0.0
    for _ in range(30):
        at = player.play(0, 10, at, every=10) + 1
    progress = services.progress_of(user, video)
    assert progress.credited_seconds == 10 and progress.played_ranges == [[0, 10]]
    assert progress.completed_at is None


def test_replaying_through_the_pages_adds_nothing(client, app, make_course, learner):
    course_id = make_course(lessons=("video",))
    video = lesson_ids(app, course_id)[0]
    enrol(client, course_id)
    for _ in range(30):
        report(client, video, 0, "start")
        time_passes(app, 10)
        answer = report(client, video, 10, "pause").json
    assert answer == {"credited_seconds": 10, "completed": False}


def test_the_parts_played_add_up_once_whatever_the_order(enrolled_learner):
    user, (video,) = enrolled_learner(("video",))
    player = Player(user, video, utcnow())
    at = player.play(0, 100, 0)
    at = player.play(200, 300, at + 5)  # jumped ahead: the gap earns nothing
    progress = services.progress_of(user, video)
    assert progress.played_ranges == [[0, 100], [200, 300]] and progress.credited_seconds == 200
    assert progress.completed_at is None
    at = player.play(50, 150, at + 5)  # back: 50–100 again, 100–150 new
    assert services.progress_of(user, video).credited_seconds == 250
    player.play(150, 270, at + 5)
    progress = services.progress_of(user, video)
    assert progress.played_ranges == [[0, 300]] and progress.completed_at is not None


def test_a_jump_faster_than_the_fastest_speed_earns_nothing(enrolled_learner):
    """Double speed (MEDIA_MAX_PLAYBACK_RATE) with reports arriving a little early or late
    is credited; a position moving faster than that is a seek."""
    user, (video, audio) = enrolled_learner(("video", "audio"))
    fast = Player(user, video, utcnow())
    fast.report(0, 0, "start")
    for at, position in ((14, 30), (31, 60), (44, 90)):  # jitter: ±1 s on 15-s reports
        progress = fast.report(at, position)
    assert progress.credited_seconds == 90
    seek = Player(user, audio, utcnow() + timedelta(minutes=5))
    seek.report(0, 0, "start")
    assert seek.report(15, 40).credited_seconds == 0  # 40 s of media in 15 s: a seek
    assert seek.report(30, 70).credited_seconds == 30  # then played on from there


def test_the_fastest_speed_exactly_is_playing_and_a_jump_at_once_is_a_seek(enrolled_learner):
    """At double speed with 3 s of jitter, 15 s of wall time allow exactly (15 + 3) × 2 = 36 s
    of media; a position that moves with no time passing at all may move 3 × 2 = 6 s."""
    user, (video, audio) = enrolled_learner(("video", "audio"))
    limit = Player(user, video, utcnow())
    limit.report(0, 0, "start")
    assert limit.report(15, 36).credited_seconds == 36
    at_once = Player(user, audio, utcnow() + timedelta(minutes=5))
    at_once.report(0, 0, "start")
    assert at_once.report(0, 7).credited_seconds == 0  # 7 s of media in no time: a seek


def test_a_second_lesson_gets_only_what_is_left_on_the_clock(enrolled_learner):
    """Two lessons reported at the same moment: the second gets the clock's remaining
    seconds, heard at up to double speed."""
    user, (first, second) = enrolled_learner(("video", "video"))
    start = utcnow()
    one, two = Player(user, first, start), Player(user, second, start)
    one.report(0, 0, "start")
    two.report(0, 0, "start")
    assert one.report(20, 40).credited_seconds == 40  # 20 s of the clock's 23 at double speed
    assert two.report(20, 40).credited_seconds == 6  # the 3 s left, heard at double speed


def test_time_while_paused_is_never_credited(enrolled_learner):
    """Pause at 10 s, wait, jump to the end, play on: the wait earned nothing."""
    user, (video,) = enrolled_learner(("video",))
    player = Player(user, video, utcnow())
    player.report(0, 0, "start")
    player.report(10, 10, "pause")
    assert player.report(160, 300).credited_seconds == 10  # only the new starting point
    assert services.progress_of(user, video).completed_at is None


def test_a_new_start_begins_a_new_stretch(enrolled_learner):
    """The page was closed without a pause; a minute later a new page starts at 100 s: the
    minute in between earns nothing."""
    user, (video,) = enrolled_learner(("video",))
    player = Player(user, video, utcnow())
    player.report(0, 0, "start")
    player.report(15, 15)
    assert player.report(75, 100, "start").credited_seconds == 15
    assert player.report(90, 115).credited_seconds == 30


def test_media_is_done_at_ninety_percent_of_its_length(enrolled_learner):
    user, (audio,) = enrolled_learner(("audio",))
    player = Player(user, audio, utcnow())
    at = player.play(0, 269, 0)
    assert services.progress_of(user, audio).completed_at is None
    player.report(at + 1, 270)
    assert services.progress_of(user, audio).completed_at is not None


@pytest.mark.parametrize(
    "body",
    [
        [1, 2],
        "300",
        {"position": "300"},
        {"position": True},
        {"position": None},
        {"position": -5},
        {"position": [10]},
        {"position": {"$gt": 1}},
        {"position": 10, "event": {"nested": ["junk"]}},
        {"position": 10, "event": "finish"},
        {"position": 10**400},
    ],
)
def test_reports_that_are_not_possible_get_a_clear_400(client, app, make_course, learner, body):
    course_id = make_course(lessons=("video",))
    video = lesson_ids(app, course_id)[0]
    enrol(client, course_id)
    report(client, video, 0, "start")
    html = client.get(f"/lessons/{video}").get_data(as_text=True)
    token = html.split('data-csrf="')[1].split('"')[0]
    response = client.post(f"/lessons/{video}/media", json=body, headers={"X-CSRFToken": token})
    assert response.status_code == 400
    assert response.json["error"]["message"] == "播放器发来的进度不对。请刷新页面。"
    with app.app_context():
        progress = db.session.scalar(select(LessonProgress))
        assert (progress.last_position, progress.credited_seconds) == (0, 0)


@pytest.mark.parametrize(
    "number", ["NaN", "Infinity", "-Infinity", "1e400", "[" * 100_000 + "]" * 100_000]
)  # the last: JSON nested deeper than Python's stack
def test_numbers_that_are_not_finite_get_a_clear_400(client, app, make_course, learner, number):
    course_id = make_course(lessons=("video",))
    video = lesson_ids(app, course_id)[0]
    enrol(client, course_id)
    html = client.get(f"/lessons/{video}").get_data(as_text=True)
    token = html.split('data-csrf="')[1].split('"')[0]
    response = client.post(
        f"/lessons/{video}/media",
        data=f'{{"position": {number}, "event": "progress"}}',
        headers={"X-CSRFToken": token, "Content-Type": "application/json"},
    )
    assert response.status_code == 400 and "message" in response.json["error"]
    assert count(app, LessonProgress) == 0


def test_the_existing_player_contract_still_works(client, app, make_course, learner):
    """start, then progress every 15 s (here: the server's clock moved on 15 s each time)."""
    course_id = make_course(lessons=("audio",))
    audio = lesson_ids(app, course_id)[0]
    enrol(client, course_id)
    assert report(client, audio, 0, "start").json == {"credited_seconds": 0, "completed": False}
    for position in range(15, 271, 15):
        time_passes(app, 15)
        answer = report(client, audio, position).json
    assert answer == {"credited_seconds": 270, "completed": True}
    assert count(app, CourseCompletion) == 1


def test_an_empty_part_adds_nothing_and_the_stored_list_is_never_changed():
    stored = [[0, 5]]
    assert add_range([], 4, 4) == []
    same = add_range(stored, 3, 3)
    assert same == [[0, 5]] and same is not stored and same[0] is not stored[0]
    assert add_range(stored, 5, 9) == [[0, 9]] and stored == [[0, 5]]


def test_a_lesson_without_media_takes_no_player_reports(enrolled_learner, app):
    user, (text,) = enrolled_learner(("text",))
    with app.test_request_context(headers={"Cookie": "learnhub_locale=en"}):
        with pytest.raises(services.LearningError) as refused:
            services.report_media_position(user, text, 10)
        assert str(refused.value.message) == "This lesson has no video or audio."


@pytest.mark.parametrize("position", [-1, float("nan"), "10"])
def test_a_position_that_is_not_possible_is_refused_with_its_message(
    enrolled_learner, app, position
):
    user, (video,) = enrolled_learner(("video",))
    with app.test_request_context(headers={"Cookie": "learnhub_locale=en"}):
        with pytest.raises(services.LearningError) as refused:
            services.report_media_position(user, video, position)
        assert str(refused.value.message) == "The player sent a position that is not possible."
