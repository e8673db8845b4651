"""Attacks on the rankings, through the real app: test clients with real headers and cookies,
views through the real recording path, then the aggregator. Each attack may move a city's
figures by no more than the caps of docs/rankings.md, asserted against the settings."""

from __future__ import annotations

import random
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from learnhub.accounts.models import User
from learnhub.catalogue.models import Lesson
from learnhub.extensions import db
from learnhub.rankings import aggregation, leaderboard, visitors
from learnhub.rankings.models import CityDay, RegistrationEvent, ViewEvent
from tests.helpers import sign_in, submit

BROWSER = {
    "User-Agent": "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 Chrome/126.0",
    "Accept": "text/html,application/xhtml+xml",
}
SHENYANG, DALIAN, ANSHAN = "210100", "210200", "210300"
ATTACKER = "203.0.113.7"
# Small caps, so an attack needs few requests; the rules are the same for any numbers.
CAPS = {"RANKINGS_ADDRESS_RATE_LIMIT": 8, "RANKINGS_NETWORK_RATE_LIMIT": 20}


@pytest.fixture(autouse=True)
def small_caps(app):
    app.config.update(CAPS, RANKINGS_CACHE_SECONDS=0)


def browser_client(app, address: str = ATTACKER, **headers):
    """A test client that is one browser: its own cookies, address and headers."""
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    for name, value in {**BROWSER, **headers}.items():
        client.environ_base["HTTP_" + name.upper().replace("-", "_")] = value
    return client


def fresh_visitor(app, course_id: int, address: str = ATTACKER, **headers) -> int:
    """A new browser: it gets its visitor cookie from the home page, then views the course."""
    client = browser_client(app, address, **headers)
    client.get("/")
    return client.get(f"/courses/{course_id}").status_code


def aggregate(app) -> None:
    with app.app_context():
        aggregation.aggregate_pending()
        db.session.commit()


def totals(app, metric: str = "clicks") -> dict[str, int]:
    """{city code ("" = no city): total} over every day."""
    with app.app_context():
        rows = db.session.execute(
            select(CityDay.city_code, func.sum(CityDay.value))
            .where(CityDay.metric == metric)
            .group_by(CityDay.city_code)
        )
        return {city: int(n) for city, n in rows if n}


def statuses(app) -> dict[str, int]:
    with app.app_context():
        rows = db.session.execute(select(ViewEvent.status, func.count()).group_by(ViewEvent.status))
        return dict(rows.all())


def lessons_of(app, course_id: int) -> list[int]:
    with app.app_context():
        return list(db.session.scalars(select(Lesson.id).where(Lesson.course_id == course_id)))


# ---- the visitor cookie and the city ------------------------------------------------------


def test_the_reported_attack_made_up_visitor_ids_and_a_city_cookie_count_nothing(app, make_course):
    """40 plain requests, each with a made-up visitor value and learnhub_city=210200."""
    course_id = make_course(lessons=("text",))
    for n in range(40):
        client = browser_client(app)
        client.set_cookie("learnhub_visitor", f"forged-visitor-{n:08d}")
        client.set_cookie("learnhub_city", DALIAN)
        assert client.get(f"/courses/{course_id}").status_code == 200
    aggregate(app)
    assert totals(app) == {}  # no click for Dalian, nor for anyone
    assert statuses(app) == {"unsigned": 40}
    assert totals(app, "filtered") == {"": 40}


def test_an_altered_or_unsigned_visitor_cookie_counts_nothing_and_resets_no_dedupe(
    app, make_course
):
    course_id = make_course(lessons=("text",))
    honest = browser_client(app)
    honest.get("/")
    issued = honest.get_cookie("learnhub_visitor").value
    visitor_id, _, signature = issued.partition(".")
    assert honest.get(f"/courses/{course_id}").status_code == 200  # counts
    forged_values = [
        visitor_id,  # the id without its signature
        visitor_id[:-1] + ("A" if visitor_id[-1] != "A" else "B") + "." + signature,  # altered
        visitor_id + "." + signature[::-1],  # a wrong signature
        "x" * 200,  # anything at all
    ]
    for value in forged_values:
        client = browser_client(app)
        client.set_cookie("learnhub_visitor", value)
        client.get(f"/courses/{course_id}")
        # The client is given an id of ours instead of its own.
        assert client.get_cookie("learnhub_visitor").value != value
        assert visitors_id_of(app, client.get_cookie("learnhub_visitor").value)
    assert honest.get(f"/courses/{course_id}").status_code == 200  # a repeat: dedupe holds
    aggregate(app)
    assert totals(app) == {"": 1}
    assert statuses(app) == {"ok": 2, "unsigned": 4}


