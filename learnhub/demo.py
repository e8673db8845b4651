"""The demo data set: ``flask demo load``; each feature adds its step to DEMO_STEPS."""

from __future__ import annotations

import os
import signal
import subprocess
import sys

import click
from flask import current_app
from flask.cli import AppGroup, with_appcontext
from flask_migrate import upgrade
from sqlalchemy import select
from werkzeug.serving import run_simple

from .accounts.demo import accounts_not_of_the_demo, load_demo_accounts
from .activities.demo import load_demo_activities
from .activities.kinds import ensure_activity_kinds
from .catalogue.demo import load_demo_courses
from .catalogue.services import ensure_modules
from .cli_helpers import progress_bar
from .conversion.demo import load_demo_conversions
from .creditbank.demo import load_demo_credits
from .extensions import db
from .helpdesk.demo import load_demo_recovery
from .i18n import compile_catalogues
from .news.demo import load_demo_news
from .places.demo import load_demo_places
from .pools.demo import load_demo_pools
from .privacy.demo import load_demo_privacy
from .rankings.demo import load_demo_activity
from .recognition.demo import load_demo_recognition
from .regions.models import Region
from .regions.services import load_regions
from .satisfaction.demo import load_demo_ratings
from .selections.demo import load_demo_selections
from .submissions.demo import load_demo_submissions
from .topics.demo import load_demo_topics
from .week.demo import load_demo_week

demo_cli = AppGroup("demo", help="The demo data set.")


def _demo_steps():
    return [
        ("accounts", load_demo_accounts),
        ("courses", load_demo_courses),
        ("places", load_demo_places),
        ("news", load_demo_news),
        ("credits", load_demo_credits),
        ("recognition", load_demo_recognition),
        ("conversions", load_demo_conversions),
        ("activity", load_demo_activity),
        ("recovery", load_demo_recovery),
        ("activities", load_demo_activities),  # at the places above
        ("week", load_demo_week),
        ("ratings", load_demo_ratings),  # of the completions and attendance above
        ("privacy", load_demo_privacy),
        ("submissions", load_demo_submissions),
        ("pools", load_demo_pools),
        ("selections", load_demo_selections),
        ("topics", load_demo_topics),  # of the courses, activities and news above
    ]


def load_demo() -> None:
    """Load every feature's demo data; safe to run again (existing rows are kept)."""
    for name, step in _demo_steps():
        with progress_bar(label=f"Demo {name}") as progress:
            step(progress)
        db.session.commit()


FORCE_OPTION = click.option(
    "--force", is_flag=True,
    help="Load the demo even into a database with accounts of real people (never on a live site).",
)  # fmt: skip


def _refuse_a_live_database(force: bool) -> None:
    """Stop unless this database holds demo accounts only (or the operator insists)."""
    count, names = accounts_not_of_the_demo()
    if count and not force:
        raise click.ClickException(
            f"this database has {count} account(s) the demo did not make "
            f"({', '.join(names)}{', …' if count > len(names) else ''}). The demo adds staff "
            "accounts whose password is published in README.md: load it only into a database "
            "for trying learnhub out, and then with --force."
        )


@demo_cli.command("load")
@FORCE_OPTION
def load_command(force: bool):
    """Load demo accounts and content (regions must be loaded first)."""
    if db.session.scalar(select(Region).limit(1)) is None:
        raise click.ClickException("no regions: run `flask --app learnhub regions load` first")
    _refuse_a_live_database(force)
    load_demo()
    click.echo("Demo data loaded. Accounts and passwords are listed in README.md.")


@click.command("quickstart")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@click.option("--no-serve", is_flag=True, help="Prepare everything but do not start the server.")
@FORCE_OPTION
@with_appcontext
def quickstart_command(host: str, port: int, no_serve: bool, force: bool):
    """Compile translations, build the database, load regions and demo data, then serve the
    site and run the job worker beside it (Ctrl+C stops both)."""
    compile_catalogues()
    upgrade()
    with progress_bar(label="Regions") as progress:
        load_regions(progress=progress)
    ensure_modules()
    ensure_activity_kinds()
    db.session.commit()
    _refuse_a_live_database(force)
    load_demo()
    if no_serve:
        return
    worker = _start_worker()
    click.echo(f"learnhub is running at http://{host}:{port}/ (Ctrl+C stops it)")
    try:
        run_simple(host, port, current_app._get_current_object(), threaded=True)
    finally:
        _stop_worker(worker)


def _start_worker() -> subprocess.Popen:
    """The job worker as a process of its own, as in production (docs/deployment.md)."""
    command = [sys.executable, "-m", "flask", "--app", "learnhub", "jobs", "worker"]
    environment = {**os.environ, "LEARNHUB_INSTANCE_PATH": current_app.instance_path}
    # A session of its own: Ctrl+C in the terminal stops the server, and the server then
    # stops the worker gracefully, so no job in hand is cut off.
    return subprocess.Popen(command, env=environment, start_new_session=True)  # noqa: S603 - fixed argv


def _stop_worker(worker: subprocess.Popen) -> None:
    """Let the worker finish the jobs in hand (SIGTERM), then wait for it."""
    if worker.poll() is None:
        worker.send_signal(signal.SIGTERM)
    try:
        worker.wait(timeout=30)
    except subprocess.TimeoutExpired:
        worker.kill()
