"""Check-in (签到): the staff's screen with the code of the minute, and the learner's page
that confirms it.

The screen (/staff/activities/sessions/<id>/check-in, for a projector) shows a QR code of
the learner's check-in link and a 6-digit code; the page reloads itself at the turn of each
minute (a ``Refresh`` header: no script). The learner scans it, signs in if needed (and
comes back to the same link), and presses 签到 on a signed-in page (a POST with CSRF).
"""

from __future__ import annotations

import segno
from flask import abort, current_app, render_template, request, url_for
from flask_login import current_user
from markupsafe import Markup

from learnhub.creditbank.amounts import format_credits
from learnhub.database import utcnow
from learnhub.extensions import db, limiter
from learnhub.forms import form_status, show_problems

from . import attendance as services
from .access import session_for_staff
from .blueprint import bp
from .checkin import (
    check_in_window,
    minute_of,
    qr_code,
    seconds_left_in_minute,
    typed_code,
)
from .checkin_forms import CheckInForm
from .models import ActivitySession


def _account_key() -> str:
    return f"user:{current_user.get_id()}"


def _refused(response) -> bool:
    return response.status_code == 400


# Six digits could be guessed: wrong answers are counted per account and session page.
wrong_codes_per_account = limiter.limit(
    lambda: current_app.config["CHECK_IN_WRONG_CODES_PER_ACCOUNT"],
    key_func=_account_key, methods=["POST"], deduct_when=_refused, scope="check-in-codes",
)  # fmt: skip


# ---- the screen -----------------------------------------------------------------------------


@bp.get("/staff/activities/sessions/<int:session_id>/check-in")
def check_in_screen(session_id: int):
    session = session_for_staff(session_id, current_user)
    now = utcnow()
    refusal = services.cancellation_refusal(session) or services.window_refusal(session, now)
    context = {"session": session, "refusal": refusal, "window": check_in_window(session)}
    if refusal is None:
        minute = minute_of(now)
        link = url_for(
            "activities.check_in", session_id=session.id, code=qr_code(session.id, minute),
            _external=True,
        )  # fmt: skip
        qr = segno.make(link, error="m")
        context |= {
            "link": link,
            "typed_code": typed_code(session.id, minute),
            "qr_svg": Markup(qr.svg_inline(scale=10, border=2)),  # noqa: S704 - segno SVG
            "attended": services.live_attendance_count(session.id),
        }
    response = current_app.make_response(
        render_template("activities/checkin/screen.html", **context)
    )
    # A new code every minute: reload just after the minute turns; before check-in opens,
    # now and then, to show the code by itself. An ended or cancelled session stays put.
    if refusal is None:
        response.headers["Refresh"] = str(seconds_left_in_minute(now) + 1)
    elif services.cancellation_refusal(session) is None and now < session.ends_at:
        response.headers["Refresh"] = "60"
    response.headers["Cache-Control"] = "no-store"
    return response


# ---- the learner ------------------------------------------------------------------------------


def _session_or_404(session_id: int) -> ActivitySession:
    session = db.session.get(ActivitySession, session_id)
    if session is None:
        abort(404)
    return session


@bp.route("/activities/check-in/<int:session_id>", methods=["GET", "POST"])
@wrong_codes_per_account
def check_in(session_id: int):
    session = _session_or_404(session_id)
    form = CheckInForm()
    now = utcnow()
    if request.method == "POST":
        if form.validate_on_submit():
            try:
                services.check_in_with_code(session, current_user, form.code.data, now)
            except services.AttendanceError as error:
                db.session.rollback()
                show_problems(form, {error.field: error.message})
            else:
                db.session.commit()
                return render_template(
                    "activities/checkin/done.html", session=session, credits=_credits(session)
                )
        return _confirm_page(session, form, now, scanned=False), form_status(form)
    if services.cancellation_refusal(session) is None and services.is_checked_in(
        session, current_user
    ):
        return render_template("activities/checkin/done.html", session=session, already=True)
    scanned = request.args.get("code", "")[:64]
    form.code.data = scanned
    return _confirm_page(session, form, now, scanned=bool(scanned))


def _credits(session: ActivitySession) -> str | None:
    """What attending earns, as people read it (None: nothing)."""
    amount = services.credits_for(session)
    return format_credits(amount) if amount > 0 else None


def _confirm_page(session: ActivitySession, form: CheckInForm, now, scanned: bool) -> str:
    return render_template(
        "activities/checkin/confirm.html", session=session, form=form, scanned=scanned,
        refusal=services.cancellation_refusal(session) or services.window_refusal(session, now),
        credits=_credits(session),
    )  # fmt: skip
