"""Rankings: counting rules, daily aggregates, rebuild, leaderboards, API and exports."""

from __future__ import annotations

import io
import os
import random
import signal
import subprocess
import sys
import threading
import time
import urllib.request
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from fractions import Fraction
from pathlib import Path
from zoneinfo import ZoneInfo

import flask_migrate
import pytest
from openpyxl import load_workbook
from pyroaring import BitMap
from sqlalchemy import delete, event, func, select

from learnhub.accounts.models import Role, User
from learnhub.extensions import db
from learnhub.jobs.failures import send_again
from learnhub.jobs.models import FailedJob
from learnhub.jobs.queue import queue
from learnhub.rankings import (
    aggregates,
    aggregation,
    counting,
    events,
    leaderboard,
    learner_periods,
    rebuild,
    services,
    view_buffer,
    view_journal,
    visitors,
)
from learnhub.rankings.models import (
    ActiveBits,
    CityDay,
    CourseDay,
    DistrictDay,
    LearnerDay,
    LearnerPeriod,
    ViewEvent,
)
from learnhub.rankings.services import record_view
from tests.helpers import read_text_lesson, sign_in

REDIS_URL = os.environ.get("LEARNHUB_TEST_REDIS_URL")
CHINA = ZoneInfo("Asia/Shanghai")  # the site's default time zone, BABEL_DEFAULT_TIMEZONE

BROWSER = {
    "User-Agent": "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 Chrome/126.0",
    "Accept": "text/html,application/xhtml+xml",
}
SHENYANG, DALIAN, ANSHAN = "210100", "210200", "210300"
HEPING = "210102"
MINUTE = 60_000


@pytest.fixture(autouse=True)
def no_board_cache(app):
    app.config["RANKINGS_CACHE_SECONDS"] = 0


def china_ms(*args) -> int:
    return counting.epoch_ms(datetime(*args, tzinfo=CHINA))


def view(app, at_ms: int, visitor: str = "vvisitor-aaaaaaaaaaaa", resource: int = 1, **extra):
    fields = {
        "resource_kind": "course", "resource_id": resource, "course_id": None, "user_id": None,
        "visitor_key": visitor, "city_code": SHENYANG, "district_code": HEPING,
        "occurred_ms": at_ms,
    }  # fmt: skip
    fields.update(extra)
    with app.app_context():
        record_view(**fields)


def aggregate(app) -> None:
    with app.app_context():
        aggregation.aggregate_pending()
        db.session.commit()


def city_total(app, metric: str, city: str = SHENYANG, day: date | None = None) -> int:
    with app.app_context():
        query = select(func.coalesce(func.sum(CityDay.value), 0)).where(
            CityDay.metric == metric, CityDay.city_code == city
        )
        if day:
            query = query.where(CityDay.day == day)
        return db.session.scalar(query)


def snapshot(app) -> dict:
    with app.app_context():
        tables = {}
        for model in (CityDay, DistrictDay, CourseDay):
            rows = db.session.execute(select(model.__table__)).all()
            tables[model.__tablename__] = sorted(tuple(r) for r in rows if r.value)
        tables["learners"] = sorted(
            tuple(r) for r in db.session.execute(select(LearnerDay.__table__))
        )
        tables["learner_periods"] = sorted(
            tuple(r) for r in db.session.execute(select(LearnerPeriod.__table__))
        )
        tables["active_bits"] = sorted(  # the sets of learners, however their bytes are laid out
            (*r[:4], list(BitMap.deserialize(bytes(r.bits))))
            for r in db.session.execute(select(ActiveBits.__table__))
        )
        return tables


# ---- counting rules --------------------------------------------------------------------


def test_repeat_views_within_thirty_minutes_count_once(app):
    start = china_ms(2024, 5, 6, 10, 0)
    view(app, start)
    view(app, start + 29 * MINUTE)  # a repeat: and it extends the quiet period
    view(app, start + 29 * MINUTE + 30 * MINUTE)  # 30 minutes without viewing it: counts
    view(app, start + 5 * MINUTE, resource=2)  # another resource counts on its own
    view(app, start + 6 * MINUTE, visitor="vvisitor-bbbbbbbbbbbb")  # another visitor too
    aggregate(app)
    assert city_total(app, "clicks") == 4
    assert city_total(app, "filtered") == 0


def test_ten_thousand_views_of_one_resource_add_exactly_one(app):
    start = china_ms(2024, 5, 6, 9, 0)
    with app.app_context():
        from learnhub.rankings.services import view_row, write_views

        rows = [
            view_row("lesson", 7, 3, None, "vflooder-aaaaaaaaaaaaa", SHENYANG, HEPING,
                     occurred_ms=start + i * 100)
            for i in range(10_000)
        ]  # fmt: skip
        write_views(rows)
    aggregate(app)
    assert city_total(app, "clicks") == 1
    # The flood beyond the per-visitor rate limit is visible as filtered.
    limit = app.config["RANKINGS_RATE_LIMIT"]
    assert city_total(app, "filtered") == 10_000 - limit


