"""docs/deployment.md's script, ``.ci/deploy``: on this machine's PostgreSQL and Redis, Debian's
nginx in front of gunicorn and the job worker, into a folder of its own on ports of its own;
its smoke test passes through nginx, and ``--uninstall`` leaves nothing running.

Needs root (nginx, apt-get), ``LEARNHUB_TEST_POSTGRES_URL`` and ``LEARNHUB_TEST_REDIS_URL``;
skips without them. The services run as root here because the test's Python may live where
no other user can read it."""

from __future__ import annotations

import getpass
import os
import secrets
import shutil
import socket
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path

import pytest
import redis
from sqlalchemy import create_engine, make_url, text

from learnhub.config import normalise_database_url

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parent.parent
POSTGRES_URL = os.environ.get("LEARNHUB_TEST_POSTGRES_URL")
REDIS_URL = os.environ.get("LEARNHUB_TEST_REDIS_URL")

SMOKE_CHECKS = 8  # the "ok" lines of the script's smoke test


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def listening(port: int) -> bool:
    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", port)) == 0


def family(pid: int) -> set[int]:
    """``pid`` and every process descended from it (gunicorn's and nginx's workers)."""
    parents = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            parents[int(entry.name)] = int(stat.rsplit(")", 1)[1].split()[1])
    found, grown = {pid}, True
    while grown:
        more = {child for child, parent in parents.items() if parent in found} - found
        found |= more
        grown = bool(more)
    return found


def running(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


@pytest.fixture
def database():
    """A PostgreSQL database URL for the deployment (the script creates the database)."""
    if not POSTGRES_URL or not REDIS_URL:
        pytest.skip("needs LEARNHUB_TEST_POSTGRES_URL and LEARNHUB_TEST_REDIS_URL")
    if os.geteuid() != 0:
        pytest.skip("the deployment installs and starts nginx: needs root")
    if not shutil.which("nginx", path="/usr/sbin:/usr/bin") and not shutil.which("apt-get"):
        pytest.skip("nginx is not installed and cannot be (no apt-get)")
    server = make_url(normalise_database_url(POSTGRES_URL))
    name = f"learnhub_deploy_{os.getpid()}_{secrets.token_hex(4)}"
    yield server.set(database=name).render_as_string(hide_password=False)
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def deploy(*arguments: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        ["sh", str(ROOT / ".ci" / "deploy"), *arguments],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )


def test_the_script_deploys_behind_nginx_passes_its_smoke_test_and_stops(database, tmp_path):
    name = f"lhtest{secrets.token_hex(4)}"
    site_port, app_port = free_port(), free_port()
    where = ["--prefix", str(tmp_path / "srv"), "--name", name, "--no-systemd"]
    try:
        done = deploy(
            *where,
            "--database-url", database,
            "--redis-url", REDIS_URL,
            "--port", str(site_port),
            "--bind", f"127.0.0.1:{app_port}",
            "--workers", "2",
            "--user", getpass.getuser(),
            "--python", sys.executable,
        )  # fmt: skip
        output = done.stdout + done.stderr
        assert done.returncode == 0, output
        assert output.count(".ci/deploy: ok ") == SMOKE_CHECKS, output
        assert "FAIL" not in output

        # What a visitor sees: nginx answers on the site's port, the app behind it.
        with urllib.request.urlopen(f"http://127.0.0.1:{site_port}/healthz") as answer:
            assert answer.status == 200
            assert answer.headers["Server"].startswith("nginx")
            assert answer.headers["X-Request-ID"]
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(f"http://127.0.0.1:{site_port}/metrics")
        assert refused.value.code == 401
        refused.value.close()

        run = tmp_path / "srv" / "run"
        pids = set()
        for service in ("nginx", "gunicorn", "worker"):
            pid = int((run / f"{service}.pid").read_text())
            assert running(pid), service
            pids |= family(pid)
        assert len(pids) >= 1 + 1 + 2 + 1  # nginx's master and a worker, gunicorn's 2 workers …

        stopped = deploy(*where, "--uninstall")
        assert stopped.returncode == 0, stopped.stdout + stopped.stderr
        assert not [pid for pid in pids if running(pid)]
        assert not listening(site_port)
        assert not listening(app_port)
        assert not (tmp_path / "srv" / "env").exists()
    finally:
        deploy(*where, "--uninstall")
        keys = redis.Redis.from_url(REDIS_URL)
        for key in keys.scan_iter(f"*{name}*"):
            keys.delete(key)
        keys.close()
