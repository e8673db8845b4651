"""Keeping the index in step with the database, from any process, without losing a change.

1. ``after_flush``: every flushed change to a course, lesson or module adds a row to
   ``search_pending_change`` *in the same transaction*: the row exists exactly when the
   change was committed, and vanishes with it on rollback.
2. After the commit, a job (search/jobs.py) applies pending rows to the index, holding the
   index's writer lock (an flock on ``SEARCH_DIR/writer.lock``). If another process holds
   it, this one does not wait: that process looks at the queue again after releasing the
   lock, so rows committed meanwhile are never stranded (see docs/search.md for the proof).
3. A missing or damaged index is rebuilt by a job; searches use the database meanwhile.
   ``flask search reindex`` rebuilds on demand, into a new folder swapped in atomically.

With the PostgreSQL backend (SEARCH_BACKEND = "postgresql", backends.py) there is no queue,
job or file lock: the changes a transaction flushes are collected the same way, and
``before_commit`` writes their entries in that very transaction (see "write in the
transaction" below), so every host finds them the moment it commits.

Studio, importer and demo code need not know any of this: they change models and commit.
"""

from __future__ import annotations

import itertools
import logging
from collections.abc import Callable, Iterable

from flask import Flask, current_app, has_app_context
from sqlalchemy import delete, event, func, insert, inspect, select
from sqlalchemy.orm import Session

from learnhub.activities.models import Activity, ActivityKind
from learnhub.activities.signals import activity_cancelled, activity_published
from learnhub.cache import bump_content_version
from learnhub.catalogue.models import Course, CourseAudience, CourseStatus, Lesson, Module
from learnhub.database import utcnow
from learnhub.extensions import db
from learnhub.places.models import Place

from . import backends, documents, offline
from .index import IndexUnavailable, SearchIndex
from .models import SEARCH_RESULTS, LessonText, PendingIndexChange

log = logging.getLogger(__name__)

# Attributes whose change alters what the index holds (enrolment_count is read at query time).
_TRACKED = {
    Course: frozenset(
        {"title", "summary", "module_id", "region_code", "level", "status", "published_at"}
    ),
    Lesson: frozenset({"title", "body_html", "course_id"}),
    Module: frozenset({"slug", "name_zh", "name_en"}),
    Place: frozenset({"name", "kind", "city_code", "district_code", "address", "description",
                      "published"}),
    Activity: frozenset({"title", "kind_id", "organiser", "city_code", "place_id",
                         "description_html", "status", "published_at"}),
    ActivityKind: frozenset({"name", "name_en"}),
}  # fmt: skip
_KINDS = {Course: "course", Lesson: "lesson", Module: "module", Place: "place",
          Activity: "activity", ActivityKind: "activity_kind"}  # fmt: skip
_QUEUED = "learnhub_search_queued"  # session.info: keys queued in this transaction
_TO_WRITE = "learnhub_search_to_write"  # session.info: changes to write before the commit
_COMMITTING = "learnhub_search_committing"  # session.info: written; later flushes write at once
BATCH = 500
REBUILD_BATCH = 100  # courses per transaction of a rebuild of the PostgreSQL entries


def search_index(app: Flask | None = None) -> backends.SearchBackend:
    """The app's search backend (backends.backend(): a Whoosh index or PostgreSQL entries)."""
    return backends.backend(app)


def init_app(app: Flask) -> None:
    backends.init_app(app)
    # Publishing or cancelling may be done by a statement the flush does not see (a
    # conditional UPDATE): the activities feature's signals queue the activity too.
    activity_published.connect(_queue_activity)
    activity_cancelled.connect(_queue_activity)
    session_class = db.session.session_factory.class_
    for name, listener in (
        ("after_flush", _queue_changes),
        ("after_soft_rollback", _forget_after_rollback),
        ("before_commit", _write_before_commit),
        ("after_commit", _written),
    ):
        if not event.contains(session_class, name, listener):
            event.listen(session_class, name, listener)


