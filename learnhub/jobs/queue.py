"""The job queue (Huey): work done outside web requests, by the worker process.

Features declare their work here with :func:`job` (run when something asks for it) and
:func:`periodic_job` (run on a schedule), in a ``jobs.py`` module of their own::

    @job()
    def record_views(rows): ...          # calling record_views(rows) enqueues it

    @periodic_job(crontab(minute="*"))
    def aggregate_views(): ...           # the worker runs it every minute

Every job runs inside an application context, and its database work is one unit: it is
committed when the job returns and rolled back when it raises. A job that raises is tried
again ``JOBS_RETRIES`` times with a doubling delay; then it is kept as a failed job (see
failures.py), never dropped. A job whose worker died while running it is put back in the
queue (leases.py), so it may run again after its work was committed: the same commit
writes a ``job_done`` row with the job's id, and a run that finds that row does nothing.
Work outside the database (a mail sent) can happen twice in that case, never be lost.

The queue lives where ``JOBS_URL`` says: a SQLite file in the instance folder on one
machine, Redis for several hosts. One queue object serves the process; :func:`bind_app`
points it at an application's queue and makes jobs run in that application.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from urllib.parse import urlsplit

from flask import Flask
from huey import Huey, crontab
from huey.storage import RedisStorage, SqliteStorage
from sqlalchemy.exc import IntegrityError

from learnhub.extensions import db

from .models import JobDone

__all__ = ["bind_app", "crontab", "job", "periodic_job", "queue"]

# Configured by bind_app(); until then nothing can be enqueued (there is no storage).
queue = Huey("learnhub", results=False, utc=True, storage_class=SqliteStorage, filename=":memory:")
_bound: dict[str, Flask] = {}
_retrying_jobs: list = []  # jobs whose retries come from the settings
_scheduled_jobs: dict[str, tuple[object, str]] = {}  # name → (task wrapper, when it runs)
_labels: dict[str, str] = {}  # name → what the job does, for people


class JobsNotConfigured(RuntimeError):
    """A job was enqueued or run before any application configured the queue."""


def bind_app(app: Flask) -> None:
    """Use the app's queue (JOBS_URL) in this process, and run jobs inside this app."""
    queue.name = app.config["JOBS_QUEUE_NAME"]
    queue.storage = _storage_for(app.config["JOBS_URL"], queue.name)
    for wrapper in _retrying_jobs:
        wrapper.task_class.default_retries = app.config["JOBS_RETRIES"]
        wrapper.task_class.default_retry_delay = app.config["JOBS_RETRY_DELAY_SECONDS"]
    _bound["app"] = app
    app.extensions["learnhub_jobs"] = queue


def bound_app() -> Flask:
    """The application jobs run in (the one bound last)."""
    try:
        return _bound["app"]
    except KeyError:
        raise JobsNotConfigured("no application has configured the job queue") from None


def _storage_for(url: str, name: str):
    parts = urlsplit(url)
    if parts.scheme == "sqlite":
        # sqlite:///absolute/path: the path after the third slash, as SQLAlchemy spells it.
        return SqliteStorage(name=name, filename=url.removeprefix("sqlite:///"), timeout=15)
    if parts.scheme in ("redis", "rediss", "unix"):
        return RedisStorage(name=name, url=url)
    raise ValueError(f"JOBS_URL must be sqlite:///… or redis://…, not {parts.scheme}://")


def already_done(key: str) -> bool:
    """Whether work marked with this key has been committed (see :func:`mark_done`)."""
    return db.session.get(JobDone, key) is not None


def mark_done(key: str) -> None:
    """Mark work as done, in the transaction that does it (the caller commits)."""
    db.session.add(JobDone(key=key))


def _in_app_context(function: Callable, once: bool = False) -> Callable:
    """Run a job inside the bound app: one commit when it returns, a rollback if it raises.

    ``once``: the queue passes the task (``task=``); its id is marked done in the same
    commit, and a run of a task already marked done does nothing.
    """

    @functools.wraps(function)
    def run(*args, task=None, **kwargs):
        key = task.id if once and task is not None else None
        with bound_app().app_context():
            try:
                if key is not None:
                    if already_done(key):
                        return None  # run again after a kill that came after its commit
                    db.session.rollback()  # no lock held while the job works in sessions of its own
                result = function(*args, **kwargs)
                if key is not None:
                    mark_done(key)
                db.session.commit()
                return result
            except IntegrityError:
                db.session.rollback()
                if key is not None and already_done(key):
                    return None  # another run of the same job committed first
                raise
            except BaseException:
                db.session.rollback()
                raise
            finally:
                db.session.remove()

    return run


def _full_name(function: Callable) -> str:
    return f"{function.__module__}.{function.__name__}"


def job(label: str, exactly_once: bool = True) -> Callable:
    """Declare a job. Calling the decorated function enqueues it; the worker runs it.

    ``label`` says what it does, for staff (``_l(...)``). Its arguments must be plain values
    (they are pickled into the queue). A run that raises is tried again JOBS_RETRIES
    times, after JOBS_RETRY_DELAY_SECONDS and then twice as long each time.
    ``exactly_once=False``: no ``job_done`` row, for a job that is harmless to run twice.
    """

    def decorator(function: Callable):
        run = _in_app_context(function, once=exactly_once)
        wrapper = queue.task(retry_backoff=2, context=exactly_once)(run)
        _retrying_jobs.append(wrapper)
        _labels[_full_name(function)] = label
        return wrapper

    return decorator


def periodic_job(schedule: crontab, when: str, label: str) -> Callable:
    """Declare a job the worker runs on a schedule (``crontab(...)``, in UTC).

    ``when`` and ``label`` say when and what, for staff (``_l(...)``). A run that fails is
    not retried (the next run comes soon): it is recorded as failed, and marked resolved
    when a later run succeeds.
    """

    def decorator(function: Callable):
        wrapper = queue.periodic_task(schedule)(_in_app_context(function))
        _scheduled_jobs[_full_name(function)] = (wrapper, when)
        _labels[_full_name(function)] = label
        return wrapper

    return decorator


def job_label(name: str) -> str:
    """What a job does, for people; its name if it is not (or no longer) declared."""
    return _labels.get(name, name)


def scheduled_job(name: str):
    """The task wrapper of a scheduled job, by its full name (module.function)."""
    return _scheduled_jobs[name][0]


def schedule() -> dict[str, str]:
    """{full name: when it runs} of every scheduled job."""
    return {name: when for name, (_wrapper, when) in sorted(_scheduled_jobs.items())}
