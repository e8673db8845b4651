"""Bulk account opening (批量开户): all rows or none, problems named by line number."""

from __future__ import annotations

import io

import pytest
from sqlalchemy import func, select

from learnhub.accounts.models import Role, User
from learnhub.creditbank import services
from learnhub.creditbank.models import CreditAccount
from learnhub.extensions import db
from tests.helpers import csrf_token_from, sign_in

SHENYANG, DALIAN = "210100", "210200"
GOOD = (
    "login,name,city,district,password\n"
    "13800000001,王秀英,210100,210102,\n"
    "zhang_wei,张伟,210100,210103,secret password 1\n"
    "li_na,李娜,210200,210202,\n"
)
BAD = (
    "login,name,city,district,password\n"
    "13800000001,王秀英,210100,210102,\n"  # line 2: fine
    "zhang wei!,张伟,210100,210103,\n"  # line 3: not a login name
    "13800000001,重复,210100,210102,\n"  # line 4: same learner as line 2
    "li_na,李娜,999999,210202,\n"  # line 5: not a city
    "zhao_lei,,210100,210202,short\n"  # line 6: no name, district of Dalian, short password
)


def _counts(app) -> tuple[int, int]:
    with app.app_context():
        users = db.session.scalar(select(func.count()).select_from(User))
        accounts = db.session.scalar(select(func.count()).select_from(CreditAccount))
        return users, accounts


def _write(tmp_path, text: str, encoding: str = "utf-8"):
    path = tmp_path / "learners.csv"
    path.write_bytes(text.encode(encoding))
    return str(path)


# ---- command line ---------------------------------------------------------------------


def test_cli_opens_every_account_and_prints_initial_passwords(app, runner, tmp_path, client):
    result = runner.invoke(args=["ledger", "open-accounts", _write(tmp_path, GOOD)])
    assert result.exit_code == 0, result.output
    assert "Accounts opened: 3." in result.output
    assert "13800000001\t" in result.output and "li_na\t" in result.output
    assert "zhang_wei\t" not in result.output  # its password came with the file
    assert _counts(app) == (3, 3)
    with app.app_context():
        user = db.session.scalar(select(User).where(User.username == "li_na"))
        account = services.account_of(user)
        assert user.city_code == DALIAN and account.number.startswith(DALIAN)
    assert sign_in(client, "zhang_wei", "secret password 1").status_code == 302
    generated = result.output.split("13800000001\t")[1].split()[0]
    assert sign_in(app.test_client(), "13800000001", generated).status_code == 302


def test_cli_reports_every_bad_row_by_line_and_creates_nothing(app, runner, tmp_path):
    result = runner.invoke(args=["ledger", "open-accounts", _write(tmp_path, BAD)])
    assert result.exit_code == 1
    output = result.output
    assert "Problems found: 6. Nothing was imported." in output
    assert "(line 3): login:" in output
    assert "(line 4): login: The same learner is already on line 2." in output
    assert "(line 5): city:" in output
    for key in ("name", "district", "password"):
        assert f"(line 6): {key}:" in output
    assert "line 2)" not in output
    assert _counts(app) == (0, 0)


def test_cli_dry_run_changes_nothing(app, runner, tmp_path):
    result = runner.invoke(args=["ledger", "open-accounts", "--dry-run", _write(tmp_path, GOOD)])
    assert result.exit_code == 0, result.output
    assert "Accounts that would be opened: 3" in result.output
    assert _counts(app) == (0, 0)


def test_cli_skips_registered_learners(app, runner, tmp_path, make_user):
    make_user(login="zhang_wei", name="张伟")
    result = runner.invoke(args=["ledger", "open-accounts", _write(tmp_path, GOOD)])
    assert result.exit_code == 0, result.output
    assert "Line 3: zhang_wei is already registered; skipped." in result.output
    assert "Accounts opened: 2." in result.output
    assert _counts(app) == (3, 3)


def test_cli_refuses_a_file_without_the_columns(app, runner, tmp_path):
    result = runner.invoke(
        args=["ledger", "open-accounts", _write(tmp_path, "user,name\nzhang_wei,张伟\n")]
    )
    assert result.exit_code == 1
    assert "(line 1)" in result.output and "login,name,city,district,password" in result.output
    assert _counts(app) == (0, 0)


