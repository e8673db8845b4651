"""Catalogue pages under load: home, module and course pages against a trivial route.

Fills a fresh database with 10,000 courses and 100,000 lessons, serves the app with
gunicorn (2 workers by default), loads each URL with wrk for a fixed time, and prints
requests/s with the ratio to a trivial Flask route served by the same server in the
same run. Goal (issue 3): module and course pages at >= 40 % of the trivial route.

    .venv/bin/python -m bench.catalogue_bench [--courses 10000] [--duration 10]
    .venv/bin/python -m bench.catalogue_bench --database-url postgresql://postgres@127.0.0.1/postgres

Needs gunicorn (pip install -e '.[bench]') and wrk (apt-get install wrk; installed for
you when run as root).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from contextlib import contextmanager
from decimal import Decimal
from pathlib import Path

LESSON_TEXT = "<p>" + "先打开手机的设置，再找到显示与亮度，把字体调大一些。" * 12 + "</p>"


def bench_app():
    """The app gunicorn serves: learnhub plus a trivial route for the baseline."""
    from learnhub import create_app
    from learnhub.accounts.route_rules import ANYONE, ROUTE_RULES

    app = create_app()
    ROUTE_RULES["trivial"] = ANYONE  # every route needs a rule (else 403); this one is open

    @app.get("/bench/trivial")
    def trivial():
        return "ok"

    return app


def fill_database(courses: int, lessons_per_course: int) -> tuple[list[str], list[int]]:
    """Build the schema and bulk-insert published courses and text lessons."""
    import flask_migrate
    from sqlalchemy import insert, select

    from learnhub import create_app
    from learnhub.catalogue.models import Course, Lesson, Module
    from learnhub.catalogue.services import ensure_modules
    from learnhub.database import utcnow
    from learnhub.extensions import db
    from learnhub.regions.services import load_regions

    app = create_app()
    with app.app_context():
        flask_migrate.upgrade()
        load_regions()
        ensure_modules()
        db.session.commit()
        module_ids = list(db.session.scalars(select(Module.id)))
        slugs = list(db.session.scalars(select(Module.slug)))
        regions = ["210000", "210100", "210200", "210300", "210400", "210500"]
        rng = random.Random(7)
        now = utcnow()
        for start in range(0, courses, 1000):
            rows = [
                {"module_id": rng.choice(module_ids), "title": f"课程{n:05d} 智能手机与健康生活",
                 "summary": "一门为社区居民准备的课程。" * 3, "region_code": rng.choice(regions),
                 "study_hours": Decimal("2.0"), "credits": Decimal("1.0"), "status": "published",
                 "published_at": now, "created_at": now, "updated_at": now, "level": "beginner",
                 "featured": n % 500 == 0, "enrolment_count": rng.randint(0, 500)}
                for n in range(start, min(start + 1000, courses))
            ]  # fmt: skip
            db.session.execute(insert(Course), rows)
        db.session.commit()
        course_ids = list(db.session.scalars(select(Course.id)))
        batch = []
        for course_id in course_ids:
            for position in range(1, lessons_per_course + 1):
                batch.append({"course_id": course_id, "position": position, "kind": "text",
                              "title": f"第{position}课", "body_html": LESSON_TEXT,
                              "duration_seconds": 0})  # fmt: skip
            if len(batch) >= 10_000:
                db.session.execute(insert(Lesson), batch)
                batch = []
        if batch:
            db.session.execute(insert(Lesson), batch)
        db.session.commit()
        db.engine.dispose()
    return slugs, course_ids


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def gunicorn(
    workers: int,
    env: dict,
    app_spec: str = "bench.catalogue_bench:bench_app()",
    config: str | None = None,
):
    """``app_spec`` served by gunicorn until the block ends; yields its base URL (the app
    must answer /bench/trivial). ``config``: a gunicorn settings file (-c), e.g. the
    deployment's learnhub/gunicorn_conf.py."""
    port = free_port()
    settings = ["-c", config] if config else []
    process = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", *settings, "-w", str(workers),
         "-b", f"127.0.0.1:{port}", "--log-level", "warning", app_spec],
        env=env, start_new_session=True,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(600):  # up to 2 minutes or more: a loaded machine starts slowly
            try:
                urllib.request.urlopen(base + "/bench/trivial", timeout=1).read()  # noqa: S310
                break
            except urllib.error.HTTPError as error:  # started, but the route is refused
                raise RuntimeError(f"{base}/bench/trivial answered HTTP {error.code}") from error
            except OSError:
                time.sleep(0.2)
        else:
            raise RuntimeError("gunicorn did not start")
        yield base
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=30)


def worker_rss_mb(base: str) -> list[float]:
    """Resident memory (MB) of each worker of the gunicorn serving ``base``: the processes
    holding its listening socket whose parent holds it too (the master)."""
    port = int(base.rsplit(":", 1)[1])
    sockets = {
        f"socket:[{fields[9]}]"
        for fields in (line.split() for line in Path("/proc/net/tcp").read_text().splitlines()[1:])
        if fields[1].endswith(f":{port:04X}") and fields[3] == "0A"  # listening
    }
    found = {}
    for proc in Path("/proc").iterdir():
        try:
            if (
                proc.name.isdigit()
                and {os.readlink(fd) for fd in (proc / "fd").iterdir()} & sockets
            ):
                status = (proc / "status").read_text()
                ppid = int(re.search(r"PPid:\s+(\d+)", status).group(1))
                found[int(proc.name)] = (ppid, int(re.search(r"VmRSS:\s+(\d+)", status).group(1)))
        except OSError:
            continue
    return [round(rss / 1024, 1) for ppid, rss in found.values() if ppid in found]


