"""Staff credit pages: find an account, look at it, correct it; open accounts in bulk.

Staff see the accounts kept by their city (province staff: every city), never those of staff
of a higher level; they change none of them that is their own (the services refuse it).
Every change has a confirmation page with a reason and a CSRF token; a refusal changes
nothing and says why, and every answer says what actually happened.
"""

from __future__ import annotations

import secrets

from flask import abort, current_app, redirect, render_template, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_login import current_user

from learnhub import audit
from learnhub.accounts.access import (
    may_act_on_credit_account,
    role_required,
    staff_scope,
)
from learnhub.audit import AuditAction
from learnhub.database import writing_transaction
from learnhub.extensions import db
from learnhub.file_imports import ImportFileError, decode_csv
from learnhub.ui import page_number

from . import opening, staff
from .amounts import credit_setting, format_credits
from .blueprint import bp
from .errors import CreditError
from .forms import (
    AccountSearchForm,
    AdjustmentForm,
    OpenAccountsForm,
    ReasonForm,
    StatementFilterForm,
)
from .models import ENTRY_KIND_LABELS, AccountStatus
from .pages import statement_date_range, template_helpers
from .pending_models import (
    AWARD_STATUS_LABELS,
    REQUEST_STATUS_LABELS,
    TRANSFER_STATUS_LABELS,
    PendingAward,
)
from .routes import transcript_pdf_response
from .services.account_status import set_account_status
from .services.adjustments import adjust, requests_of
from .services.awards import decline_award, pending_awards
from .services.certificates import certificates_of, format_certificate_code
from .services.holds import pending_holds
from .services.ledger import balance_of, held_amount, reverse_entry
from .services.numbers import format_account_number
from .services.statements import account_totals, statement_page
from .services.transfers import transfers_of
from .staff_pages import (
    CREDIT_STAFF,
    account_facts,
    account_or_404,
    account_url,
    confirm,
    record_credit_action,
)

# Each new learner costs one Argon2 hash (about 0.1-0.3 s at the production cost): a page
# request stays well inside a worker's timeout; bigger files go through the command line.
PAGE_MAX_LEARNERS = 100

STATUS_ACTIONS = {
    "freeze": (AccountStatus.FROZEN, _l("Freeze the account"),
               _l("No new deposits or conversions until it is unfrozen; corrections still "
                  "possible. Courses completed meanwhile are kept and paid on unfreezing."),
               _l("The account is frozen.")),
    "unfreeze": (AccountStatus.ACTIVE, _l("Unfreeze the account"),
                 _l("The account takes deposits and conversions again; credits kept while it "
                    "was frozen are paid."),
                 _l("The account is active again.")),
    "close": (AccountStatus.CLOSED, _l("Close the account"),
              _l("Nothing can be posted to a closed account again. This cannot be undone."),
              _l("The account is closed.")),
}  # fmt: skip


@bp.get("/staff/credits")
@role_required(*CREDIT_STAFF)
def staff_search():
    """Find an account by number (check character first), username or mobile number."""
    form = AccountSearchForm(request.args)
    if request.args and form.validate():
        try:
            account = staff.find_account(form.q.data, current_user)
        except CreditError as error:
            form.q.errors.append(str(error))
        else:
            return redirect(account_url(account))
    status = 400 if request.args and form.errors else 200
    return render_template("creditbank/staff/search.html", form=form), status


@bp.get("/staff/credits/<number>")
@role_required(*CREDIT_STAFF)
def staff_account(number: str):
    """Balance, holds, statement and certificates of one learner, with the staff actions."""
    account = account_or_404(number)
    form = StatementFilterForm(request.args)
    start, end = statement_date_range(form)
    page = statement_page(
        account, start, end, page_number(), current_app.config["CREDIT_STATEMENT_PAGE_SIZE"]
    )
    balance, held = balance_of(account), held_amount(account)
    totals = account_totals(account)
    reversed_ids = staff.reversed_entry_ids(page.items)
    return render_template(
        "creditbank/staff/account.html", account=account, balance=balance, held=held,
        available=balance - held, holds=pending_holds(account), page=page, form=form,
        may_reverse=lambda entry: staff.may_reverse(entry, reversed_ids),
        may_act=may_act_on_credit_account(current_user, account.city_code, account.user),
        by_kind=totals.by_kind, by_module=totals.by_module,
        certificates=certificates_of(account), AccountStatus=AccountStatus,
        awards=pending_awards(account), award_labels=AWARD_STATUS_LABELS,
        transfers=transfers_of(account.id), transfer_labels=TRANSFER_STATUS_LABELS,
        requests=requests_of(account), request_labels=REQUEST_STATUS_LABELS,
        **template_helpers(),
    )  # fmt: skip


