"""Fixtures: a real database per backend (SQLite always, PostgreSQL when configured).

Set ``LEARNHUB_TEST_POSTGRES_URL`` (e.g. ``postgresql://postgres@127.0.0.1:5432/postgres``)
and every test runs a second time against a fresh PostgreSQL database made for the run
and dropped after it.
"""

from __future__ import annotations

import contextlib
import email
import email.policy
import os
import secrets
import socket
import uuid

import flask_migrate
import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import create_engine, inspect, make_url, select, text

from learnhub import create_app
from learnhub.activities.kinds import ensure_activity_kinds
from learnhub.catalogue.services import ensure_modules
from learnhub.config import normalise_database_url
from learnhub.extensions import db
from learnhub.i18n import compile_catalogues
from learnhub.jobs.queue import bind_app, queue
from learnhub.jobs.worker import run_pending
from learnhub.regions.services import load_regions

POSTGRES_URL = os.environ.get("LEARNHUB_TEST_POSTGRES_URL")
REDIS_URL = os.environ.get("LEARNHUB_TEST_REDIS_URL")
BACKENDS = ["sqlite", "postgresql"] if POSTGRES_URL else ["sqlite"]

# Argon2id still, but cheap: tests hash hundreds of passwords.
TEST_CONFIG = {
    "TESTING": True,
    "PASSWORD_HASH_TIME_COST": 1,
    "PASSWORD_HASH_MEMORY_KIB": 8 * 1024,
    "PASSWORD_HASH_PARALLELISM": 1,
    "SECRET_KEY": "test-secret-key",
    # Each request writes its own views, so a test reads them right after the request;
    # the buffered hand-over to the job queue has tests of its own (test_rankings.py).
    "RANKINGS_VIEW_FLUSH_SECONDS": 0,
    # A failing job is retried at once (the delays have tests of their own in test_jobs.py).
    "JOBS_RETRY_DELAY_SECONDS": 0,
}


def pytest_report_header(config):
    return f"learnhub database backends: {', '.join(BACKENDS)}"


def pytest_configure(config):
    """The site reads .mo files: build them from the catalogues as setup does, once, before
    any test (with pytest-xdist, in the controller before its workers start: two workers
    writing the same files would let a third read half of one)."""
    if not hasattr(config, "workerinput"):
        compile_catalogues()


@pytest.fixture(scope="session", params=BACKENDS)
def database_url(request, tmp_path_factory):
    """A new, empty database for this test run."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path_factory.mktemp('sqlite') / 'learnhub-test.sqlite3'}"
        return
    server = make_url(normalise_database_url(POSTGRES_URL))
    name = f"learnhub_test_{os.getpid()}_{secrets.token_hex(4)}"
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
        # A test database is thrown away after the run: a commit need not wait for the disk.
        connection.execute(text(f'ALTER DATABASE "{name}" SET synchronous_commit = off'))
    yield server.set(database=name).render_as_string(hide_password=False)
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(scope="session")
def migrated_database_url(database_url):
    """The test database with the schema built by the migrations, as in production."""
    app = create_app({**TEST_CONFIG, "SQLALCHEMY_DATABASE_URI": database_url})
    with app.app_context():
        flask_migrate.upgrade()
        _empty_all_tables()  # rows of the migrations' data steps (the starter synonyms)
        db.engine.dispose()
    return database_url


@pytest.fixture
def backend(database_url) -> str:
    return make_url(database_url).get_backend_name()


@pytest.fixture
def app_factory(migrated_database_url, tmp_path, monkeypatch):
    """Make applications on the test database with settings of the test's own (for settings
    read when the app is built, such as TRUSTED_PROXY_COUNT); the region tree and modules
    are loaded. Their instance folder (media, speech, search index, job queue) is the
    test's own temporary folder; every table is emptied afterwards."""
    instance = tmp_path / "instance"
    monkeypatch.setenv("LEARNHUB_INSTANCE_PATH", str(instance))
    made = []

    def make(**settings):
        app = create_app(
            {
                **TEST_CONFIG,
                "SQLALCHEMY_DATABASE_URI": migrated_database_url,
                "SEARCH_DIR": str(instance / "search-index"),
                **settings,
            }
        )
        with app.app_context():
            load_regions()
            ensure_modules()
            ensure_activity_kinds()
            db.session.commit()
        run_pending(app)  # what that setup enqueued (the modules' search entries): a clean queue
        made.append(app)
        return app

    yield make
    if made:
        with made[0].app_context():
            db.session.remove()
            _empty_all_tables()
    # Every app's engine, not only the first: an engine dropped with connections in its pool
    # leaves psycopg to warn (ResourceWarning) in whichever later test the collector runs.
    for each in made:
        with each.app_context():
            db.session.remove()
            db.engine.dispose()


