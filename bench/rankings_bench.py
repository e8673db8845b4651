"""Rankings benchmark: what recording a click costs a page, aggregation throughput, and
leaderboard latency over a long history — every figure against a baseline of the same run.

    .venv/bin/python -m bench.rankings_bench                    # SQLite, then PostgreSQL
    .venv/bin/python -m bench.rankings_bench --quick            # smaller sizes
    .venv/bin/python -m bench.rankings_bench --events 2000000 --postgres-url ''  # SQLite only
    .venv/bin/python -m bench.rankings_bench --parts aggregation,boards   # the older parts

Default parts (the rankings issue's bench): (d) and (a).

(d) a year of raw events: ``--events`` (10,000,000; ``--quick`` 500,000) click events across
    the 14 cities and their districts over the last 365 days, bulk-inserted; then the
    aggregate rebuild (the ``rankings rebuild`` command) timed, and for each window the
    leaderboard API answer (p50/p95, board cache off) against a naive ``GROUP BY city_code``
    over the raw events of the same days, with the ratio; and views/s through the service
    call (``record_view`` in a request context, buffered and per request).

(a) recording: the course page served by gunicorn and loaded with wrk, with the view
    recorded and with recording switched off (a request header the bench app reads), rounds
    interleaved on the same server; the ratio is what recording leaves of the page's rate.
(b) aggregation: synthetic browsing sessions (repeats, floods, bots) written as raw events,
    then ``aggregate_pending`` timed (events/s), on SQLite and PostgreSQL; the rebuild of the
    same days must give the same aggregates (checked, and timed too).
(c) leaderboards: years of daily aggregates for every city, district and course, then the
    board page, city page and API timed p50/p95 with the test client (board cache off, then
    on) against a trivial route timed in the same loop.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import random
import secrets
import shutil
import statistics
import sys
import tempfile
import time
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path

import flask_migrate
from sqlalchemy import func, insert, select, text

from learnhub import create_app
from learnhub.clock import local_today
from learnhub.database import utcnow
from learnhub.extensions import db
from learnhub.jobs.queue import queue
from learnhub.jobs.worker import run_pending
from learnhub.rankings import aggregates, aggregation, counting, learner_periods, rebuild
from learnhub.rankings.models import (
    CityDay,
    CourseDay,
    DistrictDay,
    LearnerDay,
    ViewEvent,
)
from learnhub.rankings.services import view_row
from learnhub.rankings.visitors import signed_visitor_id
from learnhub.regions.services import districts_by_city, load_regions

BROWSER = {
    "User-Agent": "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 Chrome/126.0",
    "Accept": "text/html,application/xhtml+xml",
}
CONFIG = {"SECRET_KEY": "bench", "RANKINGS_AGGREGATE_SECONDS": 0}
POSTGRES_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
SIZES = {  # full run, --quick run
    "events": (200_000, 40_000),
    "event_days": (14, 7),
    "history_days": (730, 365),
    "courses": (300, 100),
    "requests": (100, 40),
    "wrk_seconds": (10, 5),
    "wrk_rounds": (3, 2),
    "board_requests": (30, 20),
    "naive_repeats": (3, 5),
    "service_views": (50_000, 20_000),
}
YEAR_EVENTS = (10_000_000, 500_000)  # --events default: full run, --quick


# ---- databases -----------------------------------------------------------------------------


@contextmanager
def fresh_database(backend: str, postgres_url: str | None):
    """A migrated, empty database with the regions loaded; yields its URL."""
    if backend == "sqlite":
        folder = Path(tempfile.mkdtemp(prefix="rankings-bench-"))
        url = f"sqlite:///{folder / 'bench.sqlite3'}"
        drop = lambda: shutil.rmtree(folder, ignore_errors=True)  # noqa: E731
    else:
        from bench.catalogue_bench import _create_postgres_database, _drop_postgres_database

        made = _create_postgres_database(postgres_url)
        url, drop = made[1], lambda: _drop_postgres_database(*made)
    try:
        app = make_app(url)
        with app.app_context():
            flask_migrate.upgrade()
            load_regions()
            db.session.commit()
            db.engine.dispose()
        yield url
    finally:
        drop()


def make_app(url: str, **config):
    return create_app({**CONFIG, "SQLALCHEMY_DATABASE_URI": url, **config})


def province_places(app) -> list[tuple[str, list[str]]]:
    """[(city code, [district codes])] of the home province."""
    with app.app_context():
        cities = districts_by_city(app.config["HOME_PROVINCE"])
        return [(c.code, [d.code for d in ds]) for c, ds in cities.items()]


# ---- (b) aggregation -------------------------------------------------------------------------


def synthetic_views(count: int, days: int, places, courses: int, seed: int = 7) -> list[dict]:
    """Raw view events of browsing sessions, in time order (as pages write them).

    Visitors (40 % signed-in learners) open a course, read lessons, go back, play media:
    repeats inside 30 minutes are common; 3 % of requests are bots or prefetches, and now
    and then a scraper with a kept cookie floods one course (rate-limited).
    """
    rng = random.Random(seed)
    first = local_today() - timedelta(days=days)
    visitors = []
    for n in range(max(1, count // 25)):
        city, districts = rng.choice(places)
        learner = rng.random() < 0.4
        key = f"u{n + 1}" if learner else f"v{secrets.token_urlsafe(12)}"
        visitors.append((key, n + 1 if learner else None, city, rng.choice(districts),
                         *client_keys(n)))  # fmt: skip
    rows: list[dict] = []
    while len(rows) < count:
        key, user_id, city, district, address, network = rng.choice(visitors)
        course = rng.randrange(1, courses + 1)
        day = first + timedelta(days=rng.randrange(days))
        at = counting.day_start_ms(day) + rng.randrange(6 * 3_600_000, 23 * 3_600_000)
        flood = rng.random() < 0.002
        for _ in range(rng.randrange(300, 900) if flood else rng.randrange(1, 16)):
            at += rng.randrange(200, 2_000) if flood else rng.randrange(5_000, 400_000)
            kind = "course" if flood else rng.choice(("course", "lesson", "lesson", "media"))
            status = counting.OK if flood or rng.random() > 0.03 else counting.BOT
            resource = course if kind == "course" else course * 20 + rng.randrange(8)
            rows.append(view_row(kind, resource, course, user_id, key, city, district,
                                 status=status, occurred_ms=at, address_key=address,
                                 network_key=network))  # fmt: skip
    rows.sort(key=lambda r: r["occurred_ms"])
    return rows[:count]


def client_keys(visitor: int) -> tuple[str, str]:
    """Address and network pseudonyms of a visitor: about 3 visitors per address and 8
    addresses per network, so the caps per address and network have work to do."""
    address = visitor // 3
    return f"a{address:031d}", f"n{address // 8:031d}"


def write_raw_views(rows: list[dict]) -> None:
    for start in range(0, len(rows), 10_000):
        db.session.execute(insert(ViewEvent), rows[start : start + 10_000])
    db.session.commit()


def aggregate_snapshot() -> dict:
    tables = {}
    for model in (CityDay, DistrictDay, CourseDay):
        rows = db.session.execute(select(model.__table__)).all()
        tables[model.__tablename__] = sorted(tuple(r) for r in rows if r.value)
    tables["learners"] = sorted(tuple(r) for r in db.session.execute(select(LearnerDay.__table__)))
    return tables


def bench_aggregation(backend: str, postgres_url: str | None, sizes: dict) -> dict:
    """Events/s of the live aggregator and of the rebuild, on one backend."""
    with fresh_database(backend, postgres_url) as url:
        app = make_app(url)
        places = province_places(app)
        with app.app_context():  # the site's calendar days
            rows = synthetic_views(sizes["events"], sizes["event_days"], places, sizes["courses"])
        first = min(r["day"] for r in rows)
        last = max(r["day"] for r in rows)
        with app.app_context():
            started = time.perf_counter()
            write_raw_views(rows)
            written = time.perf_counter() - started
            started = time.perf_counter()
            aggregation.aggregate_pending()
            db.session.commit()
            live_seconds = time.perf_counter() - started
            live = aggregate_snapshot()
            started = time.perf_counter()
            rebuild.rebuild(first, last)
            db.session.commit()
            rebuild_seconds = time.perf_counter() - started
            same = aggregate_snapshot() == live
            clicks = db.session.scalar(
                select(func.sum(CityDay.value)).where(CityDay.metric == aggregates.CLICKS)
            )
            db.engine.dispose()
    return {
        "backend": backend,
        "events": len(rows),
        "insert": len(rows) / written,
        "live": len(rows) / live_seconds,
        "rebuild": len(rows) / rebuild_seconds,
        "same": same,
        "clicks": clicks,
    }


# ---- (a) recording a click ---------------------------------------------------------------

RECORD_HEADER = "X-Bench-Record"


def bench_app():
    """What gunicorn serves: learnhub, a trivial route, and recording off on request."""
    from flask import request

    from learnhub.accounts.route_rules import ANYONE, ROUTE_RULES
    from learnhub.rankings import tracking

    app = create_app()
    ROUTE_RULES["trivial"] = ANYONE  # every route needs a rule (else 403); this one is open
    recorded = tracking.record_resource_view

    def record_unless_off(*args, **kwargs):
        if request.headers.get(RECORD_HEADER) != "off":
            recorded(*args, **kwargs)

    # The receiver looks the function up on its module at each view.
    tracking.record_resource_view = record_unless_off

    @app.get("/bench/trivial")
    def trivial():
        return "ok"

    return app


def bench_recording(backend: str, postgres_url: str | None, sizes: dict, workers: int) -> dict:
    """Requests/s of an anonymous course page with and without its view recorded."""
    from bench.catalogue_bench import ensure_wrk, fill_database, requests_per_second

    wrk = ensure_wrk()
    with fresh_database(backend, postgres_url) as url:
        env = {**os.environ, "DATABASE_URL": url, "SECRET_KEY": "bench"}
        saved = dict(os.environ)
        os.environ.update(env)
        try:
            _slugs, course_ids = fill_database(sizes["courses"], 5)
        finally:
            os.environ.clear()
            os.environ.update(saved)
        course = course_ids[len(course_ids) // 2]
        with make_app(url).app_context():  # a visitor id the site issued (signed)
            cookie = f"learnhub_visitor={signed_visitor_id(counting.new_visitor_id())}"
        browser = [f"{name}: {value}" for name, value in BROWSER.items()] + [f"Cookie: {cookie}"]
        runs = {"trivial": [], "off": [], "on": []}
        with gunicorn(workers, env) as base:
            page = f"{base}/courses/{course}"
            urls = {
                "trivial": (f"{base}/bench/trivial", []),
                "off": (page, [*browser, f"{RECORD_HEADER}: off"]),
                "on": (page, browser),
            }
            for name in ("off", "on"):  # warm up the workers and the page cache
                _wrk(requests_per_second, wrk, *urls[name], 2)
            for round_ in range(sizes["wrk_rounds"]):
                order = ["trivial", "off", "on"] if round_ % 2 == 0 else ["on", "off", "trivial"]
                for name in order:
                    runs[name].append(
                        _wrk(requests_per_second, wrk, *urls[name], sizes["wrk_seconds"])
                    )
        app = make_app(url)
        run_pending(app)  # what the job worker does with the batches gunicorn handed over
        with app.app_context():
            written = db.session.scalar(
                select(func.count(ViewEvent.id)).where(ViewEvent.status == counting.OK)
            )
            db.engine.dispose()
    rates = {name: statistics.median(values) for name, values in runs.items()}
    return {"backend": backend, "workers": workers, "views written": written, **rates}


@contextmanager
def gunicorn(workers: int, env: dict):
    """This module's bench_app under gunicorn; yields its base URL."""
    from bench.catalogue_bench import gunicorn as serve

    with serve(workers, env, "bench.rankings_bench:bench_app()") as base:
        yield base