@bp.get("/staff/credits/<number>/transcript.pdf")
@role_required(*CREDIT_STAFF)
def staff_transcript_pdf(number: str):
    """The learner's transcript PDF, to print for them at a service counter (audited: it
    hands out personal data)."""
    account = account_or_404(number)
    response = transcript_pdf_response(account)
    with writing_transaction():
        record_credit_action(AuditAction.TRANSCRIPT_PRINTED, account)
    return response


@bp.route("/staff/credits/<number>/<any(freeze, unfreeze, close):action>", methods=["GET", "POST"])
@role_required(*CREDIT_STAFF)
def staff_status(number: str, action: str):
    """Freeze, unfreeze or close an account (a reason is required)."""
    account = account_or_404(number)
    target, heading, explanation, done = STATUS_ACTIONS[action]
    form = ReasonForm()

    def perform():
        settled = set_account_status(account, target, form.reason.data, current_user)
        if settled and target is AccountStatus.ACTIVE:
            return " ".join(
                (
                    str(done),
                    ngettext(
                        "%(num)d award kept while it was frozen was paid.",
                        "%(num)d awards kept while it was frozen were paid.",
                        settled,
                    ),
                )
            )
        if settled:
            return " ".join(
                (
                    str(done),
                    ngettext(
                        "%(num)d kept award was declined.",
                        "%(num)d kept awards were declined.",
                        settled,
                    ),
                )
            )
        return done  # fmt: skip

    action = {"freeze": AuditAction.CREDIT_ACCOUNT_FROZEN,
              "unfreeze": AuditAction.CREDIT_ACCOUNT_UNFROZEN,
              "close": AuditAction.CREDIT_ACCOUNT_CLOSED}[action]  # fmt: skip
    return confirm(
        form, heading, explanation, account_facts(account), heading, perform, account_url(account),
        audited=(action, account, {}),
    )  # fmt: skip


@bp.route("/staff/credits/<number>/entries/<int:sequence>/reverse", methods=["GET", "POST"])
@role_required(*CREDIT_STAFF)
def staff_reverse(number: str, sequence: int):
    """Reverse one entry with an opposite entry (the original is never changed)."""
    account = account_or_404(number)
    entry = staff.entry_of(account, sequence)
    if entry is None:
        abort(404)
    form = ReasonForm()
    facts = [
        *account_facts(account),
        (_("Entry"), f"#{entry.sequence} · {ENTRY_KIND_LABELS[entry.kind]} · {entry.memo}"),
        (_("Credits"), format_credits(entry.amount, signed=True)),
    ]

    def perform():
        reverse_entry(entry, current_user, form.reason.data)
        return _("The entry is reversed.")

    return confirm(
        form, _("Reverse an entry"),
        _("A new entry of %(amount)s credits is posted; the original stays on the statement. "
          "A certificate issued for it is revoked with your reason.",
          amount=format_credits(-entry.amount, signed=True)),
        facts, _("Reverse the entry"), perform, account_url(account),
        audited=(AuditAction.CREDIT_ENTRY_REVERSED, account,
                 {"entry": entry.sequence, "amount": str(entry.amount)}),
    )  # fmt: skip


@bp.route("/staff/credits/<number>/adjust", methods=["GET", "POST"])
@role_required(*CREDIT_STAFF)
def staff_adjust(number: str):
    """Post an adjustment with a memo (above the four-eyes amount: ask for approval); the
    form's one-time key makes a double submit act once."""
    account = account_or_404(number)
    form = AdjustmentForm()
    if not form.key.data:
        form.key.data = secrets.token_urlsafe(16)

    def perform():
        outcome = adjust(account, form.amount.data, current_user, form.memo.data,
                         form.key.data[:40])  # fmt: skip
        if outcome.request is not None:
            return _("The adjustment of %(amount)s credits waits for a second staff member's "
                     "approval; nothing is posted yet.",
                     amount=format_credits(outcome.request.amount, signed=True))  # fmt: skip
        return _("The adjustment is posted.")

    limits = {
        "max": format_credits(credit_setting("CREDIT_ADJUSTMENT_MAX")),
        "four_eyes": format_credits(credit_setting("CREDIT_ADJUSTMENT_FOUR_EYES")),
    }
    return confirm(
        form, _("Adjust the balance"),
        _("An adjustment entry is posted to the statement with your memo. One adjustment moves "
          "at most %(max)s credits; above %(four_eyes)s a second staff member must approve it.",
          **limits),
        account_facts(account), _("Post the adjustment"), perform, account_url(account),
        audited=(AuditAction.CREDIT_ADJUSTED, account, {"amount": str(form.amount.data)}),
    )  # fmt: skip


