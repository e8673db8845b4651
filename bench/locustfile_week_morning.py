"""Locust's side of bench/load_week_morning.py: each simulated user lives one learner's
morning after another (bench/week_morning.py) and the outcome is written at the end.

Run by load_week_morning.py (headless), which passes the plan and where to write the
result in WEEK_MORNING_PLAN and WEEK_MORNING_RESULT.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import os
import random
from pathlib import Path

from locust import HttpUser, between, events, task

from bench.week_morning import Browser, Failed, Plan, Record, Stats, address_of, learners_morning

PLAN = Plan(**json.loads(Path(os.environ["WEEK_MORNING_PLAN"]).read_text()))
RECORD, STATS = Record(PLAN), Stats()
RNG = random.Random(int(os.environ.get("WEEK_MORNING_SEED", "18")))
NUMBERS = itertools.count()


class Learner(HttpUser):
    wait_time = between(0.2, 1.0)

    @task
    def morning(self) -> None:
        morning = RECORD.next_learner(RNG)
        self.client.cookies.clear()
        browser = Browser(self.client, self.host, STATS, address_of(next(NUMBERS)), locust=True)
        with contextlib.suppress(Failed):  # counted in STATS; the next learner comes
            learners_morning(browser, morning, PLAN, RNG)


@events.quitting.add_listener
def _write_result(**_kwargs) -> None:
    result = {"mornings": RECORD.as_json(), "stats": dict(STATS.kinds),
              "failures": STATS.failures}  # fmt: skip
    Path(os.environ["WEEK_MORNING_RESULT"]).write_text(json.dumps(result))
