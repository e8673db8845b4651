"""Steps the recovery and help desk tests share: the people of two cities, issuing a code
at the help desk, and using it on /reset."""

from __future__ import annotations

import re

from sqlalchemy import select

from learnhub.accounts.models import Role
from learnhub.audit import AuditEntry
from learnhub.extensions import db
from tests.helpers import csrf_token_from, sign_in, submit

SHENYANG, DALIAN = "210100", "210200"
HEPING, SHENHE = "210102", "210103"  # two districts of 沈阳
NEW_PASSWORD = "river lantern morning tea"
CODE_RE = re.compile(r'id="reset-code">(\d{4}) (\d{4})<')


def make_people(make_user) -> dict[str, int]:
    """Learners and centre staff of 沈阳 (its city centre, 和平区 and 沈河区) and 大连."""
    ids = {
        "elder": make_user(login="13811112222", name="王秀英", district=HEPING, birth_year=1950),
        "shenhe_learner": make_user(login="shenhe_learner", name="沈河学员", district=SHENHE),
        "dalian_one": make_user(login="dalian_one", name="大连学员", city=DALIAN,
                                district="210202"),
        "sy_staff": make_user(login="sy_staff", role=Role.CITY_STAFF, managed=SHENYANG,
                              name="沈阳中心"),
        "heping": make_user(login="heping", role=Role.COUNTY_STAFF, managed=HEPING,
                            name="和平区中心"),
        "heping2": make_user(login="heping2", role=Role.COUNTY_STAFF, managed=HEPING,
                             name="和平区中心二"),
        "province": make_user(login="province", role=Role.PROVINCE_STAFF, managed="210000",
                              name="省中心"),
        "editor": make_user(login="editor1", role=Role.EDITOR, managed="210000", name="编辑"),
    }  # fmt: skip
    return ids


def staff_client(app, login: str):
    """A browser signed in as this staff member, reading English."""
    client = app.test_client()
    sign_in(client, login)
    client.set_cookie("learnhub_locale", "en")
    return client


def issue_code(client, user_id: int):
    """Press "Issue a reset code" on the learner's page; (response, code or None)."""
    response = submit(
        client, f"/staff/help-desk/learners/{user_id}/reset-code", {},
        page=f"/staff/help-desk/learners/{user_id}",
    )  # fmt: skip
    found = CODE_RE.search(response.get_data(as_text=True))
    return response, (found.group(1) + found.group(2) if found else None)


def post_issue_code(client, user_id: int):
    """Post the form directly (with a valid CSRF token), as someone who cannot see the page."""
    token = csrf_token_from(client.get("/staff/help-desk/").get_data(as_text=True))
    return client.post(f"/staff/help-desk/learners/{user_id}/reset-code",
                       data={"csrf_token": token})  # fmt: skip


def reset(client, login: str, code: str, password: str = NEW_PASSWORD, **kwargs):
    client.set_cookie("learnhub_locale", "en")
    return submit(client, "/reset", {
        "login": login, "code": code, "new_password": password, "confirm": password,
    }, **kwargs)  # fmt: skip


def audit_actions(app, refused: bool | None = None) -> list[str]:
    with app.app_context():
        query = select(AuditEntry).order_by(AuditEntry.id)
        if refused is not None:
            query = query.where(AuditEntry.refused.is_(refused))
        return [entry.action for entry in db.session.scalars(query)]
