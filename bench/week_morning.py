"""A learning-week morning: what each simulated learner does, and what the site must show after.

Shared by ``bench/load_week_morning.py`` (the run, the faults, the checks) and its locust
file. A learner's morning, over real HTTP like a browser (its own address in
``X-Forwarded-For`` behind one trusted proxy, a browser's headers, cookies): register (a
new learner) or sign in (one of the prepared ones), the home page, a search, the rankings,
a course page, enrolment, each text lesson opened and marked read (the last one completes
the course and pays its credits), "my credits". About one learner in five stops after the
first lesson. Every write the site confirmed is noted ("yes"); a write whose answer never
came (a killed worker) is noted as "maybe": it may or may not have been committed.
"""

from __future__ import annotations

import random
import re
import threading
import time
from collections import defaultdict
from dataclasses import dataclass, field

PASSWORD = "correct horse battery"  # noqa: S105 - the simulated learners' password
BROWSER = {
    "User-Agent": "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 Chrome/126.0",
    "Accept": "text/html,application/xhtml+xml",
}
SEARCH_TERMS = ("手机", "健康", "书法", "shouji", "jiankang", "防骗", "太极")
READING_PAUSE = 1.2  # seconds between opening a lesson and "I have read it" (needs 1 s)
CSRF = re.compile(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"')
YES, MAYBE = "yes", "maybe"


class Failed(Exception):
    """A request that failed: an error answer, or no answer at all (``maybe`` committed)."""

    def __init__(self, kind: str, detail: str, maybe: bool):
        super().__init__(f"{kind}: {detail}")
        self.kind, self.maybe = kind, maybe


class Stats:
    """Requests, failures and time per kind of request (thread-safe)."""

    def __init__(self) -> None:
        self.kinds: dict[str, list] = defaultdict(lambda: [0, 0, 0.0])
        self.failures: list[str] = []
        self._lock = threading.Lock()

    def add(self, kind: str, seconds: float, failure: str | None) -> None:
        with self._lock:
            counts = self.kinds[kind]
            counts[0] += 1
            counts[2] += seconds
            if failure:
                counts[1] += 1
                self.failures.append(f"{kind}: {failure}")

    def refused(self, kind: str, detail: str) -> None:
        """A request answered as expected whose answer was a refusal after all."""
        with self._lock:
            self.kinds[kind][1] += 1
            self.failures.append(f"{kind}: {detail}")


class Browser:
    """One learner's browser on the site: ``session`` is a requests.Session, or locust's
    HttpSession (then every request is also in locust's own statistics, by kind)."""

    def __init__(self, session, base: str, stats: Stats, address: str, locust: bool = False):
        self.session, self.base, self.stats, self.locust = session, base, stats, locust
        session.headers.update({**BROWSER, "X-Forwarded-For": address})

    def request(self, method: str, path: str, kind: str, expect=(200,), **kwargs):
        if self.locust:
            kwargs["name"] = kind
        started = time.perf_counter()
        try:
            response = self.session.request(
                method, self.base + path, allow_redirects=False, timeout=120, **kwargs
            )
        except Exception as error:  # no answer: the request may have been committed
            self.stats.add(kind, time.perf_counter() - started, repr(error))
            raise Failed(kind, repr(error), maybe=True) from error
        seconds = time.perf_counter() - started
        if response.status_code not in expect:
            detail = f"{method} {path} answered {response.status_code}"
            self.stats.add(kind, seconds, detail)
            # 0: locust's way of saying no answer came (the connection died)
            maybe = response.status_code >= 500 or response.status_code == 0
            raise Failed(kind, detail, maybe=maybe)
        self.stats.add(kind, seconds, None)
        return response

    def page(self, path: str, kind: str) -> str:
        return self.request("GET", path, kind).text

    def post(self, path: str, kind: str, data: dict):
        return self.request("POST", path, kind, expect=(302,), data=data)


@dataclass
class Plan:
    """What the run starts from (JSON-able, for the locust process)."""

    tag: str  # in every login made by this run
    courses: list[dict]  # {"id", "credits" (hundredths), "lessons": [ids]}
    learners: list[dict]  # prepared: {"login", "city"}
    places: list[list[str]]  # [city, district] a new learner may choose
    new_share: float = 0.3  # of the mornings that register a new learner


@dataclass
class Morning:
    """What one learner did, as the site confirmed it."""

    login: str
    city: str
    new: bool
    registered: str | None = None  # YES / MAYBE (new learners)
    enrolled: dict[int, str] = field(default_factory=dict)
    completed: dict[int, str] = field(default_factory=dict)
    views: dict[str, str] = field(default_factory=dict)  # "kind:id" → YES / MAYBE


class Record:
    """Every learner's morning (thread-safe), and who comes next."""

    def __init__(self, plan: Plan) -> None:
        self.plan = plan
        self.mornings: list[Morning] = []
        self._prepared = iter(plan.learners)
        self._lock = threading.Lock()
        self._new = 0

    def next_learner(self, rng: random.Random) -> Morning:
        with self._lock:
            prepared = None if rng.random() < self.plan.new_share else next(self._prepared, None)
            if prepared is not None:
                morning = Morning(prepared["login"], prepared["city"], new=False)
            else:
                self._new += 1
                city, _district = rng.choice(self.plan.places)
                morning = Morning(f"wm{self.plan.tag}n{self._new}", city, new=True)
            self.mornings.append(morning)
            return morning

    def as_json(self) -> list[dict]:
        with self._lock:
            return [vars(m) for m in self.mornings]


def address_of(number: int) -> str:
    """A client address of its own network (/24) for the n-th learner of the run."""
    return f"10.{number // 250 % 250}.{number % 250}.7"


def learners_morning(browser: Browser, morning: Morning, plan: Plan, rng: random.Random) -> None:
    """One learner's morning (raises Failed at the first request that fails)."""
    if morning.new:
        _register(browser, morning, plan, rng)
    else:
        html = browser.page("/login", "sign-in page")
        browser.post("/login", "sign-in", {"csrf_token": _csrf(html), "login": morning.login,
                                           "password": PASSWORD})  # fmt: skip
    browser.page("/", "home page")
    browser.page(f"/search?q={rng.choice(SEARCH_TERMS)}", "search")
    browser.page("/rankings", "rankings")
    course = rng.choice(plan.courses)
    html = _view(
        browser, morning, "course", course["id"], f"/courses/{course['id']}", "course page"
    )
    token = _csrf(html)
    _write(morning.enrolled, course["id"], lambda: browser.post(
        f"/courses/{course['id']}/enrol", "enrolment", {"csrf_token": token}))  # fmt: skip
    *first, last = course["lessons"]
    for lesson_id in first:
        _open_lesson(browser, morning, lesson_id)
        _mark_read(browser, lesson_id, "lesson progress", token)
        if rng.random() < 0.2:
            return  # stops after the first lesson: progress, no completion
    _open_lesson(browser, morning, last)
    _write(morning.completed, course["id"], lambda: _mark_read(
        browser, last, "completion (credits)", token))  # fmt: skip
    browser.page("/me/credits", "my credits")


def _register(browser: Browser, morning: Morning, plan: Plan, rng: random.Random) -> None:
    html = browser.page("/register", "registration page")
    district = rng.choice([d for c, d in plan.places if c == morning.city])
    form = {"csrf_token": _csrf(html), "login": morning.login, "display_name": "周末学员",
            "password": PASSWORD, "confirm": PASSWORD, "city": morning.city,
            "district": district, "agree": "y"}  # fmt: skip
    _write(morning, "registered", lambda: browser.post("/register", "registration", form))


def _view(browser: Browser, morning: Morning, kind: str, number: int, path: str, name: str) -> str:
    key = f"{kind}:{number}"
    if morning.views.get(key) == YES:
        return browser.page(path, name)
    return _write(morning.views, key, lambda: browser.page(path, name))


def _open_lesson(browser: Browser, morning: Morning, lesson_id: int) -> None:
    """Open a lesson (its reading starts) and read it for the time it needs."""
    _view(browser, morning, "lesson", lesson_id, f"/lessons/{lesson_id}", "lesson view")
    time.sleep(READING_PAUSE)


def _write(where, key, send):
    """Note the outcome of ``send()`` under ``key`` (of a dict, or an attribute): MAYBE while
    it is under way or if no answer came, YES once confirmed, nothing if refused."""
    _note(where, key, MAYBE)
    try:
        result = send()
    except Failed as failure:
        if not failure.maybe:
            _note(where, key, None)
        raise
    _note(where, key, YES)
    return result


def _note(where, key, outcome: str | None) -> None:
    if isinstance(where, dict):
        if outcome is None:
            where.pop(key, None)
        else:
            where[key] = outcome
    else:
        setattr(where, key, outcome)


def _mark_read(browser: Browser, lesson_id: int, kind: str, token: str) -> None:
    response = browser.post(f"/lessons/{lesson_id}/read", kind, {"csrf_token": token})
    if response.headers.get("Location", "").endswith(f"/lessons/{lesson_id}"):
        # Sent back to the lesson: not read long enough (a refusal, nothing written).
        browser.stats.refused(kind, f"lesson {lesson_id} not accepted as read")
        raise Failed(kind, f"lesson {lesson_id} not accepted as read", maybe=False)


def _csrf(html: str) -> str:
    match = CSRF.search(html)
    if match is None:
        raise Failed("page", "no CSRF token on the page", maybe=False)
    return match.group(1)