# ---- 1. queueing, inside the transaction ---------------------------------------------------


def changed_objects(session: Session) -> set[tuple[str, int]]:
    """(kind, id) of every course, lesson and module whose searchable content this flush changes."""
    changed = set()
    for obj in (*session.new, *session.deleted):
        if type(obj) in _KINDS:
            changed.add((_KINDS[type(obj)], obj.id))
        elif isinstance(obj, CourseAudience):
            changed.add(("course", obj.course_id))
    for obj in session.dirty:
        tracked = _TRACKED.get(type(obj))
        if tracked and any(inspect(obj).attrs[name].history.has_changes() for name in tracked):
            changed.add((_KINDS[type(obj)], obj.id))
    return changed


def _queue_changes(session: Session, _flush_context) -> None:
    queue_changes(session, changed_objects(session))
    keep_lesson_text(session)


def keep_lesson_text(session: Session) -> None:
    """Write the plain text of lessons this flush adds or whose body_html it changes.

    The database search (no usable index) matches it instead of the HTML. Same
    transaction as the change: it is committed or rolled back with it.
    """
    lessons = [obj for obj in session.new if isinstance(obj, Lesson)]
    lessons += [
        obj
        for obj in session.dirty
        if isinstance(obj, Lesson) and inspect(obj).attrs["body_html"].history.has_changes()
    ]
    if not lessons:
        return
    ids = [lesson.id for lesson in lessons]
    rows = [
        {"lesson_id": lesson.id, "body_text": documents.plain_text(lesson.body_html)}
        for lesson in lessons
    ]
    connection = session.connection()
    connection.execute(delete(LessonText.__table__).where(LessonText.lesson_id.in_(ids)))
    connection.execute(insert(LessonText.__table__), rows)


def _queue_activity(activity, **_extra) -> None:
    queue_changes(db.session(), {("activity", activity.id)})


def queue_changes(session: Session, changes: set[tuple[str, int]]) -> None:
    """Queue index changes in the session's transaction (once per transaction each).

    With the PostgreSQL backend, note them for _write_before_commit instead.
    """
    if _writes_in_transaction():
        if changes:
            session.info.setdefault(_TO_WRITE, set()).update(changes)
            if session.info.get(_COMMITTING):  # flushed by the commit itself, after ours
                _write_changes(session)
        return
    queued: set = session.info.setdefault(_QUEUED, set())
    new = changes - queued
    if not new:
        return
    now = utcnow()
    rows = [{"kind": kind, "object_id": object_id, "queued_at": now} for kind, object_id in new]
    # Mapper flush events may run SQL on the flush's own connection; so may after_flush.
    session.connection().execute(insert(PendingIndexChange.__table__), rows)
    queued |= new


def _forget_after_rollback(session: Session, previous_transaction) -> None:
    if not previous_transaction.nested:
        for key in (_QUEUED, _TO_WRITE, _COMMITTING):
            session.info.pop(key, None)


def committed_changes(session: Session) -> bool:
    """After a commit: whether it queued index changes (asking forgets the answer)."""
    return bool(session.info.pop(_QUEUED, None))


# ---- write in the transaction (the PostgreSQL backend) -----------------------------------------


def _writes_in_transaction() -> bool:
    return has_app_context() and search_index().writes_in_transaction


def _write_before_commit(session: Session) -> None:
    """Write the entries of everything this transaction changed, just before it commits.

    Each change is read as the transaction leaves it (by a session of its own on the same
    connection, so nothing stale in this session's objects is written), and its entries are
    written by the backend in the same transaction: committed with the change, or rolled
    back with it. Savepoints wait for the real commit.
    """
    if session.in_nested_transaction() or not _writes_in_transaction():
        return
    session.flush()  # changes not flushed yet note themselves (after_flush)
    _write_changes(session)
    session.info[_COMMITTING] = True


