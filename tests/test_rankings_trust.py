"""Rankings people can trust: registrations by source, bursts excluded by the city's staff
(audited, reversible), credits counted from the ledger."""

from __future__ import annotations

import io
from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import flask_migrate
import pytest
from sqlalchemy import func, select, text

from learnhub.accounts.models import Role, User
from learnhub.accounts.services import register, update_profile
from learnhub.catalogue.models import Course
from learnhub.creditbank import services as credit_services
from learnhub.creditbank.models import EntryKind
from learnhub.creditbank.services.adjustments import adjust
from learnhub.creditbank.services.ledger import reverse_entry
from learnhub.extensions import db
from learnhub.learning import services as learning
from learnhub.rankings import rebuild
from learnhub.rankings.models import CreditEvent, RegistrationEvent, RegistrationReview
from tests.helpers import csrf_token_from, read_text_lesson, sign_in, submit
from tests.test_rankings_attacks import browser_client, registration, totals

SHENYANG, DALIAN, ANSHAN = "210100", "210200", "210300"
CHINA = ZoneInfo("Asia/Shanghai")


@pytest.fixture(autouse=True)
def no_board_cache(app):
    app.config["RANKINGS_CACHE_SECONDS"] = 0


def today():
    return datetime.now(CHINA).date()


def snapshot_after_rebuild(app) -> tuple[dict, dict]:
    """(the figures as counted live, the figures after rebuilding today)."""
    live = {metric: totals(app, metric) for metric in ("registrations", "staff_opened", "credits")}
    with app.app_context():
        rebuild.rebuild(today(), today())
        db.session.commit()
    rebuilt = {m: totals(app, m) for m in ("registrations", "staff_opened", "credits")}
    return live, rebuilt


# ---- registrations by source ---------------------------------------------------------------

STAFF_FILE = (
    "login,name,city,district,password\n"
    "13800000001,王秀英,210100,210102,\n"
    "zhang_wei,张伟,210100,210103,secret password 1\n"
)


def staff_client(app, make_user, login: str, city: str):
    make_user(login, role=Role.CITY_STAFF, managed=city, city=city, district=None)
    client = browser_client(app, "198.51.100.200")
    client.set_cookie("learnhub_locale", "en")  # to read the page's words
    sign_in(client, login)
    return client


def test_accounts_opened_by_staff_are_counted_apart_from_self_registrations(app, make_user):
    assert submit(browser_client(app), "/register", registration(1)).status_code == 302
    staff = staff_client(app, make_user, "sy_staff", SHENYANG)
    token = csrf_token_from(staff.get("/staff/credits/open-accounts").get_data(as_text=True))
    data = {"csrf_token": token, "file": (io.BytesIO(STAFF_FILE.encode()), "learners.csv")}
    response = staff.post(
        "/staff/credits/open-accounts", data=data, content_type="multipart/form-data"
    )
    assert response.status_code == 200
    assert totals(app, "registrations") == {SHENYANG: 1}  # the public metric: self only
    assert totals(app, "staff_opened") == {SHENYANG: 2}
    with app.app_context():
        sources = db.session.scalars(select(RegistrationEvent.source)).all()
    assert sorted(sources) == ["self", "staff", "staff"]
    public = app.test_client().get("/api/v1/rankings?metric=registrations&window=today")
    assert public.get_json()["entries"][0]["value"] == 1
    assert app.test_client().get("/api/v1/rankings?metric=staff_opened").status_code == 400
    page = staff.get("/staff/rankings?metric=staff_opened&window=today")
    assert page.status_code == 200 and "Accounts opened by staff" in page.get_data(as_text=True)
    live, rebuilt = snapshot_after_rebuild(app)
    assert live == rebuilt


# ---- bursts ------------------------------------------------------------------------------


def register_burst(app) -> None:
    """8 registrations within minutes from one /24 (6 for Shenyang, 2 for Dalian), at most
    4 per address (under the per-address limit), and 2 from other networks."""
    for n in range(8):
        city = DALIAN if n in (3, 6) else SHENYANG
        client = browser_client(app, f"203.0.113.{n // 4 + 1}")
        assert submit(client, "/register", registration(n, city)).status_code == 302
    for n in (20, 21):
        client = browser_client(app, f"198.51.{n}.1")
        assert submit(client, "/register", registration(n)).status_code == 302


