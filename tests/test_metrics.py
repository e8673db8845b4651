"""/metrics for Prometheus: requests and latency per endpoint, counted and filtered clicks,
ledger postings, the job queue — across gunicorn workers, and only for the scraper's token."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal
from pathlib import Path

from prometheus_client.parser import text_string_to_metric_families

from learnhub.creditbank import services as credits
from learnhub.creditbank.models import EntryKind
from learnhub.extensions import db
from learnhub.jobs.queue import queue
from learnhub.rankings import jobs as rankings_jobs
from tests.creditbank.conftest import account_for, new_learner
from tests.test_rankings import BROWSER, _free_port, _wait_for, aggregate

TOKEN = "scraper-token-" + "x" * 20
SCRAPER = {"Authorization": f"Bearer {TOKEN}"}


def scrape(client, headers=SCRAPER) -> dict[tuple, float]:
    """The samples of /metrics: {(name, sorted labels): value}."""
    response = client.get("/metrics", headers=headers)
    assert response.status_code == 200 and response.mimetype == "text/plain"
    return samples_of(response.get_data(as_text=True))


def samples_of(text: str) -> dict[tuple, float]:
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def value(samples, name: str, **labels) -> float:
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


def test_metrics_answer_only_the_scrapers_token(app, client):
    assert client.get("/metrics", headers=SCRAPER).status_code == 404  # not switched on
    app.config["METRICS_TOKEN"] = TOKEN
    assert client.get("/metrics").status_code == 401
    assert client.get("/metrics", headers={"Authorization": "Bearer guessed"}).status_code == 401
    assert client.get("/metrics", headers=SCRAPER).status_code == 200


def test_requests_are_timed_per_endpoint(app, client):
    app.config["METRICS_TOKEN"] = TOKEN
    before = scrape(client)
    for _ in range(3):
        client.get("/healthz")
    after = scrape(client)
    name = "learnhub_http_request_duration_seconds_count"
    labels = {"endpoint": "main.healthz", "method": "GET", "status": "200"}
    assert value(after, name, **labels) - value(before, name, **labels) == 3


def test_ledger_postings_count_when_committed_not_when_rolled_back(app, client):
    app.config["METRICS_TOKEN"] = TOKEN
    name, kind = "learnhub_ledger_postings_total", EntryKind.ATTENDANCE.value
    before = value(scrape(client), name, kind=kind)
    with app.test_request_context(method="POST"):
        account = account_for(new_learner())
        db.session.commit()
        credits.post_entry(account, Decimal("1"), EntryKind.ATTENDANCE, "metrics:kept")
        db.session.commit()
        credits.post_entry(account, Decimal("1"), EntryKind.ATTENDANCE, "metrics:rolled-back")
        db.session.rollback()
        credits.post_entry(account, Decimal("1"), EntryKind.ATTENDANCE, "metrics:next")
        db.session.commit()  # the rolled-back posting is not counted with the next commit
    assert value(scrape(client), name, kind=kind) - before == 2


def test_clicks_are_counted_and_filtered_as_the_rankings_decide(app, client, make_course):
    app.config["METRICS_TOKEN"] = TOKEN
    course_id = make_course(lessons=("text",))
    before = scrape(client)
    client.get(f"/courses/{course_id}", headers=BROWSER)
    client.get(f"/courses/{course_id}", headers={"User-Agent": "Googlebot/2.1", "Accept": "*/*"})
    aggregate(app)
    after = scrape(client)
    name = "learnhub_clicks_total"
    for outcome in ("counted", "filtered"):
        gained = value(after, name, outcome=outcome) - value(before, name, outcome=outcome)
        assert gained == 1, outcome


def test_the_job_queue_length_is_read_when_scraped(app, client, run_jobs):
    app.config["METRICS_TOKEN"] = TOKEN
    run_jobs()
    assert value(scrape(client), "learnhub_jobs_queued") == 0
    queue.enqueue(rankings_jobs.record_views.s([]))
    assert value(scrape(client), "learnhub_jobs_queued") == 1
    run_jobs()


def test_gunicorn_workers_add_up_in_one_scrape(app, migrated_database_url, tmp_path):
    folder = tmp_path / "prometheus"
    folder.mkdir()
    port = _free_port()
    env = {
        **os.environ,
        "DATABASE_URL": migrated_database_url,
        "SECRET_KEY": "test-secret-key",
        "LEARNHUB_METRICS_TOKEN": f'"{TOKEN}"',
        "PROMETHEUS_MULTIPROC_DIR": str(folder),
    }
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-c", "python:learnhub.gunicorn_conf", "-w", "2",
         "-b", f"127.0.0.1:{port}",
         "--log-level", "warning", "wsgi:app"],
        env=env, start_new_session=True, cwd=Path(__file__).parent.parent,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    labels = {"endpoint": "main.healthz", "method": "GET", "status": "200"}
    try:
        _wait_for(base + "/healthz")
        before = _scrape_server(base)
        with ThreadPoolExecutor(8) as pool:  # at once, so both workers answer some
            statuses = list(pool.map(lambda _: _status(f"{base}/healthz"), range(200)))
        assert statuses == [200] * 200
        scrapes = [_scrape_server(base) for _ in range(6)]  # whichever worker answers each
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=60)
    name = "learnhub_http_request_duration_seconds_count"
    for after in scrapes:
        assert value(after, name, **labels) - value(before, name, **labels) == 200
    assert len(list(folder.glob("*.db"))) >= 2  # each worker wrote its own file


def _status(url: str) -> int:
    with urllib.request.urlopen(url, timeout=10) as response:  # noqa: S310
        return response.status


def _scrape_server(base: str) -> dict[tuple, float]:
    scrape_request = urllib.request.Request(f"{base}/metrics", headers=SCRAPER)  # noqa: S310
    with urllib.request.urlopen(scrape_request, timeout=10) as response:  # noqa: S310
        return samples_of(response.read().decode())
