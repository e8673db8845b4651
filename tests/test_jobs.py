"""Background jobs: run by a real worker from a real queue, retried, and never dropped."""

from __future__ import annotations

import contextlib
import os
import pickle
import signal
import sqlite3
import subprocess
import sys
import time
import uuid
from datetime import UTC, datetime

import pytest
from sqlalchemy import create_engine, func, make_url, select

from learnhub.accounts.models import Role
from learnhub.config import PROJECT_ROOT
from learnhub.extensions import db
from learnhub.jobs import failures, leases
from learnhub.jobs.models import FailedJob, FailureStatus
from learnhub.jobs.queue import bind_app, job, queue
from learnhub.rankings import jobs as rankings_jobs
from learnhub.rankings import services as rankings
from learnhub.rankings.models import ViewEvent
from learnhub.search import jobs as search_jobs
from learnhub.search import sync
from tests.helpers import csrf_token_from, sign_in, submit
from tests.search.helpers import add_course, indexed_keys

REDIS_URL = os.environ.get("LEARNHUB_TEST_REDIS_URL")

# A job of the tests' own: it appends to a list the test reads, failing while told to.
ATTEMPTS: list[str] = []
FAILING = {"left": 0}


@job("test: note a word")
def note_word(word: str) -> None:
    ATTEMPTS.append(word)
    if FAILING["left"]:
        FAILING["left"] -= 1
        raise RuntimeError(f"cannot note {word} now")


@pytest.fixture(autouse=True)
def _fresh_test_job():
    ATTEMPTS.clear()
    FAILING["left"] = 0


def _failed(app) -> list[FailedJob]:
    with app.app_context():
        rows = db.session.scalars(select(FailedJob).order_by(FailedJob.id)).all()
        db.session.expunge_all()
        return rows


# ---- queue, retries, failures ------------------------------------------------------------


def test_a_job_waits_in_the_queue_until_a_worker_runs_it(app, run_jobs):
    note_word("一")
    note_word("二")
    assert ATTEMPTS == []  # enqueued, not run
    assert queue.pending_count() == 2
    assert run_jobs() == 2
    assert ATTEMPTS == ["一", "二"]
    assert queue.pending_count() == 0


def test_a_failing_job_is_retried_until_it_succeeds_and_leaves_no_failure(app, run_jobs):
    FAILING["left"] = 2
    note_word("三")
    run_jobs()
    assert ATTEMPTS == ["三", "三", "三"]
    assert _failed(app) == []


def test_retries_wait_longer_each_time(app, run_jobs):
    app.config["JOBS_RETRY_DELAY_SECONDS"] = 10
    bind_app(app)  # the retry settings are read when the app binds the queue
    FAILING["left"] = 99
    note_word("四")
    delays = []
    for _ in range(3):
        before = datetime.now(UTC).replace(tzinfo=None)
        run_jobs()
        (waiting,) = queue.scheduled()
        delays.append((waiting.eta - before).total_seconds())
        queue.storage.flush_schedule()
        waiting.eta = None
        queue.enqueue(waiting)  # as if its time had come
    assert [round(d) for d in delays] == [10, 20, 40]


def test_a_job_that_keeps_failing_is_kept_with_its_work_not_dropped(app, run_jobs):
    FAILING["left"] = 99
    note_word("五")
    run_jobs()
    assert len(ATTEMPTS) == app.config["JOBS_RETRIES"] + 1
    (failure,) = _failed(app)
    assert failure.status is FailureStatus.FAILED
    assert failure.name == "tests.test_jobs.note_word"
    assert "cannot note 五 now" in failure.error and "RuntimeError" in failure.traceback
    # Staff send it again once the cause is fixed: the same work runs, and it is resolved.
    FAILING["left"] = 0
    with app.app_context():
        failures.send_again(db.session.get(FailedJob, failure.id), staff_id=None)
        db.session.commit()
    ATTEMPTS.clear()
    run_jobs()
    assert ATTEMPTS == ["五"]
    assert _failed(app)[0].status is FailureStatus.RESOLVED


def test_a_failure_that_cannot_reach_the_database_is_parked_and_recorded_later(
    app, run_jobs, monkeypatch
):
    def database_down(_failure):
        raise ConnectionError("database unavailable")

    FAILING["left"] = 99
    monkeypatch.setattr(failures, "record_failure", database_down)
    note_word("六")
    run_jobs()
    assert _failed(app) == []
    monkeypatch.undo()
    with app.app_context():
        assert failures.collect_parked_failures() == 1
    (failure,) = _failed(app)
    assert "cannot note 六 now" in failure.error
    with app.app_context():
        assert failures.collect_parked_failures() == 0  # moved once, not twice