def test_rate_limited_visitor_counts_again_later(app):
    app.config["RANKINGS_RATE_LIMIT"] = 3
    start = china_ms(2024, 5, 6, 9, 0)
    for i in range(5):  # five resources in five seconds: two over the limit
        view(app, start + i * 1000, resource=i)
    view(app, start + 11 * MINUTE, resource=99)
    aggregate(app)
    assert city_total(app, "clicks") == 4
    assert city_total(app, "filtered") == 2


@pytest.mark.parametrize(
    ("headers", "method", "reason"),
    [
        (
            {"User-Agent": "Mozilla/5.0 (compatible; Baiduspider/2.0)", "Accept": "*/*"},
            "GET",
            "bot",
        ),
        ({"User-Agent": "curl/8.0", "Accept": "*/*"}, "GET", "bot"),
        ({**BROWSER, "Sec-Purpose": "prefetch"}, "GET", "prefetch"),
        ({**BROWSER, "Purpose": "prefetch"}, "GET", "prefetch"),
        (BROWSER, "HEAD", "head"),
        ({"User-Agent": "Mozilla/5.0", "Accept": ""}, "GET", "nobrowser"),
        ({"User-Agent": "SomeApp/1.0", "Accept": "*/*"}, "GET", "nobrowser"),
        ({}, "GET", "bot"),
    ],
)
def test_requests_that_never_count(headers, method, reason):
    status = counting.request_status(
        method, headers.get("User-Agent", ""),
        headers.get("Sec-Purpose", "") + headers.get("Purpose", ""), headers.get("Accept", ""),
        is_staff=False, signed_in=True, has_visitor_cookie=True,
    )  # fmt: skip
    assert status == reason


def test_views_through_the_site_bots_staff_and_cookieless_are_filtered(
    app, client, make_course, make_user
):
    course_id = make_course(lessons=("text",))
    # An anonymous visitor who keeps cookies counts for the province, not for a city.
    client.get("/", headers=BROWSER)
    client.get(f"/courses/{course_id}", headers=BROWSER)
    client.get(f"/courses/{course_id}", headers=BROWSER)  # a repeat
    # A cookieless client (every request is its first), a crawler, a HEAD and a prefetch.
    app.test_client(use_cookies=False).get(f"/courses/{course_id}", headers=BROWSER)
    client.get(f"/courses/{course_id}", headers={"User-Agent": "Googlebot/2.1", "Accept": "*/*"})
    client.head(f"/courses/{course_id}", headers=BROWSER)
    client.get(f"/courses/{course_id}", headers={**BROWSER, "Sec-Purpose": "prefetch"})
    # A staff member's views never count.
    make_user("cityadmin", role=Role.CITY_STAFF, managed=SHENYANG)
    staff = app.test_client()
    sign_in(staff, "cityadmin")
    staff.get(f"/courses/{course_id}", headers=BROWSER)
    aggregate(app)
    assert city_total(app, "clicks", "") == 1
    assert city_total(app, "clicks", SHENYANG) == 0
    assert city_total(app, "filtered", SHENYANG) == 1  # the staff member's city
    assert city_total(app, "filtered", "") == 4  # cookieless, the bot, HEAD and prefetch
    with app.app_context():
        statuses = db.session.scalars(select(ViewEvent.status).order_by(ViewEvent.id)).all()
    assert statuses == ["ok", "ok", "cookieless", "bot", "head", "prefetch", "staff"]


def test_signed_in_learner_counts_for_their_city_and_is_active(app, client, make_course, make_user):
    course_id = make_course(lessons=("text",))
    make_user("learner1", city=ANSHAN, district="210302")
    sign_in(client, "learner1")
    with app.app_context():
        from learnhub.catalogue.models import Lesson

        lesson_id = db.session.scalar(select(Lesson.id).where(Lesson.course_id == course_id))
    client.get(f"/courses/{course_id}", headers=BROWSER)
    client.get(f"/lessons/{lesson_id}", headers=BROWSER)
    aggregate(app)
    assert city_total(app, "clicks", ANSHAN) == 2
    today = datetime.now(CHINA).date()
    with app.app_context():
        board = leaderboard.leaderboard(
            leaderboard.board_query({"metric": "active_learners", "window": "today"}, today)
        )
        anshan = next(e for e in board.entries if e.code == ANSHAN)
        assert anshan.value == 1 and anshan.rank == 1
        districts = leaderboard.city_district_board(ANSHAN, today=today)
        assert districts.entries[0].code == "210302" and districts.entries[0].value == 2


def test_china_day_boundaries(app):
    view(app, china_ms(2024, 5, 6, 23, 59), resource=1)
    view(app, china_ms(2024, 5, 7, 0, 1), resource=2)
    aggregate(app)
    assert city_total(app, "clicks", day=date(2024, 5, 6)) == 1
    assert city_total(app, "clicks", day=date(2024, 5, 7)) == 1
    # 23:59 China time is 15:59 UTC of the same day; 00:01 is 16:01 UTC of the day before.
    with app.app_context():
        moment = counting.epoch_ms(datetime(2024, 5, 6, 16, 1, tzinfo=UTC))
        assert counting.local_day(moment) == date(2024, 5, 7)