def visitors_id_of(app, cookie: str) -> str | None:
    with app.app_context():
        return visitors.verified_visitor_id(cookie)


def test_the_city_cookie_cannot_move_a_click_to_another_city(app, make_course, make_user):
    course_id = make_course(lessons=("text",))
    anonymous = browser_client(app)
    anonymous.get("/")
    anonymous.set_cookie("learnhub_city", DALIAN)
    anonymous.get(f"/courses/{course_id}")
    make_user("anshan1", city=ANSHAN, district="210302")
    learner = browser_client(app, "198.51.100.20")
    sign_in(learner, "anshan1")
    learner.set_cookie("learnhub_city", DALIAN)
    learner.get(f"/courses/{course_id}")
    aggregate(app)
    assert totals(app) == {"": 1, ANSHAN: 1}  # the province's, and the learner's own city
    today = datetime.now(ZoneInfo("Asia/Shanghai")).date()
    with app.app_context():
        board = leaderboard.leaderboard(
            leaderboard.board_query({"metric": "clicks", "window": "today"}, today)
        )
    assert board.entries[0].code == ANSHAN and board.unattributed == 1
    api = app.test_client().get("/api/v1/rankings?window=today").get_json()
    assert api["unattributed"] == 1 and api["entries"][0]["code"] == ANSHAN


# ---- (a) one address, unlimited fresh cookies and user agents ----------------------------


def test_a_fresh_cookies_and_user_agents_from_one_address_move_nothing_beyond_its_cap(
    app, make_course, make_user
):
    course_id = make_course(lessons=("text", "text", "text"))
    cap = app.config["RANKINGS_ADDRESS_RATE_LIMIT"]
    rng = random.Random(1)
    for n in range(cap * 3):
        agent = f"Mozilla/5.0 (X11; Linux x86_64; rv:{rng.randrange(60, 130)}.0) Firefox/{n}"
        assert fresh_visitor(app, course_id, **{"User-Agent": agent}) == 200
    # Learners of one city, signed in at the same address, share its budget.
    for n in range(3):
        make_user(f"local{n}", city=SHENYANG)
        learner = browser_client(app)
        sign_in(learner, f"local{n}")
        for lesson_id in lessons_of(app, course_id):
            learner.get(f"/lessons/{lesson_id}")
    aggregate(app)
    counted = totals(app)
    assert sum(counted.values()) == cap  # the address's cap, and not one more
    assert set(counted) <= {"", SHENYANG}
    assert statuses(app)["ok"] == cap * 3 + 9  # every view was recorded; the cap filters
    assert sum(totals(app, "filtered").values()) == cap * 3 + 9 - cap
    # Another address is not held back by the attacker's.
    fresh_visitor(app, course_id, address="198.51.100.30")
    aggregate(app)
    assert sum(totals(app).values()) == cap + 1


# ---- (b) 256 addresses of one /24 --------------------------------------------------------


def test_b_every_address_of_one_network_shares_the_network_cap(app, make_course, make_user):
    course_id = make_course(lessons=("text", "text"))
    network_cap = app.config["RANKINGS_NETWORK_RATE_LIMIT"]
    for host in range(256):
        assert fresh_visitor(app, course_id, address=f"203.0.113.{host}") == 200
    # Dalian's learners, each at its own address of the same network.
    for n in range(10):
        make_user(f"dalian{n}", city=DALIAN, district="210202")
        learner = browser_client(app, f"203.0.113.{n}")
        sign_in(learner, f"dalian{n}")
        for lesson_id in lessons_of(app, course_id):
            learner.get(f"/lessons/{lesson_id}")
    aggregate(app)
    counted = totals(app)
    assert sum(counted.values()) == network_cap  # 276 views, one network's cap
    assert counted.get(DALIAN, 0) <= network_cap
    assert set(counted) <= {"", DALIAN}
    fresh_visitor(app, course_id, address="203.0.114.9")  # the next network counts
    aggregate(app)
    assert sum(totals(app).values()) == network_cap + 1


# ---- (c) throw-away accounts from one address ---------------------------------------------


def registration(n: int, city: str = SHENYANG) -> dict:
    return {
        "login": f"throwaway{n:03d}", "display_name": "测试", "password": "correct horse battery",
        "confirm": "correct horse battery", "city": city, "district": city[:4] + "02",
        "birth_year": "", "agree": "y",
    }  # fmt: skip


def per_hour(setting: str) -> int:
    """The hourly number of a limit written like "5/hour;20/day"."""
    return next(int(part.split("/")[0]) for part in setting.split(";") if "hour" in part)


