"""Activities under load: /activities (list and month calendar) and the sign-up endpoint
against a trivial route, served by the same gunicorn in the same run.

Fills a fresh database with 300 published activities (3 sessions each) at places in every
city and 2,000 learners, each already signed in (a device session and a CSRF token made
in this process, as a browser would hold them). Then:

- /activities and /activities?view=month are loaded with wrk for a fixed time, as is the
  trivial route;
- the sign-up endpoint gets one POST from each learner (distinct people: real sign-ups,
  1,000 confirmed, 100 waiting, then "full" refusals), sent by a Python client over keep-alive
  connections from several threads; the trivial route is measured by the same client with
  the same number of requests, so the client's own cost is in both figures.

    .venv/bin/python -m bench.activities_bench [--duration 8] [--learners 2000]
    .venv/bin/python -m bench.activities_bench --database-url postgresql://postgres@127.0.0.1/postgres

Needs gunicorn (pip install -e '.[bench]') and wrk (apt-get install wrk).
"""

from __future__ import annotations

import argparse
import http.client
import queue
import threading
import time
from datetime import timedelta
from urllib.parse import urlsplit

from bench.catalogue_bench import (
    bench_instance,
    ensure_wrk,
    gunicorn,
    load_each,
    server_arguments,
    worker_rss_mb,
    write_json,
)

ACTIVITIES = 300
SESSIONS_PER_ACTIVITY = 3


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


def fill_database(learners: int) -> tuple[int, list[tuple[str, str]]]:
    """Schema, activities and signed-in learners; returns (the session everyone signs up
    for, [(session cookie, CSRF token)] one per learner)."""
    import flask_migrate
    from flask import g
    from flask import session as cookie_session
    from flask_login import login_user
    from flask_wtf.csrf import generate_csrf
    from sqlalchemy import insert, select

    from learnhub import create_app
    from learnhub.accounts.models import Role, User
    from learnhub.accounts.sessions import start_session
    from learnhub.activities.models import Activity, ActivityKind, ActivitySession
    from learnhub.catalogue.services import ensure_modules
    from learnhub.database import utcnow
    from learnhub.extensions import db
    from learnhub.places.models import Place, PlaceKind
    from learnhub.regions.models import Region, RegionLevel
    from learnhub.regions.services import load_regions

    app = create_app()
    with app.app_context():
        flask_migrate.upgrade()
        load_regions()
        ensure_modules()
        kind = ActivityKind(code="lecture", name="专题讲座", name_en="Lecture")
        db.session.add(kind)
        db.session.flush()
        districts = db.session.execute(
            select(Region.code, Region.parent_code).where(Region.level == RegionLevel.DISTRICT)
        ).all()
        now = utcnow()
        for n in range(ACTIVITIES):
            district, city = districts[n % len(districts)]
            place = Place(name=f"学习点{n}", kind=PlaceKind.TEACHING_POINT, city_code=city,
                          district_code=district, address=f"幸福路{n}号")  # fmt: skip
            activity = Activity(
                title=f"活动{n:03d} 智能手机与健康生活", kind_id=kind.id, city_code=city,
                district_code=district, place=place, status="published", published_at=now,
                elder_friendly=n % 2 == 0,
            )  # fmt: skip
            for s in range(SESSIONS_PER_ACTIVITY):
                starts = now + timedelta(days=1 + (n + s * 7) % 28, hours=s)
                activity.sessions.append(ActivitySession(
                    starts_at=starts, ends_at=starts + timedelta(hours=2), capacity=1000,
                ))  # fmt: skip
            db.session.add(activity)
        db.session.commit()
        target = db.session.scalar(select(ActivitySession.id).order_by(ActivitySession.id))
        db.session.execute(insert(User), [
            {"username": f"bench{n:05d}", "display_name": f"居民{n}", "password_hash": "x",
             "role": Role.LEARNER, "city_code": "210100", "district_code": "210102",
             "created_at": now}
            for n in range(learners)
        ])  # fmt: skip
        db.session.commit()
        serializer = app.session_interface.get_signing_serializer(app)
        signed_in = []
        for user in db.session.scalars(select(User).order_by(User.id)):
            start_session(user, remember=False, device="bench")
            with app.test_request_context("/"):
                g.pop("csrf_token", None)  # Flask-WTF keeps the last one in the app context
                login_user(user)
                token = generate_csrf()
                signed_in.append((serializer.dumps(dict(cookie_session)), token))
        db.session.commit()
        db.engine.dispose()
    return target, signed_in