# ---- recording views: buffered writes -----------------------------------------------------


def view_count(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count(ViewEvent.id)))


@pytest.fixture
def buffering(app):
    """The app as in production: views buffered (an interval long enough that only the test
    hands them over)."""
    app.config["RANKINGS_VIEW_FLUSH_SECONDS"] = 3600
    yield view_buffer.view_buffer(app)
    view_buffer.hand_over_views(app)


def test_a_page_with_buffered_views_writes_nothing_itself(
    app, client, make_course, buffering, run_jobs
):
    course_id = make_course(lessons=("text",))
    run_jobs()  # the new course's search entry: the queue is empty now
    client.get("/", headers=BROWSER)  # the visitor cookie
    writes = []

    def count_writes(_conn, _cursor, statement, *_args):
        if threading.get_ident() == request_thread and not statement.lstrip().startswith(
            ("SELECT", "PRAGMA", "BEGIN", "SAVEPOINT", "RELEASE", "ROLLBACK", "SHOW", "select")
        ):
            writes.append(statement)

    request_thread = threading.get_ident()
    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", count_writes)
    try:
        for _ in range(3):
            assert client.get(f"/courses/{course_id}", headers=BROWSER).status_code == 200
    finally:
        event.remove(engine, "before_cursor_execute", count_writes)
    assert writes == []
    assert queue.pending_count() == 0  # still in this process's buffer
    assert view_buffer.hand_over_views(app) == 3
    assert view_count(app) == 0  # in the queue now, as one job
    assert run_jobs() == 1
    aggregate(app)
    assert view_count(app) == 3
    assert city_total(app, "clicks", "") == 1  # dedupe works on buffered views as on any


def _rows(app, count: int) -> list[dict]:
    with app.app_context():
        return [
            services.view_row("course", 1, None, None, f"vvisitor-{i:012d}", SHENYANG)
            for i in range(count)
        ]


def test_a_full_buffer_is_handed_over_without_waiting_for_the_interval(app, buffering, run_jobs):
    buffering.add(_rows(app, view_buffer.FLUSH_AT_ROWS - 1))
    assert queue.pending_count() == 0
    buffering.add(_rows(app, 1))
    assert queue.pending_count() == 1
    run_jobs()
    assert view_count(app) == view_buffer.FLUSH_AT_ROWS


def test_an_old_buffer_is_handed_over_by_the_next_request(app, buffering, monkeypatch):
    buffering.add(_rows(app, 1))
    assert queue.pending_count() == 0
    monkeypatch.setattr(buffering, "interval", 0.0)  # as if the interval had passed
    buffering.add(_rows(app, 1))
    assert queue.pending_count() == 1


def test_views_wait_in_the_journal_while_the_queue_is_unreachable(
    app, buffering, run_jobs, monkeypatch
):
    def unreachable():
        raise ConnectionError("queue unreachable")

    monkeypatch.setattr(view_buffer, "record_pending_views", unreachable)
    monkeypatch.setattr(view_buffer.log, "disabled", False)  # alembic's logging turns it off
    buffering.add(_rows(app, 2))
    assert view_buffer.hand_over_views(app) == 0  # the worker could not be asked
    monkeypatch.undo()
    buffering.add(_rows(app, 1))
    assert view_buffer.hand_over_views(app) == 1
    run_jobs()
    assert view_count(app) == 3  # the first two waited in the journal, and were written too


def test_a_batch_the_database_keeps_refusing_is_kept_for_staff(
    app, buffering, run_jobs, monkeypatch
):
    def refusing(_rows):
        raise RuntimeError("database unavailable")

    monkeypatch.setattr(view_journal, "add_views", refusing)
    buffering.add(_rows(app, 3))
    view_buffer.hand_over_views(app)
    run_jobs()  # every retry fails
    monkeypatch.undo()
    with app.app_context():
        (failure,) = db.session.scalars(select(FailedJob)).all()
        assert failure.name == "learnhub.rankings.jobs.record_pending_views"
        send_again(failure, staff_id=None)
        db.session.commit()
    run_jobs()
    assert view_count(app) == 3  # the same three views, not lost, not twice


def test_live_aggregator_waits_for_late_batches_so_dedupe_matches_the_rebuild(app):
    """Process B writes its batch before process A, whose batch holds an older view."""
    now = counting.epoch_ms(datetime.now(UTC))
    reader = {"resource": 1, "visitor": "vreader-aaaaaaaaaaaa"}
    view(app, now - 60_000, **reader)  # B: a reload, one minute ago
    view(app, now - 1_000, visitor="vother-aaaaaaaaaaaaaa")  # B: someone else, just now
    view(app, now - 61_000, **reader)  # A's batch, written late: the first view
    with app.app_context():
        settle = aggregation.settle_ms()
        assert aggregation.aggregate_pending(settle=settle) == 0  # all held back for now
        db.session.commit()
    aggregate(app)  # later, when every view has settled
    live = snapshot(app)
    assert city_total(app, "clicks") == 2  # the late first view counts; the reload does not
    today = datetime.now(CHINA).date()
    with app.app_context():
        rebuild.rebuild(today - timedelta(days=1), today)
        db.session.commit()
    assert snapshot(app) == live