def test_a_failing_scheduled_job_has_one_record_until_a_run_succeeds(app, run_jobs, monkeypatch):
    def broken():
        raise RuntimeError("aggregation broke")

    monkeypatch.setattr(rankings_jobs, "aggregate_pending", lambda settle: broken())
    for _ in range(3):
        queue.enqueue(rankings_jobs.aggregate_views.s())
        run_jobs()
    (failure,) = _failed(app)
    assert failure.periodic and failure.failures == 3 and failure.status is FailureStatus.FAILED
    monkeypatch.undo()
    queue.enqueue(rankings_jobs.aggregate_views.s())
    run_jobs()
    assert _failed(app)[0].status is FailureStatus.RESOLVED
    assert "learnhub.rankings.jobs.aggregate_views" in failures.last_successes()


def test_the_schedule_runs_aggregation_every_minute_and_pruning_once_a_day():
    def due(hour, minute):
        names = {type(t).__name__ for t in queue.read_periodic(datetime(2026, 5, 1, hour, minute))}
        return {"aggregate_views", "prune_old_views", "catch_up_index"} & names

    assert due(3, 17) == {"aggregate_views", "catch_up_index"}
    assert due(19, 30) == {"aggregate_views", "catch_up_index", "prune_old_views"}  # 03:30 CST


# ---- the work that moved into jobs ------------------------------------------------------------


def test_a_catalogue_change_reaches_the_index_through_the_worker(app, run_jobs):
    with app.app_context():
        course = add_course("学会用手机挂号", commit=False)
        db.session.commit()
        course_id = course.id
        assert indexed_keys("挂号") == []  # committed and queued, not yet indexed
    assert run_jobs() >= 1
    with app.app_context():
        assert indexed_keys("挂号") == [("course", course_id)]


def test_a_missing_index_is_rebuilt_by_a_job_while_searches_use_the_database(app, client, run_jobs):
    with app.app_context():
        add_course("老年人防诈骗")
    with app.app_context():
        (sync.search_index().directory / "current").unlink()
    search_jobs._last_rebuild_request.clear()
    found = client.get("/api/v1/search?q=防诈骗").json
    assert found["from_database"] is True and found["total"] == 1  # searched meanwhile
    assert queue.pending_count() == 1  # one rebuild asked for
    client.get("/api/v1/search?q=防诈骗")
    assert queue.pending_count() == 1  # and not once per search
    run_jobs()
    found = client.get("/api/v1/search?q=防诈骗").json
    assert found["from_database"] is False and found["total"] == 1


# ---- the worker service, for real ---------------------------------------------------------


def _worker_env(app, migrated_database_url, **extra) -> dict:
    return {
        **os.environ,
        "DATABASE_URL": migrated_database_url,
        "SECRET_KEY": "test-secret-key",
        "LEARNHUB_INSTANCE_PATH": app.instance_path,
        "LEARNHUB_SEARCH_DIR": app.config["SEARCH_DIR"],
        "LEARNHUB_JOBS_URL": app.config["JOBS_URL"],
        "LEARNHUB_JOBS_QUEUE_NAME": app.config["JOBS_QUEUE_NAME"],
        **extra,
    }


def _wait_until(check, seconds: float = 30.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.2)
    return check()


def _run_worker_and_index_a_course(app, migrated_database_url):
    with app.app_context():
        course = add_course("社区大讲堂：健康饮食", commit=False)
        db.session.commit()  # queued for the worker below
        course_id = course.id
    worker = subprocess.Popen(
        # No scheduler: a minute turning just before the stop would leave its jobs queued.
        [sys.executable, "-m", "flask", "--app", "learnhub", "jobs", "worker", "--threads", "1",
         "--no-scheduler"],
        env=_worker_env(app, migrated_database_url), cwd=PROJECT_ROOT, start_new_session=True,
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    try:

        def indexed() -> bool:  # as a visitor sees it: found by the index
            found = app.test_client().get("/api/v1/search?q=健康饮食").json
            return not found["from_database"] and [r["id"] for r in found["results"]] == [course_id]

        assert _wait_until(indexed), "the worker did not apply the change"
    finally:
        worker.send_signal(signal.SIGTERM)  # finish the job in hand, then exit
        output, _ = worker.communicate(timeout=60)
    assert worker.returncode == 0, output
    assert queue.pending_count() == 0


@pytest.mark.slow
def test_the_worker_service_runs_what_pages_enqueue_and_stops_cleanly(app, migrated_database_url):
    _run_worker_and_index_a_course(app, migrated_database_url)


@pytest.mark.slow
@pytest.mark.skipif(not REDIS_URL, reason="set LEARNHUB_TEST_REDIS_URL to test the Redis queue")
def test_the_queue_on_redis_serves_several_hosts(app, migrated_database_url, run_jobs):
    app.config.update(JOBS_URL=REDIS_URL, JOBS_QUEUE_NAME=f"learnhub-test-{uuid.uuid4().hex}")
    bind_app(app)
    try:
        note_word("七")
        assert queue.pending_count() == 1
        assert run_jobs() == 1 and ATTEMPTS == ["七"]
        _run_worker_and_index_a_course(app, migrated_database_url)
    finally:
        queue.storage.flush_all()


# ---- a worker killed with a job in hand ------------------------------------------------------


def _views(app, count: int) -> list[dict]:
    with app.app_context():
        return [rankings.view_row("course", 1, None, None, f"kvisitor-{i:09d}", "210100")
                for i in range(count)]  # fmt: skip


def _views_written(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count(ViewEvent.id)))


