"""The activity report on a hand-counted data set: what is held, who came, who is an elder,
what the ledger paid; per region and scope; on screen, as CSV (BOM) and as XLSX.

The data set (days from today; Shenyang's population set to 30,000, Dalian's to 20,000):

- A, 和平区 (Shenyang): S1 at −3 attended by u1 (born 60+ years ago), u2, u3 (no birth
  year); S2 at −2 attended by u1 and u2, and u4 whose attendance was undone; S3 at −1
  cancelled (with a sign-up); S4 at +2 (not held yet; a sign-up). Sign-ups: S1 u1 u2 u3
  confirmed, u6 waiting; S2 u1 u2 u4 confirmed.
- B, Shenyang city-wide: S5 at −5 attended by u5 (an elder).
- C, 中山区 (Dalian): S6 at −4 attended by u2; u2 confirmed, u6 cancelled.
- D, Shenyang, cancelled: a session at −3 with an attendance (not counted).
- E, 和平区: a session at −20, before the period (not counted).

Credits from the ledger: S1 u1 0.50, S1 u2 0.50, S2 u4 0.50 reversed, S6 u2 1.00.

Ratings: A by u1 5 and u2 4 (A counted once, though two of its sessions were held), C by u2
3, E by u1 1 (not held in the period: not counted).
"""

from __future__ import annotations

import io
from datetime import timedelta
from decimal import Decimal

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from learnhub.accounts.models import User
from learnhub.activities.models import (
    ActivitySession,
    ActivityStatus,
    Attendance,
    AttendanceMethod,
    SignUp,
    SignUpStatus,
)
from learnhub.clock import local_today
from learnhub.creditbank import services as credits
from learnhub.creditbank.models import EntryKind
from learnhub.creditbank.services.ledger import reverse_entry
from learnhub.database import utcnow
from learnhub.extensions import db
from learnhub.regions.models import Region, RegionLevel
from learnhub.satisfaction.models import Rating
from tests.helpers import sign_in

from .conftest import DALIAN, HEPING, SHENYANG, ZHONGSHAN

PERIOD = {"start": -10, "end": 0}


@pytest.fixture
def data_set(app, staff, make_user, make_activity):
    with app.app_context():
        year = local_today().year
    people = {
        "u1": make_user(login="learner_u1", birth_year=year - 70),
        "u2": make_user(login="learner_u2", birth_year=year - 30, city=DALIAN, district=ZHONGSHAN),
        "u3": make_user(login="learner_u3"),
        "u4": make_user(login="learner_u4", birth_year=year - 80),
        "u5": make_user(login="learner_u5", birth_year=year - 60),
        "u6": make_user(login="learner_u6"),
    }
    a, (s1, s2, s3, s4) = make_activity("A", SHENYANG, HEPING, days=(-3, -2, -1, 2))
    _b, (s5,) = make_activity("B", SHENYANG, days=(-5,))
    c, (s6,) = make_activity("C", DALIAN, ZHONGSHAN, days=(-4,))
    _d, (sd,) = make_activity("D", SHENYANG, days=(-3,), status=ActivityStatus.CANCELLED)
    e, (se,) = make_activity("E", SHENYANG, HEPING, days=(-20,))
    with app.app_context():
        db.session.get(ActivitySession, s3).cancelled_at = utcnow()
        db.session.get(Region, SHENYANG).population = 30_000
        db.session.get(Region, DALIAN).population = 20_000

        def sign(session, who, status=SignUpStatus.CONFIRMED):
            db.session.add(SignUp(session_id=session, user_id=people[who], status=status))

        def attend(session, who, undone=False):
            row = Attendance(session_id=session, user_id=people[who],
                             method=AttendanceMethod.ROSTER,
                             undone_at=utcnow() if undone else None)  # fmt: skip
            db.session.add(row)
            db.session.flush()
            return row.id

        for who in ("u1", "u2", "u3"):
            sign(s1, who)
        sign(s1, "u6", SignUpStatus.WAITING)
        for who in ("u1", "u2", "u4"):
            sign(s2, who)
        sign(s3, "u1")
        sign(s4, "u1")
        sign(s6, "u2")
        sign(s6, "u6", SignUpStatus.CANCELLED)
        paid = {
            attend(s1, "u1"): "0.50", attend(s1, "u2"): "0.50", attend(s6, "u2"): "1.00",
        }  # fmt: skip
        for who in ("u3",):
            attend(s1, who)
        attend(s2, "u1")
        attend(s2, "u2")
        undone = attend(s2, "u4", undone=True)
        attend(s5, "u5")
        attend(sd, "u1")
        attend(se, "u1")
        for activity, who, score in ((a, "u1", 5), (a, "u2", 4), (c, "u2", 3), (e, "u1", 1)):
            db.session.add(Rating(activity_id=activity, user_id=people[who], score=score))
        for attendance_id, amount in paid.items():
            _pay(people, attendance_id, amount)
        entry = _pay(people, undone, "0.50")
        reverse_entry(entry, db.session.get(User, staff["province"]), "签到撤销")
        db.session.commit()
    return people


def _pay(people, attendance_id, amount):
    attendance = db.session.get(Attendance, attendance_id)
    account = credits.account_of(db.session.get(User, attendance.user_id))
    return credits.post_entry(
        account, Decimal(amount), EntryKind.ATTENDANCE, f"attendance:{attendance_id}"
    )


