"""Fixtures of the staff administration tests."""

import pytest

from learnhub.accounts.models import Role

from .helpers import DALIAN, DALIAN_DISTRICT, HEPING, SHENYANG


@pytest.fixture
def staff(make_user):
    """Staff of the province, of 沈阳 and 大连, of 和平区, and editors; returns their ids."""
    return {
        "province": make_user(login="province", role=Role.PROVINCE_STAFF, managed="210000",
                              name="省中心"),
        "sy_staff": make_user(login="sy_staff", role=Role.CITY_STAFF, managed=SHENYANG,
                              name="沈阳中心"),
        "dl_staff": make_user(login="dl_staff", role=Role.CITY_STAFF, managed=DALIAN,
                              city=DALIAN, district=DALIAN_DISTRICT, name="大连中心"),
        "heping": make_user(login="heping", role=Role.COUNTY_STAFF, managed=HEPING,
                            name="和平区中心"),
        "dl_county": make_user(login="dl_county", role=Role.COUNTY_STAFF,
                               managed=DALIAN_DISTRICT, city=DALIAN, district=DALIAN_DISTRICT,
                               name="大连区中心"),
        "sy_editor": make_user(login="sy_editor", role=Role.EDITOR, managed=SHENYANG,
                               name="沈阳编辑"),
        "heping_editor": make_user(login="13912345678", role=Role.EDITOR, managed=HEPING,
                                   name="和平编辑"),
    }  # fmt: skip
