"""Check-in (签到): the staff's screen and its minute codes, the learner's confirmation and
every refusal, the roster (ticks, undo, export), attendance credits exactly once through the
credit bank, and the rankings' activities held and attendances."""

from __future__ import annotations

import html
import re
import threading
from datetime import timedelta
from decimal import Decimal
from urllib.parse import urlsplit

import pytest
from flask_babel import force_locale
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from learnhub.accounts.models import Role, User
from learnhub.activities import attendance as services
from learnhub.activities.checkin import Verdict, judge, minute_of, qr_code, typed_code
from learnhub.activities.models import (
    Activity,
    ActivityKind,
    ActivitySession,
    ActivityStatus,
    Attendance,
    AttendanceMethod,
    CreditRule,
    SignUp,
    SignUpStatus,
)
from learnhub.audit import AuditAction, AuditEntry
from learnhub.clock import local_today
from learnhub.creditbank import services as credits
from learnhub.creditbank.models import AccountStatus, EntryKind, LedgerEntry
from learnhub.creditbank.pending_models import AwardStatus, PendingAward
from learnhub.database import utcnow
from learnhub.extensions import db
from learnhub.rankings import rebuild
from learnhub.rankings.models import CityDay, DistrictDay
from tests.helpers import csrf_token_from, sign_in, submit

LINK_RE = re.compile(r'data-check-in-url="([^"]+)"')
TYPED_RE = re.compile(r'id="typed-code"[^>]*>(\d{3}) (\d{3})<')


@pytest.fixture
def people(make_user):
    ids = {
        "learner": make_user(login="13812345678", name="王秀英"),
        "other": make_user(login="learner2", name="李明"),
        "shenyang": make_user(login="sy_staff", role=Role.CITY_STAFF, managed="210100"),
        "shenyang2": make_user(login="sy_staff2", role=Role.CITY_STAFF, managed="210100"),
        "heping": make_user(login="hp_staff", role=Role.COUNTY_STAFF, managed="210102"),
        "shenhe": make_user(
            login="sh_staff", role=Role.COUNTY_STAFF, managed="210103", district="210103"
        ),
    }
    ids["dalian"] = make_user(
        login="dl_staff", role=Role.CITY_STAFF, managed="210200", city="210200", district="210202"
    )
    return ids


def person(user_id: int) -> User:
    return db.session.get(User, user_id)


def make_session(
    *, starts_in=timedelta(minutes=-10), hours=2, signup_required=True,
    credit_rule=CreditRule.FIXED, credit_cents=150, city="210100", district="210102",
    title="社区大讲堂",
) -> int:  # fmt: skip
    """A published online activity with one session (starting ``starts_in`` from now)."""
    kind = db.session.scalar(select(ActivityKind).where(ActivityKind.code == "lecture"))
    if kind is None:
        kind = ActivityKind(code="lecture", name="专题讲座", name_en="Lecture")
        db.session.add(kind)
        db.session.flush()
    activity = Activity(
        title=title, kind_id=kind.id, city_code=city, district_code=district, is_online=True,
        online_url="https://example.org/live", signup_required=signup_required,
        credit_rule=credit_rule, credit_cents=credit_cents, status=ActivityStatus.PUBLISHED,
    )  # fmt: skip
    db.session.add(activity)
    db.session.flush()
    starts = utcnow() + starts_in
    session = ActivitySession(
        activity_id=activity.id, starts_at=starts, ends_at=starts + timedelta(hours=hours),
        capacity=30,
    )  # fmt: skip
    db.session.add(session)
    db.session.flush()
    return session.id


def sign_up(session_id: int, user_id: int, status=SignUpStatus.CONFIRMED) -> None:
    db.session.add(SignUp(session_id=session_id, user_id=user_id, status=status))
    if status is SignUpStatus.CONFIRMED:
        db.session.get(ActivitySession, session_id).taken += 1
    db.session.flush()