def _query() -> str:
    today = local_today()
    return (f"start={today + timedelta(PERIOD['start'])}"
            f"&end={today + timedelta(PERIOD['end'])}")  # fmt: skip


def _report(app, who: str, suffix: str = "", extra: str = ""):
    client = app.test_client()
    client.set_cookie("learnhub_locale", "en")
    sign_in(client, who)
    with app.app_context():
        query = _query()
    return client.get(f"/staff/week/report{suffix}?{query}{extra}")


def _rows_from_csv(body: bytes) -> dict[str, list[str]]:
    import csv

    assert body.startswith(b"\xef\xbb\xbf")
    lines = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
    return {line[0]: line[1:] for line in lines[2:]}


# sessions, attendances, participants, elders, sign-ups, credits, population, per 10k ×2,
# ratings and their mean
SHENYANG_ROW = ["3", "6", "4", "2", "6", "1.00", "30000", "2.00", "1.33", "2", "4.5"]
DALIAN_ROW = ["1", "1", "1", "0", "1", "1.00", "20000", "0.50", "0.50", "1", "3.0"]


def test_province_report_counts_exactly_what_was_held(app, data_set):
    rows = _rows_from_csv(_report(app, "province", ".csv").data)
    assert rows["Shenyang"] == SHENYANG_ROW
    assert rows["Dalian"] == DALIAN_ROW
    total = rows["Total: Liaoning"]
    assert total[:6] == ["4", "7", "4", "2", "7", "2.00"]  # u2 counted once across cities
    with app.app_context():
        population = db.session.scalar(
            select(func.sum(Region.population)).where(Region.level == RegionLevel.CITY)
        )
    assert total[6] == str(population)
    assert Decimal(total[7]) == (Decimal(70_000) / population).quantize(Decimal("0.01"))
    assert total[9:] == ["3", "4.0"]  # (5 + 4 + 3) / 3


def test_xlsx_has_the_same_numbers(app, data_set):
    response = _report(app, "province", ".xlsx")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.data)).active
    rows = {row[0]: list(row[1:]) for row in sheet.iter_rows(min_row=3, values_only=True)}
    assert rows["Shenyang"] == [3, 6, 4, 2, 6, 1.0, 30000, 2.0, 1.33, 2, 4.5]
    assert rows["Dalian"][:6] == [1, 1, 1, 0, 1, 1.0]


def test_city_staff_see_their_city_by_district_and_county_staff_their_district(app, data_set):
    rows = _rows_from_csv(_report(app, "shenyang", ".csv").data)
    assert rows["Heping District"][:6] == ["2", "5", "3", "1", "6", "1.00"]
    assert rows["City-wide activities"][:6] == ["1", "1", "1", "1", "0", "0.00"]
    assert rows["Total: Shenyang"][:6] == SHENYANG_ROW[:6]
    assert "Dalian" not in rows and "Zhongshan District" not in rows
    county = _rows_from_csv(_report(app, "heping", ".csv").data)
    assert set(county) == {"Heping District", "Total: Heping District"}
    assert county["Heping District"][:6] == ["2", "5", "3", "1", "6", "1.00"]
    dalian = _rows_from_csv(_report(app, "dalian", ".csv").data)
    assert dalian["Total: Dalian"][:6] == DALIAN_ROW[:6]
    assert "Heping District" not in dalian


def test_the_report_page_shows_charts_and_the_table(app, data_set):
    response = _report(app, "shenyang")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert html.count('role="img"') == 2 and "Heping District" in html
    assert "report.csv" in html and "report.xlsx" in html
    satisfaction = html.split("<caption>Satisfaction by region</caption>", 1)[1].split("</table>")[
        0
    ]
    heping = satisfaction.split("Heping District</th>", 1)[1].split("</tr>")[0]
    assert '<td class="num">2</td>' in heping and '<td class="num">4.5</td>' in heping


def test_learners_and_bad_periods_are_refused(app, data_set, client):
    sign_in(client, "learner_u1")
    assert client.get("/staff/week/report.csv").status_code == 403
    staff_client = app.test_client()
    sign_in(staff_client, "shenyang")
    assert staff_client.get("/staff/week/report?start=2026-13-01").status_code == 400
    backwards = staff_client.get("/staff/week/report.csv?start=2026-05-02&end=2026-05-01")
    assert backwards.status_code == 400
    assert staff_client.get("/staff/week/report?start=2020-01-01&end=2026-01-01").status_code == 400


def test_staff_narrow_the_report_within_their_region_only(app, data_set):
    province = _rows_from_csv(_report(app, "province", ".csv", "&region=210100").data)
    assert province["Heping District"][:6] == ["2", "5", "3", "1", "6", "1.00"]
    assert province["Total: Shenyang"][:6] == SHENYANG_ROW[:6]
    city = _rows_from_csv(_report(app, "shenyang", ".csv", "&region=210102").data)
    assert set(city) == {"Heping District", "Total: Heping District"}
    # another city, or another district for a county's staff: refused, nothing shown
    other = _report(app, "shenyang", ".csv", f"&region={DALIAN}")
    assert other.status_code == 400 and b"Dalian" not in other.data
    county = _report(app, "heping", "", "&region=210103")
    assert county.status_code == 400 and "Shenhe" not in county.get_data(as_text=True)