def _write_changes(session: Session) -> None:
    index = search_index()
    while changes := session.info.pop(_TO_WRITE, None):
        connection = session.connection()
        index.lock_writes(connection)  # held to the commit: whoever writes last read all
        with Session(bind=connection, expire_on_commit=False) as reader:
            docs, remove_keys, remove_courses = resolve_changes(reader, changes)
        index.write(connection, docs, remove_keys, remove_courses)


def _written(session: Session) -> None:
    session.info.pop(_COMMITTING, None)


def resolve_changes(session: Session, changes: Iterable[tuple[str, int]]):
    """What to write for changes: (documents, keys to remove, courses to remove), each change
    read as it is now (documents.py for courses, lessons and modules; offline.py for places
    and activities)."""
    changes = list(changes)
    docs, remove_keys, remove_courses = documents.resolve_changes(
        session, [change for change in changes if change[0] in documents.KINDS]
    )
    more_docs, more_keys = offline.resolve_changes(
        session, [change for change in changes if change[0] in offline.KINDS]
    )
    return docs + more_docs, remove_keys + more_keys, remove_courses


# ---- 2. applying, after the commit -----------------------------------------------------------


def apply_pending_changes() -> int:
    """Bring the index up to date with the queue; return how many changes were applied.

    Never waits for another writer: whoever holds the lock re-reads the queue after
    releasing it, so this process's rows are applied by that one if not by this one. An
    index found unusable is rebuilt (when SEARCH_AUTO_REBUILD allows). The PostgreSQL
    backend has no queue: a new snapshot of its entries if one is due."""
    index = search_index()
    if index.writes_in_transaction:  # every change was written with its commit
        index.snapshot_if_due()
        return 0
    applied = 0
    while True:
        with index.writer_lock() as locked:
            if not locked:
                log.debug("search index busy: the process writing it applies these changes")
                return applied
            try:
                applied += _drain(index)
            except IndexUnavailable:
                locked = False  # rebuild (needs the lock) once it is released
        if not locked:
            return applied + _rebuild_if_needed()
        if not _queue_has_rows():
            return applied


def _rebuild_if_needed() -> int:
    """Rebuild an unusable index (which applies the queue too); 0 if someone else is on it."""
    if not index_needs_rebuilding():
        return 0
    try:
        return rebuild_index(wait=0.0)
    except IndexBusy:
        log.info("search index is being rebuilt by another process")
        return 0


def _drain(index: SearchIndex) -> int:
    """Apply every queued change, a batch at a time. The caller holds the writer lock."""
    applied = 0
    while True:
        with Session(db.engine) as session:
            rows = session.execute(
                select(PendingIndexChange.id, PendingIndexChange.kind, PendingIndexChange.object_id)
                .order_by(PendingIndexChange.id)
                .limit(BATCH)
            ).all()
            if not rows:
                return applied
            changes = [(kind, object_id) for _id, kind, object_id in rows]
            docs, remove_keys, remove_courses = resolve_changes(session, changes)
            # End the read before writing the index: on SQLite it holds the database's
            # write lock, which every editor's commit would otherwise wait for.
            session.rollback()
            index.update(docs, remove_keys, remove_courses)
            # Only now: a crash before this line re-applies the batch, which is harmless.
            ids = [row.id for row in rows]
            session.execute(delete(PendingIndexChange).where(PendingIndexChange.id.in_(ids)))
            session.commit()
            applied += len(rows)


def _queued_ids() -> list[int]:
    """The queued changes committed so far (a later read sees every earlier commit)."""
    with Session(db.engine) as session:
        return list(session.scalars(select(PendingIndexChange.id)))


def _forget(ids: list[int]) -> None:
    with Session(db.engine) as session:
        for start in range(0, len(ids), BATCH):
            chunk = ids[start : start + BATCH]
            session.execute(delete(PendingIndexChange).where(PendingIndexChange.id.in_(chunk)))
        session.commit()