@pytest.fixture
def lecture(app, people):
    """A session of a 和平区 activity (1.50 credits), going on now, the learner signed up."""
    with app.app_context():
        session_id = make_session()
        sign_up(session_id, people["learner"])
        db.session.commit()
    return session_id


def current_code(app, session_id: int, typed: bool = False, minutes_ago: int = 0) -> str:
    """The session's code of this minute (or of ``minutes_ago``), as the screen shows it."""
    with app.app_context():
        minute = minute_of(utcnow()) - minutes_ago
        return typed_code(session_id, minute) if typed else qr_code(session_id, minute)


def english_client(app):
    """A browser that reads the site in English (the messages asserted below)."""
    client = app.test_client()
    client.set_cookie("learnhub_locale", "en")
    return client


def signed_in(app, login: str):
    client = english_client(app)
    sign_in(client, login)
    return client


def post_code(client, session_id: int, code: str):
    page = client.get(f"/activities/check-in/{session_id}")
    token = csrf_token_from(page.get_data(as_text=True))
    return client.post(
        f"/activities/check-in/{session_id}", data={"csrf_token": token, "code": code}
    )


def attendance_rows() -> int:
    return db.session.scalar(select(func.count()).select_from(Attendance))


def entries_of(user_id: int) -> list[LedgerEntry]:
    account = credits.account_of(person(user_id))
    return list(
        db.session.scalars(
            select(LedgerEntry)
            .where(LedgerEntry.account_id == account.id)
            .order_by(LedgerEntry.sequence)
        )
    )


def balance(user_id: int) -> Decimal:
    return credits.balance_of(credits.account_of(person(user_id)))


# ---- the QR code: scan, sign in, confirm --------------------------------------------------


def test_the_screen_encodes_a_link_the_learner_signs_in_to_and_confirms(app, people, lecture):
    screen = signed_in(app, "sy_staff").get(f"/staff/activities/sessions/{lecture}/check-in")
    assert screen.status_code == 200
    assert screen.headers["Refresh"].isdigit() and int(screen.headers["Refresh"]) <= 61
    body = screen.get_data(as_text=True)
    assert "<svg" in body  # the QR code itself
    link = html.unescape(LINK_RE.search(body).group(1))
    path = urlsplit(link).path + "?" + urlsplit(link).query
    assert path == f"/activities/check-in/{lecture}?code={current_code(app, lecture)}" or (
        path.endswith(current_code(app, lecture, minutes_ago=1))  # the minute turned meanwhile
    )

    phone = english_client(app)
    to_sign_in = phone.get(path)
    assert to_sign_in.status_code == 302 and "/login" in to_sign_in.headers["Location"]
    back = submit(phone, "/login?" + urlsplit(to_sign_in.headers["Location"]).query,
                  {"login": "13812345678", "password": "correct horse battery"})  # fmt: skip
    assert back.status_code == 302 and back.headers["Location"].endswith(path)
    confirm = phone.get(back.headers["Location"])
    assert confirm.status_code == 200 and "社区大讲堂" in confirm.get_data(as_text=True)
    done = phone.post(
        f"/activities/check-in/{lecture}",
        data={"csrf_token": csrf_token_from(confirm.get_data(as_text=True)),
              "code": re.search(r'name="code" value="([^"]+)"', confirm.get_data(as_text=True))[1]},
    )  # fmt: skip
    assert done.status_code == 200
    assert "1.50" in done.get_data(as_text=True)
    with app.app_context():
        (row,) = db.session.scalars(select(Attendance)).all()
        assert (row.user_id, row.method, row.recorded_by_id) == (
            people["learner"], AttendanceMethod.CODE, None,
        )  # fmt: skip
        (entry,) = entries_of(people["learner"])
        assert (entry.kind, entry.business_key, entry.amount) == (
            EntryKind.ATTENDANCE, f"attendance:{row.id}", Decimal("1.50"),
        )  # fmt: skip
        assert list(credits.verify_ledger()) == []
    # Opening the link again says so, and changes nothing.
    again = phone.get(path)
    assert again.status_code == 200 and "Already checked in" in again.get_data(as_text=True)