def _wrk(requests_per_second, wrk: str, url: str, headers: list[str], seconds: int) -> float:
    """wrk with extra headers (catalogue_bench's helper passes none)."""
    import re
    import subprocess

    if not headers:
        return requests_per_second(wrk, url, seconds, 8)
    command = [wrk, "-t", "2", "-c", "8", "-d", f"{seconds}s", url]
    for header in headers:
        command[1:1] = ["-H", header]
    output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    if "Non-2xx" in output:
        raise RuntimeError(f"{url} answered errors under load:\n{output}")
    return float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))


# ---- (c) leaderboards over a long history ----------------------------------------------------


def fill_history(places, days: int, courses: int, seed: int = 11) -> int:
    """Daily aggregates of every city and district for ``days`` days up to today; rows."""
    rng = random.Random(seed)
    today = local_today()
    metrics = (aggregates.CLICKS, aggregates.FILTERED, aggregates.REGISTRATIONS,
               aggregates.COMPLETIONS, aggregates.CREDITS)  # fmt: skip
    city_rows, district_rows, course_rows, learner_rows = [], [], [], []
    learner_ids = iter(range(1, 10**9))
    learners = {city: [next(learner_ids) for _ in range(60 * len(ds))] for city, ds in places}
    total = 0
    for offset in range(days):
        day = today - timedelta(days=offset)
        for city, districts in places:
            for metric in metrics:
                scale = {aggregates.CLICKS: 40, aggregates.CREDITS: 80}.get(metric, 2)
                by_district = [rng.randrange(scale * 2) for _ in districts]
                city_rows.append({"metric": metric, "day": day, "city_code": city,
                                  "value": sum(by_district)})  # fmt: skip
                district_rows += [
                    {"metric": metric, "day": day, "city_code": city, "district_code": d,
                     "value": v}
                    for d, v in zip(districts, by_district, strict=True) if v
                ]  # fmt: skip
            for course in rng.sample(range(1, courses + 1), min(courses, 30)):
                course_rows.append({"metric": aggregates.CLICKS, "day": day,
                                    "course_id": course, "city_code": city,
                                    "value": rng.randrange(1, 40)})  # fmt: skip
            learner_rows += [
                {"day": day, "user_id": user, "city_code": city,
                 "district_code": districts[user % len(districts)]}
                for user in rng.sample(learners[city], len(districts) * 3)
            ]  # fmt: skip
        if len(district_rows) > 50_000 or offset == days - 1:
            for model, rows in ((CityDay, city_rows), (DistrictDay, district_rows),
                                (CourseDay, course_rows), (LearnerDay, learner_rows)):  # fmt: skip
                for start in range(0, len(rows), 10_000):
                    db.session.execute(insert(model.__table__), rows[start : start + 10_000])
                total += len(rows)
                rows.clear()
    # Written straight to rank_learner_day: the active-learners sums are counted from it.
    learner_periods.recount_learner_periods(today - timedelta(days=days - 1), today)
    db.session.commit()
    return total


