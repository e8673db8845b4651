"""The person's pages: the privacy notice, agreeing to it (again), "my data" and its
download, closing the account. Every step that needs consent is behind
``ask_for_consent_first``."""

from __future__ import annotations

from flask import abort, current_app, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user

from learnhub.accounts.models import Role
from learnhub.accounts.passwords import verify_password
from learnhub.audit import AuditAction, record
from learnhub.extensions import db
from learnhub.forms import EmptyForm
from learnhub.ui import safe_next_url

from . import jobs
from .blueprint import bp
from .forms import CloseAccountForm, ConsentForm
from .models import CHANNEL_LABELS, ConsentChannel
from .services import closing, consent, exports, retention
from .services.export_data import personal_tables
from .services.settle_first import what_to_settle

# What a learner who has not agreed to the current notice may still do: read it, agree,
# take their data with them, close the account, sign out, change the page's language or
# size, and choose their own password first (accounts.recovery_routes).
OPEN_WITHOUT_CONSENT = frozenset({
    "privacy.notice", "privacy.consent", "privacy.withdraw_consent", "privacy.my_data",
    "privacy.request_export", "privacy.download_export", "privacy.close_account",
    "privacy.cancel_closing", "accounts.logout", "accounts.password", "accounts.set_language",
    "accounts.set_elder_mode", "accounts.set_text_size", "static",
})  # fmt: skip


@bp.before_app_request
def ask_for_consent_first():
    """A learner who has not agreed to the current notice (a new version, or withdrawn)
    is asked before anything else; nothing they post meanwhile is done."""
    endpoint = request.endpoint or ""
    if endpoint in OPEN_WITHOUT_CONSENT or endpoint.endswith(".static"):
        return None
    if request.path.startswith("/api/"):
        return None  # public data only (regions, rankings, search): nothing of the person
    user = current_user
    if not user.is_authenticated or user.role is not Role.LEARNER:
        return None
    if not consent.needs_consent(user):
        return None
    target = request.full_path if request.method == "GET" else request.path
    return redirect(url_for("privacy.consent", next=target.rstrip("?")))


@bp.get("/privacy")
def notice():
    """The privacy notice, for everyone: what is kept, why, who sees it, how long."""
    return render_template(
        "privacy/notice.html", version=consent.current_version(), rules=retention.RULES,
        period=retention.period,
    )  # fmt: skip


@bp.route("/privacy/consent", methods=["GET", "POST"], endpoint="consent")
def consent_page():
    """Agree to the current notice (at registration it is the box on /register)."""
    form = ConsentForm()
    if form.validate_on_submit():
        consent.agree(current_user, ConsentChannel.SIGN_IN)
        db.session.commit()
        flash(_("Thank you. You agreed to the privacy notice of %(version)s.",
                version=consent.current_version()))  # fmt: skip
        return redirect(safe_next_url(url_for("accounts.account")))
    page = render_template(
        "privacy/consent.html", form=form, version=consent.current_version(),
        previous=current_user.notice_version, withdrawn=_withdrawn(),
        next=safe_next_url(""), rules=retention.RULES, period=retention.period,
    )  # fmt: skip
    return page, 400 if form.errors else 200


def _withdrawn() -> bool:
    history = consent.history(current_user)
    return bool(history) and history[-1].action == "withdrawn"


@bp.post("/me/privacy/withdraw")
def withdraw_consent():
    if EmptyForm().validate_on_submit() and not consent.needs_consent(current_user):
        consent.withdraw(current_user)
        db.session.commit()
        flash(_("You withdrew your consent. Until you agree again you can only download "
                "your data, close your account or sign out."))  # fmt: skip
    return redirect(url_for("privacy.my_data"))


@bp.get("/me/data")
def my_data():
    """What learnhub keeps about the person, their exports, consent and closing."""
    tables = personal_tables(current_user)
    return render_template(
        "privacy/my_data.html", counts={name: len(rows) for name, rows in tables.items()},
        exports=exports.exports_of(current_user), history=consent.history(current_user),
        channel_labels=CHANNEL_LABELS, closing=closing.waiting_request(current_user),
        needs_consent=consent.needs_consent(current_user), form=EmptyForm(),
        link_hours=current_app.config["PRIVACY_EXPORT_LINK_HOURS"],
    )  # fmt: skip


@bp.post("/me/data/exports")
def request_export():
    if EmptyForm().validate_on_submit():
        export = exports.request_export(current_user)
        db.session.commit()
        jobs.build_data_export(export.id)
        flash(_("We are collecting your data. It is ready in a few minutes: come back to "
                "this page, or look for the message in your inbox."))  # fmt: skip
    return redirect(url_for("privacy.my_data"))


@bp.post("/me/data/exports/<int:export_id>/download")
def download_export(export_id: int):
    """The ZIP, once: only its owner, only before it expires (refusals: 404, 409, 410)."""
    if not EmptyForm().validate_on_submit():
        return redirect(url_for("privacy.my_data"))
    try:
        path = exports.take_download(current_user, export_id)
    except exports.ExportRefused as refused:
        db.session.rollback()
        return render_template("privacy/refused.html", message=refused.message), refused.status
    if not path.exists():
        db.session.rollback()
        abort(410)
    record(AuditAction.PERSONAL_DATA_EXPORTED, actor=current_user, subject=current_user,
           details={"export": export_id})  # fmt: skip
    db.session.commit()
    response = send_file(path, mimetype="application/zip", as_attachment=True,
                         download_name=f"learnhub-my-data-{export_id}.zip")  # fmt: skip
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/me/close", methods=["GET", "POST"])
def close_account():
    """Ask to close the account: what happens, what must be settled first, the request."""
    waiting = closing.waiting_request(current_user)
    to_settle = what_to_settle(current_user)
    form = CloseAccountForm()
    days = current_app.config["PRIVACY_CLOSURE_COOLING_OFF_DAYS"]
    if waiting is None and form.validate_on_submit():
        if not verify_password(current_user.password_hash, form.password.data):
            form.password.errors.append(_("Your password is not correct."))
        else:
            try:
                waiting = closing.request_closure(current_user)
            except closing.ClosingError as error:
                db.session.rollback()
                to_settle = error.to_settle
                if not to_settle:
                    form.password.errors.append(error.message)
            else:
                db.session.commit()
                flash(_("Your account will be closed after %(days)d days. Until then you "
                        "can take this back here.", days=days))  # fmt: skip
                return redirect(url_for("privacy.close_account"))
    status = 400 if form.errors else (409 if request.method == "POST" and to_settle else 200)
    page = render_template(
        "privacy/close.html", form=form, waiting=waiting, to_settle=to_settle, days=days,
        cancel_form=EmptyForm(),
    )  # fmt: skip
    return page, status


@bp.post("/me/close/cancel")
def cancel_closing():
    if EmptyForm().validate_on_submit() and closing.cancel_closure(current_user):
        db.session.commit()
        flash(_("Your account stays open. Nothing was erased."))
    return redirect(url_for("privacy.close_account"))
