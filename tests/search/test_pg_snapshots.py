"""The PostgreSQL backend's snapshots (pgsnapshot.py): what a search finds is what the entries
say at that moment, whether it reads a snapshot, the entries written since, or both.

PostgreSQL only (skipped on SQLite): the backend exists there alone.
"""

from __future__ import annotations

import threading
import time

import pytest
from sqlalchemy import text as sql

from learnhub.catalogue.models import Course, CourseStatus
from learnhub.extensions import db
from learnhub.jobs.queue import queue
from learnhub.jobs.worker import run_pending
from learnhub.search import documents, jobs, pgindex, pgsnapshot, sync
from tests.search.helpers import add_course, app_with_search_backend, commit_and_index

QUERIES = ("书法", "剪纸", "shufa", "sf", "书法 入门", "欣赏", "练习")


@pytest.fixture
def app(app_factory, backend):
    return app_with_search_backend("postgresql", app_factory, backend)


def _page(query: str, **options) -> tuple:
    found = sync.search_index().search(query, limit=50, **options)
    return found.total, found.facets, [(h.kind, h.object_id) for h in found.hits]


def _snapshot() -> None:
    with db.engine.connect() as connection:
        sync.search_index().take_snapshot(connection)


def _fresh_entries() -> int:
    """Entries written since the current snapshot: each query matches those on the table."""
    return db.session.scalar(sql(
        "SELECT count(*) FROM search_entry WHERE indexed_at > coalesce((SELECT taken_at"
        " FROM search_snapshot WHERE current), '-infinity')"
    ))  # fmt: skip


def _retitle(course_id: int, title: str) -> None:
    """An editor renames a course (its entries are rewritten in the commit)."""
    db.session.get(Course, course_id).title = title
    commit_and_index()


def _every_minute(app) -> None:
    """The worker's every-minute job (search.jobs.catch_up_index), through the real queue."""
    queue.enqueue(jobs.catch_up_index.s())
    run_pending(app)


def _catalogue() -> dict[str, int]:
    courses = {
        "practice": add_course("书法练习", "每天一页。", [("握笔", "<p>书法从握笔开始。</p>")],
                               module="reading"),
        "appreciate": add_course("书法欣赏", "名家名帖。", module="health"),
        "paper": add_course("剪纸入门", "窗花与书法。", [("剪刀", "<p>剪纸练习。</p>")],
                            module="health"),
    }  # fmt: skip
    return {name: course.id for name, course in courses.items()}


def test_a_snapshot_finds_what_the_entries_found_before_it(app):
    with app.app_context():
        _catalogue()
        before = {q: _page(q) for q in QUERIES}
        assert _fresh_entries() == 5
        _snapshot()
        assert _fresh_entries() == 0  # every entry is read from the snapshot now
        after = {q: _page(q) for q in QUERIES}
    for query in QUERIES:
        assert after[query][:2] == before[query][:2], query  # the same total and facets
        assert sorted(after[query][2]) == sorted(before[query][2]), query
    assert after["书法"][0] == 4 and after["书法"][1] == {"reading": 2, "health": 2}
    assert after["shufa"][2][:2] == before["shufa"][2][:2]  # titles first, as before


def test_edits_after_a_snapshot_are_found_at_once_and_old_words_no_more(app):
    with app.app_context():
        ids = _catalogue()
        _snapshot()
        db.session.get(Course, ids["appreciate"]).summary = "山水花鸟。"
        _retitle(ids["appreciate"], "国画欣赏")
        assert ("course", ids["appreciate"]) not in _page("书法")[2]
        assert _page("国画")[2] == [("course", ids["appreciate"])]
        assert _page("guohua")[2] == [("course", ids["appreciate"])]
        assert _page("书法")[0] == 3 and _page("欣赏")[0] == 1  # counted once, not twice
        db.session.get(Course, ids["paper"]).status = CourseStatus.ARCHIVED
        commit_and_index()
        assert _page("剪纸") == (0, {}, [])
        assert _page("书法")[1] == {"reading": 2}
        added = add_course("书法进阶", "", module="health").id
        assert ("course", added) in _page("书法")[2] and _page("书法")[0] == 3


def test_an_edit_committed_while_a_snapshot_is_taken_is_not_lost(app):
    """The snapshot reads the entries without a lock; an edit committed between that read
    and the switch is found as edited, and its old words find nothing."""
    with app.app_context():
        ids = _catalogue()
        index = sync.search_index()
        with db.engine.connect() as connection:
            snapshot = pgsnapshot.capture(connection, pgindex.WRITE_LOCK)
            course = db.session.get(Course, ids["practice"])
            lesson = course.lessons[0].id
            course.title = "楷书练习"  # committed meanwhile
            commit_and_index()
            db.session.get(Course, ids["paper"]).status = CourseStatus.ARCHIVED
            commit_and_index()
            pgsnapshot.make_current(connection, snapshot, index.lock_writes)
        assert _page("楷书")[2] == [("course", ids["practice"]), ("lesson", lesson)]
        assert ("course", ids["practice"]) not in _page("书法")[2]
        assert _page("剪纸") == (0, {}, [])
        assert _fresh_entries() == 2  # the course and its lesson: matched on the table itself