def drive(base: str, requests: list[tuple[str, str, dict, bytes | None]], threads: int):
    """Send the requests from ``threads`` keep-alive connections; returns (requests/s,
    {status: count})."""
    parts = urlsplit(base)
    work: queue.Queue = queue.Queue()
    for request in requests:
        work.put(request)
    statuses: dict[int, int] = {}
    lock = threading.Lock()

    def worker():
        connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=60)
        while True:
            try:
                method, path, headers, body = work.get_nowait()
            except queue.Empty:
                break
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            response.read()
            with lock:
                statuses[response.status] = statuses.get(response.status, 0) + 1
        connection.close()

    started = time.perf_counter()
    pool = [threading.Thread(target=worker) for _ in range(threads)]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join()
    return len(requests) / (time.perf_counter() - started), statuses


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--learners", type=int, default=2000)
    server_arguments(parser, duration=8)
    parser.add_argument("--json", help="also write the figures to this file (for bench/run)")
    args = parser.parse_args()
    wrk = ensure_wrk()

    with bench_instance(args.database_url) as env:
        started = time.perf_counter()
        target, signed_in = fill_database(args.learners)
        print(f"filled {ACTIVITIES} activities and {len(signed_in):,} signed-in learners in "
              f"{time.perf_counter() - started:.1f} s")  # fmt: skip
        pages = [("trivial route", "/bench/trivial"), ("/activities", "/activities"),
                 ("/activities?view=month", "/activities?view=month"),
                 ("/activities?city=210100&free=1 (built each time)",
                  "/activities?city=210100&free=1"),
                 ("/activities?view=month&elder=1 (built each time)",
                  "/activities?view=month&elder=1")]  # fmt: skip
        posts = [
            ("POST", f"/activities/sessions/{target}/sign-up",
             {"Cookie": f"learnhub_session={cookie}",
              "Content-Type": "application/x-www-form-urlencoded"},
             f"csrf_token={token}".encode())
            for cookie, token in signed_in
        ]  # fmt: skip
        trivial_gets = [("GET", "/bench/trivial", {}, None)] * len(posts)
        with gunicorn(args.workers, env, "bench.activities_bench:bench_app()") as base:
            results = load_each(wrk, base, pages, args)
            client_trivial, _ = drive(base, trivial_gets, args.connections)
            client_sign_up, statuses = drive(base, posts, args.connections)
            rss = worker_rss_mb(base)

    backend = "PostgreSQL" if args.database_url else "SQLite"
    print(f"\n{backend}, gunicorn {args.workers} workers, {args.connections} connections")
    print(f"{'wrk, ' + str(args.duration) + ' s per URL':<52}{'req/s':>10}{'vs trivial':>12}")
    baseline = results[0][1]
    for name, rate in results:
        print(f"{name:<52}{rate:>10.0f}{rate / baseline:>11.0%}")
    print(f"\n{'Python client, one request per learner':<52}{'req/s':>10}{'vs trivial':>12}")
    print(f"{'trivial route':<52}{client_trivial:>10.0f}{1:>11.0%}")
    print(f"{'sign-up POST (distinct learners)':<52}{client_sign_up:>10.0f}"
          f"{client_sign_up / client_trivial:>11.0%}")  # fmt: skip
    print(f"sign-up answers: {statuses} (302: signed up or on the waiting list)")
    write_json(args.json, {"backend": backend, "learners": len(signed_in), "baseline": baseline,
                           "pages": [{"name": n, "rate": r} for n, r in results],
                           "client_trivial": client_trivial, "sign_up": client_sign_up,
                           "statuses": statuses, "rss_mb": rss})  # fmt: skip


if __name__ == "__main__":
    main()