@contextlib.contextmanager
def _views_locked(database_url: str):
    """Hold a lock that makes every insert of a view wait (a slow database, as the worker
    sees it), until the block ends."""
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite":
        connection = sqlite3.connect(url.database, isolation_level=None)
        connection.execute("BEGIN IMMEDIATE")  # other writers wait (busy_timeout)
        try:
            yield
        finally:
            connection.execute("ROLLBACK")
            connection.close()
        return
    engine = create_engine(url)
    with engine.connect() as connection:
        connection.exec_driver_sql("LOCK TABLE view_event IN SHARE MODE")  # inserts wait
        yield
        connection.rollback()
    engine.dispose()


def _start_worker(app, migrated_database_url):
    return subprocess.Popen(
        [sys.executable, "-m", "flask", "--app", "learnhub", "jobs", "worker", "--threads", "1",
         "--no-scheduler"],
        env=_worker_env(app, migrated_database_url), cwd=PROJECT_ROOT, start_new_session=True,
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip


@pytest.mark.slow
def test_the_job_in_hand_when_the_worker_is_killed_runs_after_restart_exactly_once(
    app, migrated_database_url, job_queue
):
    rankings_jobs.record_views(_views(app, 7))
    with _views_locked(migrated_database_url):
        worker = _start_worker(app, migrated_database_url)
        assert _wait_until(lambda: leases.jobs_in_hand()), "the worker did not take the job"
        worker.kill()  # SIGKILL, while its job waits to insert the views
        worker.communicate(timeout=30)
    assert _views_written(app) == 0 and queue.pending_count() == 0  # taken out, not done
    worker = _start_worker(app, migrated_database_url)
    try:
        assert _wait_until(lambda: _views_written(app) == 7 and not leases.jobs_in_hand())
    finally:
        worker.send_signal(signal.SIGTERM)
        output, _ = worker.communicate(timeout=60)
    assert worker.returncode == 0, output
    assert _views_written(app) == 7 and queue.pending_count() == 0


def _dead_worker() -> str:
    """The worker id of a process of this host that has ended."""
    ended = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                           capture_output=True, text=True, check=True)  # fmt: skip
    return f"{leases._HOST}:{int(ended.stdout)}:0badc0de"


def test_a_job_put_back_after_its_work_was_committed_does_nothing_twice(app, run_jobs):
    rankings_jobs.record_views(_views(app, 3))
    (message,) = queue.storage.enqueued_items()
    assert run_jobs() == 1 and _views_written(app) == 3
    # Killed after its commit, before it deleted its record of the job in hand:
    task = queue.deserialize_task(message)
    record = leases.InHand(_dead_worker(), message, None, time.time())
    queue.storage.put_data(leases.IN_HAND_PREFIX + task.id, pickle.dumps(record))
    assert run_jobs() == 1  # put back, and run again
    assert _views_written(app) == 3
    assert leases.jobs_in_hand() == {}


