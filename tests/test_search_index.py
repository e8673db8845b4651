"""The index's life: several processes writing at once, rebuilding while searching, damage."""

from __future__ import annotations

import logging
import multiprocessing
import os
import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import func, select

from learnhub import create_app
from learnhub.catalogue.models import Module
from learnhub.extensions import db
from learnhub.jobs.queue import queue
from learnhub.search import services, sync
from learnhub.search.index import SearchIndex
from learnhub.search.models import PendingIndexChange
from tests.conftest import TEST_CONFIG
from tests.search.helpers import add_course, indexed_keys

WRITERS = 2
COURSES_PER_WRITER = 12


def _pending(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(PendingIndexChange))


def _publish_in_another_process(database_url: str, search_dir: str, writer: int, start,
                                busy) -> None:  # fmt: skip
    """A worker process: publish courses one commit at a time, as editors in the studio do."""
    errors: list[logging.LogRecord] = []

    class Collect(logging.Handler):
        def emit(self, record):
            if record.levelno >= logging.ERROR:
                errors.append(record)
            elif "busy" in record.getMessage():
                with busy.get_lock():
                    busy.value += 1

    search_log = logging.getLogger("learnhub.search")
    search_log.setLevel(logging.DEBUG)
    search_log.addHandler(Collect())
    app = create_app({**TEST_CONFIG, "SQLALCHEMY_DATABASE_URI": database_url,
                      "SEARCH_DIR": search_dir})  # fmt: skip
    slow_update = SearchIndex.update

    def update(self, *args, **kwargs):  # a slow disk: both processes surely meet at the lock
        time.sleep(0.05)
        return slow_update(self, *args, **kwargs)

    SearchIndex.update = update
    with app.app_context():
        start.wait(timeout=120)  # a barrier: both start writing together
        for i in range(COURSES_PER_WRITER):
            add_course(f"并发课程{writer}号第{i}课", "两个进程同时写索引。", module="vocational")
        db.engine.dispose()
    if errors:
        raise SystemExit(f"{len(errors)} search errors, first: {errors[0].getMessage()}")


def test_two_processes_writing_at_once_lose_nothing_and_break_nothing(app):
    with app.app_context():
        add_course("先有索引", "")  # both writers then update one existing index
    context = multiprocessing.get_context("spawn")
    start, busy = context.Barrier(WRITERS), context.Value("i", 0)
    url, search_dir = app.config["SQLALCHEMY_DATABASE_URI"], app.config["SEARCH_DIR"]
    workers = [
        context.Process(target=_publish_in_another_process, args=(url, search_dir, n, start, busy))
        for n in range(WRITERS)
    ]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=240)
    assert [w.exitcode for w in workers] == [0] * WRITERS
    assert busy.value > 0  # they did meet: one found the other writing, and did not fail
    with app.app_context():
        sync.apply_pending_changes()  # whatever a last writer left (normally nothing)
        found = sync.search_index().search("并发课程", limit=100)
        assert found.total == WRITERS * COURSES_PER_WRITER
        assert sync.search_index().status() == "ok"
    assert _pending(app) == 0


def test_a_held_writer_lock_makes_changes_wait_not_fail(app):
    with app.app_context():
        add_course("先有索引", "")
        index = sync.search_index()
        with index.writer_lock() as locked:
            assert locked
            course = add_course("排队的课程", "")  # its commit finds the lock taken
            assert indexed_keys("排队") == []
            assert _pending(app) == 1
        sync.apply_pending_changes()  # what the lock holder does after releasing it
        assert indexed_keys("排队") == [("course", course.id)]
    assert _pending(app) == 0


def test_reindex_swaps_in_a_new_index_while_searches_go_on(app, runner):
    with app.app_context():
        for i in range(30):
            add_course(f"太极拳第{i}式", "", module="health")
        old_generation = sync.search_index().current_generation()
    failures, counts, stop = [], [], threading.Event()

    def search_all_the_time():
        with app.app_context():
            while not stop.is_set():
                try:
                    counts.append(sync.search_index().search("太极拳").total)
                except Exception as error:  # any failure is the test failing
                    failures.append(error)

    searcher = threading.Thread(target=search_all_the_time)
    searcher.start()
    try:
        result = runner.invoke(args=["search", "reindex"])
    finally:
        stop.set()
        searcher.join()
    assert result.exit_code == 0, result.output
    assert "Indexed 30 documents" in result.output
    assert not failures
    assert counts and set(counts) == {30}
    with app.app_context():
        generation = sync.search_index().current_generation()
        assert generation != old_generation
        assert indexed_keys("太极拳")


def test_changes_made_during_a_rebuild_reach_the_new_index(app, monkeypatch):
    with app.app_context():
        add_course("先有索引", "")
        index = sync.search_index()
        real_rebuild = index.rebuild

        def rebuild_while_an_editor_publishes(documents, **options):
            documents = list(documents)  # the build has read the database...
            add_course("重建期间发布的课程", "")  # ...then an editor publishes
            return real_rebuild(documents, **options)

        monkeypatch.setattr(index, "rebuild", rebuild_while_an_editor_publishes)
        sync.rebuild_index()
        assert indexed_keys("重建期间")


