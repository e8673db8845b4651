"""learnhub: the platform of a provincial lifelong-learning network (终身学习网).

This module is the top of the import graph: it builds the application from every feature
and nothing inside learnhub imports it (see docs/architecture.md).
"""

from __future__ import annotations

import gc

from flask import Flask
from flask_babel import lazy_gettext as _l

from . import (
    accounts,
    activities,
    catalogue,
    conversion,
    creditbank,
    helpdesk,
    inbox,
    learning,
    main,
    news,
    people,
    places,
    pools,
    privacy,
    rankings,
    recognition,
    regions,
    satisfaction,
    search,
    selections,
    staff,
    studio,
    submissions,
    topics,
    week,
)
from .accounts.cli import users_cli
from .backups import backup_command, restore_command
from .cache import init_cache
from .clients import init_proxies
from .config import PROJECT_ROOT, instance_path, load_config
from .database import init_database
from .demo import demo_cli, quickstart_command
from .errors import init_errors
from .extensions import csrf, db, limiter, login_manager, migrate
from .i18n import init_i18n
from .jobs.cli import jobs_cli
from .jobs.queue import bind_app, queue
from .logs import init_logging
from .metrics import init_metrics
from .search.text import load_tables
from .security import init_security
from .ui import init_ui

# In the order their blueprints register (the order of URL rules with equal weight).
FEATURES = (
    main, accounts, regions, catalogue, learning, creditbank, recognition, conversion,
    rankings, search, studio, staff, people, helpdesk, inbox, places, activities, week,
    privacy, submissions, news, satisfaction, pools, selections, topics,
)  # fmt: skip


def create_app(config: dict | None = None) -> Flask:
    """Build the application: config, extensions, blueprints, commands."""
    app = Flask(__name__, instance_path=instance_path(), instance_relative_config=True)
    load_config(app, config)
    init_proxies(app)
    _init_extensions(app)
    _register_blueprints(app)
    _register_commands(app)
    return app


def prepare_to_fork(app: Flask) -> None:
    """Ready ``app``, built in a server's master process, for its workers to fork from it
    (gunicorn's ``preload_app``, see learnhub/gunicorn_conf.py): load the big read-only tables now
    (jieba's dictionary, pypinyin's), close every database connection the build opened (a
    connection must never be shared across a fork), and move every object to the garbage
    collector's permanent generation so that collections in a worker never write to the
    pages it shares with the master (copy-on-write) — each worker then costs only what it
    changes."""
    load_tables()
    with app.app_context():
        for engine in db.engines.values():
            engine.dispose()
    gc.collect()
    gc.freeze()


def forked(app: Flask) -> None:
    """In a worker just forked from the master that ran ``prepare_to_fork``: forget any
    pooled database connection inherited from it without closing it (the master's)."""
    with app.app_context():
        for engine in db.engines.values():
            engine.dispose(close=False)


def _init_extensions(app: Flask) -> None:
    db.init_app(app)
    init_database(app)
    init_cache(app)
    migrate.init_app(app, db, directory=str(PROJECT_ROOT / "migrations"), compare_type=True,
                     render_as_batch=True)  # fmt: skip
    csrf.init_app(app)
    limiter.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "accounts.login"
    login_manager.session_protection = "basic"
    login_manager.login_message = _l("Please sign in to see this page.")
    init_i18n(app)
    init_ui(app)
    init_security(app)
    init_errors(app)
    bind_app(app)
    init_metrics(app, queue.pending_count)
    init_logging(app)


def _register_blueprints(app: Flask) -> None:
    for feature in FEATURES:
        app.register_blueprint(feature.bp)


def _register_commands(app: Flask) -> None:
    app.cli.add_command(users_cli)
    app.cli.add_command(demo_cli)
    app.cli.add_command(quickstart_command)
    app.cli.add_command(jobs_cli)
    app.cli.add_command(backup_command)
    app.cli.add_command(restore_command)
