"""The code passes the project's linter and formatter settings (pyproject.toml)."""

import subprocess
import sys

from learnhub.config import PROJECT_ROOT


def ruff(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "ruff", *args],
        cwd=PROJECT_ROOT, capture_output=True, text=True, check=False,
    )  # fmt: skip


def test_ruff_finds_no_problems():
    result = ruff("check", "--no-cache", ".")
    assert result.returncode == 0, result.stdout + result.stderr


def test_code_is_formatted():
    result = ruff("format", "--check", "--no-cache", ".")
    assert result.returncode == 0, result.stdout + result.stderr
