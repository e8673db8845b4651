"""Load test: a learning-week morning, then every count and every ledger balance checked.

Builds a fresh site (SQLite in a temporary instance folder, or a fresh PostgreSQL
database), courses and prepared learners, serves it with gunicorn (2 sync workers) and runs
the job worker beside it, as ``flask quickstart`` does. Then simulated learners
(bench/week_morning.py) register or sign in, search, look at the rankings, enrol, read
lessons and complete courses for ``--duration`` seconds, driven by locust (headless) or by
threads. Afterwards the site is stopped cleanly, the queue drained and the views
aggregated, and the script checks against what the learners did (each confirmed answer):
accounts, enrolments, completions, each learner's credit balance (one completion entry per
course, never two), the rankings' registrations, completions, credits and clicks per city,
``flask ledger verify``, ``flask search status`` and ``flask jobs status``. It prints
requests/s by kind and every failure, and exits 1 if any check fails.

``--faults`` kills a web worker (SIGKILL; gunicorn starts another) and the job worker
(SIGKILL, restarted a while later) mid-run: then answers that never came are allowed, and
the checks become "nothing the site confirmed is lost (every confirmed view counted, once),
nothing paid twice, the chain verifies, the index opens, the queued jobs and the job in
hand at the kill finish after the restart".

    .venv/bin/python -m bench.load_week_morning                        # 2 minutes, locust
    .venv/bin/python -m bench.load_week_morning --duration 30 --faults
    .venv/bin/python -m bench.load_week_morning --database-url postgresql://postgres@127.0.0.1/postgres

Needs gunicorn and locust (pip install -e '.[bench]'); ``--driver threads`` needs neither
locust nor gevent.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import secrets
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from collections import Counter
from dataclasses import asdict
from decimal import Decimal
from pathlib import Path

import flask_migrate
import requests
from sqlalchemy import func, select

from bench.catalogue_bench import bench_instance, free_port
from bench.week_morning import (
    MAYBE,
    PASSWORD,
    YES,
    Browser,
    Failed,
    Plan,
    Record,
    Stats,
    address_of,
    learners_morning,
)
from learnhub import create_app
from learnhub.accounts import services as accounts
from learnhub.accounts.models import User
from learnhub.catalogue.models import Course, CourseStatus, Lesson, LessonKind, Module
from learnhub.catalogue.services import ensure_modules
from learnhub.creditbank.models import CreditAccount, EntryKind, LedgerEntry
from learnhub.database import utcnow
from learnhub.extensions import db
from learnhub.jobs.leases import jobs_in_hand
from learnhub.jobs.queue import bind_app, queue
from learnhub.jobs.worker import run_pending
from learnhub.learning.models import CourseCompletion, Enrolment
from learnhub.rankings.aggregation import aggregate_pending
from learnhub.rankings.models import CityDay
from learnhub.rankings.view_journal import drain_views
from learnhub.regions.models import Region, RegionLevel
from learnhub.regions.services import load_regions

ROOT = Path(__file__).resolve().parent.parent
# The site as the bench runs it: one trusted proxy (each learner has an address of its own in
# X-Forwarded-For, so per-address limits apply per learner), and a lesson read in 1 s.
SERVER_SETTINGS = {
    "LEARNHUB_TRUSTED_PROXY_COUNT": "1",
    "LEARNHUB_READING_FLOOR_SECONDS": "0",
    "LEARNHUB_READING_UNITS_PER_MINUTE": "1000000",
}
CHEAP_HASHES = {  # --cheap-hashes (the test): Argon2id still, as the test suite hashes
    "LEARNHUB_PASSWORD_HASH_TIME_COST": "1",
    "LEARNHUB_PASSWORD_HASH_MEMORY_KIB": "8192",
    "LEARNHUB_PASSWORD_HASH_PARALLELISM": "1",
}
TOPICS = ("智能手机入门", "健康生活", "书法基础", "防骗知识", "太极拳", "家庭理财")


def arguments(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=int, default=120, help="seconds of load")
    parser.add_argument("--users", type=int, default=16, help="learners at once")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers")
    parser.add_argument("--courses", type=int, default=30)
    parser.add_argument("--learners", type=int, default=1000, help="prepared accounts")
    parser.add_argument("--driver", choices=("locust", "threads"), default="locust")
    parser.add_argument("--faults", action="store_true", help="kill workers mid-run")
    parser.add_argument("--cheap-hashes", action="store_true", help="Argon2id at test cost")
    parser.add_argument("--database-url", help="PostgreSQL server (a fresh database is made)")
    parser.add_argument("--seed", type=int, default=18)
    parser.add_argument("--json", help="also write the figures to this file (for bench/run)")
    return parser.parse_args(argv)


def main(argv=None) -> int:
    args = arguments(argv)
    outcome = run(args)
    print_outcome(args, outcome)
    if args.json:
        Path(args.json).write_text(json.dumps({
            "backend": "postgresql" if args.database_url else "sqlite", "users": args.users,
            "seconds": outcome["seconds"], "kinds": dict(outcome["stats"].kinds),
            "failures": outcome["stats"].failures[:50], "problems": outcome["problems"][:50],
            "learners": len(outcome["mornings"]), "faults": outcome["events"],
        }, indent=1))  # fmt: skip
    return 1 if outcome["problems"] else 0


def run(args: argparse.Namespace) -> dict:
    """Prepare, load (with faults if asked), stop, check: the figures and the problems."""
    with bench_instance(args.database_url) as env:
        env.update(SERVER_SETTINGS, **(CHEAP_HASHES if args.cheap_hashes else {}))
        os.environ.update(env)
        plan = prepare(args)
        app = create_app()
        with Site(env, args.workers) as site:
            events = []
            loaded = drive(args, plan, site, events)
            site.stop_web()  # SIGTERM: each worker hands its buffered views to the queue
            left = site.drain_queue(app)
        problems = check(app, plan, loaded["mornings"], faulty=args.faults)
        if left:
            problems.append(f"{left} job(s) still queued after the run")
        problems += commands_that_fail(app)
        if not args.faults and loaded["stats"].failures:
            problems.append(f"{len(loaded['stats'].failures)} request(s) failed")
        with app.app_context():
            db.engine.dispose()
    return {**loaded, "events": events, "problems": problems,
            "jobs_waiting_at_restart": site.jobs_waiting_at_restart,
            "jobs_in_hand_at_restart": site.jobs_in_hand_at_restart}  # fmt: skip


# ---- preparing the site -----------------------------------------------------------------


def prepare(args) -> Plan:
    """Schema, regions, modules, published courses of two text lessons, prepared learners
    (hashed at the test suite's cost, so they are quick to make; signing in upgrades them)."""
    rng = random.Random(args.seed)
    tag = secrets.token_hex(2)
    app = create_app({"PASSWORD_HASH_TIME_COST": 1, "PASSWORD_HASH_MEMORY_KIB": 8192,
                      "PASSWORD_HASH_PARALLELISM": 1})  # fmt: skip
    with app.app_context():
        flask_migrate.upgrade()
        load_regions()
        ensure_modules()
        db.session.commit()
        modules = list(db.session.scalars(select(Module)))
        courses = []
        for number in range(args.courses):
            course = Course(
                module=rng.choice(modules), title=f"{TOPICS[number % len(TOPICS)]}（{number}）",
                summary="学习周的课程。", region_code="210000", study_hours=Decimal("1.0"),
                credits=Decimal(rng.choice(("0.5", "1", "1.5", "2"))),
                status=CourseStatus.PUBLISHED, published_at=utcnow(),
            )  # fmt: skip
            for position in (1, 2):
                lesson = Lesson(position=position, title=f"第{position}课", kind=LessonKind.TEXT)
                lesson.body_html = "<p>先打开手机，再点设置。</p>"
                course.lessons.append(lesson)
            db.session.add(course)
            courses.append(course)
        db.session.commit()
        course_rows = [
            {"id": c.id, "credits": int(c.credits * 100), "lessons": [x.id for x in c.lessons]}
            for c in courses
        ]
        districts = db.session.execute(
            select(Region.parent_code, Region.code).where(Region.level == RegionLevel.DISTRICT)
        ).all()
        places = [[city, district] for city, district in districts if city]
        learners = []
        for number in range(args.learners):
            city, district = rng.choice(places)
            login = f"wm{tag}p{number}"
            accounts.register(login, PASSWORD, "学习周学员", city, district,
                              notice_version=app.config["PRIVACY_NOTICE_VERSION"])  # fmt: skip
            learners.append({"login": login, "city": city})
            if number % 200 == 199:
                db.session.commit()
        db.session.commit()
    run_pending(app)  # the courses' search entries
    with app.app_context():
        db.engine.dispose()
    return Plan(tag=tag, courses=course_rows, learners=learners, places=places)


# ---- the site: gunicorn and the job worker ------------------------------------------------


class Site:
    """gunicorn (``workers`` sync workers) and ``flask jobs worker``, both stopped at the end."""

    def __init__(self, env: dict, workers: int):
        self.env, self.workers = env, workers
        self.base = ""
        self.web = self.jobs = None
        self.jobs_waiting_at_restart = self.jobs_in_hand_at_restart = 0

    def __enter__(self) -> Site:
        port = free_port()
        self.base = f"http://127.0.0.1:{port}"
        self.web = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-w", str(self.workers), "-b", f"127.0.0.1:{port}",
             "--log-level", "warning", "wsgi:app"],
            env=self.env, cwd=ROOT, start_new_session=True,
        )  # fmt: skip
        self.start_jobs()
        for _ in range(300):
            try:
                urllib.request.urlopen(self.base + "/healthz", timeout=2).read()  # noqa: S310
                return self
            except OSError:
                time.sleep(0.2)
        raise RuntimeError("gunicorn did not start")

    def __exit__(self, *_exc) -> None:
        self.stop_web()
        self.stop_jobs()

    def start_jobs(self) -> None:
        self.jobs = subprocess.Popen(
            [sys.executable, "-m", "flask", "--app", "learnhub", "jobs", "worker"],
            env=self.env, cwd=ROOT, start_new_session=True,
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip

    def web_workers(self) -> list[int]:
        """The pids of gunicorn's workers (the master's children)."""
        children = Path(f"/proc/{self.web.pid}/task/{self.web.pid}/children").read_text()
        return [int(pid) for pid in children.split()]

    def kill_a_web_worker(self) -> int:
        pid = self.web_workers()[0]
        os.kill(pid, signal.SIGKILL)
        return pid

    def kill_jobs(self) -> None:
        self.jobs.kill()
        self.jobs.wait(timeout=30)

    def stop_web(self) -> None:
        if self.web is not None and self.web.poll() is None:
            self.web.send_signal(signal.SIGTERM)
            self.web.wait(timeout=120)

    def stop_jobs(self) -> None:
        if self.jobs is not None and self.jobs.poll() is None:
            self.jobs.send_signal(signal.SIGTERM)
            try:
                self.jobs.wait(timeout=120)
            except subprocess.TimeoutExpired:
                self.jobs.kill()

    def drain_queue(self, app, timeout: float = 120) -> int:
        """Wait for the job worker to empty the queue; returns what is left."""
        bind_app(app)
        deadline = time.monotonic() + timeout
        while (queue.pending_count() or jobs_in_hand()) and time.monotonic() < deadline:
            time.sleep(0.5)
        return queue.pending_count()


# ---- driving the load -------------------------------------------------------------------


def drive(args, plan: Plan, site: Site, events: list) -> dict:
    """Run the mornings for ``args.duration`` seconds; faults on the side if asked."""
    faults = None
    if args.faults:
        faults = threading.Thread(target=inflict_faults, args=(site, args.duration, events))
        faults.start()
    if args.driver == "locust":
        loaded = drive_with_locust(args, plan, site.base)
    else:
        loaded = drive_with_threads(args, plan, site.base)
    if faults is not None:
        faults.join()
    return loaded


def inflict_faults(site: Site, duration: int, events: list) -> None:
    """At 30 % a web worker and at 40 % the job worker are killed (SIGKILL); the job
    worker is started again at 70 %, with what waited meanwhile still queued."""
    time.sleep(duration * 0.3)
    events.append(f"SIGKILL web worker {site.kill_a_web_worker()}")
    time.sleep(duration * 0.1)
    site.kill_jobs()
    events.append("SIGKILL job worker")
    time.sleep(duration * 0.3)
    site.jobs_waiting_at_restart = queue.pending_count()
    site.jobs_in_hand_at_restart = len(jobs_in_hand())
    events.append(
        f"job worker started again, {site.jobs_waiting_at_restart} job(s) waiting, "
        f"{site.jobs_in_hand_at_restart} in hand when it was killed (put back)"
    )
    site.start_jobs()


def drive_with_threads(args, plan: Plan, base: str) -> dict:
    record, stats = Record(plan), Stats()
    deadline = time.monotonic() + args.duration
    started = time.monotonic()

    def learner_after_learner(number: int) -> None:
        rng = random.Random(args.seed * 1000 + number)
        count = 0
        while time.monotonic() < deadline:
            morning = record.next_learner(rng)
            with requests.Session() as session:
                browser = Browser(session, base, stats, address_of(number * 997 + count))
                count += 1
                try:
                    learners_morning(browser, morning, plan, rng)
                except Failed:
                    time.sleep(0.5)

    threads = [threading.Thread(target=learner_after_learner, args=(n,)) for n in range(args.users)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return {"mornings": record.as_json(), "stats": stats, "seconds": time.monotonic() - started}


def drive_with_locust(args, plan: Plan, base: str) -> dict:
    folder = Path(tempfile.mkdtemp(prefix="learnhub-locust-"))
    (folder / "plan.json").write_text(json.dumps(asdict(plan)))
    env = {**os.environ, "WEEK_MORNING_PLAN": str(folder / "plan.json"),
           "WEEK_MORNING_RESULT": str(folder / "result.json"),
           "WEEK_MORNING_SEED": str(args.seed)}  # fmt: skip
    started = time.monotonic()
    subprocess.run(
        [sys.executable, "-m", "locust", "-f", str(ROOT / "bench" / "locustfile_week_morning.py"),
         "--headless", "--users", str(args.users), "--spawn-rate", str(max(args.users / 5, 1)),
         "--run-time", f"{args.duration}s", "--stop-timeout", "30", "--host", base,
         "--only-summary", "--loglevel", "WARNING", "--csv", str(folder / "locust")],
        env=env, cwd=ROOT, check=False,
    )  # fmt: skip
    seconds = time.monotonic() - started
    result = json.loads((folder / "result.json").read_text())
    stats = Stats()
    for kind, counts in result["stats"].items():
        stats.kinds[kind] = counts
    stats.failures = result["failures"]
    return {"mornings": result["mornings"], "stats": stats, "seconds": seconds}


# ---- the checks -------------------------------------------------------------------------


def check(app, plan: Plan, mornings: list[dict], faulty: bool) -> list[str]:
    """Compare the database with what the learners were told; returns the problems."""
    credits_of = {c["id"]: c["credits"] for c in plan.courses}
    problems: list[str] = []
    with app.app_context():
        drain_views()  # as the minute's aggregation does: a killed worker's views too
        aggregate_pending()  # every view written so far, none left to settle
        db.session.commit()
        if jobs_in_hand():
            problems.append(f"jobs still in hand after the run: {sorted(jobs_in_hand())}")
        users = dict(db.session.execute(
            select(User.username, User.id).where(User.username.like(f"wm{plan.tag}%"))
        ).all())  # fmt: skip
        enrolled = _pairs(db.session.execute(select(Enrolment.user_id, Enrolment.course_id)))
        completed = _pairs(db.session.execute(
            select(CourseCompletion.user_id, CourseCompletion.course_id)))  # fmt: skip
        balances = dict(db.session.execute(
            select(CreditAccount.user_id, func.sum(LedgerEntry.amount))
            .join(LedgerEntry, LedgerEntry.account_id == CreditAccount.id)
            .group_by(CreditAccount.user_id)
        ).all())  # fmt: skip
        paid = Counter(db.session.execute(
            select(CreditAccount.user_id, LedgerEntry.business_key)
            .join(LedgerEntry, LedgerEntry.account_id == CreditAccount.id)
            .where(LedgerEntry.kind == EntryKind.COMPLETION)
        ).all())  # fmt: skip
        ranked = {(metric, city): int(value) for metric, city, value in db.session.execute(
            select(CityDay.metric, CityDay.city_code, func.sum(CityDay.value))
            .group_by(CityDay.metric, CityDay.city_code))}  # fmt: skip
    expected = Counter()
    registered_logins = {m["login"] for m in mornings if m["new"]}
    for learner in plan.learners:
        expected[("registrations", learner["city"])] += 1
    for morning in mornings:
        login, city = morning["login"], morning["city"]
        if morning["new"]:
            state = morning["registered"]
            if login in users:
                expected[("registrations", city)] += 1
            if (state == YES) != (login in users) and not (state == MAYBE and faulty):
                problems.append(f"{login}: registration {state}, account exists: {login in users}")
        user_id = users.get(login)
        for name, told, stored in (("enrolment", morning["enrolled"], enrolled),
                                   ("completion", morning["completed"], completed)):  # fmt: skip
            have = stored.get(user_id, set())
            for course, state in told.items():
                if (state == YES) != (int(course) in have) and not (state == MAYBE and faulty):
                    problems.append(f"{login}: {name} of course {course} {state}, stored: "
                                    f"{int(course) in have}")  # fmt: skip
            surplus = have - {int(c) for c in told}
            if surplus:
                problems.append(f"{login}: {name}s nobody asked for: {sorted(surplus)}")
        done = completed.get(user_id, set())
        owed = sum(credits_of[c] for c in done)
        if round((balances.get(user_id) or Decimal(0)) * 100) != owed:
            problems.append(f"{login}: balance {balances.get(user_id)}, completions {owed / 100}")
        expected[("completions", city)] += len(done)
        expected[("credits", city)] += owed
        views = [k for k, state in morning["views"].items() if state == YES or faulty]
        expected[("clicks", city)] += len(views)
        expected[("clicks confirmed", city)] += sum(
            1 for state in morning["views"].values() if state == YES
        )
    twice = [key for key, count in paid.items() if count > 1]
    if twice:
        problems.append(f"credits paid twice: {twice[:5]}")
    extra = set(users) - registered_logins - {learner["login"] for learner in plan.learners}
    if extra:
        problems.append(f"accounts nobody made: {sorted(extra)[:5]}")
    cities = {city for _metric, city in expected}
    for metric in ("registrations", "completions", "credits", "clicks"):
        for city in sorted(cities):
            want, have = expected[(metric, city)], ranked.get((metric, city), 0)
            if metric == "clicks" and faulty:
                # Every view an answer confirmed is counted (a killed worker's too: they were
                # in the journal before the answer left), once; a view whose answer never
                # came may or may not be.
                confirmed = expected[("clicks confirmed", city)]
                if have > want:
                    problems.append(f"clicks in {city}: {have}, more than the {want} viewed")
                elif have < confirmed:
                    problems.append(f"clicks in {city}: {have}, fewer than the {confirmed} "
                                    f"views confirmed (lost)")  # fmt: skip
            elif want != have:
                problems.append(f"rankings {metric} in {city}: {have}, expected {want}")
    return problems


def _pairs(rows) -> dict[int, set[int]]:
    pairs: dict[int, set[int]] = {}
    for user_id, course_id in rows:
        pairs.setdefault(user_id, set()).add(course_id)
    return pairs


def commands_that_fail(app) -> list[str]:
    """``flask ledger verify``, ``search status`` and ``jobs status``: each must succeed
    (the commands themselves, run in this process against the site's database)."""
    problems = []
    for command in (["ledger", "verify"], ["search", "status"], ["jobs", "status"]):
        done = app.test_cli_runner().invoke(args=command)
        if done.exit_code != 0:
            problems.append(f"flask {' '.join(command)}: {done.output}"[-600:])
    return problems


def print_outcome(args, outcome: dict) -> None:
    stats, seconds = outcome["stats"], outcome["seconds"]
    backend = "PostgreSQL" if args.database_url else "SQLite"
    faults = ", with faults" if args.faults else ""
    print(f"\n{backend}, gunicorn {args.workers} workers + job worker, {args.users} learners "
          f"at once ({args.driver}), {seconds:.0f} s{faults}")  # fmt: skip
    for event in outcome["events"]:
        print(f"  fault: {event}")
    print(f"{'kind':<24}{'requests':>10}{'req/s':>9}{'mean ms':>9}{'failed':>8}")
    total = failed = 0
    for kind, (count, failures, spent) in sorted(stats.kinds.items()):
        total, failed = total + count, failed + failures
        print(f"{kind:<24}{count:>10}{count / seconds:>9.1f}{1000 * spent / max(count, 1):>9.0f}"
              f"{failures:>8}")  # fmt: skip
    print(f"{'all':<24}{total:>10}{total / seconds:>9.1f}{'':>9}{failed:>8}")
    mornings = outcome["mornings"]
    done = sum(1 for m in mornings for s in m["completed"].values() if s == YES)
    print(f"learners: {len(mornings)} ({sum(m['new'] for m in mornings)} new), "
          f"completions confirmed: {done}")  # fmt: skip
    for failure in stats.failures[:20]:
        print(f"  failed: {failure}")
    print("checks: " + ("all exact" if not outcome["problems"] else "PROBLEMS"))
    for problem in outcome["problems"][:40]:
        print(f"  {problem}")


if __name__ == "__main__":
    sys.exit(main())
