"""Staff credit pages: find an account, look at it, correct it; open accounts in bulk.

City staff act on their own city's learners (another city's account answers 403);
province staff on every city. Every change has a confirmation page with a reason and a
CSRF token; a refusal changes nothing and says why.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from learnhub.accounts.access import ensure_may_act_for_city, managed_city_codes, role_required
from learnhub.accounts.models import Role
from learnhub.extensions import db
from learnhub.file_imports import ImportFileError, decode_csv

from . import opening, staff
from .amounts import format_credits
from .blueprint import bp
from .errors import CreditError
from .forms import (
    AccountSearchForm,
    AdjustmentForm,
    OpenAccountsForm,
    ReasonForm,
    StatementFilterForm,
)
from .models import ENTRY_KIND_LABELS, AccountStatus, CreditAccount
from .pages import statement_date_range, template_helpers
from .routes import transcript_pdf_response
from .services.accounts import account_by_number, set_account_status
from .services.certificates import certificates_of, format_certificate_code
from .services.holds import pending_holds
from .services.ledger import adjust, balance_of, held_amount
from .services.numbers import format_account_number
from .services.statements import statement_query, totals_by_kind, totals_by_module

CREDIT_STAFF = (Role.CITY_STAFF, Role.PROVINCE_STAFF)
# Each new learner costs one Argon2 hash (about 0.1-0.3 s at the production cost): a page
# request stays well inside a worker's timeout; bigger files go through the command line.
PAGE_MAX_LEARNERS = 100

STATUS_ACTIONS = {
    "freeze": (AccountStatus.FROZEN, _l("Freeze the account"),
               _l("No new deposits or conversions until it is unfrozen; corrections still "
                  "possible."), _l("The account is frozen.")),
    "unfreeze": (AccountStatus.ACTIVE, _l("Unfreeze the account"),
                 _l("The account takes deposits and conversions again."),
                 _l("The account is active again.")),
    "close": (AccountStatus.CLOSED, _l("Close the account"),
              _l("Nothing can be posted to a closed account again. This cannot be undone."),
              _l("The account is closed.")),
}  # fmt: skip


def _account_or_404(number: str) -> CreditAccount:
    """The account, if the signed-in staff member may act for its learner's city (else 403)."""
    account = account_by_number(number)
    if account is None:
        abort(404)
    ensure_may_act_for_city(current_user, account.user.city_code)
    return account


def _to_account(account: CreditAccount):
    return redirect(url_for("creditbank.staff_account", number=account.number))


@bp.get("/staff/credits")
@role_required(*CREDIT_STAFF)
def staff_search():
    """Find an account by number (check character first), username or mobile number."""
    form = AccountSearchForm(request.args)
    if request.args and form.validate():
        try:
            account = staff.find_account(form.q.data, managed_city_codes(current_user))
        except CreditError as error:
            form.q.errors.append(str(error))
        else:
            return _to_account(account)
    status = 400 if request.args and form.errors else 200
    return render_template("creditbank/staff/search.html", form=form), status


@bp.get("/staff/credits/<number>")
@role_required(*CREDIT_STAFF)
def staff_account(number: str):
    """Balance, holds, statement and certificates of one learner, with the staff actions."""
    account = _account_or_404(number)
    form = StatementFilterForm(request.args)
    start, end = statement_date_range(form)
    page = db.paginate(
        statement_query(account, start, end),
        per_page=current_app.config["CREDIT_STATEMENT_PAGE_SIZE"],
        max_per_page=current_app.config["CREDIT_STATEMENT_PAGE_SIZE"],
        error_out=False,
    )
    balance, held = balance_of(account), held_amount(account)
    reversed_ids = staff.reversed_entry_ids(page.items)
    return render_template(
        "creditbank/staff/account.html", account=account, balance=balance, held=held,
        available=balance - held, holds=pending_holds(account), page=page, form=form,
        may_reverse=lambda entry: staff.may_reverse(entry, reversed_ids),
        by_kind=totals_by_kind(account), by_module=totals_by_module(account),
        certificates=certificates_of(account), AccountStatus=AccountStatus, **template_helpers(),
    )  # fmt: skip


@bp.get("/staff/credits/<number>/transcript.pdf")
@role_required(*CREDIT_STAFF)
def staff_transcript_pdf(number: str):
    """The learner's transcript PDF, to print for them at a service counter."""
    return transcript_pdf_response(_account_or_404(number))