def test_settled_bound_keeps_views_in_time_order(app):
    now = counting.epoch_ms(datetime.now(UTC))
    for offset in (120_000, 100_000, 2_000, 110_000, 80_000):  # ids 1..5; id 4 came late
        view(app, now - offset, visitor=f"vvisitor-{offset:012d}")
    with app.app_context():
        first = db.session.scalar(select(func.min(ViewEvent.id))) - 1
        bound = aggregation.settled_bound(first, first + 5, 10_000)
    # id 3 happened 2 s ago: it and every later id wait, and so must id 2, which happened
    # after id 4 (110 s ago, written late).
    assert bound == first + 1


@pytest.mark.slow
def test_gunicorn_stopped_cleanly_loses_no_buffered_view(
    app, make_course, migrated_database_url, run_jobs
):
    course_id = make_course(lessons=("text",))
    run_jobs()  # the new course's search entry: the queue is empty now
    port = _free_port()
    env = {
        **os.environ,
        "DATABASE_URL": migrated_database_url,
        "SECRET_KEY": "test-secret-key",
        "LEARNHUB_RANKINGS_VIEW_FLUSH_SECONDS": "3600",  # only the shutdown hands them over
    }
    server = _gunicorn(env, port, workers=2, deployed_settings=True)
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_for(base + "/")
        with app.app_context():
            cookie = visitors.signed_visitor_id(counting.new_visitor_id())
        headers = {**BROWSER, "Cookie": f"learnhub_visitor={cookie}"}
        for _ in range(40):
            request = urllib.request.Request(f"{base}/courses/{course_id}", headers=headers)  # noqa: S310
            with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
                assert response.status == 200
        assert queue.pending_count() == 0  # both workers still hold them
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=60)
    assert server.returncode == 0
    run_jobs()  # what the worker service does with the batches the stopping workers sent
    assert view_count(app) == 40


def _gunicorn(env: dict, port: int, workers: int, deployed_settings: bool = False):
    """gunicorn serving the app on 127.0.0.1:port in a session of its own."""
    settings = ["-c", "python:learnhub.gunicorn_conf"] if deployed_settings else []
    return subprocess.Popen(
        [sys.executable, "-m", "gunicorn", *settings, "-w", str(workers),
         "-b", f"127.0.0.1:{port}", "--log-level", "warning", "wsgi:app"],
        env=env, start_new_session=True, cwd=Path(__file__).parent.parent,
    )  # fmt: skip


def _web_worker_pids(server: subprocess.Popen) -> list[int]:
    children = Path(f"/proc/{server.pid}/task/{server.pid}/children").read_text()
    return [int(pid) for pid in children.split()]


@pytest.mark.slow
def test_a_web_worker_killed_loses_no_view(
    app, make_course, migrated_database_url, run_jobs, job_queue
):
    # With the SQLite queue the views go to a file of each web process, with Redis to a list.
    course_id = make_course(lessons=("text",))
    run_jobs()  # the new course's search entry: the queue is empty now
    port = _free_port()
    env = {
        **os.environ,
        "DATABASE_URL": migrated_database_url,
        "SECRET_KEY": "test-secret-key",
        "LEARNHUB_JOBS_URL": app.config["JOBS_URL"],
        "LEARNHUB_JOBS_QUEUE_NAME": app.config["JOBS_QUEUE_NAME"],
        "LEARNHUB_RANKINGS_VIEW_FLUSH_SECONDS": "3600",  # no hand-over before the kill
    }
    server = _gunicorn(env, port, workers=1)
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_for(base + "/")
        with app.app_context():
            cookie = visitors.signed_visitor_id(counting.new_visitor_id())
        headers = {**BROWSER, "Cookie": f"learnhub_visitor={cookie}"}

        def read_course(times: int) -> None:
            for _ in range(times):
                request = urllib.request.Request(f"{base}/courses/{course_id}", headers=headers)  # noqa: S310
                with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
                    assert response.status == 200

        read_course(20)
        (worker,) = _web_worker_pids(server)
        os.kill(worker, signal.SIGKILL)  # its 20 views were never handed to the queue
        deadline = time.monotonic() + 30
        while _web_worker_pids(server) in ([], [worker]) and time.monotonic() < deadline:
            time.sleep(0.1)
        _wait_for(base + "/")
        read_course(5)  # served by the worker gunicorn started instead
        assert queue.pending_count() == 0
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=60)
    assert server.returncode == 0
    run_jobs()  # the stopping worker asked for its views: the dead one's are written too
    assert view_count(app) == 25


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_for(url: str) -> None:
    for _ in range(150):
        try:
            urllib.request.urlopen(url, timeout=1).read()  # noqa: S310
            return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError("gunicorn did not start")


# ---- registrations and completions -----------------------------------------------------


