"""Configuration order: defaults → instance/config.py → environment → the test's mapping."""

import os
import stat

import pytest

from learnhub import create_app
from learnhub.config import normalise_database_url


@pytest.fixture
def instance(tmp_path, monkeypatch):
    folder = tmp_path / "instance"
    folder.mkdir()
    monkeypatch.setenv("LEARNHUB_INSTANCE_PATH", str(folder))
    for name in ("SECRET_KEY", "DATABASE_URL", "LEARNHUB_SECRET_KEY", "LEARNHUB_HOME_PROVINCE"):
        monkeypatch.delenv(name, raising=False)
    return folder


def test_defaults_run_on_sqlite_in_the_instance_folder(instance):
    app = create_app()
    assert app.config["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{instance / 'learnhub.sqlite3'}"
    assert app.config["SEARCH_DIR"] == str(instance / "search-index")
    assert app.config["BABEL_DEFAULT_LOCALE"] == "zh_CN"
    assert app.config["SESSION_COOKIE_HTTPONLY"] and app.config["SESSION_COOKIE_SAMESITE"] == "Lax"
    assert app.config["SESSION_COOKIE_SECURE"] is False


def test_secret_key_is_generated_once_and_kept_private(instance):
    first = create_app().config["SECRET_KEY"]
    second = create_app().config["SECRET_KEY"]
    assert first == second and len(first) >= 40
    key_file = instance / "secret_key"
    assert stat.S_IMODE(os.stat(key_file).st_mode) == 0o600
    assert key_file.read_text() == first


def test_each_layer_overrides_the_one_before(instance, monkeypatch):
    (instance / "config.py").write_text(
        "HOME_PROVINCE = '220000'\nPASSWORD_HASH_TIME_COST = 5\nMAX_CONTENT_LENGTH = 1024\n"
    )
    assert create_app().config["HOME_PROVINCE"] == "220000"  # instance file over default
    monkeypatch.setenv("LEARNHUB_PASSWORD_HASH_TIME_COST", "7")
    monkeypatch.setenv("LEARNHUB_MAX_CONTENT_LENGTH", "2048")
    app = create_app()
    assert app.config["PASSWORD_HASH_TIME_COST"] == 7  # environment over instance file
    assert app.config["HOME_PROVINCE"] == "220000"
    app = create_app({"MAX_CONTENT_LENGTH": 4096})
    assert app.config["MAX_CONTENT_LENGTH"] == 4096  # test mapping over everything
    assert app.config["PASSWORD_HASH_TIME_COST"] == 7


def test_secret_key_and_database_url_from_environment(instance, monkeypatch):
    monkeypatch.setenv("SECRET_KEY", "from-the-environment")
    monkeypatch.setenv("DATABASE_URL", "postgres://u@db.internal:5432/learnhub")
    app = create_app()
    assert app.config["SECRET_KEY"] == "from-the-environment"
    assert app.config["SQLALCHEMY_DATABASE_URI"] == (
        "postgresql+psycopg://u@db.internal:5432/learnhub"
    )
    assert not (instance / "secret_key").exists()


def test_https_makes_cookies_secure(instance, monkeypatch):
    monkeypatch.setenv("LEARNHUB_HTTPS", "true")
    app = create_app()
    assert app.config["SESSION_COOKIE_SECURE"] and app.config["REMEMBER_COOKIE_SECURE"]
    response = app.test_client().get("/static/css/site.css")
    response.close()
    assert "max-age=" in response.headers["Strict-Transport-Security"]


@pytest.mark.parametrize(
    ("given", "used"),
    [
        ("postgresql://a@h/db", "postgresql+psycopg://a@h/db"),
        ("postgres://a@h/db", "postgresql+psycopg://a@h/db"),
        ("postgresql+psycopg://a@h/db", "postgresql+psycopg://a@h/db"),
        ("sqlite:////tmp/x.db", "sqlite:////tmp/x.db"),
    ],
)
def test_database_urls_use_the_psycopg3_driver(given, used):
    assert normalise_database_url(given) == used


def test_numeric_looking_environment_values_stay_region_codes(instance, monkeypatch):
    monkeypatch.setenv("LEARNHUB_HOME_PROVINCE", "220000")  # parsed as JSON: a number
    assert create_app().config["HOME_PROVINCE"] == "220000"


def test_the_instance_folder_and_its_databases_are_private(tmp_path, monkeypatch):
    """Password hashes, the secret key and evidence files are nobody else's to read."""
    instance = tmp_path / "fresh-instance"
    monkeypatch.setenv("LEARNHUB_INSTANCE_PATH", str(instance))
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.delenv("SECRET_KEY", raising=False)
    create_app({"TESTING": True})
    assert stat.S_IMODE(instance.stat().st_mode) == 0o700
    for name in ("learnhub.sqlite3", "jobs.sqlite3", "secret_key"):
        assert stat.S_IMODE((instance / name).stat().st_mode) == 0o600, name