def decide(client, action: str, city: str, reason: str, burst_index: int = 0):
    """Post the page's form for that burst, as a browser would, with the reason typed in."""
    html = client.get("/staff/rankings/registrations").get_data(as_text=True)
    forms = html.split(f'action="/staff/rankings/registrations/{action}"')[1:]
    fields = {}
    for name in ("network", "city", "start", "end"):
        fields[name] = forms[burst_index].split(f'name="{name}" value="')[1].split('"')[0]
    assert fields["city"] == city
    return client.post(
        f"/staff/rankings/registrations/{action}",
        data={"csrf_token": csrf_token_from(html), **fields, "reason": reason},
    )


def test_a_burst_is_shown_to_its_citys_staff_who_exclude_it_audited_and_reversibly(app, make_user):
    register_burst(app)
    assert totals(app, "registrations") == {SHENYANG: 8, DALIAN: 2}
    shenyang = staff_client(app, make_user, "sy_staff", SHENYANG)
    dalian = staff_client(app, make_user, "dl_staff", DALIAN)
    page = shenyang.get("/staff/rankings/registrations").get_data(as_text=True)
    assert "6 registrations from network" in page  # Shenyang's part of the burst
    assert "8 registrations (all cities) from 2 addresses" in page
    dalian_page = dalian.get("/staff/rankings/registrations").get_data(as_text=True)
    assert "2 registrations from network" in dalian_page
    assert "6 registrations from network" not in dalian_page

    # A reason is required; nothing changes without one.
    refused = decide(shenyang, "exclude", SHENYANG, "")
    assert refused.status_code == 400
    assert "Say why, so the next person knows." in refused.get_data(as_text=True)
    assert totals(app, "registrations") == {SHENYANG: 8, DALIAN: 2}

    response = decide(shenyang, "exclude", SHENYANG, "同一网络几分钟内注册 6 个账号")
    assert response.status_code == 302
    assert totals(app, "registrations") == {SHENYANG: 2, DALIAN: 2}  # the other networks stay
    with app.app_context():
        (review,) = db.session.scalars(select(RegistrationReview)).all()
        staff_id = db.session.scalar(select(User.id).where(User.username == "sy_staff"))
        assert (review.action, review.registrations, review.staff_id) == ("exclude", 6, staff_id)
        assert review.reason == "同一网络几分钟内注册 6 个账号" and review.decided_at is not None
    page = shenyang.get("/staff/rankings/registrations").get_data(as_text=True)
    assert "同一网络几分钟内注册 6 个账号" in page and "Excluded" in page

    # Excluding again changes nothing and says so.
    again = shenyang.post(
        "/staff/rankings/registrations/exclude",
        data={"csrf_token": csrf_token_from(page), "network": review.network_key,
              "city": SHENYANG, "start": review.burst_start_ms, "end": review.burst_end_ms,
              "reason": "again"},
    )  # fmt: skip
    assert again.status_code == 400 and "excluded already" in again.get_data(as_text=True)
    assert totals(app, "registrations") == {SHENYANG: 2, DALIAN: 2}

    live, rebuilt = snapshot_after_rebuild(app)
    assert live == rebuilt  # the rebuild leaves the excluded registrations out too

    assert decide(shenyang, "restore", SHENYANG, "核实是社区培训班").status_code == 302
    assert totals(app, "registrations") == {SHENYANG: 8, DALIAN: 2}
    with app.app_context():
        actions = db.session.scalars(select(RegistrationReview.action).order_by("id")).all()
    assert actions == ["exclude", "restore"]


def test_staff_of_another_city_or_learners_cannot_exclude_a_citys_registrations(app, make_user):
    register_burst(app)
    dalian = staff_client(app, make_user, "dl_staff", DALIAN)
    page = dalian.get("/staff/rankings/registrations").get_data(as_text=True)
    network = page.split('name="network" value="')[1].split('"')[0]
    start = page.split('name="start" value="')[1].split('"')[0]
    end = page.split('name="end" value="')[1].split('"')[0]
    response = dalian.post(
        "/staff/rankings/registrations/exclude",
        data={"csrf_token": csrf_token_from(page), "network": network, "city": SHENYANG,
              "start": start, "end": end, "reason": "not mine to decide"},
    )  # fmt: skip
    assert response.status_code == 403
    tampered = dalian.post(
        "/staff/rankings/registrations/exclude",
        data={"csrf_token": csrf_token_from(page), "network": "'; DROP TABLE --",
              "city": DALIAN, "start": start, "end": end, "reason": "x"},
    )  # fmt: skip
    assert tampered.status_code == 400
    assert totals(app, "registrations") == {SHENYANG: 8, DALIAN: 2}
    make_user("learner9")
    learner = browser_client(app, "198.51.100.77")
    sign_in(learner, "learner9")
    assert learner.get("/staff/rankings/registrations").status_code == 403
    with app.app_context():
        assert db.session.scalar(select(func.count(RegistrationReview.id))) == 0