def test_registrations_count_at_creation_and_survive_deletion(app, make_user):
    user_id = make_user("newcomer", city=DALIAN, district="210202")
    make_user("staffer", role=Role.CITY_STAFF, managed=DALIAN, city=DALIAN, district=None)
    assert city_total(app, "registrations", DALIAN) == 1  # staff accounts are not learners
    _delete_account_row(app, user_id)
    assert city_total(app, "registrations", DALIAN) == 1
    today = datetime.now(CHINA).date()
    with app.app_context():
        before = snapshot(app)
        rebuild.rebuild(today, today)
        db.session.commit()
    assert snapshot(app) == before


def _delete_account_row(app, user_id: int) -> None:
    """Remove the account row itself, whatever other features keep about it."""
    with app.app_context():
        db.session.remove()
        raw = db.engine.raw_connection()
        try:
            cursor = raw.cursor()
            if db.engine.dialect.name == "sqlite":  # autocommit: see learnhub.database
                cursor.execute("PRAGMA foreign_keys=OFF")
                cursor.execute("DELETE FROM user_account WHERE id = ?", (user_id,))
                cursor.execute("PRAGMA foreign_keys=ON")
            else:
                cursor.execute("SET LOCAL session_replication_role = replica")
                cursor.execute("DELETE FROM user_account WHERE id = %s", (user_id,))
                raw.commit()
        finally:
            raw.close()


def test_completions_and_credits(app, client, make_course, make_user):
    course_id = make_course(lessons=("text",), credits="1.5")
    make_user("finisher", city=DALIAN, district="210202")
    sign_in(client, "finisher")
    with app.app_context():
        from learnhub.catalogue.models import Course
        from learnhub.learning import services

        user = db.session.scalar(select(User).where(User.username == "finisher"))
        course = db.session.get(Course, course_id)
        services.enrol(user, course)
        read_text_lesson(user, course.lessons[0])
        db.session.commit()
    assert city_total(app, "completions", DALIAN) == 1
    assert city_total(app, "credits", DALIAN) == 150
    today = datetime.now(CHINA).date()
    with app.app_context():
        board = leaderboard.leaderboard(
            leaderboard.board_query({"metric": "credits", "window": "today"}, today)
        )
        assert board.entries[0].code == DALIAN and board.entries[0].value == Decimal("1.5")


def test_a_completion_counted_twice_counts_once(app):
    day = date(2024, 5, 6)
    with app.app_context():
        for _ in range(2):  # e.g. the signal sent again for the same completion
            events.record_completions([(7, 1, 3, DALIAN, None, day)])
            db.session.commit()
    assert city_total(app, "completions", DALIAN) == 1


# ---- rebuild and pruning ---------------------------------------------------------------


def _some_history(app) -> None:
    start = china_ms(2024, 5, 6, 23, 40)
    for i in range(120):
        view(
            app, start + i * 37_000, visitor=f"vvisitor-{i % 7:012d}", resource=i % 5,
            course_id=i % 3 + 1, city_code=[SHENYANG, DALIAN, ANSHAN][i % 3],
            user_id=i % 4 or None, resource_kind=["course", "lesson", "media"][i % 3],
            address_key=[f"address-{i % 4}", None][i % 9 == 0], network_key=f"network-{i % 2}",
        )  # fmt: skip


def test_rebuild_gives_the_live_numbers(app):
    # Caps per visitor, address and network that all bite in this history.
    app.config.update(
        RANKINGS_RATE_LIMIT=2, RANKINGS_ADDRESS_RATE_LIMIT=3, RANKINGS_NETWORK_RATE_LIMIT=6
    )
    _some_history(app)
    with app.app_context():
        # The live path, in several small batches.
        aggregation.aggregate_pending(batch_size=17)
        db.session.commit()
    live = snapshot(app)
    assert live["rank_city_day"]
    assert city_total(app, "filtered", SHENYANG) + city_total(app, "filtered", DALIAN) > 0
    with app.app_context():
        rebuild.rebuild(date(2024, 5, 6), date(2024, 5, 7), today=date(2024, 6, 1))
        db.session.commit()
    assert snapshot(app) == live


def test_a_learner_seen_in_two_cities_on_a_day_is_active_for_the_first(app):
    start = china_ms(2024, 5, 6, 9, 0)
    for i, city in enumerate([ANSHAN, DALIAN, SHENYANG, DALIAN]):
        view(app, start + i * MINUTE, visitor="u5", user_id=5, resource=i,
             resource_kind="lesson", city_code=city, district_code=None)  # fmt: skip
    aggregate(app)
    live = snapshot(app)
    assert live["learners"] == [(date(2024, 5, 6), 5, ANSHAN, "")]
    with app.app_context():
        rebuild.rebuild(date(2024, 5, 6), date(2024, 5, 6), today=date(2024, 6, 1))
        db.session.commit()
    assert snapshot(app) == live