@bp.route("/staff/credits/<number>/certificates/<code>/revoke", methods=["GET", "POST"])
@role_required(*CREDIT_STAFF)
def staff_revoke(number: str, code: str):
    """Revoke a certificate: /verify shows it as revoked, with the reason."""
    account = account_or_404(number)
    certificate = staff.certificate_of(account, code)
    if certificate is None:
        abort(404)
    form = ReasonForm()
    facts = [
        *account_facts(account),
        (_("Certificate"), certificate.title),
        (_("Code"), format_certificate_code(certificate.code)),
    ]

    def perform():
        staff.revoke(certificate, current_user, form.reason.data)
        return _("The certificate is revoked.")

    return confirm(
        form, _("Revoke a certificate"),
        _("Anyone checking the code will see that the certificate is revoked, and why. The "
          "credits stay; reverse the entry if they must go too."),
        facts, _("Revoke the certificate"), perform, account_url(account),
        audited=(AuditAction.CERTIFICATE_REVOKED, account, {"certificate": certificate.code}),
    )  # fmt: skip


@bp.route("/staff/credits/<number>/awards/<int:award_id>/decline", methods=["GET", "POST"])
@role_required(*CREDIT_STAFF)
def staff_decline_award(number: str, award_id: int):
    """Decline credits kept while the account was frozen; the learner sees the reason."""
    account = account_or_404(number)
    award = db.session.get(PendingAward, award_id)
    if award is None or award.account_id != account.id:
        abort(404)
    form = ReasonForm()
    facts = [
        *account_facts(account),
        (_("Kept award"), award.title),
        (_("Credits"), format_credits(award.amount)),
    ]

    def perform():
        decline_award(award, current_user, form.reason.data)
        return _("The kept award is declined.")

    return confirm(
        form, _("Decline a kept award"),
        _("The credits are not paid when the account is unfrozen. The learner sees your "
          "reason on their credit page."),
        facts, _("Decline the award"), perform, account_url(account),
        audited=(AuditAction.KEPT_AWARD_DECLINED, account, {"award": award.id,
                                                            "amount": str(award.amount)}),
    )  # fmt: skip


# ---- bulk opening (批量开户) ----------------------------------------------------------


@bp.route("/staff/credits/open-accounts", methods=["GET", "POST"])
@role_required(*CREDIT_STAFF)
def staff_open_accounts():
    """Upload a CSV of learners: every row is checked; all accounts are opened, or none."""
    form = OpenAccountsForm()
    report, problems = None, []
    if form.validate_on_submit():
        try:
            text = decode_csv(form.file.data.read())
            rows = opening.parse_learner_csv(text, max_rows=PAGE_MAX_LEARNERS)
        except ImportFileError as error:
            problems = error.problems
        else:
            agreed = (
                current_app.config["PRIVACY_NOTICE_VERSION"] if form.notice_agreed.data else None
            )
            report = opening.open_accounts(rows, current_user, dry_run=form.check_only.data,
                                           notice_version=agreed)  # fmt: skip
            problems = report.problems
            if report.ok and not report.dry_run:
                scope = staff_scope(current_user)
                audit.record(AuditAction.CREDIT_ACCOUNTS_OPENED, actor=current_user,
                             city_code=scope.city_code, district_code=scope.district_code,
                             details={"opened": len(report.opened),
                                      "skipped": len(report.skipped),
                                      "notice_agreed": agreed})  # fmt: skip
                db.session.commit()
            else:
                db.session.rollback()
    status = 400 if form.errors or problems else 200
    response = current_app.make_response((
        render_template("creditbank/staff/open_accounts.html", form=form, report=report,
                        problems=problems, columns=opening.COLUMNS,
                        format_account=format_account_number),
        status,
    ))  # fmt: skip
    response.headers["Cache-Control"] = "no-store"  # initial passwords may be on it
    return response


@bp.get("/staff/credits/open-accounts/sample.csv")
@role_required(*CREDIT_STAFF)
def staff_open_accounts_sample():
    """A sample file with the columns, to fill in a spreadsheet."""
    cities = opening.districts_by_city()
    scope = staff_scope(current_user)
    city = scope.city_code or min(cities, default="")
    district = scope.district_code or min(cities.get(city) or {""})
    body = "\ufeff" + ",".join(opening.COLUMNS) + "\r\n"
    body += f"13800000001,王秀英,{city},{district},\r\nzhang_wei,张伟,{city},{district},\r\n"
    return current_app.response_class(
        body, mimetype="text/csv",
        headers={"Content-Disposition": 'attachment; filename="open-accounts-sample.csv"'},
    )  # fmt: skip