def _confirm(account, form, heading, explanation, facts, submit_label, perform: Callable, done):
    """Show the confirmation page; on a valid POST perform, commit and go back to the account.

    A refusal (CreditError) is rolled back and shown next to its field or above the form.
    """
    refusal = None
    if form.validate_on_submit():
        try:
            perform()
        except CreditError as error:
            db.session.rollback()
            field = getattr(form, error.field or "", None)
            if field is not None and hasattr(field, "errors"):
                field.errors = [*field.errors, str(error)]
            else:
                refusal = str(error)
        else:
            db.session.commit()
            flash(done)
            return _to_account(account)
    status = 400 if form.errors or refusal else 200
    return render_template(
        "creditbank/staff/confirm.html", account=account, form=form, heading=heading,
        explanation=explanation, facts=facts, submit_label=submit_label, refusal=refusal,
        **template_helpers(),
    ), status  # fmt: skip


@bp.route("/staff/credits/<number>/<any(freeze, unfreeze, close):action>", methods=["GET", "POST"])
@role_required(*CREDIT_STAFF)
def staff_status(number: str, action: str):
    """Freeze, unfreeze or close an account (a reason is required)."""
    account = _account_or_404(number)
    target, heading, explanation, done = STATUS_ACTIONS[action]
    form = ReasonForm()
    return _confirm(
        account, form, heading, explanation, _account_facts(account), heading,
        lambda: set_account_status(account, target, form.reason.data, current_user),
        done,
    )  # fmt: skip


@bp.route("/staff/credits/<number>/entries/<int:sequence>/reverse", methods=["GET", "POST"])
@role_required(*CREDIT_STAFF)
def staff_reverse(number: str, sequence: int):
    """Reverse one entry with an opposite entry (the original is never changed)."""
    account = _account_or_404(number)
    entry = staff.entry_of(account, sequence)
    if entry is None:
        abort(404)
    form = ReasonForm()
    facts = [
        *_account_facts(account),
        (_("Entry"), f"#{entry.sequence} · {ENTRY_KIND_LABELS[entry.kind]} · {entry.memo}"),
        (_("Credits"), format_credits(entry.amount, signed=True)),
    ]
    return _confirm(
        account, form, _("Reverse an entry"),
        _("A new entry of %(amount)s credits is posted; the original stays on the statement.",
          amount=format_credits(-entry.amount, signed=True)),
        facts, _("Reverse the entry"),
        lambda: staff.reverse(entry, current_user, form.reason.data),
        _("The entry is reversed."),
    )  # fmt: skip


@bp.route("/staff/credits/<number>/adjust", methods=["GET", "POST"])
@role_required(*CREDIT_STAFF)
def staff_adjust(number: str):
    """Post an adjustment with a memo; the form's one-time key makes a double submit post once."""
    account = _account_or_404(number)
    form = AdjustmentForm()
    if not form.key.data:
        form.key.data = secrets.token_urlsafe(16)
    return _confirm(
        account, form, _("Adjust the balance"),
        _("An adjustment entry is posted to the statement with your memo."),
        _account_facts(account), _("Post the adjustment"),
        lambda: adjust(account, form.amount.data, current_user, form.memo.data,
                                form.key.data[:40]),
        _("The adjustment is posted."),
    )  # fmt: skip


@bp.route("/staff/credits/<number>/certificates/<code>/revoke", methods=["GET", "POST"])
@role_required(*CREDIT_STAFF)
def staff_revoke(number: str, code: str):
    """Revoke a certificate: /verify shows it as revoked from today (a reason is required)."""
    account = _account_or_404(number)
    certificate = staff.certificate_of(account, code)
    if certificate is None:
        abort(404)
    form = ReasonForm()
    facts = [
        *_account_facts(account),
        (_("Certificate"), certificate.title),
        (_("Code"), format_certificate_code(certificate.code)),
    ]
    return _confirm(
        account, form, _("Revoke a certificate"),
        _("Anyone checking the code will see that the certificate is revoked. The credits "
          "stay; reverse the entry if they must go too."),
        facts, _("Revoke the certificate"),
        lambda: staff.revoke(certificate, form.reason.data),
        _("The certificate is revoked."),
    )  # fmt: skip


def _account_facts(account: CreditAccount) -> list[tuple[str, str]]:
    return [
        (_("Learner"), f"{account.user.display_name} ({account.user.login_name})"),
        (_("Account number"), format_account_number(account.number)),
        (_("Balance"), format_credits(balance_of(account))),
    ]


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
            report = opening.open_accounts(rows, current_user, dry_run=form.check_only.data)
            problems = report.problems
            if report.ok and not report.dry_run:
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
    allowed = sorted(c for c in cities if managed_city_codes(current_user) in (None, {c}))
    city = allowed[0] if allowed else ""
    district = min(cities.get(city) or {""})
    body = "\ufeff" + ",".join(opening.COLUMNS) + "\r\n"
    body += f"13800000001,王秀英,{city},{district},\r\nzhang_wei,张伟,{city},{district},\r\n"
    return current_app.response_class(
        body, mimetype="text/csv",
        headers={"Content-Disposition": 'attachment; filename="open-accounts-sample.csv"'},
    )  # fmt: skip