@pytest.fixture
def english(app):
    """The site in English (its default is zh_CN), for tests that compare the English
    messages: a module opts in with ``pytestmark = pytest.mark.usefixtures("english")``."""
    app.config["BABEL_DEFAULT_LOCALE"] = "en"


@pytest.fixture
def app(app_factory):
    """An application on the test database, with the region tree and modules loaded."""
    return app_factory()


APPEND_ONLY_TABLES = ("ledger_entry", "audit_entry")  # their triggers refuse TRUNCATE


def _empty_all_tables() -> None:
    """Empty every table for the next test. The ledger refuses DELETE (and TRUNCATE on
    PostgreSQL) by triggers, as in production: they are switched off around the clean-up
    here, and back on before the next test."""
    with db.engine.begin() as connection:
        existing = set(inspect(connection).get_table_names())
        tables = [t for t in reversed(db.metadata.sorted_tables) if t.name in existing]
        if connection.dialect.name == "postgresql":
            _empty_postgresql_tables(connection, [t.name for t in tables])
        else:
            connection.exec_driver_sql("PRAGMA defer_foreign_keys = ON")  # region → parent
            with sqlite_triggers_off(connection):
                for table in tables:
                    connection.execute(table.delete())


def _empty_postgresql_tables(connection, names: list[str]) -> None:
    """Empty the tables a test wrote to, and start their ids at 1 again.

    Only those: TRUNCATE of every table (about a hundred, each a new file) took about a
    second a test, a third of the suite's time on PostgreSQL. As a superuser (the test
    server's usual account) the rows are deleted with triggers and foreign keys switched off
    for this transaction (session_replication_role); otherwise the written tables are
    truncated with the append-only tables' triggers off.
    """
    exists = " UNION ALL ".join(
        f"SELECT '{name}' WHERE EXISTS (SELECT 1 FROM \"{name}\")"  # noqa: S608 - model table names
        for name in names
    )
    written = set(connection.execute(text(exists)).scalars())
    used = connection.execute(text(
        "SELECT s.relname, t.relname FROM pg_sequences p"
        " JOIN pg_namespace n ON n.nspname = p.schemaname"
        " JOIN pg_class s ON s.relname = p.sequencename AND s.relnamespace = n.oid"
        " JOIN pg_depend d ON d.objid = s.oid AND d.deptype IN ('a', 'i')"
        " JOIN pg_class t ON t.oid = d.refobjid"
        " WHERE p.last_value IS NOT NULL"
    )).all()  # fmt: skip
    written |= {table for _sequence, table in used if table in names}
    if not written:
        return
    if connection.scalar(text("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")):
        connection.execute(text("SET LOCAL session_replication_role = replica"))
        for name in written:
            connection.execute(text(f'DELETE FROM "{name}"'))  # noqa: S608 - a model's table
        for sequence, _table in used:
            connection.execute(text("SELECT setval(:s, 1, false)"), {"s": f'"{sequence}"'})
        return
    for table in APPEND_ONLY_TABLES:
        connection.execute(text(f"ALTER TABLE {table} DISABLE TRIGGER USER"))
    listed = ", ".join(f'"{name}"' for name in sorted(written))
    connection.execute(text(f"TRUNCATE {listed} RESTART IDENTITY CASCADE"))
    for table in APPEND_ONLY_TABLES:
        connection.execute(text(f"ALTER TABLE {table} ENABLE TRIGGER USER"))


@contextlib.contextmanager
def sqlite_triggers_off(connection):
    """Drop SQLite's triggers for the block and make them again from their stored SQL."""
    triggers = connection.exec_driver_sql(
        "SELECT name, sql FROM sqlite_master WHERE type = 'trigger'"
    ).all()
    for name, _sql in triggers:
        connection.exec_driver_sql(f'DROP TRIGGER "{name}"')
    try:
        yield
    finally:
        for _name, sql in triggers:
            connection.exec_driver_sql(sql)


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def run_jobs(app):
    """Run the jobs waiting in the app's real queue, as the worker would; returns how many.

    Jobs go through the queue for real (serialized into its SQLite file, taken out, run
    with their retries); only the moment is the test's choice instead of the worker's.
    """
    return lambda: run_pending(app)


