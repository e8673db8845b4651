"""SQL statements per page: the same for a little data and for several times more.

Each page type is rendered for a site with a little data and again after several times more
related rows were added (courses, lessons, enrolments and progress, credit entries,
activities, news, staff accounts). A page whose statement count grows with the rows it shows
runs one query per row (an N+1): under load that is what makes a signed-in page slow. Each
count also stays under a ceiling, so a new per-request query is a decision, not an accident.

Fragment caching is off here, so the counts are those of a page built from nothing (what a
visitor gets after any edit); cached fragments only lower them.
"""

from __future__ import annotations

import re
import threading
from contextlib import contextmanager

from sqlalchemy import event

from learnhub.accounts.models import Role, User
from learnhub.catalogue.models import Course
from learnhub.extensions import db
from learnhub.learning import services as learning
from learnhub.learning.models import LessonProgress
from learnhub.news import NewsKind, NewsStatus
from learnhub.news import services as news
from learnhub.news.services import NewsDetails
from learnhub.rankings import aggregation
from tests.activity_steps import make_activity
from tests.helpers import read_text_lesson, sign_in
from tests.learning_steps import count, enrol, lesson_ids

SMALL, LARGE = 2, 8  # rows of each kind: the large site has four times as many

# (name, address (filled in from the site's ids), who looks, the ceiling of statements)
PAGES = [
    ("home", "/", "learner", 22),
    ("module", "/m/elder-digital", "learner", 16),
    ("course", "/courses/{course}", "learner", 20),
    ("lesson", "/lessons/{lesson}", "learner", 23),
    ("my learning", "/me", "learner", 10),
    ("my credits", "/me/credits", "learner", 16),
    ("rankings", "/rankings", "learner", 10),
    ("rankings signed out", "/rankings", None, 8),
    ("search", "/search?q=手机", "learner", 17),
    ("search signed out", "/search?q=手机", None, 15),
    ("activities", "/activities", "learner", 14),
    ("activity", "/activities/{activity}", "learner", 17),
    ("news", "/news", "learner", 10),
    ("news story", "/news/{story}", "learner", 8),
    ("staff people", "/staff/people", "province", 13),
    ("staff activities", "/staff/activities", "province", 10),
    ("staff news", "/staff/news", "province", 9),
]


@contextmanager
def counted_statements(app):
    """The SQL statements this thread sends to the database inside the block."""
    statements: list[str] = []
    thread = threading.get_ident()

    def count(_conn, _cursor, statement, *_args):
        if threading.get_ident() == thread:
            statements.append(statement)

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", count)


