"""Changing, disabling and enabling staff accounts; every refusal reaches its rule (signed in
with a role that could otherwise do it, with a valid CSRF token), changes nothing, says why
and is recorded as refused."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from learnhub.accounts.models import User
from learnhub.audit import AuditAction
from learnhub.extensions import db
from tests.helpers import sign_in, submit

from .helpers import (
    DALIAN_DISTRICT,
    HEPING,
    SHENHE,
    SHENYANG,
    audit_rows,
    english,
    signed_in_as,
    user_by_login,
)


def staff_count(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(User))


def grant(client, role: str, region: str, login: str = "new_one"):
    return submit(client, "/staff/people/new", {"login": login, "display_name": "新人",
                                                "role": role, "region": region})  # fmt: skip


def change(client, user_id: int, role: str, region: str, reason: str = "岗位调整"):
    return submit(client, f"/staff/people/{user_id}/change",
                  {"role": role, "region": region, "reason": reason},
                  page=f"/staff/people/{user_id}")  # fmt: skip


def disable(client, user_id: int, reason: str = "离职"):
    return submit(client, f"/staff/people/{user_id}/disable", {"disable_reason": reason},
                  page=f"/staff/people/{user_id}")  # fmt: skip


@pytest.mark.parametrize(
    ("actor", "role", "region", "why"),
    [
        ("sy_staff", "county_staff", DALIAN_DISTRICT, "outside the region"),  # another city
        ("sy_staff", "editor", "210200", "outside the region"),
        ("sy_staff", "city_staff", SHENYANG, "cannot give this role"),  # their own level
        ("heping", "county_staff", HEPING, "cannot give this role"),  # county grants county
        ("heping", "editor", SHENHE, "outside the region"),  # the next district
        ("province", "province_staff", "210000", "cannot give this role"),
        ("province", "learner", SHENYANG, "cannot give this role"),
    ],
)
def test_grants_beyond_the_rules_are_refused_and_recorded(app, staff, actor, role, region, why):
    client = signed_in_as(app, actor)
    before = staff_count(app)
    response = grant(client, role, region)
    assert response.status_code == 403
    assert why in response.get_data(as_text=True)
    assert staff_count(app) == before and user_by_login(app, "new_one") is None
    (refusal,) = audit_rows(app, refused=True)
    assert refusal.action == AuditAction.STAFF_CREATED and refusal.actor_id == staff[actor]
    assert why in refusal.reason and refusal.details == {"role": role, "region": region}


def test_a_refusal_is_the_rule_not_a_missing_token(app, staff):
    """The same post within the rules is accepted: the refusals above come from them."""
    client = signed_in_as(app, "sy_staff")
    assert grant(client, "county_staff", SHENHE).status_code == 200
    assert user_by_login(app, "new_one").managed_region_code == SHENHE


def test_a_region_of_the_wrong_kind_is_refused(app, staff):
    response = grant(signed_in_as(app, "province"), "county_staff", SHENYANG)
    assert response.status_code == 403 and "not given for a region" in response.get_data(
        as_text=True
    )


def test_nobody_changes_their_own_role(app, staff):
    client = signed_in_as(app, "sy_staff")
    response = change(client, staff["sy_staff"], "editor", SHENYANG)
    assert response.status_code == 403
    assert "your own account" in response.get_data(as_text=True)
    assert user_by_login(app, "sy_staff").role == "city_staff"
    (refusal,) = audit_rows(app, refused=True)
    assert refusal.action == AuditAction.STAFF_CHANGED and refusal.subject_id == staff["sy_staff"]


@pytest.mark.parametrize(
    ("actor", "target", "why"),
    [
        ("sy_staff", "dl_county", "another region"),  # another city's county staff
        ("sy_staff", "dl_staff", "at or above"),
        ("heping", "sy_staff", "at or above"),
        ("heping", "sy_editor", "another region"),  # the city's editor, not the district's
    ],
)
def test_changing_or_disabling_others_beyond_the_rules_is_refused(app, staff, actor, target, why):
    client = signed_in_as(app, actor)
    response = disable(client, staff[target])
    assert response.status_code == 403 and why in response.get_data(as_text=True)
    assert user_by_login(app, target).active  # their logins are their keys
    response = change(client, staff[target], "editor", HEPING)
    assert response.status_code == 403
    refusals = audit_rows(app, refused=True)
    assert [r.action for r in refusals] == [AuditAction.STAFF_DISABLED, AuditAction.STAFF_CHANGED]


def test_a_role_change_ends_the_targets_sessions_and_is_recorded(app, staff):
    editor = signed_in_as(app, "sy_editor")
    assert editor.get("/studio/").status_code == 200
    city = signed_in_as(app, "sy_staff")
    response = change(city, staff["sy_editor"], "county_staff", SHENHE, "沈河区中心人手不足")
    assert response.status_code == 302
    changed = user_by_login(app, "sy_editor")
    assert changed.role == "county_staff" and changed.managed_region_code == SHENHE
    signed_out = editor.get("/me/account")
    assert signed_out.status_code == 302 and "/login" in signed_out.headers["Location"]
    (entry,) = audit_rows(app, action=AuditAction.STAFF_CHANGED)
    assert entry.actor_id == staff["sy_staff"] and entry.reason == "沈河区中心人手不足"
    assert entry.details == {"from": {"role": "editor", "region": SHENYANG},
                             "to": {"role": "county_staff", "region": SHENHE}}  # fmt: skip
    assert (entry.city_code, entry.district_code) == (SHENYANG, SHENHE)


def test_a_change_needs_a_reason_and_a_difference(app, staff):
    city = signed_in_as(app, "sy_staff")
    assert change(city, staff["sy_editor"], "county_staff", SHENHE, "").status_code == 400
    same = change(city, staff["sy_editor"], "editor", SHENYANG)
    assert same.status_code == 400 and "Nothing was changed" in same.get_data(as_text=True)
    assert not audit_rows(app, action=AuditAction.STAFF_CHANGED)


def test_disabling_signs_out_an_open_session_at_once_and_enabling_lets_them_in(app, staff):
    editor = signed_in_as(app, "13912345678")  # 和平区's editor, signed in
    assert editor.get("/me/account").status_code == 200
    county = signed_in_as(app, "heping")
    assert disable(county, staff["heping_editor"], "").status_code == 400  # a reason is needed
    assert editor.get("/me/account").status_code == 200
    assert disable(county, staff["heping_editor"], "调离岗位").status_code == 302
    response = editor.get("/me/account")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert sign_in(english(app.test_client()), "13912345678").status_code == 400
    (entry,) = audit_rows(app, action=AuditAction.STAFF_DISABLED)
    assert entry.reason == "调离岗位" and entry.details == {"from": True, "to": False}

    page = f"/staff/people/{staff['heping_editor']}"
    enabled = submit(county, f"{page}/enable", {"enable_reason": "返岗"}, page=page)
    assert enabled.status_code == 302
    assert sign_in(english(app.test_client()), "13912345678").status_code == 302
    assert audit_rows(app, action=AuditAction.STAFF_ENABLED)[0].reason == "返岗"


def test_someone_elses_page_outside_the_region_is_not_shown(app, staff):
    client = signed_in_as(app, "heping")
    assert client.get(f"/staff/people/{staff['heping_editor']}").status_code == 200
    assert client.get(f"/staff/people/{staff['sy_editor']}").status_code == 404
    assert client.get(f"/staff/people/{staff['dl_county']}").status_code == 404


def test_editors_and_learners_cannot_open_staff_administration(app, staff, make_user):
    make_user(login="learner1")
    for login in ("sy_editor", "learner1"):
        client = signed_in_as(app, login)
        assert client.get("/staff/people").status_code == 403
        assert client.get("/staff/people/new").status_code == 403
        assert grant(client, "editor", SHENYANG).status_code == 403  # the page itself refuses