def test_rebuild_refuses_pruned_days_and_pruning_keeps_aggregates(app):
    _some_history(app)
    aggregate(app)
    before = snapshot(app)
    with app.app_context():
        today = date(2024, 5, 7) + timedelta(days=app.config["RANKINGS_RETENTION_DAYS"] + 1)
        assert rebuild.prune_raw_events(today) > 0
        db.session.commit()
        assert db.session.scalar(select(func.count(ViewEvent.id))) == 0
        with pytest.raises(rebuild.RebuildError):
            rebuild.rebuild(date(2024, 5, 6), date(2024, 5, 7), today=today)
    assert snapshot(app) == before


def test_rebuild_command(app, runner):
    _some_history(app)
    aggregate(app)
    result = runner.invoke(
        args=["rankings", "rebuild", "--start", "2024-05-06", "--end", "2024-05-07"]
    )
    assert result.exit_code != 0 and "pruned" in result.output  # older than the retention
    app.config["RANKINGS_RETENTION_DAYS"] = 100_000
    result = runner.invoke(
        args=["rankings", "rebuild", "--start", "2024-05-06", "--end", "2024-05-07"]
    )
    assert result.exit_code == 0, result.output
    result = runner.invoke(args=["rankings", "aggregate"])
    assert result.exit_code == 0 and "0 view events" in result.output


# ---- leaderboards ----------------------------------------------------------------------


def test_ties_share_a_rank_and_the_next_is_skipped():
    scores = [Fraction(5), Fraction(3), Fraction(3), Fraction(1), None]
    assert leaderboard.rank_fairly(scores) == [1, 2, 2, 4, None]
    assert leaderboard.rank_fairly([Fraction(0)] * 3) == [1, 1, 1]


def _add_clicks(app, amounts: dict[tuple[str, date], int]) -> None:
    from collections import Counter

    with app.app_context():
        aggregates.add_region_amounts(
            "clicks", Counter({(day, city, ""): n for (city, day), n in amounts.items()})
        )
        db.session.commit()


def test_board_ranks_ties_per_capita_and_rank_change(app):
    today = date(2024, 5, 15)
    _add_clicks(app, {
        (SHENYANG, today): 100, (DALIAN, today): 100, (ANSHAN, today): 50,
        (SHENYANG, date(2024, 4, 10)): 10, (ANSHAN, date(2024, 4, 10)): 30,
    })  # fmt: skip
    with app.app_context():
        from learnhub.regions.models import Region

        population = {c: db.session.get(Region, c).population for c in (SHENYANG, ANSHAN)}
        board = leaderboard.leaderboard(leaderboard.board_query({"window": "month"}, today))
        by_code = {e.code: e for e in board.entries}
        assert [by_code[c].rank for c in (SHENYANG, DALIAN, ANSHAN)] == [1, 1, 3]
        assert by_code["210400"].rank == 4  # every other city ties on zero
        assert by_code[ANSHAN].previous_rank == 1 and by_code[ANSHAN].change == -2
        assert by_code[SHENYANG].change == 1
        per = leaderboard.leaderboard(
            leaderboard.board_query({"window": "month", "per_capita": "1"}, today)
        )
        anshan = next(e for e in per.entries if e.code == ANSHAN)
        expected = (Decimal(50) * 10_000 / population[ANSHAN]).quantize(Decimal("0.01"))
        assert anshan.per_capita == expected
        # Anshan is much smaller than Shenyang, so per resident it overtakes it.
        assert population[ANSHAN] < population[SHENYANG]
        ranks = {e.code: e.rank for e in per.entries}
        assert ranks[ANSHAN] < ranks[SHENYANG]


@pytest.mark.parametrize(
    ("window", "today", "period", "previous"),
    [
        ("today", date(2024, 3, 1), (date(2024, 3, 1),) * 2, (date(2024, 2, 29),) * 2),
        ("week", date(2024, 5, 8), (date(2024, 5, 6), date(2024, 5, 8)),
         (date(2024, 4, 29), date(2024, 5, 1))),
        ("month", date(2024, 3, 31), (date(2024, 3, 1), date(2024, 3, 31)),
         (date(2024, 2, 1), date(2024, 2, 29))),
        ("year", date(2024, 2, 29), (date(2024, 1, 1), date(2024, 2, 29)),
         (date(2023, 1, 1), date(2023, 2, 28))),
        ("last7", date(2024, 5, 8), (date(2024, 5, 2), date(2024, 5, 8)),
         (date(2024, 4, 25), date(2024, 5, 1))),
        ("last30", date(2024, 5, 30), (date(2024, 5, 1), date(2024, 5, 30)),
         (date(2024, 4, 1), date(2024, 4, 30))),
    ],
)  # fmt: skip
def test_windows(app, window, today, period, previous):
    with app.app_context():
        current, before = leaderboard.resolve_window(window, today)
    assert (current.start, current.end) == period
    assert (before.start, before.end) == previous


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("metric=likes", "metric"),
        ("window=decade", "window"),
        ("window=custom&start=2024-05-10&end=2024-05-01", "end"),
        ("window=custom&start=2024-13-01&end=2024-05-01", "start"),
        ("window=custom&start=05/01/2024&end=2024-05-02", "start"),
        ("window=custom&start=2000-01-01&end=2024-05-02", "end"),
        ("window=custom&start=2024-05-01", "end"),
        ("city=999999", "city"),
        ("city=210102", "city"),
    ],
)
def test_bad_input_is_a_400_with_a_clear_message(client, query, field):
    response = client.get(f"/api/v1/rankings?{query}")
    assert response.status_code == 400
    assert response.json["error"]["field"] == field
    assert response.json["error"]["message"]
    if not query.startswith("city"):
        page = client.get(f"/rankings?{query}")
        assert page.status_code == 400
        assert 'role="alert"' in page.get_data(as_text=True)