def test_cli_reads_chinese_headings_and_excel_gb18030(app, runner, tmp_path):
    text = "账号,姓名,城市代码,区县代码\r\nwang_fang,王芳,210100,210102\r\n"
    result = runner.invoke(
        args=["ledger", "open-accounts", "--locale", "zh_CN", _write(tmp_path, text, "gb18030")]
    )
    assert result.exit_code == 0, result.output
    with app.app_context():
        assert (
            db.session.scalar(select(User.display_name).where(User.username == "wang_fang"))
            == "王芳"
        )


# ---- the staff page -------------------------------------------------------------------


@pytest.fixture
def city_staff(client, make_user):
    make_user(login="sy_staff", role=Role.CITY_STAFF, managed=SHENYANG, name="沈阳中心")
    client.set_cookie("learnhub_locale", "en")
    sign_in(client, "sy_staff")
    return client


def _upload(client, text: str, check_only: bool = False):
    token = csrf_token_from(client.get("/staff/credits/open-accounts").get_data(as_text=True))
    data = {"csrf_token": token, "file": (io.BytesIO(text.encode("utf-8")), "learners.csv")}
    if check_only:
        data["check_only"] = "y"
    return client.post("/staff/credits/open-accounts", data=data,
                       content_type="multipart/form-data")  # fmt: skip


def test_city_staff_cannot_open_accounts_in_another_city(app, city_staff):
    before = _counts(app)
    response = _upload(city_staff, GOOD)
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Nothing was imported" in page
    assert "(line 4): city: You may only open accounts for learners of your own region." in page
    assert _counts(app) == before


def test_page_opens_own_city_accounts_and_shows_initial_passwords(app, city_staff):
    own_city = "\n".join(GOOD.splitlines()[:3]) + "\n"
    before = _counts(app)
    checked = _upload(city_staff, own_city, check_only=True)
    assert "Accounts that would be opened: 2" in checked.get_data(as_text=True)
    assert _counts(app) == before
    response = _upload(city_staff, own_city)
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and "Accounts opened: 2." in page
    assert response.headers["Cache-Control"] == "no-store"
    assert "王秀英" in page and "210100 " in page and "<code>" in page
    assert _counts(app) == (before[0] + 2, before[1] + 2)


def test_page_lists_every_bad_line(app, city_staff):
    before = _counts(app)
    page = _upload(city_staff, BAD).get_data(as_text=True)
    for line in (3, 4, 5, 6):
        assert f"(line {line})" in page
    assert _counts(app) == before


def test_upload_needs_a_csrf_token(app, city_staff):
    data = {"file": (io.BytesIO(GOOD.encode()), "learners.csv")}
    response = city_staff.post("/staff/credits/open-accounts", data=data,
                               content_type="multipart/form-data")  # fmt: skip
    assert response.status_code == 400
    assert _counts(app) == (1, 1)


def test_sample_file_has_the_columns(city_staff):
    response = city_staff.get("/staff/credits/open-accounts/sample.csv")
    assert response.get_data().startswith(b"\xef\xbb\xbf")
    assert "login,name,city,district,password" in response.get_data(as_text=True)


def test_page_sends_big_files_to_the_command_line(app, city_staff):
    rows = "".join(f"learner_{n},学员{n},210100,210102\n" for n in range(101))
    response = _upload(city_staff, "login,name,city,district\n" + rows)
    assert response.status_code == 400
    assert "at most 100 at a time" in response.get_data(as_text=True)
    assert _counts(app) == (1, 1)


def test_a_cell_too_long_to_read_is_named_not_a_crash(app, runner, tmp_path):
    huge = "login,name,city,district\n" + f"zhang_wei,{'张' * 140_000},210100,210102\n"
    result = runner.invoke(args=["ledger", "open-accounts", _write(tmp_path, huge)])
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert "(line 2)" in result.output and "cannot be read as CSV" in result.output
    assert _counts(app) == (0, 0)


def test_the_upload_page_names_an_unreadable_line_too(app, city_staff):
    before = _counts(app)
    response = _upload(city_staff, "login,name,city,district\n" + f"x,{'a' * 140_000},1,2\n")
    assert response.status_code == 400
    assert "(line 2)" in response.get_data(as_text=True)
    assert _counts(app) == before