def board_urls(days: int) -> list[tuple[str, str]]:
    today = local_today()
    start = today - timedelta(days=min(days, 731) - 1)
    span = f"window=custom&start={start}&end={today}"
    return [
        ("trivial route", "/bench/trivial"),
        ("board today", "/rankings?window=today"),
        ("board month", "/rankings?window=month"),
        ("board year", "/rankings?window=year"),
        (f"board {min(days, 731)} days", f"/rankings?{span}"),
        ("board year per capita", "/rankings?window=year&per_capita=1"),
        ("board year active learners", "/rankings?window=year&metric=active_learners"),
        ("city page year", "/rankings/cities/210100?window=year"),
        ("API month", "/api/v1/rankings?window=month"),
        (f"API {min(days, 731)} days", f"/api/v1/rankings?{span}"),
        ("API districts year", "/api/v1/rankings?window=year&city=210200"),
    ]


def bench_boards(backend: str, postgres_url: str | None, sizes: dict) -> dict:
    """Latency of board pages and the API over years of aggregates (cache off, then on)."""
    with fresh_database(backend, postgres_url) as url:
        results = {}
        for cache_seconds in (0, 30):
            app = make_app(url, RANKINGS_CACHE_SECONDS=cache_seconds, RANKINGS_API_RATE_LIMIT=0)

            @app.get("/bench/trivial")
            def trivial():
                return "ok"

            if cache_seconds == 0:
                with app.app_context():
                    started = time.perf_counter()
                    rows = fill_history(province_places(app), sizes["history_days"],
                                        sizes["courses"])  # fmt: skip
                    results["rows"], results["fill"] = rows, time.perf_counter() - started
            results[cache_seconds] = _time_urls(app, board_urls(sizes["history_days"]),
                                                sizes["requests"])  # fmt: skip
            with app.app_context():
                db.engine.dispose()
    return {"backend": backend, **results}


