"""Signed-in pages under load, against a hello-world route in the same run (issue 18).

Fills a fresh database like the catalogue bench (courses and text lessons, fewer by default)
and adds learners who are already signed in (device sessions and cookies made in this
process, as a browser would hold them); each is enrolled in ten courses, has read part of
one and holds credit entries. Serves the app with gunicorn (2 sync workers), then loads
each page with wrk (16 connections, each request with the cookie of a learner picked at
random) and prints requests/s, the ratio to the hello route, p99 latency, and the memory of
each worker (RSS, PSS, USS) after the whole site was visited. gunicorn runs with the
deployment's settings (learnhub/gunicorn_conf.py: the app built once in the master, its workers
forked from it); ``--gunicorn-config ''`` runs it with gunicorn's defaults instead.

    .venv/bin/python -m bench.signed_in_bench [--courses 2000] [--learners 100] [--duration 8]
    .venv/bin/python -m bench.signed_in_bench --courses 10000 --learners 1000 --entries 50 \
        --residents 1000000          # the province's accounts: the rest bulk-loaded
    .venv/bin/python -m bench.signed_in_bench --keep /tmp/site   # fill once, later runs copy it
    .venv/bin/python -m bench.signed_in_bench --database-url postgresql://postgres@127.0.0.1/postgres

Goals (issue 18): signed-in home, module, course, lesson, my learning and my credits at
>= 25 % of hello; rankings >= 40 %; search >= 20 %; p99 < 100 ms at 16 connections;
<= 200 MB per worker (PSS). Needs gunicorn (pip install -e '.[bench]') and wrk.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import tempfile
import time
import urllib.request
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

from bench.catalogue_bench import (
    bench_instance,
    ensure_wrk,
    fill_database,
    gunicorn,
    server_arguments,
)

COURSES_PER_LEARNER = 10
LESSONS_READ = 3
SEARCH = "/search?q=" + urllib.request.quote("手机")
GOALS = {"signed-in page": 0.25, "rankings": 0.40, "search": 0.20}
P99_GOAL_MS, MEMORY_GOAL_MB = 100, 200
WRK_TIMEOUT_MS = 2000.0  # wrk's default: a request unanswered this long counts as a timeout
DEPLOYED_CONFIG = "python:learnhub.gunicorn_conf"

# A signed-in learner's browser sends its cookies (the session and the visitor id it was
# given on its first page) and the User-Agent it signed in with (Flask-Login's session
# protection compares it; a different one re-signs the session cookie on every answer).
BROWSER = "Mozilla/5.0 (learnhub bench)"
WRK_SCRIPT = """
cookies = {%s}
request = function()
  local headers = {}
  headers["Cookie"] = cookies[math.random(#cookies)]
  headers["User-Agent"] = "%s"
  return wrk.format(nil, nil, headers)
end
"""

# Every request a new address (the same query plus a counter the site ignores), so nothing is
# answered from the cache: the work of a query the site is asked for the first time. With
# ``cookies`` empty the visitor is signed out.
FRESH_SCRIPT = """
cookies = {%s}
made = 0
setup = function(thread)
  made = made + 1
  thread:set("tid", made)
end
n = 0
request = function()
  n = n + 1
  local headers = {}
  if #cookies > 0 then
    headers["Cookie"] = cookies[math.random(#cookies)]
    headers["User-Agent"] = "%s"
  end
  return wrk.format(nil, wrk.path .. "&fresh=" .. tid .. "-" .. n, headers)
end
"""


def add_learners(course_ids: list[int], learners: int, entries: int) -> list[str]:
    """Learners enrolled in ten courses each (the first, the bench's course, partly read),
    each with ``entries`` credit entries; returns the Cookie header of each learner's
    browser (its signed session and visitor id)."""
    from flask import g
    from flask import session as cookie_session
    from flask_login import login_user
    from flask_wtf.csrf import generate_csrf
    from sqlalchemy import insert, select

    from learnhub import create_app
    from learnhub.accounts.models import Role, User
    from learnhub.accounts.sessions import start_session
    from learnhub.catalogue.models import Course
    from learnhub.creditbank.models import EntryKind
    from learnhub.creditbank.services import open_account, post_entry
    from learnhub.database import utcnow
    from learnhub.extensions import db
    from learnhub.learning import services as learning
    from learnhub.rankings import aggregation
    from learnhub.rankings.counting import new_visitor_id
    from learnhub.rankings.visitors import signed_visitor_id
    from learnhub.search import sync

    app = create_app()
    with app.app_context():
        now = utcnow()
        db.session.execute(insert(User), [
            {"username": f"bench{n:05d}", "display_name": f"居民{n}", "password_hash": "x",
             "role": Role.LEARNER, "city_code": "210100", "district_code": "210102",
             "created_at": now, "notice_version": app.config["PRIVACY_NOTICE_VERSION"],
             "notice_agreed_at": now}
            for n in range(learners)
        ])  # fmt: skip
        db.session.commit()
        main = db.session.get(Course, course_ids[len(course_ids) // 2])
        serializer = app.session_interface.get_signing_serializer(app)
        cookies = []
        for n, user in enumerate(db.session.scalars(select(User).order_by(User.id)).all()):
            account = open_account(user)
            for i in range(COURSES_PER_LEARNER):
                course = (
                    main
                    if i == 0
                    else db.session.get(Course, course_ids[(n * 7 + i) % len(course_ids)])
                )
                learning.enrol(user, course)
            for lesson in main.lessons[:LESSONS_READ]:
                learning.visit_lesson(user, lesson, now=now - timedelta(hours=2))
                learning.mark_text_read(user, lesson)
            for i in range(entries):
                post_entry(account, Decimal("0.5"), EntryKind.RECOGNITION, f"bench-{n}-{i}",
                           memo="社区学习成果认定")  # fmt: skip
            db.session.commit()
            start_session(user, remember=False, device="bench")
            with app.test_request_context("/", headers={"User-Agent": BROWSER}):
                g.pop("csrf_token", None)
                login_user(user)
                generate_csrf()
                visitor = signed_visitor_id(new_visitor_id())
                cookies.append(f"learnhub_session={serializer.dumps(dict(cookie_session))}; "
                               f"learnhub_visitor={visitor}")  # fmt: skip
        db.session.commit()
        aggregation.aggregate_pending()
        db.session.commit()
        sync.rebuild_index(procs=2)
        db.engine.dispose()
    return cookies


RESIDENTS_CHUNK = 20_000


def add_residents(total: int, already: int) -> int:
    """Bulk-load accounts up to ``total`` (``already`` exist): registered residents who are not
    signed in during the run, spread over the province's districts and three years of
    registrations, a third with a mobile number. What the signed-in pages read by the
    signed-in learner's id must stay as fast with a million rows beside it. Returns the
    number added."""
    from sqlalchemy import insert, select

    from learnhub import create_app
    from learnhub.accounts.models import Role, User
    from learnhub.database import utcnow
    from learnhub.extensions import db
    from learnhub.regions.models import Region, RegionLevel

    missing = max(total - already, 0)
    if not missing:
        return 0
    app = create_app()
    with app.app_context():
        districts = db.session.execute(
            select(Region.code, Region.parent_code)
            .where(Region.level == RegionLevel.DISTRICT, Region.parent_code.is_not(None))
            .order_by(Region.code)
        ).all()
        now, notice = utcnow(), app.config["PRIVACY_NOTICE_VERSION"]
        for start in range(0, missing, RESIDENTS_CHUNK):
            rows = []
            for n in range(start, min(start + RESIDENTS_CHUNK, missing)):
                district, city = districts[n % len(districts)]
                registered = now - timedelta(minutes=n % (3 * 365 * 24 * 60))
                rows.append({
                    "username": f"resident{n:07d}", "display_name": f"居民{n}",
                    "mobile": f"139{n:08d}" if n % 3 == 0 else None, "password_hash": "x",
                    "role": Role.LEARNER, "city_code": city, "district_code": district,
                    "birth_year": 1940 + n % 70, "created_at": registered,
                    "notice_version": notice, "notice_agreed_at": registered,
                })  # fmt: skip
            db.session.execute(insert(User), rows)
            db.session.commit()
        db.engine.dispose()
    return missing


def wrk_run(wrk: str, url: str, duration: int, connections: int, script: str | None):
    """(requests/s, p99 in ms) of one wrk run; refuses a page answering errors."""
    command = [wrk, "-t", "2", "-c", str(connections), "-d", f"{duration}s", "--latency"]
    if script:
        command += ["-s", script]
    output = subprocess.run([*command, url], capture_output=True, text=True, check=True).stdout
    if "Non-2xx" in output:
        raise RuntimeError(f"{url} answered errors under load:\n{output}")
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))
    latency = re.search(r"99%\s+([\d.]+)(us|ms|s)", output)
    if not latency:  # not one answer within wrk's timeout: its 99th percentile is beyond it
        return rate, WRK_TIMEOUT_MS
    value, unit = latency.groups()
    return rate, float(value) * {"us": 0.001, "ms": 1, "s": 1000}[unit]


def settle(url: str) -> None:
    """Wait until the server has answered what an earlier wrk run left queued: a slow page's
    backlog must not be measured as the next figure's (it made hello 0 req/s once)."""
    with urllib.request.urlopen(url, timeout=600) as answer:  # noqa: S310 (our own server)
        answer.read()


def worker_memory_mb(port: int) -> list[tuple[float, float, float]]:
    """(RSS, PSS, USS) in MB of each gunicorn worker listening on ``port``: the processes
    holding the listening socket whose parent holds it too (the master). RSS counts the pages
    a worker shares with the master and the other workers in full, PSS divides each shared
    page among its sharers, USS is the worker's own pages: what one more worker costs."""
    inodes = set()
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        fields = line.split()
        if fields[1].endswith(f":{port:04X}") and fields[3] == "0A":  # LISTEN
            inodes.add(f"socket:[{fields[9]}]")
    holders = {}
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            links = {os.readlink(fd) for fd in (proc / "fd").iterdir()}
            status = (proc / "status").read_text()
        except OSError:
            continue
        if links & inodes:
            ppid = int(re.search(r"PPid:\s+(\d+)", status).group(1))
            holders[int(proc.name)] = (ppid, _rss_pss_uss_mb(proc))
    return [memory for ppid, memory in holders.values() if ppid in holders]


def _rss_pss_uss_mb(proc: Path) -> tuple[float, float, float]:
    kib = {}
    for line in (proc / "smaps_rollup").read_text().splitlines()[1:]:
        key, value = line.split(":", 1)
        kib[key] = int(value.split()[0])
    uss = kib["Private_Clean"] + kib["Private_Dirty"]
    return kib["Rss"] / 1024, kib["Pss"] / 1024, uss / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--courses", type=int, default=2000)
    parser.add_argument("--lessons-per-course", type=int, default=10)
    parser.add_argument("--learners", type=int, default=100)
    parser.add_argument("--entries", type=int, default=20, help="credit entries per learner")
    parser.add_argument(
        "--residents",
        type=int,
        default=0,
        help="accounts in the database in all: beyond the signed-in learners, bulk-loaded "
        "residents (1000000: the province) [none]",
    )
    parser.add_argument(
        "--keep",
        type=Path,
        help="SQLite only: keep the filled site in this "
        "folder; later runs start from a copy of it (before/after a change)",
    )
    parser.add_argument(
        "--gunicorn-config",
        default=str(DEPLOYED_CONFIG),
        help="gunicorn settings [the deployment's learnhub/gunicorn_conf.py]; '' for gunicorn's "
        "defaults (no preload: each worker builds the app and loads the tables itself)",
    )
    server_arguments(parser, duration=8)
    parser.set_defaults(connections=16)
    args = parser.parse_args()
    wrk = ensure_wrk()

    with bench_instance(args.database_url) as env, tempfile.TemporaryDirectory() as scratch:
        started = time.perf_counter()
        site = filled_site(args, env)
        accounts = max(args.residents, len(site["cookies"]))
        print(f"{len(site['course_ids']):,} courses, {len(site['cookies']):,} signed-in learners "
              f"among {accounts:,} accounts ready in "
              f"{time.perf_counter() - started:.1f} s")  # fmt: skip
        cookies = ", ".join(f'"{c}"' for c in site["cookies"])
        script = Path(scratch) / "signed_in.lua"
        script.write_text(WRK_SCRIPT % (cookies, BROWSER))
        fresh_out, fresh_in = Path(scratch) / "fresh_out.lua", Path(scratch) / "fresh_in.lua"
        fresh_out.write_text(FRESH_SCRIPT % ("", BROWSER))
        fresh_in.write_text(FRESH_SCRIPT % (cookies, BROWSER))
        slug, course, lesson = site["slugs"][0], site["course"], site["lesson"]
        signed_in = [("home", "/"), (f"module /m/{slug}", f"/m/{slug}"),
                     (f"course /courses/{course}", f"/courses/{course}"),
                     (f"lesson /lessons/{lesson}", f"/lessons/{lesson}"),
                     ("my learning /me", "/me"), ("my credits /me/credits", "/me/credits"),
                     ("rankings /rankings", "/rankings"), ("search " + SEARCH, SEARCH)]  # fmt: skip
        pages = [(f"signed out: {n}", p, None) for n, p in signed_in if n.startswith(("r", "s"))]
        pages += [(f"signed in: {n}", p, str(script)) for n, p in signed_in]
        fresh = "search, each query new (uncached)"
        pages += [(f"signed out: {fresh}", SEARCH, str(fresh_out)),
                  (f"signed in: {fresh}", SEARCH, str(fresh_in))]  # fmt: skip
        with gunicorn(args.workers, env, config=args.gunicorn_config or None) as base_url:
            hello = base_url + "/bench/trivial"
            for _name, path, with_cookie in pages:  # warm every worker on every page
                wrk_run(wrk, base_url + path, 2, args.connections, with_cookie)
            print_header(args)
            results = []
            for name, path, with_cookie in pages:
                settle(hello)
                # hello right before each page: on a shared machine the load changes by the
                # minute, and each ratio compares two figures measured under the same load
                results.append((name, wrk_run(wrk, hello, args.duration, args.connections, None),
                                wrk_run(wrk, base_url + path, args.duration, args.connections,
                                        with_cookie)))  # fmt: skip
                print_row(*results[-1])
            settle(hello)
            memory = worker_memory_mb(int(base_url.rsplit(":", 1)[1]))
    report(args, results, memory)


def filled_site(args, env: dict) -> dict:
    """Fill the instance (or copy the kept one into it); returns the site's ids and cookies."""
    instance = Path(env["LEARNHUB_INSTANCE_PATH"])
    kept = args.keep / "bench.json" if args.keep else None
    if kept and kept.exists() and not args.database_url and _kept_cookies_are_current(kept):
        site = json.loads(kept.read_text())
        shutil.copytree(args.keep / "instance", instance, symlinks=True, dirs_exist_ok=True)
    else:
        slugs, course_ids = fill_database(args.courses, args.lessons_per_course)
        cookies = add_learners(course_ids, args.learners, args.entries)
        loading = time.perf_counter()
        added = add_residents(args.residents, len(cookies))
        if added:
            print(f"{added:,} more residents bulk-loaded in {time.perf_counter() - loading:.1f} s")
        course = course_ids[len(course_ids) // 2]
        site = {"slugs": slugs, "course_ids": course_ids, "cookies": cookies, "course": course,
                "lesson": lesson_of(course), "secret_key": env["SECRET_KEY"]}  # fmt: skip
        if kept and not args.database_url:
            shutil.copytree(instance, args.keep / "instance", symlinks=True, dirs_exist_ok=True)
            kept.write_text(json.dumps(site))
    env["SECRET_KEY"] = os.environ["SECRET_KEY"] = site["secret_key"]  # the cookies' signer
    return site


def _kept_cookies_are_current(kept: Path) -> bool:
    """A site kept before the cookies carried the visitor id is filled again."""
    return all("learnhub_visitor=" in cookie for cookie in json.loads(kept.read_text())["cookies"])


def lesson_of(course_id: int) -> int:
    """A lesson the learners have not read yet (its page notes the reading's start)."""
    from sqlalchemy import select

    from learnhub import create_app
    from learnhub.catalogue.models import Lesson
    from learnhub.extensions import db

    app = create_app()
    with app.app_context():
        lessons = db.session.scalars(
            select(Lesson.id).where(Lesson.course_id == course_id).order_by(Lesson.position)
        ).all()
        db.engine.dispose()
    return lessons[min(LESSONS_READ, len(lessons) - 1)]


def print_header(args) -> None:
    backend = "PostgreSQL" if args.database_url else "SQLite"
    print(f"\n{backend}, gunicorn {args.workers} sync workers, wrk {args.connections} "
          f"connections, {args.duration} s per URL (hello right before each page)")  # fmt: skip
    print(f"{'URL':<50}{'req/s':>8}{'hello':>8}{'vs hello':>10}{'p99 ms':>9}  goal", flush=True)


def print_row(name: str, hello_figures: tuple, figures: tuple) -> None:
    """One page's row, printed as soon as it is measured (a later failure keeps it)."""
    (hello, _hello_p99), (rate, p99) = hello_figures, figures
    if not hello:
        print(f"{name:<50}{rate:>8.0f}  hello answered nothing: no ratio", flush=True)
        return
    goal = goal_of(name)
    verdict = (
        "" if goal is None else f"{goal:.0%} " + ("met" if rate / hello >= goal else "NOT met")
    )
    print(f"{name:<50}{rate:>8.0f}{hello:>8.0f}{rate / hello:>9.0%}{p99:>9.1f}  {verdict}",
          flush=True)  # fmt: skip


def report(args, results, memory: list[tuple[float, float, float]]) -> None:
    worst = max(p99 for _n, _h, (_r, p99) in results)
    hello_p99 = max(h_p99 for _n, (_h, h_p99), _p in results)
    print(f"p99 worst {worst:.0f} ms (goal < {P99_GOAL_MS} ms; hello's worst {hello_p99:.0f} ms): "
          + ("met" if worst < P99_GOAL_MS else "NOT met"))  # fmt: skip
    print(f"gunicorn settings: {args.gunicorn_config or 'defaults (no preload)'}")
    print("memory per worker after the whole site (RSS / PSS / USS): "
          + ", ".join(f"{r:.0f} / {p:.0f} / {u:.0f} MB" for r, p, u in memory))  # fmt: skip
    # What a worker costs: its PSS (its own pages and its share of the shared ones).
    print(f"PSS per worker (goal <= {MEMORY_GOAL_MB} MB): "
          + ("met" if memory and max(p for _r, p, _u in memory) <= MEMORY_GOAL_MB
             else "NOT met"))  # fmt: skip


def goal_of(name: str) -> float | None:
    if "rankings" in name:
        return GOALS["rankings"]
    if "search" in name:
        return GOALS["search"]
    if name.startswith("signed in"):
        return GOALS["signed-in page"]
    return None


if __name__ == "__main__":
    main()