def test_c_fifty_throwaway_accounts_from_one_address(app, make_course):
    course_id = make_course(lessons=("text", "text", "text"))
    allowed = per_hour(app.config["REGISTRATION_RATE_LIMIT_PER_ADDRESS"])
    codes, refusal = [], None
    for n in range(50):
        client = browser_client(app, **{"Accept-Language": "zh-CN,zh;q=0.9"})
        response = submit(client, "/register", registration(n))
        codes.append(response.status_code)
        if response.status_code == 429:
            refusal = response.get_data(as_text=True)
            continue
        for lesson_id in lessons_of(app, course_id):  # each new account clicks around
            client.get(f"/lessons/{lesson_id}")
        client.get(f"/courses/{course_id}")
    assert codes == [302] * allowed + [429] * (50 - allowed)
    assert "操作太频繁" in refusal  # the site's 429 page, in the visitor's language
    with app.app_context():
        assert db.session.scalar(select(func.count(User.id))) == allowed  # nothing else made
        assert db.session.scalar(select(func.count(RegistrationEvent.id))) == allowed
    aggregate(app)
    assert totals(app, "registrations") == {SHENYANG: allowed}
    assert totals(app)[SHENYANG] == app.config["RANKINGS_ADDRESS_RATE_LIMIT"]


def test_c_registrations_are_limited_per_network_too(app):
    allowed = per_hour(app.config["REGISTRATION_RATE_LIMIT_PER_NETWORK"])
    codes = [
        submit(browser_client(app, f"203.0.113.{n}"), "/register", registration(n)).status_code
        for n in range(allowed + 3)  # one account per address: only the network is shared
    ]
    assert codes == [302] * allowed + [429] * 3
    assert totals(app, "registrations") == {SHENYANG: allowed}
    other = submit(browser_client(app, "198.51.100.1"), "/register", registration(99))
    assert other.status_code == 302  # another network registers as usual


# ---- (d) forged X-Forwarded-For ----------------------------------------------------------


def test_d_forged_forwarded_for_from_an_untrusted_client_is_ignored(app, make_course):
    assert app.config["TRUSTED_PROXY_COUNT"] == 0
    course_id = make_course(lessons=("text",))
    cap = app.config["RANKINGS_ADDRESS_RATE_LIMIT"]
    for n in range(cap * 3):
        forged = {"X-Forwarded-For": f"198.51.{n}.{n % 250 + 1}"}
        assert fresh_visitor(app, course_id, **forged) == 200
    allowed = per_hour(app.config["REGISTRATION_RATE_LIMIT_PER_ADDRESS"])
    codes = [
        submit(
            browser_client(app, **{"X-Forwarded-For": f"192.0.2.{n}"}), "/register",
            registration(n),
        ).status_code
        for n in range(allowed + 4)
    ]  # fmt: skip
    aggregate(app)
    assert sum(totals(app).values()) == cap
    assert codes.count(302) == allowed
    assert totals(app, "registrations") == {SHENYANG: allowed}


@pytest.fixture
def proxied_app(app, app_factory):
    """An app behind one trusted proxy (TRUSTED_PROXY_COUNT is read when it is built)."""
    proxied = app_factory(TRUSTED_PROXY_COUNT=1, **CAPS, RANKINGS_CACHE_SECONDS=0)
    yield proxied
    with proxied.app_context():  # app_factory closes the first app's connections only
        db.session.remove()
        db.engine.dispose()


def test_d_behind_one_trusted_proxy_the_client_cannot_choose_its_address(proxied_app, make_course):
    app = proxied_app
    course_id = make_course(lessons=("text",))
    cap = app.config["RANKINGS_ADDRESS_RATE_LIMIT"]
    proxy = "10.0.0.2"  # every request arrives from our nginx, which appends the client

    def through_proxy(client_address: str, n: int) -> int:
        chain = f"198.51.{n}.{n % 250 + 1}, {client_address}"  # the client's forged part first
        return fresh_visitor(app, course_id, address=proxy, **{"X-Forwarded-For": chain})

    for n in range(cap * 3):
        assert through_proxy("203.0.113.7", n) == 200
    assert through_proxy("198.51.100.9", 0) == 200  # another client has its own budget
    allowed = per_hour(app.config["REGISTRATION_RATE_LIMIT_PER_ADDRESS"])
    codes = [
        submit(
            browser_client(app, proxy, **{"X-Forwarded-For": f"192.0.2.{n}, 203.0.113.7"}),
            "/register", registration(n),
        ).status_code
        for n in range(allowed + 4)
    ]  # fmt: skip
    aggregate(app)
    assert sum(totals(app).values()) == cap + 1
    assert codes.count(302) == allowed
    assert totals(app, "registrations") == {SHENYANG: allowed}
