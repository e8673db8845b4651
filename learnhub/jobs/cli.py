"""``flask jobs ...``: run the worker, run what is due, see the queue and its failures."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import AppGroup

from . import maintenance  # noqa: F401  (registers the job system's own scheduled job)
from .failures import collect_parked_failures, failed_jobs, last_successes
from .queue import queue, schedule
from .worker import run_pending, serve

jobs_cli = AppGroup("jobs", help="Background jobs: the worker, the queue, failed jobs.")


@jobs_cli.command("worker")
@click.option("--threads", type=int, default=None, help="Jobs run at once (JOBS_WORKER_THREADS).")
@click.option(
    "--no-scheduler", is_flag=True,
    help="Run jobs only; leave scheduled jobs to another host's worker.",
)  # fmt: skip
def worker_command(threads: int | None, no_scheduler: bool):
    """Run jobs until stopped (SIGTERM finishes the jobs in hand, then exits)."""
    app = current_app._get_current_object()
    threads = threads or app.config["JOBS_WORKER_THREADS"]
    click.echo(f"learnhub worker: {threads} thread(s), queue {app.config['JOBS_URL']}")
    serve(app, threads, scheduler=not no_scheduler)


@jobs_cli.command("run-pending")
def run_pending_command():
    """Run the jobs that are due now, then exit (for a machine without the worker service)."""
    done = run_pending(current_app._get_current_object())
    click.echo(f"{done} job(s) run.")


@jobs_cli.command("status")
def status_command():
    """The queue's length, when each scheduled job last succeeded, and open failures."""
    collect_parked_failures()
    click.echo(f"waiting: {queue.pending_count()}  scheduled for later: {queue.scheduled_count()}")
    successes = last_successes()
    for name, when in schedule().items():
        last = successes.get(name)
        click.echo(f"  {name} ({when}): last success {last.isoformat() if last else 'never'}")
    failures = failed_jobs()
    click.echo(f"open failures: {len(failures)}")
    for failure in failures:
        click.echo(f"  #{failure.id} {failure.name} ×{failure.failures}: {failure.error}")
    if failures:
        raise SystemExit(1)