def _time_urls(app, urls, repeat: int) -> dict[str, list[float]]:
    """Milliseconds per request of each URL; the URLs take turns, so drift hits all alike."""
    client = app.test_client()
    times: dict[str, list[float]] = {name: [] for name, _ in urls}
    for _name, url in urls:  # warm up (templates, caches of regions and translations)
        assert client.get(url, headers=BROWSER).status_code == 200, url
    for _ in range(repeat):
        for name, url in urls:
            started = time.perf_counter()
            client.get(url, headers=BROWSER)
            times[name].append((time.perf_counter() - started) * 1000)
    return times


def percentiles(values: list[float]) -> tuple[float, float]:
    ordered = sorted(values)
    return statistics.median(ordered), ordered[
        min(len(ordered), math.ceil(0.95 * len(ordered))) - 1
    ]


# ---- (d) a year of raw click events -----------------------------------------------------------

VIEW_COLUMNS = ("occurred_ms", "day", "resource_kind", "resource_id", "course_id", "user_id",
                "visitor_key", "city_code", "district_code", "status", "address_key",
                "network_key")  # fmt: skip
KINDS = ("course", "lesson", "lesson", "media")


def year_of_events(count: int, places, courses: int, seed: int = 3):
    """Yield (day, rows) for the last 365 China days, oldest first: ``count`` events in all.

    Rows are tuples in VIEW_COLUMNS order, in time order within the day (as pages write
    them). Visits: a visitor (40 % signed-in learners, cities weighted unevenly) opens a
    course and views 1–8 of its pages minutes apart, repeats included; 3 % are bots.
    """
    rng = random.Random(seed)
    now_ms = counting.epoch_ms(utcnow())
    today = local_today()
    weights = [rng.uniform(0.3, 3.0) for _ in places]
    visitors = []
    for n in range(200_000):
        city, districts = rng.choices(places, weights)[0]
        learner = rng.random() < 0.4
        key = f"u{n + 1}" if learner else f"v{n:020d}"
        visitors.append((key, n + 1 if learner else None, city, rng.choice(districts),
                         *client_keys(n)))  # fmt: skip
    per_day, extra = divmod(count, 365)
    for offset in range(364, -1, -1):
        day = today - timedelta(days=offset)
        start = counting.day_start_ms(day)
        end = min(counting.day_end_ms(day), now_ms)
        wanted = per_day + (1 if offset < extra else 0)
        rows = []
        while len(rows) < wanted:
            key, user_id, city, district, address, network = visitors[rng.randrange(len(visitors))]
            course = rng.randrange(1, courses + 1)
            at = start + rng.randrange(end - start)
            for _ in range(rng.randrange(1, 9)):
                kind = KINDS[rng.randrange(4)]
                resource = course if kind == "course" else course * 20 + rng.randrange(8)
                status = counting.OK if rng.random() > 0.03 else counting.BOT
                rows.append((at, day, kind, resource, course, user_id, key,
                             city if user_id else "", district if user_id else "", status,
                             address, network))  # fmt: skip
                at += rng.randrange(5_000, 300_000)
                if at >= end:
                    break
        del rows[wanted:]
        rows.sort(key=lambda row: row[0])
        yield day, rows


