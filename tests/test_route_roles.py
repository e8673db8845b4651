"""Every staff page by role and region: who gets it (200), who is refused (403) and who is
sent to sign in (302). The people: a learner, editors of the province and of 和平区, the
county centres of 和平区 and 沈河区 (two districts of 沈阳), 沈阳's and 大连's city centres,
and the province centre. A new staff page adds a row here."""

import pytest

from learnhub.accounts.models import Role
from tests.helpers import sign_in

PEOPLE = {
    "learner": {},
    "editor": {"role": Role.EDITOR, "managed": "210000"},
    "heping_editor": {"role": Role.EDITOR, "managed": "210102"},
    "heping": {"role": Role.COUNTY_STAFF, "managed": "210102"},
    "shenhe": {"role": Role.COUNTY_STAFF, "managed": "210103", "district": "210103"},
    "shenyang": {"role": Role.CITY_STAFF, "managed": "210100"},
    "dalian": {
        "role": Role.CITY_STAFF,
        "managed": "210200",
        "city": "210200",
        "district": "210202",
    },
    "province": {"role": Role.PROVINCE_STAFF, "managed": "210000"},
}
WHO = ["anonymous", *PEOPLE]

# page → the status for each of WHO, in order:
#        anon learner editor hp_ed heping shenhe shenyang dalian province
ALL_STAFF = (302, 403, 403, 403, 200, 200, 200, 200, 200)
CITY_AND_UP = (302, 403, 403, 403, 403, 403, 200, 200, 200)
PROVINCE = (302, 403, 403, 403, 403, 403, 403, 403, 200)
WRITERS = (302, 403, 200, 200, 200, 200, 200, 200, 200)
PAGES = {
    "/staff/": ALL_STAFF,
    "/staff/cities/210100": (302, 403, 403, 403, 403, 403, 200, 403, 200),
    "/staff/cities/210200": (302, 403, 403, 403, 403, 403, 403, 200, 200),
    "/staff/districts/210102": (302, 403, 403, 403, 200, 403, 200, 403, 200),
    "/staff/districts/210103": (302, 403, 403, 403, 403, 200, 200, 403, 200),
    "/staff/districts/210202": (302, 403, 403, 403, 403, 403, 403, 200, 200),
    "/staff/rankings": ALL_STAFF,
    "/staff/rankings/registrations": CITY_AND_UP,
    "/staff/jobs": PROVINCE,
    "/staff/credits": ALL_STAFF,
    "/staff/credits/requests": ALL_STAFF,
    "/staff/credits/open-accounts": ALL_STAFF,
    "/staff/credits/open-accounts/sample.csv": ALL_STAFF,
    "/staff/recognition": ALL_STAFF,
    "/staff/outcomes": ALL_STAFF,
    "/staff/conversion": ALL_STAFF,
    "/staff/conversion/rules": PROVINCE,
    "/staff/conversion/rules/new": PROVINCE,
    "/search/terms": WRITERS,
    "/studio/": WRITERS,
    "/studio/courses/new": WRITERS,
}


@pytest.fixture
def everyone(make_user):
    for login, fields in PEOPLE.items():
        make_user(login=login, name=f"{login}人", **fields)


@pytest.mark.parametrize("page", PAGES)
def test_each_page_by_role_and_region(app, everyone, page):
    found = []
    for who in WHO:
        client = app.test_client()
        if who != "anonymous":
            sign_in(client, who)
        found.append(client.get(page).status_code)
    assert tuple(found) == PAGES[page]