def test_an_edit_being_written_when_a_snapshot_begins_is_in_it(app):
    """A snapshot waits for the writer in the middle of writing (it holds the write lock
    to its commit) before it looks: the entry is then in the snapshot, found and not
    stale. Without the wait, the snapshot would miss it and later entries hide it."""
    with app.app_context():
        ids = _catalogue()
        index = sync.search_index()
        course = db.session.get(Course, ids["appreciate"])
        course.title = "国画欣赏"
        db.session.flush()
        docs = list(documents.course_documents(db.session, [ids["appreciate"]]))
        db.session.rollback()
        writer = db.engine.connect()
        writer.begin()
        index.lock_writes(writer)
        index.write(writer, docs)  # written, not committed yet
        taken = []
        thread = threading.Thread(target=lambda: taken.append(_snapshot_in_thread(app)))
        thread.start()
        time.sleep(0.5)
        assert thread.is_alive()  # waiting for the writer
        writer.commit()
        writer.close()
        thread.join(30)
        assert taken and _fresh_entries() == 0
        assert _page("国画")[2] == [("course", ids["appreciate"])]
        assert ("course", ids["appreciate"]) not in _page("书法")[2]


def _snapshot_in_thread(app) -> int:
    with app.app_context(), db.engine.connect() as connection:
        return sync.search_index().take_snapshot(connection)


def test_the_worker_takes_a_new_snapshot_once_enough_entries_changed(app):
    with app.app_context():
        ids = _catalogue()
        _snapshot()
        _retitle(ids["appreciate"], "国画欣赏")
        assert _fresh_entries() == 1  # 1 of 5 (a course's title; its lesson says 书法 itself)
        _every_minute(app)
        assert _fresh_entries() == 0
        assert _page("国画")[2] == [("course", ids["appreciate"])]
        assert ("course", ids["appreciate"]) not in _page("书法")[2]
        snapshots = db.session.execute(sql("SELECT id, current FROM search_snapshot")).all()
        assert len(snapshots) == 2 and sum(current for _id, current in snapshots) == 1
        _every_minute(app)  # nothing written since: no new snapshot
        assert db.session.scalar(sql("SELECT count(*) FROM search_snapshot")) == 2


def test_a_few_changes_wait_for_a_later_snapshot(app, monkeypatch):
    monkeypatch.setattr(pgsnapshot, "FRESH_SHARE", 0.5)
    with app.app_context():
        ids = _catalogue()
        _snapshot()
        _retitle(ids["appreciate"], "国画欣赏")
        _every_minute(app)
        assert _fresh_entries() == 1  # 1 of 5 is below half: read from the table meanwhile
        assert _page("国画")[2] == [("course", ids["appreciate"])]


def test_entries_from_before_term_weights_are_rebuilt_and_searched_meanwhile(app):
    client = app.test_client()
    with app.app_context():
        ids = _catalogue()
        # one entry written before (the others rewritten since): still found, meanwhile too
        db.session.execute(sql("UPDATE search_entry SET term_weights = NULL WHERE key = :key"),
                           {"key": f"course:{ids['appreciate']}"})  # fmt: skip
        db.session.commit()
    assert client.get("/healthz").json["checks"]["search"] == "missing"
    data = client.get("/api/v1/search?q=书法").json
    assert data["from_database"] is True and data["total"] == 4  # the database, meanwhile
    run_pending(app)  # the rebuild the search asked for
    assert client.get("/healthz").json["checks"]["search"] == "ok"
    data = client.get("/api/v1/search?q=书法").json
    assert data["from_database"] is False and data["total"] == 4
    assert {r["id"] for r in data["results"]} == set(ids.values())


def test_a_snapshot_numbered_again_is_read_again(app):
    """A database restored from a backup or emptied numbers snapshots from 1 again: a
    process that kept snapshot 1's values must not read the new snapshot 1 with them."""
    with app.app_context():
        ids = _catalogue()
        _snapshot()
        assert _page("书法")[0] == 4  # snapshot 1's values and postings now kept
        db.session.execute(sql("DELETE FROM search_snapshot"))
        db.session.execute(sql("ALTER SEQUENCE search_snapshot_id_seq RESTART WITH 1"))
        db.session.get(Course, ids["practice"]).status = CourseStatus.ARCHIVED
        commit_and_index()
        _snapshot()
        assert db.session.scalar(sql("SELECT id FROM search_snapshot WHERE current")) == 1
        assert _page("书法")[:2] == (2, {"health": 2})
        assert _page("剪纸")[2] == [("course", ids["paper"]), ("lesson", _lesson_of(ids["paper"]))]


def _lesson_of(course_id: int) -> int:
    return db.session.get(Course, course_id).lessons[0].id


def test_entries_a_rebuild_removes_are_gone_before_its_snapshot(app):
    """A rebuild removes the entries nobody rewrote (a bulk change the session never saw),
    then takes its snapshot: meanwhile the current snapshot no longer finds them."""
    with app.app_context():
        ids = _catalogue()
        _snapshot()
        index = sync.search_index()
        rewritten = [ids["practice"], ids["paper"]]
        with db.engine.connect() as connection:
            started = index.clock(connection)
            with index.rebuild_batch(connection) as session:
                index.write(connection, documents.course_documents(session, rewritten))
            assert index.remove_older(connection, started) == 1  # 书法欣赏's entry
        assert ("course", ids["appreciate"]) not in _page("书法")[2]
        assert _page("书法")[0] == 3 and _page("欣赏") == (0, {}, [])


def test_the_status_command_says_which_snapshot_queries_read(app):
    runner = app.test_cli_runner()
    with app.app_context():
        ids = _catalogue()
    assert "no snapshot yet" in runner.invoke(args=["search", "status"]).output
    result = runner.invoke(args=["search", "reindex"])
    assert result.exit_code == 0 and "snapshot 1 of " in result.output
    with app.app_context():
        _retitle(ids["appreciate"], "国画欣赏")
    output = runner.invoke(args=["search", "status"]).output
    assert "snapshot 1 of " in output and "entries written since: 1" in output