def test_the_typed_code_on_the_screen_checks_in_too(app, people, lecture):
    body = signed_in(app, "hp_staff").get(f"/staff/activities/sessions/{lecture}/check-in")
    digits = "".join(TYPED_RE.search(body.get_data(as_text=True)).groups())
    client = signed_in(app, "13812345678")
    # Typed the way phones type: full-width digits with a space.
    typed = "".join(chr(ord(d) + 0xFEE0) for d in digits[:3]) + " " + digits[3:]
    assert post_code(client, lecture, typed).status_code == 200
    with app.app_context():
        assert attendance_rows() == 1
        assert balance(people["learner"]) == Decimal("1.50")


def test_the_code_of_the_previous_minute_is_still_accepted(app, people, lecture):
    client = signed_in(app, "13812345678")
    for _attempt in range(3):  # again if the minute turned meanwhile (the code would be older)
        minute = minute_of(utcnow())
        response = post_code(client, lecture, current_code(app, lecture, minutes_ago=1))
        if minute_of(utcnow()) == minute:
            break
    assert response.status_code == 200


# ---- refusals: each reaches its rule (a valid CSRF token, the right person) -------------------


def assert_refused(app, response, message: str) -> None:
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    with app.app_context():
        assert attendance_rows() == 0
        assert db.session.scalar(select(func.count()).select_from(LedgerEntry)) == 0


def test_a_wrong_code_is_refused(app, people, lecture):
    client = signed_in(app, "13812345678")
    assert_refused(app, post_code(client, lecture, "123456x"), "not the check-in code")
    assert_refused(app, post_code(client, lecture, "签到一二三"), "not the check-in code")
    valid = {current_code(app, lecture, typed=True, minutes_ago=m) for m in range(-1, 3)}
    wrong = next(c for c in ("000000", "111111", "222222") if c not in valid)
    assert_refused(app, post_code(client, lecture, wrong), "not the check-in code")


def test_a_code_of_another_session_is_refused_as_foreign(app, people, lecture):
    with app.app_context():
        elsewhere = make_session(title="好书诵读")
        db.session.commit()
    client = signed_in(app, "13812345678")
    assert_refused(app, post_code(client, lecture, current_code(app, elsewhere)), "another session")
    typed = current_code(app, elsewhere, typed=True)
    assert_refused(app, post_code(client, lecture, typed), "another session")


def test_an_expired_code_is_refused(app, people, lecture):
    client = signed_in(app, "13812345678")
    assert_refused(
        app, post_code(client, lecture, current_code(app, lecture, minutes_ago=2)), "expired"
    )
    old_typed = current_code(app, lecture, typed=True, minutes_ago=5)
    assert_refused(app, post_code(client, lecture, old_typed), "expired")


def test_a_replayed_code_says_already_checked_in_and_pays_once(app, people, lecture):
    client = signed_in(app, "13812345678")
    code = current_code(app, lecture)
    assert post_code(client, lecture, code).status_code == 200
    again = post_code(client, lecture, code)
    assert again.status_code == 400 and "Already checked in" in again.get_data(as_text=True)
    with app.app_context():
        assert attendance_rows() == 1
        assert len(entries_of(people["learner"])) == 1


@pytest.mark.parametrize(
    ("starts_in", "message"),
    [(timedelta(hours=2), "has not opened yet"), (timedelta(hours=-3), "has ended")],
)
def test_outside_the_session_is_refused(app, people, starts_in, message):
    with app.app_context():
        session_id = make_session(starts_in=starts_in)
        sign_up(session_id, people["learner"])
        db.session.commit()
    client = signed_in(app, "13812345678")
    assert_refused(app, post_code(client, session_id, current_code(app, session_id)), message)


