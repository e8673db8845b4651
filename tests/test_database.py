"""Engine behaviour: SQLite pragmas, write transactions, timestamps."""

import threading
import time
from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy import func, select, text

from learnhub.accounts.models import Role, User
from learnhub.audit.models import AuditAction, AuditEntry
from learnhub.creditbank.models import VerifyMiss
from learnhub.extensions import db
from learnhub.inbox import services as inbox
from learnhub.inbox.models import Message
from learnhub.learning.models import LessonProgress
from tests.helpers import sign_in
from tests.learning_steps import count, enrol, lesson_ids


@pytest.fixture
def sqlite_only(backend):
    if backend != "sqlite":
        pytest.skip("SQLite behaviour")


def test_sqlite_connections_are_configured_for_concurrency(app, sqlite_only):
    with app.app_context():
        pragma = lambda name: db.session.execute(text(f"PRAGMA {name}")).scalar()  # noqa: E731
        assert pragma("journal_mode") == "wal"
        assert pragma("foreign_keys") == 1
        assert pragma("synchronous") == 1  # NORMAL
        assert pragma("busy_timeout") >= 5000


def test_concurrent_read_then_write_transactions_all_succeed(app, make_user, backend):
    """Each thread reads, pauses, then writes; with deferred BEGIN on SQLite the losers
    would fail at once with "database is locked"."""
    user_id = make_user(login="counter")
    errors: list[Exception] = []
    start = threading.Barrier(6)

    def bump():
        with app.app_context():
            try:
                start.wait()
                user = db.session.get(User, user_id)
                birth = user.birth_year or 1950
                threading.Event().wait(0.02)
                user.birth_year = birth + 1
                db.session.commit()
            except Exception as exc:
                errors.append(exc)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=bump) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    if backend == "sqlite":  # IMMEDIATE serialises the writers: no update is lost
        with app.app_context():
            assert db.session.get(User, user_id).birth_year == 1956
    # PostgreSQL at READ COMMITTED may lose such updates; code that must not (ledgers)
    # locks the rows it reads (SELECT ... FOR UPDATE) or relies on unique constraints.


def test_reading_requests_do_not_take_the_write_lock(app, client, sqlite_only):
    """A page view holds no write lock, so it never waits for a slow writer."""
    with app.app_context():
        writer = db.engine.connect()
        writer.begin()  # outside a request: BEGIN IMMEDIATE, holding the write lock
        writer.execute(text("UPDATE region SET population = population WHERE code = '210100'"))
        try:
            started = time.monotonic()
            assert client.get("/register").status_code == 200
            assert time.monotonic() - started < 5  # far below the 15 s busy timeout
        finally:
            writer.rollback()
            writer.close()


def test_times_are_stored_in_utc_and_read_back_aware(app, make_user):
    user_id = make_user(login="timely")
    shanghai = timezone(timedelta(hours=8))
    with app.app_context():
        user = db.session.get(User, user_id)
        user.last_login_at = datetime(2026, 1, 2, 1, 30, tzinfo=shanghai)
        db.session.commit()
        db.session.expire_all()
        stored = db.session.scalar(select(User.last_login_at).where(User.id == user_id))
        assert stored == datetime(2026, 1, 1, 17, 30, tzinfo=UTC)
        assert stored.tzinfo is not None


def test_naive_times_are_refused(app, make_user):
    user_id = make_user(login="timely")
    with app.app_context():
        db.session.get(User, user_id).last_login_at = datetime(2026, 1, 1)
        with pytest.raises(Exception, match="naive datetime"):
            db.session.commit()
        db.session.rollback()


def _lesson_opened_first(app, client, make_course, user_id):
    course_id = make_course(title="等一等再写", lessons=("text",))
    enrol(client, course_id)
    lesson_id = lesson_ids(app, course_id)[0]
    return f"/lessons/{lesson_id}", lambda: count(app, LessonProgress, lesson_id=lesson_id) == 1


def _message_read_first(app, client, make_course, user_id):
    with app.app_context():
        message = inbox.send(user_id, "报名成功")
        db.session.commit()
        message_id = message.id

    def marked_read():
        with app.app_context():
            return db.session.get(Message, message_id).read_at is not None

    return f"/me/messages/{message_id}", marked_read


def _unknown_code_checked(app, client, make_course, user_id):
    def counted():
        with app.app_context():
            return db.session.scalar(select(func.sum(VerifyMiss.misses))) == 1

    return "/verify/NO-SUCH-CODE", counted


@pytest.mark.parametrize("page", [_lesson_opened_first, _message_read_first, _unknown_code_checked])
def test_a_page_that_writes_waits_for_another_writer_instead_of_failing(
    app, client, make_user, make_course, sqlite_only, page
):
    """A signed-in page that writes as it is read (a lesson's first opening starts the reading,
    a message is marked read, an unknown certificate code is counted) has already read by
    then; while another writer holds the lock and commits, it waits and writes, instead of
    failing with "database is locked" (a transaction that read before the other commit
    cannot write after it)."""
    user_id = make_user(login="waiting_reader")
    sign_in(client, "waiting_reader")
    path, written = page(app, client, make_course, user_id)
    assert _visit_while_another_writer_commits(app, client, path) in (200, 404)
    assert written()


def test_an_audited_export_waits_for_another_writer_instead_of_failing(
    app, client, make_user, sqlite_only
):
    """Staff exports are audited as they are read: the audit row is written the same way."""
    make_user(login="exporting_staff", role=Role.PROVINCE_STAFF, managed="210000")
    sign_in(client, "exporting_staff")
    assert _visit_while_another_writer_commits(app, client, "/staff/people/export.csv") == 200
    with app.app_context():
        exported = select(func.count()).where(AuditEntry.action == AuditAction.STAFF_LIST_EXPORTED)
        assert db.session.scalar(exported) == 1


def _visit_while_another_writer_commits(app, client, path: str) -> int:
    """The status of a visit of ``path`` made while another writer holds the write lock,
    which it commits a second later."""
    with app.app_context():
        writer = db.engine.connect()
    writer.begin()  # outside a request: BEGIN IMMEDIATE, holding the write lock
    writer.execute(text("UPDATE region SET population = population WHERE code = '210100'"))
    answers = []
    visit = threading.Thread(target=lambda: answers.append(client.get(path).status_code))
    visit.start()
    time.sleep(1)  # the page has read and waits to write
    writer.commit()
    writer.close()
    visit.join(30)
    assert answers, "the page did not answer"
    return answers[0]