def test_registrations_spread_over_more_than_the_window_are_no_burst(app, make_user):
    app.config["RANKINGS_BURST_MINUTES"] = 0  # no two registrations share a stretch of 0 min
    register_burst(app)
    staff = staff_client(app, make_user, "sy_staff", SHENYANG)
    page = staff.get("/staff/rankings/registrations").get_data(as_text=True)
    assert "No bursts in the last month." in page


# ---- credits from the ledger ---------------------------------------------------------------


def learner(login: str, city: str, district: str | None, **extra):
    user = register(login, "correct horse battery", "学员", city, district, **extra)
    db.session.flush()
    return user


def test_credits_are_counted_from_ledger_postings_not_course_values(app, make_course):
    course_id = make_course(lessons=("text",), credits="1.5")
    with app.app_context():
        user = learner("mover", DALIAN, "210202")
        course = db.session.get(Course, course_id)
        learning.enrol(user, course)
        read_text_lesson(user, course.lessons[0])  # completion: 1.5 credits posted
        account = credit_services.account_of(user)
        attendance = credit_services.post_entry(
            account, Decimal("0.75"), EntryKind.ATTENDANCE, "activity:1"
        )
        db.session.commit()
    assert totals(app, "credits") == {DALIAN: 225}
    assert totals(app, "completions") == {DALIAN: 1}
    with app.app_context():  # the course's credit value changes later: earned credits do not
        db.session.get(Course, course_id).credits = Decimal("9")
        db.session.commit()
    with app.app_context():
        user = db.session.scalar(select(User).where(User.username == "mover"))
        # Staff of the account's city: it stays under Dalian until Anshan accepts a transfer.
        staff = learner("clerk", DALIAN, None, role=Role.CITY_STAFF, managed_region_code=DALIAN)
        update_profile(user, user.display_name, ANSHAN, "210302", None)  # the learner moves
        account = credit_services.account_of(user)
        credit_services.post_entry(account, Decimal("2"), EntryKind.RECOGNITION, "claim:1")
        reverse_entry(db.session.merge(attendance), staff, "活动未参加")
        adjust(account, Decimal("5"), staff, "补录", "key-1")  # a correction, not earned
        db.session.commit()
    # The recognition counts for the new city; the reversal takes the attendance's credits
    # back from the city it counted for; the adjustment is not credits earned.
    assert totals(app, "credits") == {DALIAN: 150, ANSHAN: 200}
    with app.app_context():
        kinds = db.session.scalars(select(CreditEvent.kind).order_by(CreditEvent.id)).all()
    assert kinds == ["completion", "attendance", "recognition", "reversal"]
    live, rebuilt = snapshot_after_rebuild(app)
    assert live == rebuilt


def counted_postings() -> list[tuple]:
    columns = (CreditEvent.entry_id, CreditEvent.kind, CreditEvent.day, CreditEvent.city_code,
               CreditEvent.credit_cents)  # fmt: skip
    return sorted(tuple(row) for row in db.session.execute(select(*columns)))


def test_migration_0013_counts_the_existing_ledger_as_the_live_path_does(app, make_course):
    """Postings made before the credits came from the ledger are copied into credit_event
    and the credits figures recomputed from them."""
    course_id = make_course(lessons=("text",), credits="1.5")
    with app.app_context():
        user = learner("early", DALIAN, "210202")
        course = db.session.get(Course, course_id)
        learning.enrol(user, course)
        read_text_lesson(user, course.lessons[0])
        account = credit_services.account_of(user)
        attendance = credit_services.post_entry(account, Decimal("2"), EntryKind.ATTENDANCE, "a:1")
        clerk = learner("clerk", DALIAN, None, role=Role.CITY_STAFF, managed_region_code=DALIAN)
        reverse_entry(attendance, clerk, "记错了")
        adjust(account, Decimal("1"), clerk, "补录", "key-2")
        db.session.commit()
        events = counted_postings()
    live = totals(app, "credits")
    assert live == {DALIAN: 150}
    with app.app_context():
        db.session.remove()
        flask_migrate.downgrade(revision="0009")
        db.session.execute(text("UPDATE rank_city_day SET value = 999 WHERE metric = 'credits'"))
        db.session.commit()
        flask_migrate.upgrade()
        copied = counted_postings()
    assert copied == events
    assert totals(app, "credits") == live
