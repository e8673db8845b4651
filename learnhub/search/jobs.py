"""The search index's background work: applying committed changes, rebuilding, catching up.

Web processes never write the index: a commit that changed searchable content enqueues
:func:`apply_index_changes`, and a search that finds the index unusable asks for
:func:`rebuild_search_index` (searching the database meanwhile). The worker runs both.
"""

from __future__ import annotations

import logging
import time

from flask_babel import lazy_gettext as _l
from sqlalchemy import event
from sqlalchemy.orm import Session

from learnhub.extensions import db
from learnhub.jobs.queue import crontab, job, periodic_job

from . import sync

log = logging.getLogger(__name__)

REBUILD_REQUEST_SECONDS = 60.0  # a process asks for a rebuild at most this often
_last_rebuild_request: dict[str, float] = {}


@job(_l("Update the search index"))
def apply_index_changes() -> None:
    """Apply the committed changes waiting in search_pending_change to the index."""
    sync.apply_pending_changes()


@periodic_job(
    crontab(minute="*"), _l("every minute"), _l("Apply search index updates still waiting")
)
def catch_up_index() -> None:
    """Apply whatever changes are still waiting (if an enqueue was ever lost); on the
    PostgreSQL backend, take a new snapshot of its entries when one is due."""
    sync.apply_pending_changes()


@job(_l("Rebuild the search index"))
def rebuild_search_index() -> None:
    """Rebuild a missing or damaged index from the database (a rebuild already running
    elsewhere, or an index found healthy again, makes this a no-op)."""
    if not sync.index_needs_rebuilding():
        return
    try:
        count = sync.rebuild_index(wait=0.0)
    except sync.IndexBusy:
        log.info("search index is being rebuilt by another process")
        return
    log.info("search index rebuilt: %d documents", count)


def request_rebuild(search_dir: str) -> bool:
    """Ask the worker to rebuild an unusable index, at most once a minute per process."""
    now = time.monotonic()
    last = _last_rebuild_request.get(search_dir, -REBUILD_REQUEST_SECONDS)
    if now - last < REBUILD_REQUEST_SECONDS:
        return False
    if not sync.index_needs_rebuilding():
        return False
    _last_rebuild_request[search_dir] = now
    rebuild_search_index()
    return True


def _enqueue_after_commit(session: Session) -> None:
    if session.in_nested_transaction():
        return  # a savepoint released: the worker must not look before the real commit
    if not sync.committed_changes(session):
        return
    try:
        apply_index_changes()
    except Exception:  # the change is committed and queued: catch_up_index applies it
        log.exception("could not enqueue a search index update")


def init_index_jobs() -> None:
    """Enqueue index updates after every commit that changed searchable content."""
    session_class = db.session.session_factory.class_
    if not event.contains(session_class, "after_commit", _enqueue_after_commit):
        event.listen(session_class, "after_commit", _enqueue_after_commit)
