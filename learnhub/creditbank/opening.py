"""Bulk account opening (批量开户) from a CSV of learners: all of them, or none.

Every row is checked first; when any row is wrong the report names every problem with its
line and nothing is created. Learners are registered through accounts.services.register,
whose ``user_registered`` signal opens their credit account. A login name that is already
registered is skipped (listed in the report), so a file can be given again safely.
The format is described in docs/credit-bank.md.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from learnhub.accounts.access import may_act_for
from learnhub.accounts.models import RegistrationSource, User
from learnhub.accounts.password_policy import password_problem
from learnhub.accounts.services import (
    AccountError,
    find_user,
    parse_login_name,
    register,
)
from learnhub.extensions import db
from learnhub.file_imports import ImportProblem, Place, file_error, read_csv
from learnhub.regions.models import Region, RegionLevel

from .services.accounts import account_of

COLUMNS = ("login", "name", "city", "district", "password")
REQUIRED_COLUMNS = ("login", "name", "city", "district")
# Staff often keep the Chinese headings of their own spreadsheets.
COLUMN_ALIASES = {
    "账号": "login", "用户名或手机号": "login", "手机号": "login", "用户名": "login",
    "姓名": "name", "城市": "city", "城市代码": "city", "区县": "district",
    "区县代码": "district", "初始密码": "password", "密码": "password",
}  # fmt: skip
NAME_MAX_LENGTH = 40
PASSWORD_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # noqa: S105 - letters (no 0/o, 1/l/i)
GENERATED_PASSWORD_LENGTH = 10


@dataclass(frozen=True)
class LearnerRow:
    """One checked row, ready to register."""

    line: int
    login: str
    name: str
    city: str
    district: str
    password: str
    generated: bool  # the password was made here and is shown once to the staff member


@dataclass(frozen=True)
class OpenedAccount:
    line: int
    login: str
    name: str
    account_number: str
    initial_password: str | None  # only when generated ("send later")


@dataclass
class OpeningReport:
    """What an opening did, or on a dry run would do; nothing is written unless ``ok``."""

    planned: list[LearnerRow] = field(default_factory=list)
    opened: list[OpenedAccount] = field(default_factory=list)
    skipped: list[tuple[int, str]] = field(default_factory=list)  # (line, login) registered
    problems: list[ImportProblem] = field(default_factory=list)
    dry_run: bool = False

    @property
    def ok(self) -> bool:
        return not self.problems


# ---- reading ---------------------------------------------------------------------------


def _problem(line: int | None, message, key: str | None = None) -> ImportProblem:
    return ImportProblem(Place(line=line), message, key)


def parse_learner_csv(text: str, max_rows: int | None = None) -> list[tuple[int, dict[str, str]]]:
    """Rows as (line, {column: value}); the first line names the columns."""
    table = read_csv(text, lambda name: COLUMN_ALIASES.get(name.strip(), name.strip().lower()))
    header = table.columns
    missing = [name for name in REQUIRED_COLUMNS if name not in header]
    unknown = [name for name in header if name and name not in COLUMNS]
    if missing or unknown or len(set(header)) != len(header):
        message = _l("The first line must name the columns %(columns)s.",
                     columns=",".join(COLUMNS))  # fmt: skip
        raise file_error(message, line=1)
    table.raise_problems()
    rows = [
        (line, {name: cell.strip() for name, cell in zip(header, cells, strict=False) if name})
        for line, cells in table.rows
    ]
    if not rows:
        raise file_error(_l("The file lists no learners."))
    if max_rows is not None and len(rows) > max_rows:
        message = _l("The file lists %(count)d learners; this page takes at most %(max)d at "
                     "a time. Split the file, or use the command flask ledger open-accounts.",
                     count=len(rows), max=max_rows)  # fmt: skip
        raise file_error(message)
    return rows


# ---- checking --------------------------------------------------------------------------


@dataclass
class _Context:
    staff: User | None  # None: the command line, any city
    districts: dict[str, frozenset[str]]  # city code → its district codes
    lines_by_login: dict[tuple[str | None, str | None], int]


def _new_password() -> str:
    return "".join(secrets.choice(PASSWORD_ALPHABET) for _ in range(GENERATED_PASSWORD_LENGTH))


def _check_row(context: _Context, line: int, row: dict, report: OpeningReport) -> None:
    found: list[ImportProblem] = []

    def problem(message, key):
        found.append(_problem(line, message, key))

    login = parse_login_name(row.get("login", ""))
    if login is None:
        problem(_l("Enter a mobile number or a username."), "login")
    elif (first := context.lines_by_login.get((login.username, login.mobile))) is not None:
        problem(_l("The same learner is already on line %(line)d.", line=first), "login")
    else:
        context.lines_by_login[(login.username, login.mobile)] = line
    name = row.get("name", "")
    if not name:
        problem(_l("Enter the learner's name."), "name")
    elif len(name) > NAME_MAX_LENGTH:
        problem(_l("A name has at most %(max)d characters.", max=NAME_MAX_LENGTH), "name")
    city, district = row.get("city", ""), row.get("district", "")
    if city not in context.districts:
        problem(_l("“%(value)s” is not the code of a city.", value=city), "city")
    elif district not in context.districts[city]:
        problem(_l("“%(value)s” is not the code of a district of this city.", value=district),
                "district")  # fmt: skip
    elif context.staff is not None and not may_act_for(context.staff, city, district):
        problem(_l("You may only open accounts for learners of your own region."), "city")
    password = row.get("password", "")
    weak = password and password_problem(password, [row["login"], row.get("name", "")])
    if weak:
        problem(weak, "password")
    if found:
        report.problems.extend(found)
        return
    if find_user(login) is not None:
        report.skipped.append((line, row["login"]))
        return
    report.planned.append(
        LearnerRow(
            line,
            row["login"],
            name,
            city,
            district,
            password or _new_password(),
            generated=not password,
        )
    )


def districts_by_city() -> dict[str, frozenset[str]]:
    """Every city's code with the codes of its districts."""
    cities = db.session.scalars(select(Region.code).where(Region.level == RegionLevel.CITY))
    found: dict[str, set[str]] = {code: set() for code in cities}
    districts = db.session.execute(
        select(Region.code, Region.parent_code).where(Region.level == RegionLevel.DISTRICT)
    )
    for code, parent in districts:
        if parent in found:
            found[parent].add(code)
    return {code: frozenset(children) for code, children in found.items()}