def test_a_rebuild_does_not_write_again_what_was_queued_before_it(app, monkeypatch):
    """An import, or a module renamed while the job worker was down, leaves changes queued;
    the rebuild reads them with everything else. Applied again after it, one module's
    change would write all of the module's courses a second time: at a province's 10,000
    courses, as long again as the build."""
    with app.app_context():
        for n in range(3):
            add_course(f"导入的课程{n}", "", lessons=[("第一课", "")], commit=False)
        db.session.scalar(select(Module).where(Module.slug == "party-history")).name_zh = "党史"
        db.session.commit()  # queued, not applied: no worker ran
        assert _pending(app) > 0
        index = sync.search_index()
        written, real_update = [], index.update

        def counting_update(documents=(), *args, **kwargs):
            documents = list(documents)
            written.extend(documents)
            return real_update(documents, *args, **kwargs)

        monkeypatch.setattr(index, "update", counting_update)
        sync.rebuild_index()
        assert written == []
        assert _pending(app) == 0
        assert len(indexed_keys("导入的课程")) >= 3


def test_a_missing_index_is_built_by_a_job_after_first_use(app, client, run_jobs):
    with app.app_context():
        add_course("广场舞", "", module="health")
        index = sync.search_index()
        (index.directory / "current").unlink()
        assert index.status() == "missing"
    data = client.get("/api/v1/search?q=广场舞").json
    assert data["total"] == 1 and data["from_database"] is True
    run_jobs()  # the rebuild the search asked for
    with app.app_context():
        assert sync.search_index().status() == "ok"
        assert indexed_keys("广场舞")


@pytest.mark.parametrize("damage", ["garbage", "truncated", "toc", "dangling"])
def test_a_damaged_index_is_detected_searched_around_and_rebuilt(app, client, run_jobs, damage):
    with app.app_context():
        course_id = add_course("防跌倒训练", "老年人防跌倒。", module="health").id
        index = sync.search_index()
        index.search("防跌倒")  # the index was fine
        _damage(index.current_generation(), damage)
        index.close()  # as a worker (re)started after the damage sees it
        app.config["SEARCH_AUTO_REBUILD"] = False
        assert index.status() in {"broken", "missing"}
    data = client.get("/api/v1/search?q=防跌倒").json
    assert data["from_database"] is True
    assert [r["id"] for r in data["results"]] == [course_id]
    html = client.get("/search?q=防跌倒").get_data(as_text=True)
    assert "<mark" in html  # highlights work without an index too
    assert queue.pending_count() == 0  # no rebuild while SEARCH_AUTO_REBUILD is off
    with app.app_context():
        app.config["SEARCH_AUTO_REBUILD"] = True
    data = client.get("/api/v1/search?q=防跌倒").json  # still the database, and a rebuild asked
    assert [r["id"] for r in data["results"]] == [course_id]
    run_jobs()
    with app.app_context():
        assert sync.search_index().status() == "ok"
    assert client.get("/api/v1/search?q=防跌倒").json["from_database"] is False


def _damage(generation: Path, how: str) -> None:
    files = sorted(p for p in generation.iterdir() if p.is_file() and p.suffix != ".toc")
    if how == "garbage":
        for path in files:
            path.write_bytes(os.urandom(path.stat().st_size or 64))
    elif how == "truncated":  # a crash in the middle of writing a segment
        for path in files:
            with open(path, "r+b") as handle:
                handle.truncate(path.stat().st_size // 3)
    elif how == "toc":
        for path in generation.glob("*.toc"):
            path.write_bytes(b"\x00" * 10)
    else:  # "dangling": the live generation's folder is gone
        import shutil

        shutil.rmtree(generation)


def test_search_cli_status_and_sync(app, runner):
    with app.app_context():
        add_course("剪纸艺术", "", module="reading")
    result = runner.invoke(args=["search", "status"])
    assert result.exit_code == 0 and "status: ok" in result.output
    assert "documents: 1" in result.output
    result = runner.invoke(args=["search", "sync"])
    assert result.exit_code == 0 and "Applied 0 pending changes." in result.output


def test_popularity_comes_from_one_function(app, monkeypatch):
    with app.app_context():
        a = add_course("摄影入门", "", module="vocational")
        b = add_course("摄影入门", "", module="vocational")
        a, b = a.id, b.id
    with app.test_request_context("/search"):
        monkeypatch.setattr(services, "course_popularity", lambda: {a: 1, b: 1000})
        services.forget_popularity()
        assert [h.object_id for h in services.search("摄影").hits[:2]] == [b, a]
        monkeypatch.setattr(services, "course_popularity", lambda: {a: 1000, b: 1})
        services.forget_popularity()
        assert [h.object_id for h in services.search("摄影").hits[:2]] == [a, b]
    services.forget_popularity()