def test_a_job_of_a_live_worker_is_not_put_back(app, run_jobs):
    rankings_jobs.record_views(_views(app, 2))
    (message,) = queue.storage.enqueued_items()
    queue.storage.flush_queue()  # taken by a worker of another host, still beating
    task = queue.deserialize_task(message)
    other = "another-host:4242:12345678"
    queue.storage.put_data(leases.ALIVE_PREFIX + other, str(time.time()).encode())
    queue.storage.put_data(
        leases.IN_HAND_PREFIX + task.id, pickle.dumps(leases.InHand(other, message, None, 0.0))
    )
    assert run_jobs() == 0 and _views_written(app) == 0
    # Its heartbeat stops: a minute later the job is put back.
    stale = time.time() - leases.DEAD_AFTER_SECONDS - 1
    queue.storage.put_data(leases.ALIVE_PREFIX + other, str(stale).encode())
    assert run_jobs() == 1 and _views_written(app) == 2


# ---- the staff page --------------------------------------------------------------------------


@pytest.fixture
def failed_batch(app, run_jobs, monkeypatch):
    """A batch of views whose writing failed for good (the database refused it)."""

    def refuse(_rows):
        raise RuntimeError("disk full")

    monkeypatch.setattr(rankings_jobs, "add_views", refuse)
    rankings_jobs.record_views([{"test": "row"}])
    run_jobs()
    monkeypatch.undo()
    (failure,) = _failed(app)
    return failure


def test_province_staff_see_failed_jobs_and_send_them_again(
    app, client, make_user, run_jobs, failed_batch, monkeypatch
):
    make_user("province_staff", role=Role.PROVINCE_STAFF, managed="210000")
    sign_in(client, "province_staff")
    page = client.get("/staff/jobs").get_data(as_text=True)
    assert "Write a batch of views" not in page  # labels are translated
    assert "写入一批浏览记录" in page and "disk full" in page
    written = []
    monkeypatch.setattr(rankings_jobs, "add_views", written.append)
    response = submit(client, f"/staff/jobs/{failed_batch.id}/retry", {}, page="/staff/jobs")
    assert response.status_code == 302
    run_jobs()
    assert written == [[{"test": "row"}]]  # the very batch that failed
    assert _failed(app)[0].status is FailureStatus.RESOLVED


def test_closing_a_failed_job_needs_a_reason_and_keeps_the_record(
    app, client, make_user, failed_batch
):
    make_user("province_staff", role=Role.PROVINCE_STAFF, managed="210000")
    sign_in(client, "province_staff")
    action = f"/staff/jobs/{failed_batch.id}/dismiss"
    response = submit(client, action, {"note": " "}, page="/staff/jobs")
    assert response.status_code == 400
    assert _failed(app)[0].status is FailureStatus.FAILED
    response = submit(client, action, {"note": "测试数据不必重写"}, page="/staff/jobs")
    assert response.status_code == 302
    (failure,) = _failed(app)
    assert failure.status is FailureStatus.DISMISSED and failure.note == "测试数据不必重写"
    assert "测试数据不必重写" in client.get("/staff/jobs").get_data(as_text=True)


@pytest.mark.parametrize("role", [Role.CITY_STAFF, Role.EDITOR, Role.LEARNER])
def test_only_province_staff_see_or_touch_the_jobs(app, client, make_user, failed_batch, role):
    make_user("someone", role=role, managed="210100" if role is not Role.LEARNER else None)
    sign_in(client, "someone")
    assert client.get("/staff/jobs").status_code == 403
    token = csrf_token_from(client.get("/me/account").get_data(as_text=True))  # a valid token
    for action in ("retry", "dismiss"):
        response = client.post(
            f"/staff/jobs/{failed_batch.id}/{action}", data={"csrf_token": token, "note": "x"}
        )
        assert response.status_code == 403
    assert _failed(app)[0].status is FailureStatus.FAILED
    assert queue.pending_count() == 0


def test_status_command_lists_open_failures_and_fails(app, runner, failed_batch):
    result = runner.invoke(args=["jobs", "status"])
    assert result.exit_code == 1
    assert "learnhub.rankings.jobs.record_views" in result.output and "disk full" in result.output


def test_run_pending_command_runs_what_is_due(app, runner):
    note_word("八")
    result = runner.invoke(args=["jobs", "run-pending"])
    assert result.exit_code == 0 and "1 job(s) run." in result.output
    assert ATTEMPTS == ["八"]


def test_a_savepoint_released_inside_a_transaction_enqueues_nothing_yet(app, run_jobs):
    with app.app_context():
        add_course("先有一门课", "")
        run_jobs()
        course = add_course("老年大学书法班", commit=False)
        with db.session.begin_nested():  # as services do around a guarded insert
            db.session.flush()
        assert queue.pending_count() == 0  # the worker must not look before the commit
        db.session.commit()
        assert queue.pending_count() == 1
        course_id = course.id
    run_jobs()
    with app.app_context():
        assert indexed_keys("书法") == [("course", course_id)]