def test_api_custom_range_and_openapi(app, client):
    _add_clicks(app, {(DALIAN, date(2024, 5, 2)): 7, (SHENYANG, date(2024, 5, 3)): 5})
    response = client.get(
        "/api/v1/rankings?metric=clicks&window=custom&start=2024-05-01&end=2024-05-31"
    )
    assert response.status_code == 200
    body = response.json
    assert (body["start"], body["end"]) == ("2024-05-01", "2024-05-31")
    assert (body["previous_start"], body["previous_end"]) == ("2024-03-31", "2024-04-30")
    assert [(e["code"], e["value"], e["rank"]) for e in body["entries"][:2]] == [
        (DALIAN, 7, 1), (SHENYANG, 5, 2),
    ]  # fmt: skip
    assert len(body["entries"]) == 14
    assert client.get("/api/v1/rankings?window=month").status_code == 200
    spec = client.get("/api/v1/openapi.json").json
    assert spec["openapi"].startswith("3.")
    assert "/api/v1/rankings" in spec["paths"]


def test_api_rate_limit_answers_429(app, client):
    app.config["RANKINGS_API_RATE_LIMIT"] = 3
    codes = [client.get("/api/v1/rankings").status_code for _ in range(5)]
    assert codes == [200, 200, 200, 429, 429]
    assert client.get("/api/v1/rankings").json["error"]["status"] == 429


def test_pages_show_chart_and_table(app, client):
    _add_clicks(app, {(DALIAN, datetime.now(CHINA).date()): 12})
    page = client.get("/rankings?metric=clicks&window=today").get_data(as_text=True)
    assert '<svg class="chart chart-bars" role="img"' in page
    assert "<table" in page and "大连市" in page
    city = client.get(f"/rankings/cities/{DALIAN}").get_data(as_text=True)
    assert "<svg" in city and "中山区" in city
    assert client.get("/rankings/cities/210102").status_code == 404


