"""Prometheus metrics: requests and latency per endpoint, and what the platform exists for —
counted and filtered clicks, credit ledger postings, background jobs.

Every gunicorn worker and the job worker keep their own counters; with several processes
set ``PROMETHEUS_MULTIPROC_DIR`` (a folder emptied when the service starts) in their
environment and ``/metrics`` adds them all up (prometheus_client's multiprocess mode).
Counts that depend on a transaction are added when it commits (``count_on_commit``), so a
rolled-back posting is not counted. ``/metrics`` answers only a scraper that sends
``Authorization: Bearer <METRICS_TOKEN>``; without the setting it is not there (404).
"""

from __future__ import annotations

import hmac
import os
from collections.abc import Callable
from time import perf_counter

from flask import Flask, Response, abort, current_app, g, request
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
)
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.multiprocess import MultiProcessCollector

from .database import on_commit

# Labelled by endpoint (the route's name), never by path: an address with ids or a made-up
# path would make a new series per request.
REQUEST_SECONDS = Histogram(
    "learnhub_http_request_duration_seconds",
    "Time to answer a request, per endpoint",
    ["method", "endpoint", "status"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)

CLICK_OUTCOMES = Counter(
    "learnhub_clicks_total",
    "Course views classified by the rankings' rules: counted, or filtered (bot, rate, …)",
    ["outcome"],
)
LEDGER_POSTINGS = Counter(
    "learnhub_ledger_postings_total", "Credit ledger entries committed", ["kind"]
)
JOBS_FAILED = Counter("learnhub_jobs_failed_total", "Background jobs that failed for good", ["job"])


def count_on_commit(counter, amount: float = 1, **labels) -> None:
    """Add to ``counter`` when the current transaction commits (nothing if it rolls back)."""
    if amount:
        on_commit(lambda: (counter.labels(**labels) if labels else counter).inc(amount))


class _QueueCollector:
    """The job queue's length, read from the queue when Prometheus scrapes."""

    def __init__(self, pending_count: Callable[[], int]):
        self.pending_count = pending_count

    def collect(self):
        family = GaugeMetricFamily("learnhub_jobs_queued", "Background jobs waiting in the queue")
        try:
            family.add_metric([], self.pending_count())
        except Exception:  # the queue is unreachable: /healthz says so; no figure is better
            current_app.logger.exception("metrics: the job queue cannot be read")
            return
        yield family


def init_metrics(app: Flask, pending_count: Callable[[], int]) -> None:
    """Time every request of ``app`` and serve ``/metrics`` (with the token)."""
    queue_collector = _QueueCollector(pending_count)

    @app.before_request
    def start_clock():
        g.metrics_started = perf_counter()

    @app.after_request
    def time_request(response):
        started = g.pop("metrics_started", None)
        if started is not None:
            endpoint = request.endpoint or "unknown"
            REQUEST_SECONDS.labels(request.method, endpoint, str(response.status_code)).observe(
                perf_counter() - started
            )
        return response

    @app.get("/metrics")
    def metrics():
        token = app.config.get("METRICS_TOKEN") or ""
        sent = request.headers.get("Authorization", "").removeprefix("Bearer ")
        if not token:
            abort(404)
        if not hmac.compare_digest(sent.encode(), token.encode()):
            abort(401)
        return Response(generate_latest(_registry(queue_collector)), mimetype=CONTENT_TYPE_LATEST)


class _ThisProcess:
    """This process's own counters (one process: no multiprocess folder)."""

    def collect(self):
        return REGISTRY.collect()


def _registry(*extra) -> CollectorRegistry:
    """A registry for one scrape: every process's counters (multiprocess mode) or this
    process's, and ``extra`` collectors."""
    registry = CollectorRegistry()
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        MultiProcessCollector(registry)
    else:
        registry.register(_ThisProcess())
    for collector in extra:
        registry.register(collector)
    return registry
