"""Commands an operator runs: create-admin, demo load, quickstart."""

import os
import sqlite3
import subprocess
import sys

from sqlalchemy import func, select

from learnhub.accounts.demo import DEMO_PASSWORD
from learnhub.accounts.models import Role, User
from learnhub.extensions import db
from tests.helpers import sign_in


def test_create_admin_makes_a_province_staff_account_that_can_sign_in(runner, app, client):
    result = runner.invoke(
        args=["users", "create-admin", "--login", "admin_ln", "--name", "省中心管理员"],
        input="a long admin password\na long admin password\n",
    )
    assert result.exit_code == 0, result.output
    with app.app_context():
        admin = db.session.scalar(select(User).where(User.username == "admin_ln"))
        assert admin.role is Role.PROVINCE_STAFF and admin.managed_region_code == "210000"
    sign_in(client, "admin_ln", "a long admin password")
    assert client.get("/staff/").status_code == 200


def test_create_admin_refuses_short_passwords_and_taken_names(runner, app, make_user):
    make_user(login="taken_name")
    short = runner.invoke(
        args=["users", "create-admin", "--login", "x_admin", "--name", "n", "--password", "short"]
    )
    assert short.exit_code != 0 and "8 到 128 个字符" in short.output  # the site's language
    common = runner.invoke(args=["users", "create-admin", "--login", "x_admin", "--name", "n",
                                 "--password", "password123"])  # fmt: skip
    assert common.exit_code != 0 and "最常见的密码" in common.output
    taken = runner.invoke(args=["users", "create-admin", "--login", "taken_name", "--name", "n",
                                "--password", "long enough pw"])  # fmt: skip
    assert taken.exit_code != 0
    with app.app_context():
        assert db.session.scalar(select(func.count(User.id))) == 1


def test_demo_load_is_repeatable_and_its_accounts_sign_in(runner, app, client):
    assert runner.invoke(args=["demo", "load"]).exit_code == 0
    with app.app_context():
        first = db.session.scalar(select(func.count(User.id)))
    assert runner.invoke(args=["demo", "load"]).exit_code == 0
    with app.app_context():
        assert db.session.scalar(select(func.count(User.id))) == first
        roles = set(db.session.scalars(select(User.role)))
        assert roles == set(Role)
    for login in ("learner", "elder", "shenyang_staff", "province_admin"):
        fresh = app.test_client()
        assert sign_in(fresh, login, DEMO_PASSWORD).status_code == 302, login
    elder = app.test_client()
    sign_in(elder, "elder", DEMO_PASSWORD)
    assert 'class="mode-elder"' in elder.get("/").get_data(as_text=True)


def test_demo_load_refuses_a_database_with_real_peoples_accounts(runner, app, make_user):
    make_user("wang_real")
    refused = runner.invoke(args=["demo", "load"])
    assert refused.exit_code != 0
    assert "1 account(s) the demo did not make (wang_real)" in refused.output
    with app.app_context():
        assert db.session.scalar(select(func.count(User.id))) == 1  # nothing added
    assert runner.invoke(args=["demo", "load", "--force"]).exit_code == 0
    with app.app_context():
        assert db.session.scalar(select(func.count(User.id))) > 1


def test_quickstart_builds_a_working_site_from_nothing(tmp_path):
    env = {**os.environ, "LEARNHUB_INSTANCE_PATH": str(tmp_path)}
    env.pop("DATABASE_URL", None)
    env.pop("SECRET_KEY", None)
    result = subprocess.run(
        [sys.executable, "-m", "flask", "--app", "learnhub", "quickstart", "--no-serve"],
        env=env, capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    database = sqlite3.connect(tmp_path / "learnhub.sqlite3")
    try:
        regions = database.execute("SELECT count(*) FROM region").fetchone()[0]
        staff = database.execute(
            "SELECT count(*) FROM user_account WHERE username = 'province_admin'"
        ).fetchone()[0]
    finally:
        database.close()
    assert (regions, staff) == (115, 1)
    assert (tmp_path / "secret_key").exists()
