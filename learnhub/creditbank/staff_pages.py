"""What the staff credit pages share: finding the account in the staff member's reach, the
confirmation page of every action, and the facts shown on it."""

from __future__ import annotations

from collections.abc import Callable

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from learnhub import audit
from learnhub.accounts.access import CENTRE_ROLES, ensure_may_see_credit_account
from learnhub.accounts.masking import mask_login
from learnhub.audit import AuditAction
from learnhub.extensions import db

from .amounts import format_credits
from .errors import CreditError
from .models import CreditAccount
from .pages import template_helpers
from .services.accounts import account_by_number
from .services.ledger import balance_of
from .services.numbers import format_account_number

CREDIT_STAFF = tuple(CENTRE_ROLES)


def account_or_404(number: str) -> CreditAccount:
    """The account, if the signed-in staff member may see it: kept by their city, and not an
    account of staff of a higher level (else 403). Changing it is checked by the services."""
    account = account_by_number(number)
    if account is None:
        abort(404)
    ensure_may_see_credit_account(current_user, account.city_code, account.user)
    return account


def account_url(account: CreditAccount) -> str:
    return url_for("creditbank.staff_account", number=account.number)


def confirm(
    form, heading, explanation, facts, submit_label, perform: Callable, back: str,
    *, audited: tuple[AuditAction, CreditAccount, dict] | None = None,
):  # fmt: skip
    """Show the confirmation page; on a valid POST perform, commit, flash what happened (the
    message ``perform`` returns) and go ``back``.

    ``audited`` (action, account, details): what the audit log records with the change, in
    the same transaction, with the reason or memo the form asked for.
    A refusal (CreditError) is rolled back and shown next to its field or above the form.
    """
    refusal = None
    if form.validate_on_submit():
        try:
            done = perform()
            if audited is not None:
                record_credit_action(*audited, reason=form_reason(form))
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
            return redirect(back)
    status = 400 if form.errors or refusal else 200
    return render_template(
        "creditbank/staff/confirm.html", form=form, heading=heading, explanation=explanation,
        facts=facts, submit_label=submit_label, refusal=refusal, back=back,
        **template_helpers(),
    ), status  # fmt: skip


def form_reason(form) -> str:
    """What a staff form says the action is for: its reason, memo or note ("" if none)."""
    for name in ("reason", "memo", "note"):
        field = getattr(form, name, None)
        if field is not None:
            return field.data or ""
    return ""


def record_credit_action(
    action: AuditAction, account: CreditAccount, details: dict | None = None, reason: str = ""
) -> None:
    """Record a staff action on a credit account, where the account is kept: its city, and
    the holder's district while they live there."""
    holder = account.user
    district = holder.district_code if holder.city_code == account.city_code else None
    audit.record(action, actor=current_user, subject=holder, city_code=account.city_code,
                 district_code=district, reason=reason,
                 details={"account": account.number, **(details or {})})  # fmt: skip


def account_facts(account: CreditAccount) -> list[tuple[str, str]]:
    """The learner, the account number and the balance, for a confirmation page."""
    return [
        (_("Learner"), f"{account.user.display_name} ({mask_login(account.user)})"),
        (_("Account number"), format_account_number(account.number)),
        (_("Balance"), format_credits(balance_of(account))),
    ]