# ---- opening ---------------------------------------------------------------------------


def open_accounts(
    rows: list[tuple[int, dict[str, str]]],
    staff: User | None,
    *,
    dry_run: bool = False,
    progress: Callable[[Iterable], Iterable] = iter,
    notice_version: str | None = None,
) -> OpeningReport:
    """Check every row, then register every learner, or none when anything is wrong.

    ``staff`` limits the cities (None: any city, for the command line). ``notice_version``:
    the privacy notice every learner of the file agreed to on a paper form the centre keeps
    (recorded with the time of opening); None: each is asked at their first sign-in. The
    caller commits when the report is ``ok`` (and not a dry run), and otherwise rolls back.
    """
    report = OpeningReport(dry_run=dry_run)
    context = _Context(staff, districts_by_city(), {})
    for line, row in progress(rows):
        _check_row(context, line, row, report)
    if report.ok and not dry_run:
        _register_all(report, progress, notice_version)
    return report


def _register_all(report: OpeningReport, progress: Callable, notice_version: str | None) -> None:
    for row in progress(report.planned):
        try:
            user = register(
                row.login, row.password, row.name, row.city, row.district,
                source=RegistrationSource.STAFF, notice_version=notice_version,
            )  # fmt: skip
        except AccountError as error:  # registered meanwhile by someone else
            report.problems.append(_problem(row.line, error.message, "login"))
            return
        user.must_change_password = True  # opened for them: they choose their own first
        account = account_of(user)
        report.opened.append(
            OpenedAccount(
                row.line,
                user.login_name,
                user.display_name,
                account.number,
                row.password if row.generated else None,
            )
        )