def bulk_insert_views(connection, rows: list[tuple]) -> None:
    """Raw events in bulk: COPY on PostgreSQL, one executemany on SQLite."""
    if connection.dialect.name == "postgresql":
        columns = ", ".join(VIEW_COLUMNS)
        cursor = connection.connection.driver_connection.cursor()
        with cursor, cursor.copy(f"COPY view_event ({columns}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        return
    marks = ", ".join("?" * len(VIEW_COLUMNS))
    connection.exec_driver_sql(
        f"INSERT INTO view_event ({', '.join(VIEW_COLUMNS)}) VALUES ({marks})",  # noqa: S608
        [(*row[:1], row[1].isoformat(), *row[2:]) for row in rows],
    )


def fill_year(app, count: int, courses: int) -> tuple[int, float, float]:
    """Insert ``count`` events over a year; (events, seconds generating, seconds inserting)."""
    timings = {"generating": 0.0, "inserting": 0.0}
    total = 0

    def insert(batch: list[tuple]) -> None:
        started = time.perf_counter()
        with db.engine.begin() as connection:
            bulk_insert_views(connection, batch)
        timings["inserting"] += time.perf_counter() - started

    with app.app_context():
        batch: list[tuple] = []
        started = time.perf_counter()
        for _day, rows in year_of_events(count, province_places(app), courses):
            batch += rows
            if len(batch) >= 200_000:
                timings["generating"] += time.perf_counter() - started
                insert(batch)
                total += len(batch)
                batch = []
                started = time.perf_counter()
        timings["generating"] += time.perf_counter() - started
        insert(batch)
        total += len(batch)
        if db.engine.dialect.name == "postgresql":
            with db.engine.begin() as connection:
                connection.exec_driver_sql("ANALYZE view_event")
        db.engine.dispose()
    return total, timings["generating"], timings["inserting"]


NAIVE_QUERY = text(
    "SELECT city_code, count(*) FROM view_event WHERE day BETWEEN :start AND :end"
    " AND status = 'ok' GROUP BY city_code"
)


def window_urls(today) -> list[tuple[str, str, object]]:
    """(label, API query, Period of the current window) for every window."""
    from learnhub.rankings.leaderboard import resolve_window

    first = today - timedelta(days=364)
    custom = f"window=custom&start={first}&end={today}"
    windows = [(w, f"window={w}") for w in ("today", "week", "month", "year", "last7", "last30")]
    windows.append(("custom 365 days", custom))
    result = []
    for label, query in windows:
        name = "custom" if label.startswith("custom") else label
        period = resolve_window(name, today, first, today)[0]
        result.append((label, f"/api/v1/rankings?{query}", period))
    for label, query in windows:
        name = "custom" if label.startswith("custom") else label
        if name in ("year", "last30", "custom"):
            result.append((f"{label}, active learners",
                           f"/api/v1/rankings?{query}&metric=active_learners",
                           resolve_window(name, today, first, today)[0]))  # fmt: skip
    return result


def bench_year(backend: str, postgres_url: str | None, sizes: dict, events: int) -> dict:
    """The rankings issue's bench: a year of raw events, rebuild, boards against naive SQL."""
    with fresh_database(backend, postgres_url) as url:
        app = make_app(url, RANKINGS_CACHE_SECONDS=0, RANKINGS_API_RATE_LIMIT=0)
        inserted, generating, inserting = fill_year(app, events, sizes["courses"])
        with app.app_context():
            today = local_today()
        first = today - timedelta(days=364)
        with app.app_context():
            # As if the live aggregator had read them all: the rebuild recomputes only
            # events below the cursor (later ones are the live path's to count).
            aggregates.locked_cursor(aggregates.VIEW_CURSOR).last_id = db.session.scalar(
                select(func.max(ViewEvent.id))
            )
            db.session.commit()
        started = time.perf_counter()
        result = app.test_cli_runner().invoke(
            args=["rankings", "rebuild", "--start", str(first), "--end", str(today)]
        )
        rebuild_seconds = time.perf_counter() - started
        if result.exit_code != 0:
            raise RuntimeError(result.output)
        client = app.test_client()
        boards = {}
        with app.app_context():
            urls = window_urls(today)
            clicks = db.session.scalar(
                select(func.sum(CityDay.value)).where(CityDay.metric == aggregates.CLICKS)
            )
            aggregate_rows = sum(
                db.session.scalar(select(func.count()).select_from(model))
                for model in (CityDay, DistrictDay, CourseDay, LearnerDay)
            )
            db.session.remove()
        for _label, url_, _period in urls:  # warm up
            assert client.get(url_, headers=BROWSER).status_code == 200, url_
        for label, url_, _period in urls:
            board = []
            for _ in range(sizes["board_requests"]):
                started = time.perf_counter()
                client.get(url_, headers=BROWSER)
                board.append((time.perf_counter() - started) * 1000)
            boards[label] = {"board": board}
        with app.app_context():
            for label, _url, period in urls:
                naive = []
                for _ in range(sizes["naive_repeats"]):
                    started = time.perf_counter()
                    db.session.execute(NAIVE_QUERY, {"start": period.start, "end": period.end})
                    naive.append((time.perf_counter() - started) * 1000)
                boards[label]["naive"] = naive
                boards[label]["days"] = period.days
            db.session.remove()
            db.engine.dispose()
        service = bench_service_ingestion(url, sizes["service_views"])
    return {"backend": backend, "events": inserted, "generating": generating,
            "inserting": inserting, "rebuild": rebuild_seconds, "clicks": clicks,
            "aggregate_rows": aggregate_rows, "boards": boards, "service": service}  # fmt: skip


def bench_service_ingestion(url: str, views: int, redis_url: str | None = None) -> dict:
    """Views/s through ``record_view`` as a page calls it (in a request context, the
    request's teardown handing the view over): to the journal (this process's file, with
    the SQLite queue; Redis with ``redis_url``) and written per request, against the same
    loop of empty request contexts."""
    from learnhub.rankings.services import record_view
    from learnhub.rankings.view_buffer import hand_over_views

    fields = {"resource_kind": "course", "resource_id": 1, "course_id": 1, "user_id": None,
              "city_code": "210100", "district_code": "210102"}  # fmt: skip
    rates = {}
    runs = [("empty request context", 1.0, views, {}),
            ("record_view, journal file (SQLite queue)", 1.0, views, {}),
            ("record_view, per request", 0, views // 10, {})]  # fmt: skip
    if redis_url:
        on_redis = {"JOBS_URL": redis_url, "JOBS_QUEUE_NAME": f"bench-{os.getpid()}"}
        runs.append(("record_view, journal on Redis", 1.0, views, on_redis))
    for label, flush_seconds, count, settings in runs:
        app = make_app(url, RANKINGS_VIEW_FLUSH_SECONDS=flush_seconds, **settings)
        started = time.perf_counter()
        for i in range(count):
            with app.test_request_context("/"):
                app.preprocess_request()
                if label != "empty request context":
                    record_view(visitor_key=f"vservice-{i:012d}", **fields)
        hand_over_views(app)  # the buffered views are written before the clock stops
        run_pending(app)
        rates[label] = count / (time.perf_counter() - started)
        if settings:
            queue.storage.flush_all()
        with app.app_context():
            db.engine.dispose()
    return rates


def bench_service(backend: str, postgres_url: str | None, sizes: dict, redis_url: str | None):
    """The service-call part of (d) alone, on a fresh database."""
    with fresh_database(backend, postgres_url) as url:
        return bench_service_ingestion(url, sizes["service_views"], redis_url)


def report_service(backend: str, rates: dict) -> None:
    print(f"\nrecording through the service call — {backend}, one process")
    base = rates["empty request context"]
    for label, rate in rates.items():
        print(f"  {label:44}{rate:10.0f} views/s{rate / base:8.0%}")


# ---- report ----------------------------------------------------------------------------------


def report_recording(result: dict, seconds: int) -> None:
    print(f"\n(a) recording a view — {result['backend']}, gunicorn {result['workers']} workers, "
          f"wrk 8 connections, median of rounds of {seconds} s; "
          f"{result['views written']:,} views written")  # fmt: skip
    print(f"  {'':32}{'req/s':>10}{'vs trivial':>12}{'vs off':>10}")
    for name, label in (("trivial", "trivial route"), ("off", "course page, recording off"),
                        ("on", "course page, recording on")):  # fmt: skip
        rate = result[name]
        print(f"  {label:32}{rate:10.0f}{rate / result['trivial']:12.0%}"
              f"{rate / result['off']:10.0%}")  # fmt: skip


def report_aggregation(result: dict) -> None:
    print(f"\n(b) aggregation — {result['backend']}, {result['events']:,} raw events "
          f"({result['clicks']:,} clicks counted)")  # fmt: skip
    print(f"  {'writing the raw events':32}{result['insert']:10.0f} events/s (baseline)")
    for key, label in (("live", "aggregate_pending (live path)"), ("rebuild", "rebuild")):
        print(f"  {label:32}{result[key]:10.0f} events/s {result[key] / result['insert']:8.2f}"
              " × writing")  # fmt: skip
    print(f"  rebuild equals live path: {'yes' if result['same'] else 'NO'}")


def report_boards(result: dict, days: int) -> None:
    print(f"\n(c) leaderboards — {result['backend']}, {days} days of aggregates "
          f"({result['rows']:,} rows, filled in {result['fill']:.0f} s), test client")  # fmt: skip
    print(f"  {'':30}{'p50 ms':>8}{'p95 ms':>8}{'p50 ×trivial':>14}{'cached p50':>12}"
          f"{'×trivial':>10}")  # fmt: skip
    off, on = result[0], result[30]
    base_off, base_on = percentiles(off["trivial route"])[0], percentiles(on["trivial route"])[0]
    for name in off:
        (p50, p95), (cached, _p95) = percentiles(off[name]), percentiles(on[name])
        print(f"  {name:30}{p50:8.1f}{p95:8.1f}{p50 / base_off:14.1f}{cached:12.1f}"
              f"{cached / base_on:10.1f}")  # fmt: skip


def report_year(result: dict, sizes: dict) -> None:
    print(f"\n(d) a year of raw events — {result['backend']}: {result['events']:,} events "
          f"generated in {result['generating']:.0f} s, inserted in {result['inserting']:.0f} s "
          f"({result['events'] / result['inserting']:,.0f} events/s)")  # fmt: skip
    print(f"  rebuild of 365 days (rankings rebuild): {result['rebuild']:.0f} s, "
          f"{result['events'] / result['rebuild']:,.0f} events/s; {result['clicks']:,} clicks "
          f"counted, {result['aggregate_rows']:,} aggregate rows")  # fmt: skip
    print(f"  leaderboard API (cache off, {sizes['board_requests']} requests) against naive "
          f"GROUP BY city_code over view_event ({sizes['naive_repeats']} runs), ms:")  # fmt: skip
    print(f"  {'window':24}{'days':>6}{'board p50':>11}{'p95':>8}{'naive p50':>11}{'p95':>8}"
          f"{'naive/board':>13}")  # fmt: skip
    for label, times in result["boards"].items():
        (b50, b95), (n50, n95) = percentiles(times["board"]), percentiles(times["naive"])
        print(f"  {label:24}{times['days']:6}{b50:11.1f}{b95:8.1f}{n50:11.1f}{n95:8.1f}"
              f"{n50 / b50:12.0f}×")  # fmt: skip
    print("  ingestion through the service call (one process), views/s:")
    for label, rate in result["service"].items():
        print(f"  {label:32}{rate:10,.0f}")


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="smaller sizes (a few minutes)")
    parser.add_argument("--postgres-url", default=POSTGRES_URL, help="'' to skip PostgreSQL")
    parser.add_argument(
        "--parts",
        default="year,recording",
        help="year, recording, aggregation, boards, service (comma-separated)",
    )
    parser.add_argument("--redis-url", help="service: also hand views to this Redis")
    parser.add_argument("--events", type=int, help="raw events of (d) (10,000,000; quick 500,000)")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers for (a)")
    parser.add_argument("--backends", default="sqlite,postgresql", help="which to run")
    parser.add_argument("--json", help="also write the figures to this file (for bench/run)")
    args = parser.parse_args(argv)
    figures: list[dict] = []

    def kept(result: dict) -> dict:  # each part's figures, for --json (kept if a later fails)
        figures.append(result)
        if args.json:
            Path(args.json).write_text(json.dumps(figures, indent=1, default=str))
        return result

    sizes = {name: pair[1 if args.quick else 0] for name, pair in SIZES.items()}
    events = args.events or YEAR_EVENTS[1 if args.quick else 0]
    backends = [b for b in args.backends.split(",") if b == "sqlite" or args.postgres_url]
    instance = Path(tempfile.mkdtemp(prefix="rankings-bench-instance-"))
    os.environ["LEARNHUB_INSTANCE_PATH"] = str(instance)
    os.environ.pop("DATABASE_URL", None)
    print(f"sizes: {sizes}, events: {events:,}")
    try:
        for backend in backends:
            if "year" in args.parts:
                report_year(kept(bench_year(backend, args.postgres_url, sizes, events)), sizes)
            if "aggregation" in args.parts:
                report_aggregation(kept(bench_aggregation(backend, args.postgres_url, sizes)))
            if "boards" in args.parts:
                report_boards(kept(bench_boards(backend, args.postgres_url, sizes)),
                              sizes["history_days"])  # fmt: skip
            if "service" in args.parts:
                report_service(backend, bench_service(backend, args.postgres_url, sizes,
                                                      args.redis_url))  # fmt: skip
            if "recording" in args.parts:
                recorded = bench_recording(backend, args.postgres_url, sizes, args.workers)
                report_recording(kept(recorded), sizes["wrk_seconds"])
    finally:
        shutil.rmtree(instance, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
