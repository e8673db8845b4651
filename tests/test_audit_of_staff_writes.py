"""Every staff write lands in the audit log, in the same transaction as the change: who,
what, on whom, where and why — and a refused or rolled-back action leaves no entry."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import select, text, update
from sqlalchemy.exc import DBAPIError

from learnhub.accounts.models import Role, User
from learnhub.audit import AuditAction, AuditEntry
from learnhub.catalogue.models import CourseStatus
from learnhub.creditbank import services
from learnhub.creditbank.models import EntryKind
from learnhub.extensions import db
from tests.helpers import sign_in, submit

SHENYANG = "210100"


@pytest.fixture
def staffed(app, make_user, client):
    """沈阳's staff signed in (English), a 和平区 learner with 2 credits; their account number."""
    make_user(login="sy_staff", role=Role.CITY_STAFF, managed=SHENYANG, name="沈阳中心")
    make_user(login="province", role=Role.PROVINCE_STAFF, managed="210000", name="省中心")
    learner_id = make_user(login="wang_xiuying", name="王秀英")
    with app.app_context():
        account = services.account_of(db.session.get(User, learner_id))
        services.post_entry(account, Decimal("2"), EntryKind.ATTENDANCE, "a:1", memo="讲座一")
        db.session.commit()
        number = account.number
    client.set_cookie("learnhub_locale", "en")
    sign_in(client, "sy_staff")
    return number


def entries(app) -> list[AuditEntry]:
    with app.app_context():
        found = list(db.session.scalars(select(AuditEntry).order_by(AuditEntry.id)))
        for entry in found:
            _ = entry.actor, entry.subject  # loaded before the session closes
        db.session.expunge_all()
        return found


def test_freezing_an_account_is_recorded_with_who_whom_where_and_why(client, app, staffed):
    response = submit(client, f"/staff/credits/{staffed}/freeze", {"reason": "核查身份"})
    assert response.status_code == 302
    (entry,) = entries(app)
    assert entry.action == AuditAction.CREDIT_ACCOUNT_FROZEN
    assert entry.actor.username == "sy_staff" and entry.actor_role == "city_staff"
    assert entry.subject.username == "wang_xiuying"
    assert (entry.city_code, entry.district_code) == (SHENYANG, "210102")
    assert entry.reason == "核查身份" and entry.details["account"] == staffed


def test_a_refused_action_leaves_no_entry(client, app, staffed):
    response = submit(client, f"/staff/credits/{staffed}/adjust",
                      {"amount": "5", "memo": "补记", "key": "k1"})  # fmt: skip
    assert response.status_code == 302  # posted: recorded
    refused = submit(client, f"/staff/credits/{staffed}/freeze", {"reason": ""})
    assert refused.status_code == 400  # no reason: refused, nothing changed
    assert [e.action for e in entries(app)] == [AuditAction.CREDIT_ADJUSTED]


def test_a_transcript_printed_by_staff_is_recorded(client, app, staffed):
    response = client.get(f"/staff/credits/{staffed}/transcript.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    (entry,) = entries(app)
    assert entry.action == AuditAction.TRANSCRIPT_PRINTED
    assert entry.subject.username == "wang_xiuying"


def test_publishing_a_course_is_recorded(client, app, staffed, make_course):
    course_id = make_course(title="沈阳课程", region=SHENYANG, status=CourseStatus.DRAFT,
                            lessons=("text",))  # fmt: skip
    response = submit(client, f"/studio/courses/{course_id}/publish", {},
                      page=f"/studio/courses/{course_id}")  # fmt: skip
    assert response.status_code == 302
    (entry,) = entries(app)
    assert entry.action == AuditAction.COURSE_STATUS_CHANGED
    assert entry.details["course"] == course_id and entry.details["status"] == "published"


def test_province_staff_read_the_entries_on_the_audit_page(client, app, staffed):
    submit(client, f"/staff/credits/{staffed}/freeze", {"reason": "核查身份"})
    province = app.test_client()
    province.set_cookie("learnhub_locale", "en")
    sign_in(province, "province")
    page = province.get("/staff/audit").get_data(as_text=True)
    assert "Credit account frozen" in page and "核查身份" in page


def test_the_database_refuses_to_change_or_delete_an_entry(client, app, staffed):
    submit(client, f"/staff/credits/{staffed}/freeze", {"reason": "核查身份"})
    with app.app_context():
        with pytest.raises(DBAPIError):
            db.session.execute(update(AuditEntry).values(reason="nothing happened"))
        db.session.rollback()
        with pytest.raises(DBAPIError):
            db.session.execute(text("DELETE FROM audit_entry"))
        db.session.rollback()
    assert entries(app)[0].reason == "核查身份"