def _queue_has_rows() -> bool:
    with Session(db.engine) as session:
        return session.scalar(select(PendingIndexChange.id).limit(1)) is not None


# ---- 3. rebuilding ---------------------------------------------------------------------------


def rebuild_index(progress: Callable[[Iterable], Iterable] | None = None, procs: int = 1,
                  wait: float = 60.0) -> int:  # fmt: skip
    """Build a new index from the database and swap it in; return the documents indexed.

    Holds the writer lock throughout (waiting up to ``wait`` seconds for it), so changes
    committed during the build queue up and are applied to the new index right after.
    Changes queued before the build began are in what it reads: they are dropped, not
    applied again (one module's change would write all its courses a second time).
    """
    index = search_index()
    if index.writes_in_transaction:
        return _rebuild_entries(index, progress, wait)
    with index.writer_lock(timeout=wait) as locked:
        if not locked:
            raise IndexBusy("another process is writing the search index; try again later")
        already_read = _queued_ids()
        with Session(db.engine, expire_on_commit=False) as session:
            course_ids = documents.searchable_course_ids(session)
            if progress is not None:
                course_ids = progress(course_ids)  # advances as the courses are read
            counted = _Counter(itertools.chain(
                documents.course_documents(session, course_ids), offline.offline_documents(session)
            ))  # fmt: skip
            index.rebuild(counted, procs=procs)
        _forget(already_read)
        _drain(index)
    if _queue_has_rows():
        apply_pending_changes()
    return counted.count


def _rebuild_entries(index, progress, wait: float) -> int:
    """Rewrite the PostgreSQL backend's entries from the database, a few courses per
    transaction; remove the entries nobody wrote since the start (stale ones); snapshot.

    Searches go on meanwhile (an entry is replaced in one statement). Each batch holds the
    backend's write lock from reading to committing, so an edit committed meanwhile is
    either read by the batch or written after it (see pgindex.py).
    """
    with index.rebuild_lock(timeout=wait) as connection:
        if connection is None:
            raise IndexBusy("another process is rebuilding the search entries; try again later")
        started = index.clock(connection)
        with Session(db.engine) as session:
            course_ids = documents.searchable_course_ids(session)
        ids = iter(progress(course_ids) if progress is not None else course_ids)
        count = 0
        while batch := list(itertools.islice(ids, REBUILD_BATCH)):
            with index.rebuild_batch(connection) as session:
                count += index.write(connection, documents.course_documents(session, batch))
        with index.rebuild_batch(connection) as session:
            count += index.write(connection, offline.offline_documents(session))
        index.remove_older(connection, started)
        index.take_snapshot(connection)
    # Terms may differ from what the site's content versions say (a new version of the
    # analysis): results pages kept in the cache are stale.
    bump_content_version(SEARCH_RESULTS)
    return count


class IndexBusy(Exception):
    """Another process holds the index's writer lock (a rebuild, or a long batch)."""


class _Counter:
    def __init__(self, items):
        self.items, self.count = items, 0

    def __iter__(self):
        for item in self.items:
            self.count += 1
            yield item


def searchable_count() -> int:
    """How many documents a rebuild would write (published courses and their lessons,
    published places and activities)."""
    with Session(db.engine) as session:
        published = Course.status == CourseStatus.PUBLISHED
        courses = session.scalar(select(func.count()).select_from(Course).where(published))
        lessons = session.scalar(
            select(func.count()).select_from(Lesson).join(Course).where(published)
        )
        offline_count = offline.offline_count(session)
    return (courses or 0) + (lessons or 0) + offline_count


def index_needs_rebuilding() -> bool:
    """Whether the index is missing or damaged and may be rebuilt automatically."""
    return bool(current_app.config["SEARCH_AUTO_REBUILD"]) and search_index().status() != "ok"