def build_site(app, make_user, make_course, run_jobs, n: int, tag: str) -> dict:
    """A site part of size ``n``: a learner enrolled in n courses (half completed, so n/2
    credit entries) and in a course of n lessons (half read), n more published courses,
    activities, news stories and staff accounts. Returns the addresses' ids."""
    learner = make_user(login=f"learner_{tag}", name="王秀英")
    main = make_course(title=f"智能手机 {tag} 主课", lessons=("text",) * n)
    others = [make_course(title=f"智能手机 {tag} {i}", lessons=("text",)) for i in range(n)]
    for i in range(n):
        make_user(login=f"editor_{tag}_{i}", role=Role.EDITOR, managed="210100")
    with app.app_context():
        user = db.session.get(User, learner)
        for course_id in [main, *others]:
            learning.enrol(user, db.session.get(Course, course_id))
        db.session.commit()
        for course_id in others[: n // 2]:
            read_text_lesson(user, db.session.get(Course, course_id).lessons[0])
            db.session.commit()
        lessons = db.session.get(Course, main).lessons
        for lesson in lessons[: n // 2]:
            read_text_lesson(user, lesson)
            db.session.commit()
        lesson = lessons[-1].id
        stories = []
        for i in range(n):
            details = NewsDetails(
                title=f"活动周新闻 {tag} {i}", kind=NewsKind.WORK, city_code="210100",
                district_code=None, body_html="<p>开幕。</p>", summary="摘要",
            )  # fmt: skip
            item = news.create_news(news.EVERYTHING, details, None)
            news.set_status(news.EVERYTHING, item, NewsStatus.PUBLISHED)
            db.session.commit()
            stories.append(item.id)
    activities = [
        make_activity(app, title=f"智能手机课堂 {tag} {i}", sessions=((48, 10), (72, 10)))[0]
        for i in range(n)
    ]
    run_jobs()  # search entries, views and counts
    with app.app_context():
        aggregation.aggregate_pending()
        db.session.commit()
    return {"learner": f"learner_{tag}", "course": main, "lesson": lesson,
            "activity": activities[-1], "story": stories[-1]}  # fmt: skip


def statements_of(app, client, path: str) -> list[str]:
    """The statements of one visit of ``path`` (after a first visit that settles what a
    first visit does once: the visitor cookie, a session's renewal)."""
    client.get(path)
    with counted_statements(app) as statements:
        response = client.get(path)
    assert response.status_code == 200, path
    return list(statements)


def measure(app, site: dict) -> dict[str, list[str]]:
    clients = {None: app.test_client()}
    for who in ("learner", "province"):
        clients[who] = app.test_client()
        sign_in(clients[who], site.get(who, who))
    return {
        name: statements_of(app, clients[who], path.format(**site))
        for name, path, who, _ceiling in PAGES
    }


def test_no_page_runs_a_query_per_row(app, make_user, make_course, run_jobs):
    app.config["CACHE_FRAGMENTS"] = False  # count what building each page from nothing takes
    app.config["RANKINGS_CACHE_SECONDS"] = 0
    make_user(login="province", role=Role.PROVINCE_STAFF, managed="210000", name="省中心")
    small = measure(app, build_site(app, make_user, make_course, run_jobs, SMALL, "s"))
    large = measure(app, build_site(app, make_user, make_course, run_jobs, LARGE, "l"))

    table = "\n".join(f"{name:<22}{len(small[name]):>4}{len(large[name]):>4}  (ceiling {top})"
                       for name, _path, _who, top in PAGES)  # fmt: skip
    growing = [name for name, *_ in PAGES if len(large[name]) > len(small[name])]
    assert not growing, f"statements grow with the rows shown:\n{table}\n" + "\n\n".join(
        "\n".join(large[name]) for name in growing
    )
    over = [name for name, _path, _who, top in PAGES if len(large[name]) > top]
    assert not over, f"over the ceiling:\n{table}"


def test_a_lessons_first_opening_reads_the_learner_once(app, client, make_user, make_course):
    """Opening a text the first time starts its reading in a transaction of its own; the
    commits around it leave the learner and the new progress as they were, not read again."""
    make_user(login="first_opener")
    course_id = make_course(title="第一次打开", lessons=("text",))
    sign_in(client, "first_opener")
    enrol(client, course_id)
    lesson_id = lesson_ids(app, course_id)[0]
    with counted_statements(app) as statements:
        page = client.get(f"/lessons/{lesson_id}")
    assert page.status_code == 200
    assert count(app, LessonProgress, lesson_id=lesson_id) == 1  # the reading started
    users_read = [s for s in statements if re.search(r"\b(FROM|JOIN) user_account\b", s)]
    assert len(users_read) == 1, "\n\n".join(users_read)
    # On SQLite only the write takes the write lock: the page built after it reads as a reader.
    transactions = [[]]
    for statement in statements:
        if statement.startswith("BEGIN"):
            transactions.append([])
        transactions[-1].append(statement)
    writes = ("INSERT", "UPDATE")
    locking_only_to_read = [
        t for t in transactions
        if t and t[0] == "BEGIN IMMEDIATE" and not any(s.startswith(writes) for s in t)
    ]  # fmt: skip
    assert not locking_only_to_read, "\n\n".join("\n".join(t) for t in locking_only_to_read)