def test_without_a_sign_up_where_one_is_required_is_refused(app, people, lecture):
    client = signed_in(app, "learner2")
    assert_refused(app, post_code(client, lecture, current_code(app, lecture)), "not signed up")


def test_no_sign_up_needed_where_the_activity_needs_none(app, people):
    with app.app_context():
        session_id = make_session(signup_required=False)
        db.session.commit()
    client = signed_in(app, "learner2")
    assert post_code(client, session_id, current_code(app, session_id)).status_code == 200


def test_a_cancelled_sign_up_is_no_sign_up(app, people, lecture):
    with app.app_context():
        row = db.session.scalar(select(SignUp))
        row.status, row.cancelled_at = SignUpStatus.CANCELLED, utcnow()
        db.session.commit()
    client = signed_in(app, "13812345678")
    assert_refused(app, post_code(client, lecture, current_code(app, lecture)), "not signed up")


@pytest.mark.parametrize("what", ["session", "activity"])
def test_a_cancelled_session_or_activity_is_refused(app, people, lecture, what):
    client = signed_in(app, "13812345678")
    code = current_code(app, lecture)
    page = client.get(f"/activities/check-in/{lecture}").get_data(as_text=True)
    with app.app_context():
        session = db.session.get(ActivitySession, lecture)
        if what == "session":
            session.cancelled_at = utcnow()
        else:
            session.activity.status = ActivityStatus.CANCELLED
        db.session.commit()
    refused = client.post(
        f"/activities/check-in/{lecture}", data={"csrf_token": csrf_token_from(page), "code": code}
    )
    assert_refused(app, refused, "cancelled")
    screen = signed_in(app, "sy_staff").get(f"/staff/activities/sessions/{lecture}/check-in")
    assert "Refresh" not in screen.headers  # nothing will change on it
    assert "cancelled" in screen.get_data(as_text=True) and "<svg" not in screen.get_data(
        as_text=True
    )


def test_wrong_codes_are_limited_per_account(app, people, lecture):
    app.config["CHECK_IN_WRONG_CODES_PER_ACCOUNT"] = "3/10 minutes"
    client = signed_in(app, "13812345678")
    for _ in range(3):
        assert post_code(client, lecture, "000000x").status_code == 400
    assert post_code(client, lecture, current_code(app, lecture)).status_code == 429
    with app.app_context():
        assert attendance_rows() == 0


# ---- exactly once ---------------------------------------------------------------------------


