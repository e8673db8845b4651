"""Minimum exposure: staff pages mask mobiles; the full number is shown to a centre of the
learner's region only, for a reason, and each showing (and refusal) is in the audit log."""

import pytest
from sqlalchemy import select

from learnhub.audit import AuditAction, AuditEntry
from learnhub.extensions import db
from tests.helpers import sign_in, submit
from tests.recovery_steps import make_people, staff_client

MOBILE = "13811112222"


@pytest.fixture
def people(make_user):
    return make_people(make_user)


def reveal_entries(app) -> list[tuple]:
    with app.app_context():
        entries = db.session.scalars(
            select(AuditEntry).where(AuditEntry.action == AuditAction.MOBILE_REVEALED)
        )
        return [(e.actor_id, e.subject_id, e.reason, e.refused) for e in entries]


def test_staff_pages_show_the_mobile_masked(app, people):
    from learnhub.accounts.models import User
    from learnhub.creditbank.services import account_of

    with app.app_context():
        number = account_of(db.session.get(User, people["elder"])).number
    client = staff_client(app, "sy_staff")
    for page in (f"/staff/help-desk/learners/{people['elder']}", f"/staff/credits/{number}"):
        html = client.get(page).get_data(as_text=True)
        assert "138****2222" in html and MOBILE not in html, page


def test_the_full_mobile_needs_a_reason_and_is_audited(app, people):
    client = staff_client(app, "heping")
    url = f"/staff/privacy/people/{people['elder']}/mobile"
    without = submit(client, url, {"reason": ""})
    assert without.status_code == 400 and MOBILE not in without.get_data(as_text=True)
    assert reveal_entries(app) == []
    shown = submit(client, url, {"reason": "回电话告知重置码"})
    assert shown.status_code == 200 and MOBILE in shown.get_data(as_text=True)
    assert shown.headers["Cache-Control"] == "no-store"
    assert reveal_entries(app) == [(people["heping"], people["elder"], "回电话告知重置码", False)]


@pytest.mark.parametrize("login", ["dalian_one", "editor1"])
def test_learners_and_editors_are_refused_by_the_route_rule(app, people, login):
    client = app.test_client()
    sign_in(client, login)
    assert client.get(f"/staff/privacy/people/{people['elder']}/mobile").status_code == 403


def test_staff_of_another_region_cannot_see_a_learners_mobile(app, people, make_user):
    from learnhub.accounts.models import Role

    make_user(login="dalian_staff", role=Role.CITY_STAFF, managed="210200", city="210200",
              district="210202")  # fmt: skip
    sy_client = staff_client(app, "sy_staff")
    url = f"/staff/privacy/people/{people['dalian_one']}/mobile"
    # The form of a person they may see, posted to another city's learner: not found.
    token_page = f"/staff/privacy/people/{people['elder']}/mobile"
    refused = submit(sy_client, url, {"reason": "想看看"}, page=token_page)
    assert refused.status_code == 404
    assert sy_client.get(url).status_code == 404
    # The county centre of 沈河区 cannot see a 和平区 learner either.
    shenhe = make_user(login="shenhe_staff", role=Role.COUNTY_STAFF, managed="210103",
                       district="210103")  # fmt: skip
    assert shenhe
    other = staff_client(app, "shenhe_staff")
    elder_url = f"/staff/privacy/people/{people['elder']}/mobile"
    assert other.get(elder_url).status_code == 404
    assert reveal_entries(app) == []


def test_ones_own_number_is_refused_and_the_refusal_recorded(app, people, make_user):
    from learnhub.accounts.models import Role

    own = make_user(login="13900001111", role=Role.CITY_STAFF, managed="210100", name="沈阳二")
    client = staff_client(app, "13900001111")
    response = submit(client, f"/staff/privacy/people/{own}/mobile", {"reason": "看看自己的"})
    assert response.status_code == 403
    assert reveal_entries(app) == [(own, own, "看看自己的", True)]