def test_exports_csv_and_xlsx(app, client):
    _add_clicks(app, {(DALIAN, date(2024, 5, 2)): 7, (SHENYANG, date(2024, 5, 3)): 5})
    params = "metric=clicks&window=custom&start=2024-05-01&end=2024-05-31"
    csv_response = client.get(f"/rankings/export.csv?{params}")
    assert csv_response.status_code == 200
    assert csv_response.data.startswith(b"\xef\xbb\xbf")
    lines = csv_response.data.decode("utf-8-sig").splitlines()
    assert lines[2].split(",")[:4] == ["1", DALIAN, "大连市", "7"]
    xlsx = client.get(f"/rankings/export.xlsx?{params}")
    assert xlsx.status_code == 200
    sheet = load_workbook(io.BytesIO(xlsx.data)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[2][:4] == (1, DALIAN, "大连市", 7)
    assert rows[3][:4] == (2, SHENYANG, "沈阳市", 5)
    assert len(rows) == 2 + 14
    districts = client.get(f"/rankings/export.csv?{params}&city={SHENYANG}")
    assert districts.status_code == 200 and "和平区" in districts.data.decode("utf-8-sig")
    assert client.get("/rankings/export.csv?metric=filtered").status_code == 400


def test_top_cities_for_the_home_page(app):
    today = datetime.now(CHINA).date()
    _add_clicks(
        app, {(DALIAN, today): 9, (ANSHAN, today): 4, (SHENYANG, today): 2, ("210400", today): 1}
    )
    with app.app_context():
        top = leaderboard.top_cities("clicks", "week", limit=3)
        assert [e.code for e in top.entries] == [DALIAN, ANSHAN, SHENYANG]


# ---- staff -------------------------------------------------------------------------------


def test_city_staff_see_their_city_in_detail_and_the_province_table(app, client, make_user):
    today = datetime.now(CHINA).date()
    _add_clicks(app, {(SHENYANG, today): 8, (DALIAN, today): 3})
    make_user("sy_staff", role=Role.CITY_STAFF, managed=SHENYANG)
    sign_in(client, "sy_staff")
    page = client.get(f"/staff/cities/{SHENYANG}?metric=filtered&window=last7")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert 'class="chart chart-trend"' in html and "和平区" in html
    assert client.get(f"/staff/cities/{DALIAN}?metric=clicks").status_code == 403
    province = client.get("/staff/rankings?metric=clicks&window=today").get_data(as_text=True)
    assert "大连市" in province and "沈阳市" in province
    staff_export = client.get("/rankings/export.csv?metric=filtered&window=today")
    assert staff_export.status_code == 200
    assert client.get("/staff/rankings?window=custom&start=x").status_code == 400


def test_learners_cannot_open_staff_rankings(client, make_user):
    make_user("plain")
    sign_in(client, "plain")
    assert client.get("/staff/rankings").status_code == 403


def test_a_day_is_the_sites_midnight_to_the_next_midnight(app):
    """China time: 2026-05-02 runs from 2026-05-01 16:00 UTC to 2026-05-02 16:00 UTC."""
    with app.app_context():
        day = date(2026, 5, 2)
        start, end = counting.day_start_ms(day), counting.day_end_ms(day)
    assert start == int(datetime(2026, 5, 1, 16, tzinfo=UTC).timestamp() * 1000)
    assert end - start == 24 * 3600 * 1000


@pytest.mark.parametrize("value", [None, "", "short", "x" * 44, "bad id with spaces!!"])
def test_only_ids_of_our_shape_are_visitor_ids(value):
    assert counting.is_valid_visitor_id(value) is False


def test_new_visitor_ids_have_our_shape_and_differ():
    ids = {counting.new_visitor_id() for _ in range(50)}
    assert len(ids) == 50 and all(counting.is_valid_visitor_id(v) for v in ids)


# ---- active learners over any window ------------------------------------------------------


def _distinct_learners(period, city_code=None) -> dict[str, int]:
    """The definition, counted the slow way: distinct learners per city (or district)."""
    key = LearnerDay.city_code if city_code is None else LearnerDay.district_code
    query = select(key, func.count(func.distinct(LearnerDay.user_id))).where(
        LearnerDay.day.between(period.start, period.end)
    )
    if city_code is not None:
        query = query.where(LearnerDay.city_code == city_code)
    return {code: int(n) for code, n in db.session.execute(query.group_by(key))}


def _learning_days(app) -> None:
    """Learners in two cities and three districts over parts of 2023 and 2024, written in
    three batches that each reach back before the previous one (a learner's first day in a
    week, month or year arrives after a later day was counted)."""
    rng = random.Random(18)
    places = [(SHENYANG, HEPING), (SHENYANG, "210103"), (DALIAN, "210202")]
    days = [date(2023, 2, 20) + timedelta(d) for d in range(20)]
    days += [date(2024, 1, 1) + timedelta(d) for d in range(65)]
    batches = [days[40:], days[20:40], days[:20]]
    resource = 0
    for batch in batches:
        for day in batch:
            for user in rng.sample(range(1, 13), 3):
                city, district = rng.choice(places)
                resource += 1
                view(app, china_ms(day.year, day.month, day.day, 9 + user % 8),
                     visitor=f"u{user}", user_id=user, resource=resource,
                     resource_kind="lesson", city_code=city, district_code=district)  # fmt: skip
        aggregate(app)


def test_active_learners_are_exact_for_every_window_live_and_rebuilt(app):
    app.config["RANKINGS_RETENTION_DAYS"] = 100_000
    _learning_days(app)
    today = date(2024, 3, 5)  # a Tuesday

    def periods():
        for window in ("today", "week", "month", "year", "last7", "last30"):
            yield from leaderboard.resolve_window(window, today)
        yield from leaderboard.resolve_window("custom", today, date(2024, 1, 10), date(2024, 2, 20))
        yield leaderboard.Period(date(2023, 2, 25), date(2024, 3, 5))

    def check():
        with app.app_context():
            for period in periods():
                for city in (None, SHENYANG):
                    expected = _distinct_learners(period, city)
                    assert sum(expected.values()) > 0 or period.days == 1
                    board = leaderboard.totals("active_learners", period, city)
                    assert {c: n for c, n in board.items() if n} == expected, (period, city)

    check()
    with app.app_context():  # the calendar windows are read from the daily sums
        year, last_year = leaderboard.resolve_window("year", today)
        assert learner_periods.summed_metric(year.start, year.end) == "learners_year"
        assert learner_periods.summed_metric(last_year.start, last_year.end) == "learners_year"
    live = snapshot(app)
    assert live["learner_periods"]
    for start, end in ((date(2024, 2, 10), date(2024, 2, 10)),
                       (date(2023, 2, 20), date(2024, 3, 4))):  # fmt: skip
        with app.app_context():
            rebuild.rebuild(start, end, today=today)
            db.session.commit()
        assert snapshot(app) == live
    with app.app_context():  # the learners' bitmaps lost: the rebuild writes them again
        db.session.execute(delete(ActiveBits))
        rebuild.rebuild(date(2023, 2, 20), today, today=today)
        db.session.commit()
    assert snapshot(app) == live
    check()


def test_the_migration_counts_the_learner_days_already_stored(app):
    _learning_days(app)
    live = snapshot(app)
    with app.app_context():
        db.session.remove()
        flask_migrate.downgrade(revision="0028_synonyms")  # before the daily sums existed
        db.session.remove()
        flask_migrate.upgrade()
    assert snapshot(app) == live
