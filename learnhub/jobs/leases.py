"""Jobs in hand: a job whose worker died while running it is put back in the queue.

Huey takes a job out of the queue, then runs it; a worker killed in between (``kill -9``,
out of memory, a host that goes away) would lose it. So when a job starts, the worker
keeps a record of it in the queue's own storage (SQLite file or Redis) — the job's
message and the worker's id — and deletes it when the job is over (done, or failed for
good; a job that will be retried keeps its record until its retry is over). Every worker
writes a heartbeat to the same storage every ``HEARTBEAT_SECONDS``.

A record whose worker is dead — a process of this host that no longer runs, or a
heartbeat older than ``DEAD_AFTER_SECONDS`` — is put back in the queue: when a worker
starts, when ``flask jobs run-pending`` starts, and every minute (``put_back_jobs``).
The job may then run twice (its first run may have committed just before the kill, or
two workers may put it back at once), so its effect is made exactly-once by the
``job_done`` row its run commits with its work (see queue.py): a second run finds it and
does nothing.

Scheduled jobs keep no record: the next run comes within minutes and catches up.
"""

from __future__ import annotations

import logging
import os
import pickle
import socket
import threading
import time
import uuid
from dataclasses import dataclass

from huey import signals
from huey.api import PeriodicTask, Task

from .queue import queue

log = logging.getLogger(__name__)

IN_HAND_PREFIX = "in-hand:"
ALIVE_PREFIX = "worker-alive:"
HEARTBEAT_SECONDS = 10.0
DEAD_AFTER_SECONDS = 60.0  # six heartbeats missed: that worker is gone
_HOST = socket.gethostname()
_identity: dict[int, str] = {}  # pid → this process's worker id


@dataclass(frozen=True)
class InHand:
    """What a worker keeps while it runs a job: enough to put the job back."""

    worker: str
    message: bytes
    priority: int | None
    since: float


def worker_id() -> str:
    """This process's id as a worker: host, pid and a random part (pids are reused)."""
    pid = os.getpid()
    if pid not in _identity:
        _identity.clear()  # a forked child is a worker of its own
        _identity[pid] = f"{_HOST}:{pid}:{uuid.uuid4().hex[:8]}"
    return _identity[pid]


# ---- the records, from the queue's signals -------------------------------------------------


def _on_executing(_signal: str, task: Task) -> None:
    if isinstance(task, PeriodicTask):
        return
    record = InHand(worker_id(), queue.serialize_task(task), task.priority, time.time())
    queue.storage.put_data(IN_HAND_PREFIX + task.id, pickle.dumps(record))


def _after_execute(task: Task, _value, exception: BaseException | None) -> None:
    if isinstance(task, PeriodicTask):
        return
    if exception is not None and task.retries:
        return  # it will run again: still this worker's until that run is over
    queue.storage.delete_data(IN_HAND_PREFIX + task.id)


def connect_leases() -> None:
    """Keep a record of each job in hand (connecting again replaces, never doubles)."""
    queue.disconnect_signal(_on_executing)
    queue.signal(signals.SIGNAL_EXECUTING)(_on_executing)
    queue.post_execute("learnhub-in-hand")(_after_execute)


def jobs_in_hand() -> dict[str, InHand]:
    """{task id: its record} of every job some worker is running (or was, when it died)."""
    return {
        key.removeprefix(IN_HAND_PREFIX): pickle.loads(value)  # noqa: S301 - written above
        for key, value in queue.storage.result_items().items()
        if key.startswith(IN_HAND_PREFIX)
    }


# ---- heartbeats and putting jobs back ----------------------------------------------------


class Heartbeat:
    """A thread that says, every HEARTBEAT_SECONDS, that this process still works."""

    def __init__(self) -> None:
        self.storage = queue.storage  # the queue bound now, even if tests bind another later
        self.key = ALIVE_PREFIX + worker_id()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._beat, name="learnhub-heartbeat", daemon=True)

    def start(self) -> Heartbeat:
        self.storage.put_data(self.key, str(time.time()).encode())  # before any job runs
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=HEARTBEAT_SECONDS)
        self.storage.delete_data(self.key)

    def _beat(self) -> None:
        while not self._stop.wait(HEARTBEAT_SECONDS):
            try:
                self.storage.put_data(self.key, str(time.time()).encode())
            except Exception:  # the queue is down for a moment: try again at the next beat
                log.exception("could not write the worker's heartbeat")


def _running_here(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's process, running
    return True


def _alive(worker: str, beats: dict[str, float], now: float) -> bool:
    host, pid, _random = worker.rsplit(":", 2)
    if host == _HOST and not _running_here(int(pid)):
        return False
    beat = beats.get(worker)
    return beat is not None and now - beat < DEAD_AFTER_SECONDS


def put_back_orphans() -> int:
    """Put back in the queue every job in hand of a dead worker; returns how many.

    The job is enqueued before its record is deleted: killed in between, it is put back
    twice, and its ``job_done`` row makes the second run do nothing.
    """
    items = queue.storage.result_items()
    now = time.time()
    beats = {
        key.removeprefix(ALIVE_PREFIX): float(_text(value))
        for key, value in items.items()
        if key.startswith(ALIVE_PREFIX)
    }
    me = worker_id()
    put_back = 0
    for key, value in items.items():
        if not key.startswith(IN_HAND_PREFIX):
            continue
        record: InHand = pickle.loads(value)  # noqa: S301 - written by _on_executing
        if record.worker == me or _alive(record.worker, beats, now):
            continue
        queue.storage.enqueue(record.message, record.priority)
        queue.storage.delete_data(key)
        put_back += 1
        log.warning("put back job %s of worker %s, which stopped", key, record.worker)
    for worker, beat in beats.items():
        if now - beat > 24 * 3600:  # a worker gone for a day: forget its heartbeat
            queue.storage.delete_data(ALIVE_PREFIX + worker)
    return put_back


def _text(value) -> str:
    return value.decode() if isinstance(value, bytes | memoryview) else str(value)
