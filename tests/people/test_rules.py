"""Who may give which role for which region, and whose account they may change
(accounts.access): province, city, county staff, editors and learners, each against
accounts of their own region, another district, another city, and themselves."""

import pytest

from learnhub.accounts.access import (
    administer_refusal,
    grantable_roles,
    may_administer,
    may_grant,
)
from learnhub.accounts.models import Role, User
from learnhub.extensions import db
from learnhub.regions.models import Region

PROVINCE, SHENYANG, DALIAN = "210000", "210100", "210200"
HEPING, SHENHE, DALIAN_DISTRICT = "210102", "210103", "210202"  # 和平区, 沈河区 (沈阳); 大连

C, K, E, P, L = Role.CITY_STAFF, Role.COUNTY_STAFF, Role.EDITOR, Role.PROVINCE_STAFF, Role.LEARNER

ACTORS = {
    "province": (P, PROVINCE),
    "city": (C, SHENYANG),
    "county": (K, HEPING),
    "editor": (E, SHENYANG),
    "learner": (L, None),
}


@pytest.fixture
def person(app):
    """person(role, region, id) → an account (not saved) looking after that region."""
    with app.test_request_context(headers={"Cookie": "learnhub_locale=en"}):
        next_id = iter(range(1000, 2000))

        def make(role: Role, region: str | None, user_id: int | None = None) -> User:
            user = User(role=role, managed_region_code=region, display_name="x", active=True,
                        id=user_id or next(next_id))  # fmt: skip
            user.managed_region = db.session.get(Region, region) if region else None
            return user

        yield make


# (actor, role given, region, allowed): the grant table of docs/staff.md.
GRANTS = [
    # Province staff: city staff of any city, county staff of any district, editors anywhere.
    ("province", C, SHENYANG, True), ("province", C, DALIAN, True),
    ("province", C, HEPING, False), ("province", C, PROVINCE, False),
    ("province", K, HEPING, True), ("province", K, DALIAN_DISTRICT, True),
    ("province", K, SHENYANG, False),
    ("province", E, PROVINCE, True), ("province", E, DALIAN, True),
    ("province", E, DALIAN_DISTRICT, True),
    ("province", P, PROVINCE, False), ("province", L, SHENYANG, False),
    # City staff: county staff and editors of their city and its districts, nothing else.
    ("city", K, HEPING, True), ("city", K, SHENHE, True),
    ("city", K, DALIAN_DISTRICT, False),
    ("city", E, SHENYANG, True), ("city", E, SHENHE, True),
    ("city", E, DALIAN, False), ("city", E, DALIAN_DISTRICT, False), ("city", E, PROVINCE, False),
    ("city", C, SHENYANG, False), ("city", C, DALIAN, False), ("city", P, PROVINCE, False),
    # County staff: editors of their own district only.
    ("county", E, HEPING, True), ("county", E, SHENHE, False), ("county", E, SHENYANG, False),
    ("county", E, DALIAN_DISTRICT, False), ("county", K, HEPING, False),
    ("county", C, SHENYANG, False),
    # Editors and learners give nothing.
    ("editor", E, SHENYANG, False), ("editor", K, HEPING, False),
    ("learner", E, SHENYANG, False),
]  # fmt: skip


@pytest.mark.parametrize(("actor", "role", "region", "allowed"), GRANTS)
def test_grant_table(person, actor, role, region, allowed):
    user = person(*ACTORS[actor])
    assert may_grant(user, role, db.session.get(Region, region)) is allowed


def test_grantable_roles_are_below_ones_own_level_plus_editors(person):
    assert grantable_roles(person(P, PROVINCE)) == [C, K, E]
    assert grantable_roles(person(C, SHENYANG)) == [K, E]
    assert grantable_roles(person(K, HEPING)) == [E]
    assert grantable_roles(person(E, PROVINCE)) == []
    assert grantable_roles(person(L, None)) == []


# (actor, target role, target region, allowed): whose account an actor may change or disable.
ADMINISTER = [
    ("province", C, DALIAN, True), ("province", K, HEPING, True), ("province", E, PROVINCE, True),
    ("province", P, PROVINCE, False),  # at their own level
    ("province", L, None, False),  # not a staff account
    ("city", K, HEPING, True), ("city", E, SHENHE, True),
    ("city", K, DALIAN_DISTRICT, False), ("city", E, DALIAN, False),  # another city
    ("city", E, PROVINCE, False),  # the province's editor: outside the city
    ("city", C, SHENYANG, False), ("city", C, DALIAN, False),  # their own level
    ("city", P, PROVINCE, False),  # above
    ("county", E, HEPING, True),
    ("county", E, SHENHE, False), ("county", E, SHENYANG, False),  # another district, the city
    ("county", K, HEPING, False), ("county", C, SHENYANG, False),
    ("editor", E, SHENYANG, False), ("learner", E, SHENYANG, False),
]  # fmt: skip


@pytest.mark.parametrize(("actor", "role", "region", "allowed"), ADMINISTER)
def test_administer_table(person, actor, role, region, allowed):
    assert may_administer(person(*ACTORS[actor]), person(role, region)) is allowed


@pytest.mark.parametrize("actor", ["province", "city", "county", "editor", "learner"])
def test_nobody_administers_their_own_account(person, actor):
    user = person(*ACTORS[actor])
    assert not may_administer(user, user)


def test_refusals_say_why(person):
    city = person(C, SHENYANG, user_id=7)
    assert "own account" in str(administer_refusal(city, city))
    assert "another region" in str(administer_refusal(city, person(K, DALIAN_DISTRICT)))
    assert "at or above" in str(administer_refusal(city, person(C, DALIAN)))
    assert "not a staff account" in str(administer_refusal(city, person(L, None)))