@pytest.fixture(params=["sqlite", "redis"])
def job_queue(request, app):
    """The app's job queue in its instance's SQLite file, or (LEARNHUB_TEST_REDIS_URL set) on
    Redis under a name of its own, emptied after the test: which one, as the value."""
    if request.param == "redis":
        if not REDIS_URL:
            pytest.skip("set LEARNHUB_TEST_REDIS_URL to test the Redis queue")
        app.config.update(JOBS_URL=REDIS_URL, JOBS_QUEUE_NAME=f"learnhub-test-{uuid.uuid4().hex}")
        bind_app(app)
    yield request.param
    if request.param == "redis":
        queue.storage.flush_all()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def make_user(app):
    """Create an account through the registration service; returns its id."""
    from learnhub.accounts import services
    from learnhub.accounts.models import Role

    def make(
        login: str = "learner1",
        password: str = "correct horse battery",  # noqa: S107
        city: str = "210100",
        district: str | None = "210102",
        role: Role = Role.LEARNER,
        managed: str | None = None,
        name: str = "测试学员",
        **extra,
    ) -> int:
        # Learners agreed to the current privacy notice, as on /register (pass
        # notice_version=None for one who has not).
        extra.setdefault("notice_version", app.config["PRIVACY_NOTICE_VERSION"])
        with app.app_context():
            user = services.register(
                login, password, name, city, district, role=role,
                managed_region_code=managed, **extra,
            )  # fmt: skip
            db.session.commit()
            return user.id

    return make


@pytest.fixture
def make_course(app):
    """Create a published course with the given lessons; returns the course id.

    ``lessons`` is a list of kinds ("text", "video", "audio", "quiz"); a quiz gets two
    questions: Q1 single choice (right: "对"), Q2 multiple choice (right: "甲" and "乙").
    """
    from decimal import Decimal

    from learnhub.catalogue.models import (
        Course,
        CourseStatus,
        Lesson,
        LessonKind,
        Module,
        QuizChoice,
        QuizQuestion,
    )
    from learnhub.database import utcnow

    def make(
        title: str = "智能手机入门",
        lessons=("text", "video", "quiz"),
        module: str = "elder-digital",
        region: str = "210000",
        status: CourseStatus = CourseStatus.PUBLISHED,
        credits: str = "0.5",
    ) -> int:
        with app.app_context():
            module_row = db.session.scalar(select(Module).where(Module.slug == module))
            course = Course(
                module=module_row, title=title, summary=f"{title}的简介", region_code=region,
                study_hours=Decimal("2.0"), credits=Decimal(credits), status=status,
                published_at=utcnow() if status is not CourseStatus.DRAFT else None,
            )  # fmt: skip
            for position, kind in enumerate(lessons, start=1):
                lesson = Lesson(position=position, title=f"第{position}课", kind=LessonKind(kind))
                if kind == "text":
                    lesson.body_html = "<p>先打开手机，再点设置。</p>"
                elif kind in ("video", "audio"):
                    lesson.duration_seconds = 300
                    lesson.media_path = f"{kind}/demo.bin"
                else:
                    lesson.pass_mark = 60
                    q1 = QuizQuestion(position=1, prompt="手机可以视频通话吗？", multiple=False)
                    q1.choices = [QuizChoice(position=1, text="对", correct=True),
                                  QuizChoice(position=2, text="错", correct=False)]  # fmt: skip
                    q2 = QuizQuestion(position=2, prompt="哪些是骗局？", multiple=True)
                    q2.choices = [QuizChoice(position=1, text="甲", correct=True),
                                  QuizChoice(position=2, text="乙", correct=True),
                                  QuizChoice(position=3, text="丙", correct=False)]  # fmt: skip
                    lesson.questions = [q1, q2]
                course.lessons.append(lesson)
            db.session.add(course)
            db.session.commit()
            return course.id

    return make


@pytest.fixture
def learner(make_user, client):
    """A learner ("zhanglan", of Shenyang) signed in on ``client``; returns the user id."""
    from tests.helpers import sign_in

    user_id = make_user(login="zhanglan")
    sign_in(client, "zhanglan")
    return user_id


@pytest.fixture
def enrolled_learner(app, make_course, make_user):
    """enrolled_learner(lessons, body=None) → (user, lessons): a learner enrolled in a new
    course with those lessons, for tests that call the learning services (in an app
    context kept for the test); ``body`` replaces the text of every lesson."""
    from learnhub.accounts.models import User
    from learnhub.catalogue.models import Course
    from learnhub.learning import services

    def make(lessons=("text",), body=None):
        course_id, user_id = make_course(lessons=lessons), make_user(login="student")
        user, course = db.session.get(User, user_id), db.session.get(Course, course_id)
        services.enrol(user, course)
        if body is not None:
            for lesson in course.lessons:
                lesson.body_html = body
        db.session.commit()
        return user, course.lessons

    with app.app_context():
        yield make


class _CollectingHandler:
    """An aiosmtpd handler that keeps every message it is given."""

    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(
            email.message_from_bytes(envelope.content, policy=email.policy.default)
        )
        return "250 Message accepted"


@pytest.fixture
def mail_server(app):
    """A real SMTP server on a free local port, and the app sending its mail there; returns
    the list of messages (email.message.EmailMessage) it received, in order."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    handler = _CollectingHandler()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    app.config.update(
        MAIL_SERVER="127.0.0.1",
        MAIL_PORT=port,
        MAIL_FROM="学习网 <noreply@learnhub.test>",
        SITE_URL="http://localhost",
    )
    yield handler.messages
    controller.stop()
