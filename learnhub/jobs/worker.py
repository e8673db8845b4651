"""Running jobs: the worker service, and running what is queued right now.

``flask jobs worker`` is the service (one per host; see docs/deployment.md). It runs
Huey's consumer: worker threads that take jobs from the queue, and a scheduler that puts
retries back when their time comes and enqueues the scheduled jobs. Each job in hand is
recorded, and a dead worker's jobs are put back (leases.py) when a worker starts.
"""

from __future__ import annotations

from flask import Flask
from huey.consumer import Consumer

from .failures import connect_failure_records
from .leases import Heartbeat, connect_leases, put_back_orphans
from .queue import bind_app, queue


def consumer(app: Flask, threads: int, scheduler: bool = True) -> Consumer:
    """The worker's consumer for this app (call ``run()`` on it in the main thread)."""
    bind_app(app)
    connect_failure_records()
    connect_leases()
    return queue.create_consumer(
        workers=threads,
        worker_type="thread",
        periodic=scheduler,
        initial_delay=0.1,  # an idle worker looks at the queue every 0.1 s, backing off to 1 s
        backoff=1.15,
        max_delay=1.0,
        check_worker_health=True,
        graceful_signal="TERM",  # `systemctl stop`: finish the jobs in hand, then exit
    )


def run_pending(app: Flask, limit: int | None = None) -> int:
    """Run every job that is due now, in this process, as a worker would; returns how many.

    Retries whose delay has passed are due too. Jobs that a job enqueues run as well.
    """
    bind_app(app)
    connect_failure_records()
    connect_leases()
    heartbeat = Heartbeat().start()
    try:
        put_back_orphans()
        done = 0
        while limit is None or done < limit:
            for task in queue.read_schedule():
                queue.enqueue(task)
            task = queue.dequeue()
            if task is None:
                return done
            queue.execute(task)
            done += 1
        return done
    finally:
        heartbeat.stop()


def serve(app: Flask, threads: int, scheduler: bool = True) -> None:
    """The worker service: say it is alive, put back what dead workers had in hand, run."""
    service = consumer(app, threads, scheduler)
    heartbeat = Heartbeat().start()
    try:
        put_back_orphans()
        service.run()
    finally:
        heartbeat.stop()
