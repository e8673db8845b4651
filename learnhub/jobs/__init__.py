"""Background jobs: the queue (Huey), the worker, and the record of jobs that failed.

A feature declares its jobs in its own ``jobs.py`` with ``learnhub.jobs.queue.job`` and
``periodic_job``; the worker (``flask jobs worker``) runs them. See docs/architecture.md.
"""