def test_parallel_check_ins_of_one_person_record_and_pay_once(app, people, lecture):
    clients = [signed_in(app, "13812345678") for _ in range(6)]
    forms = []
    for client in clients:
        page = client.get(f"/activities/check-in/{lecture}").get_data(as_text=True)
        forms.append({"csrf_token": csrf_token_from(page), "code": current_code(app, lecture)})
    start = threading.Barrier(len(clients))
    statuses: list[int] = []

    def press(client, form) -> None:
        start.wait(timeout=30)
        statuses.append(client.post(f"/activities/check-in/{lecture}", data=form).status_code)

    threads = [
        threading.Thread(target=press, args=pair) for pair in zip(clients, forms, strict=True)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(statuses) == [200] + [400] * (len(clients) - 1)
    with app.app_context():
        assert attendance_rows() == 1
        assert [e.amount for e in entries_of(people["learner"])] == [Decimal("1.50")]
        assert list(credits.verify_ledger()) == []


def test_attend_undo_attend_ends_with_exactly_one_payment(app, people, lecture):
    with app.app_context():
        learner, staff = person(people["learner"]), person(people["shenyang"])
        session = db.session.get(ActivitySession, lecture)
        first = services.tick(session, learner, staff)
        db.session.commit()
        services.undo(first, staff)
        db.session.commit()
        with pytest.raises(services.AttendanceError) as refused:
            services.undo(first, staff)
        with force_locale("en"):
            assert "already been undone" in str(refused.value.message)
        db.session.rollback()
        services.check_in_with_code(session, learner, current_code(app, lecture))
        db.session.commit()
        kinds = [(e.kind, e.amount) for e in entries_of(people["learner"])]
        assert kinds == [
            (EntryKind.ATTENDANCE, Decimal("1.50")),
            (EntryKind.REVERSAL, Decimal("-1.50")),
            (EntryKind.ATTENDANCE, Decimal("1.50")),
        ]
        assert balance(people["learner"]) == Decimal("1.50")
        assert list(credits.verify_ledger()) == []
    result = app.test_cli_runner().invoke(args=["ledger", "verify"])
    assert result.exit_code == 0, result.output


def test_hours_fixed_and_no_credits(app, people):
    with app.app_context():
        hours = make_session(credit_rule=CreditRule.HOURS, hours=2)  # 2 h at 16 h per credit
        nothing = make_session(credit_rule=CreditRule.NONE)
        learner, staff = person(people["learner"]), person(people["shenyang"])
        for session_id in (hours, nothing):
            sign_up(session_id, learner.id)
            services.tick(db.session.get(ActivitySession, session_id), learner, staff)
        db.session.commit()
        assert [e.amount for e in entries_of(learner.id)] == [Decimal("0.12")]


def test_a_frozen_account_keeps_the_award_and_an_undo_declines_it(app, people, lecture):
    with app.app_context():
        learner, staff = person(people["learner"]), person(people["shenyang"])
        account = credits.account_of(learner)
        account.status = AccountStatus.FROZEN
        attendance = services.tick(db.session.get(ActivitySession, lecture), learner, staff)
        db.session.commit()
        award = db.session.scalar(select(PendingAward))
        assert (award.business_key, award.status) == (
            f"attendance:{attendance.id}", AwardStatus.PENDING,
        )  # fmt: skip
        services.undo(attendance, staff)
        db.session.commit()
        assert db.session.get(PendingAward, award.id).status is AwardStatus.DECLINED
        assert entries_of(learner.id) == []


# ---- the roster ------------------------------------------------------------------------------


def test_the_roster_lists_sign_ups_and_ticks_and_undoes(app, people, lecture):
    with app.app_context():
        sign_up(lecture, people["other"], SignUpStatus.WAITING)
        db.session.commit()
    staff = signed_in(app, "hp_staff")
    page = staff.get(f"/staff/activities/sessions/{lecture}/roster")
    text = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "王秀英" in text and "李明" in text and "138****5678" in text
    assert "13812345678" not in text
    assert text.index("王秀英") < text.index("李明")  # confirmed first, then the waiting list
    ticked = submit(
        staff, f"/staff/activities/sessions/{lecture}/roster/{people['other']}/attend", {},
        page=f"/staff/activities/sessions/{lecture}/roster",
    )  # fmt: skip
    assert ticked.status_code == 302
    with app.app_context():
        row = db.session.scalar(select(Attendance))
        assert (row.user_id, row.method, row.recorded_by_id) == (
            people["other"], AttendanceMethod.ROSTER, people["heping"],
        )  # fmt: skip
        attendance_id = row.id
        assert balance(people["other"]) == Decimal("1.50")
        entry = db.session.scalar(
            select(AuditEntry).where(AuditEntry.action == AuditAction.ATTENDANCE_TICKED)
        )
        assert (entry.actor_id, entry.subject_id, entry.district_code) == (
            people["heping"], people["other"], "210102",
        )  # fmt: skip
    undone = submit(
        staff, f"/staff/activities/sessions/{lecture}/attendance/{attendance_id}/undo", {},
        page=f"/staff/activities/sessions/{lecture}/roster",
    )  # fmt: skip
    assert undone.status_code == 302
    with app.app_context():
        assert db.session.get(Attendance, attendance_id).undone_by_id == people["heping"]
        assert balance(people["other"]) == Decimal("0.00")
        assert (
            db.session.scalar(
                select(func.count()).where(AuditEntry.action == AuditAction.ATTENDANCE_UNDONE)
            )
            == 1
        )
    again = submit(
        staff, f"/staff/activities/sessions/{lecture}/attendance/{attendance_id}/undo", {},
        page=f"/staff/activities/sessions/{lecture}/roster",
    )  # fmt: skip
    assert again.status_code == 400 and "already been undone" in again.get_data(as_text=True)


def test_staff_cannot_record_or_undo_their_own_attendance(app, people):
    with app.app_context():
        session_id = make_session()
        sign_up(session_id, people["shenyang"])
        other = services.tick(
            db.session.get(ActivitySession, session_id), person(people["shenyang"]),
            person(people["shenyang2"]),
        )  # fmt: skip
        db.session.commit()
        attendance_id = other.id
    staff = signed_in(app, "sy_staff")
    roster = f"/staff/activities/sessions/{session_id}/roster"
    undo = submit(staff, f"/staff/activities/sessions/{session_id}/attendance/{attendance_id}/undo",
                  {}, page=roster)  # fmt: skip
    assert undo.status_code == 400 and "your own attendance" in undo.get_data(as_text=True)
    with app.app_context():
        db.session.get(Attendance, attendance_id).undone_at = utcnow()
        db.session.commit()
    tick = submit(staff, f"{roster}/{people['shenyang']}/attend", {}, page=roster)
    assert tick.status_code == 400 and "your own attendance" in tick.get_data(as_text=True)
    with app.app_context():
        live = select(func.count()).where(Attendance.undone_at.is_(None))
        assert db.session.scalar(live) == 0


def test_the_export_masks_mobiles_unless_asked_and_is_audited(app, people, lecture):
    staff = signed_in(app, "sy_staff")
    masked = staff.get(f"/staff/activities/sessions/{lecture}/roster.csv")
    assert masked.status_code == 200 and masked.data.startswith(b"\xef\xbb\xbf")
    text = masked.data.decode("utf-8-sig")
    assert "王秀英" in text and "138****5678" in text and "13812345678" not in text
    full = staff.get(f"/staff/activities/sessions/{lecture}/roster.csv?mobiles=full")
    assert "13812345678" in full.data.decode("utf-8-sig")
    with app.app_context():
        exports = db.session.scalars(
            select(AuditEntry).where(AuditEntry.action == AuditAction.ROSTER_EXPORTED)
        ).all()
        assert [e.actor_id for e in exports] == [people["shenyang"]] * 2
        assert sorted('"full"' in e.details_json for e in exports) == [False, True]


def test_other_regions_staff_are_refused_everything_of_a_session(app, people, lecture):
    """Staff of another city (大连) or another district (沈河区) of the same city: the
    screen, the roster, its export, a tick and an undo all answer 404 with a valid form."""
    with app.app_context():
        attendance = services.tick(
            db.session.get(ActivitySession, lecture), person(people["learner"]),
            person(people["shenyang"]),
        )  # fmt: skip
        db.session.commit()
        attendance_id = attendance.id
    base = f"/staff/activities/sessions/{lecture}"
    for login in ("dl_staff", "sh_staff"):
        client = signed_in(app, login)
        for page in (f"{base}/check-in", f"{base}/roster", f"{base}/roster.csv"):
            assert client.get(page).status_code == 404, (login, page)
        token = csrf_token_from(client.get("/staff/").get_data(as_text=True))
        for action in (f"{base}/roster/{people['other']}/attend",
                       f"{base}/attendance/{attendance_id}/undo"):  # fmt: skip
            assert client.post(action, data={"csrf_token": token}).status_code == 404
    # A learner is refused by the route's rule before anything else.
    learner = signed_in(app, "learner2")
    assert learner.get(f"{base}/check-in").status_code == 403
    with app.app_context():
        assert db.session.get(Attendance, attendance_id).undone_at is None
        assert attendance_rows() == 1
        assert (
            db.session.scalar(
                select(func.count()).where(AuditEntry.action == AuditAction.ROSTER_EXPORTED)
            )
            == 0
        )


# ---- rankings: activities held (场次) and attendances (人次) -------------------------------


def region_numbers(app) -> dict:
    with app.app_context():
        cities = db.session.execute(
            select(CityDay.metric, CityDay.city_code, func.sum(CityDay.value))
            .where(CityDay.metric.in_(["activities_held", "attendances"]))
            .group_by(CityDay.metric, CityDay.city_code)
        ).all()
        districts = db.session.execute(
            select(DistrictDay.metric, DistrictDay.district_code, func.sum(DistrictDay.value))
            .where(DistrictDay.metric.in_(["activities_held", "attendances"]))
            .group_by(DistrictDay.metric, DistrictDay.district_code)
        ).all()
    return {
        "cities": {(m, c): int(v) for m, c, v in cities if v},
        "districts": {(m, d): int(v) for m, d, v in districts if v},
    }


def test_rankings_count_sessions_held_and_attendances_and_the_rebuild_agrees(app, people):
    app.config["RANKINGS_CACHE_SECONDS"] = 0
    with app.app_context():
        staff = person(people["shenyang"])
        first, second = make_session(), make_session(district="210103")
        dalian = make_session(city="210200", district="210202")
        for session_id, user_ids in (
            (first, [people["learner"], people["other"]]),
            (second, [people["learner"]]),
            (dalian, [people["other"]]),
        ):
            for user_id in user_ids:
                sign_up(session_id, user_id)
                services.tick(db.session.get(ActivitySession, session_id), person(user_id), staff)
        db.session.commit()
    assert region_numbers(app) == {
        "cities": {("activities_held", "210100"): 2, ("attendances", "210100"): 3,
                   ("activities_held", "210200"): 1, ("attendances", "210200"): 1},
        "districts": {("activities_held", "210102"): 1, ("attendances", "210102"): 2,
                      ("activities_held", "210103"): 1, ("attendances", "210103"): 1,
                      ("activities_held", "210202"): 1, ("attendances", "210202"): 1},
    }  # fmt: skip
    # Undoing the only attendance of a session: it was not held after all.
    with app.app_context():
        only = db.session.scalar(select(Attendance).where(Attendance.session_id == second))
        services.undo(only, person(people["shenyang2"]))
        db.session.commit()
    live = region_numbers(app)
    assert live["cities"] == {
        ("activities_held", "210100"): 1, ("attendances", "210100"): 2,
        ("activities_held", "210200"): 1, ("attendances", "210200"): 1,
    }  # fmt: skip
    assert ("attendances", "210103") not in live["districts"]
    api = app.test_client().get("/api/v1/rankings?metric=attendances&window=last7").json
    assert {e["code"]: e["value"] for e in api["entries"]}["210100"] == 2
    held = app.test_client().get("/api/v1/rankings?metric=activities_held&window=last7&city=210100")
    assert {e["code"]: e["value"] for e in held.json["entries"]}["210102"] == 1
    page = english_client(app).get("/rankings?metric=activities_held&window=last7")
    assert page.status_code == 200 and "Activities held" in page.get_data(as_text=True)
    with app.app_context():
        today = local_today()
        rebuild.rebuild(today - timedelta(days=1), today)
        db.session.commit()
    assert region_numbers(app) == live


@settings(max_examples=60, deadline=None, database=None, derandomize=True,
          suppress_health_check=list(HealthCheck))  # fmt: skip
@given(
    text=st.one_of(
        st.text(max_size=80), st.sampled_from(["", " ", "\x00", "１２３４５６", "x" * 5000])
    )
)
def test_anything_typed_is_judged_without_failing(app, people, lecture, text):
    """Whatever a phone sends as the code (any Unicode, NUL, very long): a verdict, never an
    error (a non-ASCII letter once reached hmac.compare_digest, which refuses it)."""
    with app.app_context():
        session = db.session.get(ActivitySession, lecture)
        assert judge(session, text, utcnow()) in set(Verdict)
