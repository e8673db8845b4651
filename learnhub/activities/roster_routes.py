"""The roster of a session (签到表): everyone signed up, ticks for people without a phone,
undo, and the CSV export (mobiles masked unless asked for in full; every export audited).

Staff see only the sessions of activities in their region (access.session_for_staff: 404
otherwise) and never record or undo their own attendance (the service refuses).
"""

from __future__ import annotations

import csv
import io

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_babel import format_datetime
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select

from learnhub import audit
from learnhub.accounts.masking import mask_mobile
from learnhub.accounts.models import User
from learnhub.audit import AuditAction
from learnhub.database import writing_transaction
from learnhub.extensions import db
from learnhub.forms import EmptyForm

from . import attendance as services
from .access import session_for_staff
from .blueprint import bp
from .models import ActivitySession, Attendance, AttendanceMethod, SignUp, SignUpStatus

SIGN_UP_LABELS = {
    SignUpStatus.CONFIRMED: _l("Signed up"),
    SignUpStatus.WAITING: _l("On the waiting list"),
}
METHOD_LABELS = {
    AttendanceMethod.CODE: _l("Checked in with the code"),
    AttendanceMethod.ROSTER: _l("Ticked by staff"),
}
NO_SIGN_UP = _l("Came without a sign-up")


def roster_rows(session: ActivitySession) -> list[dict]:
    """Everyone signed up (confirmed first, then the waiting list in order), then anyone
    who checked in without a sign-up; each with their live attendance, if any."""
    sign_ups = db.session.execute(
        select(SignUp, User)
        .join(User, User.id == SignUp.user_id)
        .where(SignUp.session_id == session.id, SignUp.status != SignUpStatus.CANCELLED)
        .order_by(SignUp.status == SignUpStatus.WAITING, SignUp.id)
    ).all()
    attended = services.attendances_of(session)
    rows = [
        {"person": user, "status": SIGN_UP_LABELS[sign_up.status],
         "attendance": attended.pop(user.id, None), "by_staff": sign_up.signed_up_by_id is not None}
        for sign_up, user in sign_ups
    ]  # fmt: skip
    walk_ins = {u.id: u for u in db.session.scalars(select(User).where(User.id.in_(attended)))}
    rows += [
        {
            "person": walk_ins[row.user_id],
            "status": NO_SIGN_UP,
            "attendance": row,
            "by_staff": False,
        }
        for row in sorted(attended.values(), key=lambda row: row.id)
    ]
    return rows


def shown_login(person: User, full_mobile: bool = False) -> str:
    return person.username or (person.mobile if full_mobile else mask_mobile(person.mobile)) or ""


def _roster_page(session: ActivitySession, problem: str | None = None):
    rows = roster_rows(session)
    return render_template(
        "activities/checkin/roster.html", session=session, rows=rows, form=EmptyForm(),
        problem=problem, method_labels=METHOD_LABELS, shown_login=shown_login,
        attended=sum(1 for row in rows if row["attendance"] is not None),
    )  # fmt: skip


@bp.get("/staff/activities/sessions/<int:session_id>/roster")
def roster(session_id: int):
    session = session_for_staff(session_id, current_user)
    return _roster_page(session)


def _where(session: ActivitySession) -> dict:
    activity = session.activity
    return {"city_code": activity.city_code, "district_code": activity.district_code}


@bp.post("/staff/activities/sessions/<int:session_id>/roster/<int:user_id>/attend")
def tick_attendance(session_id: int, user_id: int):
    session = session_for_staff(session_id, current_user)
    person = db.get_or_404(User, user_id)
    if not EmptyForm().validate_on_submit():
        return _roster_page(session, _("The form has expired; please try again.")), 400
    try:
        attendance = services.tick(session, person, current_user)
    except services.AttendanceError as error:
        db.session.rollback()
        return _roster_page(session, str(error.message)), 400
    audit.record(
        AuditAction.ATTENDANCE_TICKED, actor=current_user, subject=person, **_where(session),
        details={"session": session.id, "attendance": attendance.id},
    )  # fmt: skip
    db.session.commit()
    flash(_("Attendance recorded for %(name)s.", name=person.display_name))
    return redirect(url_for("activities.roster", session_id=session.id))


@bp.post("/staff/activities/sessions/<int:session_id>/attendance/<int:attendance_id>/undo")
def undo_attendance(session_id: int, attendance_id: int):
    session = session_for_staff(session_id, current_user)
    attendance = db.get_or_404(Attendance, attendance_id)
    if attendance.session_id != session.id:
        return _roster_page(session, _("This attendance is not of this session.")), 404
    if not EmptyForm().validate_on_submit():
        return _roster_page(session, _("The form has expired; please try again.")), 400
    person = db.session.get(User, attendance.user_id)
    try:
        services.undo(attendance, current_user)
    except services.AttendanceError as error:
        db.session.rollback()
        return _roster_page(session, str(error.message)), 400
    audit.record(
        AuditAction.ATTENDANCE_UNDONE, actor=current_user, subject=person, **_where(session),
        details={"session": session.id, "attendance": attendance.id},
    )  # fmt: skip
    db.session.commit()
    flash(_("Attendance of %(name)s undone; its credits are taken back.", name=person.display_name))
    return redirect(url_for("activities.roster", session_id=session.id))


@bp.get("/staff/activities/sessions/<int:session_id>/roster.csv")
def export_roster(session_id: int):
    session = session_for_staff(session_id, current_user)
    full_mobiles = request.args.get("mobiles") == "full"
    rows = roster_rows(session)
    body = roster_csv(rows, full_mobiles)
    with writing_transaction():  # the export is audited
        audit.record(
            AuditAction.ROSTER_EXPORTED, actor=current_user, **_where(session),
            details={"session": session.id, "rows": len(rows),
                     "mobiles": "full" if full_mobiles else "masked"},
        )  # fmt: skip
    return current_app.response_class(
        body, mimetype="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="roster-{session.id}.csv"',
                 "Cache-Control": "no-store"},
    )  # fmt: skip


def _cell(value: str) -> str:
    """Text a spreadsheet would run as a formula is kept as text."""
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


def roster_csv(rows: list[dict], full_mobiles: bool) -> bytes:
    """The roster as CSV, UTF-8 with a BOM so Excel shows Chinese."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([_("Name"), _("Login"), _("Sign-up"), _("Attended"), _("How"), _("When")])
    for row in rows:
        attendance = row["attendance"]
        writer.writerow([
            _cell(row["person"].display_name), _cell(shown_login(row["person"], full_mobiles)),
            str(row["status"]), _("yes") if attendance else _("no"),
            str(METHOD_LABELS[attendance.method]) if attendance else "",
            format_datetime(attendance.checked_in_at, "yyyy-MM-dd HH:mm") if attendance else "",
        ])  # fmt: skip
    return b"\xef\xbb\xbf" + out.getvalue().encode("utf-8")
