"""learnhub/gunicorn_conf.py, the deployment's gunicorn settings (.ci/deploy, deployment.md): the
workers share the app's big read-only tables (jieba's dictionary, pypinyin's) with the master
that loaded them before forking, instead of each worker loading its own copy."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import urllib.parse
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from tests.test_metrics import _status
from tests.test_rankings import _free_port, _wait_for

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parent.parent
SEARCH = "/search?q=" + urllib.parse.quote("智能手机课程")
# What each worker shares with the master after searching: the tables (~130 MB) and the
# rest of the built app. With gunicorn's defaults (each worker builds the app and loads the
# tables itself) a worker shares only a few MB of libraries.
SHARED_MB = 150


def workers_of(master: int) -> list[int]:
    children = Path(f"/proc/{master}/task/{master}/children").read_text().split()
    return [int(pid) for pid in children]


def rss_and_own_mb(pid: int) -> tuple[float, float]:
    """(RSS, USS) of a process in MB: all its resident pages, and those only it holds."""
    text = Path(f"/proc/{pid}/smaps_rollup").read_text()
    kib = {key: int(value) for key, value in re.findall(r"^(\w+):\s+(\d+) kB", text, re.M)}
    return kib["Rss"] / 1024, (kib["Private_Clean"] + kib["Private_Dirty"]) / 1024


def test_workers_share_the_search_tables_with_the_master(migrated_database_url, tmp_path):
    port = _free_port()
    env = {
        **os.environ,
        "DATABASE_URL": migrated_database_url,
        "SECRET_KEY": "test-secret-key",
        "LEARNHUB_INSTANCE_PATH": str(tmp_path),
    }
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-c", "python:learnhub.gunicorn_conf", "-w", "2",
         "-b", f"127.0.0.1:{port}", "--log-level", "warning", "wsgi:app"],
        env=env, start_new_session=True, cwd=ROOT,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_for(base + "/")
        with ThreadPoolExecutor(8) as pool:  # at once, so both workers search
            statuses = list(pool.map(lambda _: _status(base + SEARCH), range(40)))
        assert statuses == [200] * 40
        workers = workers_of(server.pid)
        memory = [rss_and_own_mb(pid) for pid in workers]
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=60)
    assert len(workers) == 2
    for rss, own in memory:
        assert rss - own >= SHARED_MB, f"a worker shares {rss - own:.0f} of its {rss:.0f} MB"