def write_json(path: str | None, figures: dict) -> None:
    """``--json FILE``: the run's figures for bench/run (nothing when not asked)."""
    if path:
        Path(path).write_text(json.dumps(figures, indent=1, default=str))


def ensure_wrk() -> str:
    found = shutil.which("wrk")
    if found:
        return found
    if os.geteuid() == 0 and shutil.which("apt-get"):
        subprocess.run(["apt-get", "install", "-y", "-q", "wrk"], check=True,
                       stdout=subprocess.DEVNULL)  # fmt: skip
        return shutil.which("wrk")
    sys.exit("wrk is needed: apt-get install wrk")


def requests_per_second(wrk: str, url: str, duration: int, connections: int) -> float:
    output = subprocess.run(
        [wrk, "-t", "2", "-c", str(connections), "-d", f"{duration}s", url],
        capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    if "Non-2xx" in output:
        raise RuntimeError(f"{url} answered errors under load:\n{output}")
    return float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))


def server_arguments(parser: argparse.ArgumentParser, duration: int) -> None:
    """The options every bench that runs the site under gunicorn takes."""
    parser.add_argument("--duration", type=int, default=duration, help="seconds of load per URL")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--database-url", help="PostgreSQL server (a fresh database is made)")


@contextmanager
def bench_instance(database_url: str | None):
    """A fresh instance folder (and PostgreSQL database, if given) set in this process's
    environment; yields the environment for gunicorn; removes both afterwards."""
    instance = Path(tempfile.mkdtemp(prefix="learnhub-bench-"))
    env = {**os.environ, "LEARNHUB_INSTANCE_PATH": str(instance),
           "SECRET_KEY": secrets.token_urlsafe(32)}  # fmt: skip
    env.pop("DATABASE_URL", None)
    database = None
    if database_url:
        database = _create_postgres_database(database_url)
        env["DATABASE_URL"] = database[1]
    os.environ.update(env)
    try:
        yield env
    finally:
        if database:
            _drop_postgres_database(*database)
        shutil.rmtree(instance, ignore_errors=True)


def load_each(wrk: str, base: str, pages: list[tuple[str, str]], args) -> list[tuple[str, float]]:
    """Warm every worker on each page, then measure each: (name, requests per second)."""
    for _name, path in pages:
        requests_per_second(wrk, base + path, 2, args.connections)
    return [
        (name, requests_per_second(wrk, base + path, args.duration, args.connections))
        for name, path in pages
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--courses", type=int, default=10_000)
    parser.add_argument("--lessons-per-course", type=int, default=10)
    server_arguments(parser, duration=10)
    parser.add_argument("--json", help="also write the figures to this file (for bench/run)")
    args = parser.parse_args()
    wrk = ensure_wrk()

    with bench_instance(args.database_url) as env:
        started = time.perf_counter()
        slugs, course_ids = fill_database(args.courses, args.lessons_per_course)
        filled = time.perf_counter() - started
        print(f"filled {len(course_ids):,} courses and "
              f"{len(course_ids) * args.lessons_per_course:,} lessons in "
              f"{time.perf_counter() - started:.1f} s")  # fmt: skip
        course = course_ids[len(course_ids) // 2]
        pages = [("trivial route", "/bench/trivial"), ("home page", "/"),
                 (f"module page /m/{slugs[0]}", f"/m/{slugs[0]}"),
                 (f"course page /courses/{course}", f"/courses/{course}")]  # fmt: skip
        with gunicorn(args.workers, env) as base:
            results = load_each(wrk, base, pages, args)
            rss = worker_rss_mb(base)

    baseline = results[0][1]
    backend = "PostgreSQL" if args.database_url else "SQLite"
    print(f"\n{backend}, gunicorn {args.workers} workers, wrk {args.connections} connections,"
          f" {args.duration} s per URL")  # fmt: skip
    print(f"{'URL':<36}{'req/s':>10}{'vs trivial':>12}")
    for name, rate in results:
        print(f"{name:<36}{rate:>10.0f}{rate / baseline:>11.0%}")
    print("goal: module and course pages at >= 40% of the trivial route")
    print("RSS per worker after the pages: " + ", ".join(f"{mb:.0f} MB" for mb in rss))
    write_json(args.json, {"backend": backend, "courses": len(course_ids), "fill_seconds": filled,
                           "lessons": len(course_ids) * args.lessons_per_course,
                           "workers": args.workers, "connections": args.connections,
                           "duration": args.duration, "baseline": baseline,
                           "pages": [{"name": n, "rate": r} for n, r in results],
                           "rss_mb": rss})  # fmt: skip


def _create_postgres_database(server_url: str) -> tuple[str, str, str]:
    from sqlalchemy import create_engine, make_url, text

    from learnhub.config import normalise_database_url

    server = make_url(normalise_database_url(server_url))
    name = f"learnhub_bench_{secrets.token_hex(4)}"
    engine = create_engine(server, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    engine.dispose()
    url = server.set(database=name).render_as_string(hide_password=False)
    return server_url, url, name


def _drop_postgres_database(server_url: str, _url: str, name: str) -> None:
    from sqlalchemy import create_engine, make_url, text

    from learnhub.config import normalise_database_url

    engine = create_engine(make_url(normalise_database_url(server_url)),
                           isolation_level="AUTOCOMMIT")  # fmt: skip
    with engine.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    engine.dispose()


if __name__ == "__main__":
    main()
