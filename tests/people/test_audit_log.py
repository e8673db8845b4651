"""/staff/audit: province staff read the audit log, newest first, in China time, filtered;
nobody else opens it; a filter that cannot be read is a readable 400."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest

from learnhub import audit
from learnhub.accounts.models import User
from learnhub.audit import AuditAction
from learnhub.extensions import db
from tests.helpers import submit

from .helpers import DALIAN_DISTRICT, SHENHE, signed_in_as

ROW = re.compile(r"<tr(?: class=\"refused\")?>\s*<td>([^<]+)</td>\s*<th scope=\"row\">([^<]+)</th>")


def rows(client, query: str = "") -> list[tuple[str, str]]:
    response = client.get(f"/staff/audit{query}")
    assert response.status_code == 200, response.get_data(as_text=True)
    return ROW.findall(response.get_data(as_text=True))


@pytest.fixture
def logged(app, staff):
    """Work done through the pages: a grant, a refused grant, a change; returns the client
    of province staff."""
    city = signed_in_as(app, "sy_staff")
    submit(city, "/staff/people/new", {"login": "new_editor", "display_name": "新编辑",
                                       "role": "editor", "region": SHENHE})  # fmt: skip
    beyond = {"role": "county_staff", "region": DALIAN_DISTRICT}  # another city's district
    submit(city, "/staff/people/new", {"login": "dl_try", "display_name": "越权", **beyond})
    page = f"/staff/people/{staff['sy_editor']}"
    submit(city, f"{page}/change", {"role": "county_staff", "region": SHENHE,
                                    "reason": "人手调整"}, page=page)  # fmt: skip
    return signed_in_as(app, "province")


@pytest.mark.parametrize("login", ["sy_staff", "heping", "sy_editor"])
def test_only_province_staff_open_the_audit_log(app, staff, login):
    assert signed_in_as(app, login).get("/staff/audit").status_code == 403


def test_entries_newest_first_with_who_whom_where_why_and_refusals(logged):
    listed = [label for _time, label in rows(logged)]
    assert listed == ["Staff role or region changed", "Staff account created",
                      "Staff account created"]  # fmt: skip
    page = logged.get("/staff/audit").get_data(as_text=True)
    assert "沈阳中心 (sy_staff)" in page and "沈阳编辑 (sy_editor)" in page
    assert "人手调整" in page and "Shenyang · Shenhe District" in page
    assert page.count('<tr class="refused">') == 1
    assert "outside the region" in page  # the refusal's reason


def test_filters_by_action_person_and_refusals(logged):
    assert len(rows(logged, "?action=staff.changed")) == 1
    assert len(rows(logged, "?refused=1")) == 1
    assert len(rows(logged, "?person=sy_editor")) == 1  # acted on
    assert len(rows(logged, "?person=sy_staff")) == 3  # acted
    assert len(rows(logged, "?person=nobody_here")) == 0
    assert len(rows(logged, "?action=staff.created&refused=1")) == 1


def test_times_are_china_time_and_days_filter_by_them(app, logged, staff):
    with app.app_context():
        province, heping = (db.session.get(User, staff[k]) for k in ("province", "heping"))
        entry = audit.record(AuditAction.STAFF_ENABLED, actor=province, subject=heping)
        entry.at = datetime(2026, 3, 1, 17, 30, tzinfo=UTC)  # 01:30 on 2 March in China
        db.session.commit()
    assert rows(logged, "?from=2026-03-02&to=2026-03-02") == [
        ("2026-03-02 01:30:00", "Account enabled again")
    ]
    assert rows(logged, "?from=2026-03-01&to=2026-03-01") == []


@pytest.mark.parametrize(
    "query",
    [
        "?from=yesterday",
        "?to=2026-13-01",
        "?from=0001-01-01",
        "?from=2026-03-02&to=2026-03-01",
        "?action=staff.deleted",
        "?refused=yes",
        "?person=%3Cscript%3E",
    ],
)
def test_bad_filters_are_a_readable_400(logged, query):
    response = logged.get(f"/staff/audit{query}")
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert '<div class="error-summary" role="alert">' in page and "<script>" not in page
