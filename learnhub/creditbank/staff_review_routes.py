"""Staff pages for what waits on a second person: adjustment requests (four eyes) and
transfers of accounts between cities. Each decision has a confirmation page."""

from __future__ import annotations

from flask import abort, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from learnhub.accounts.access import (
    ensure_may_see_credit_account,
    may_act_on_credit_account,
    role_required,
)
from learnhub.audit import AuditAction
from learnhub.extensions import db
from learnhub.forms import EmptyForm

from .amounts import format_credits
from .blueprint import bp
from .forms import ReasonForm
from .pages import template_helpers
from .pending_models import REQUEST_STATUS_LABELS, AccountTransfer, AdjustmentRequest
from .services.adjustments import approve_request, reject_request, requests_for, withdraw_request
from .services.transfers import accept_transfer, decline_transfer, transfers_for
from .staff_pages import CREDIT_STAFF, account_facts, confirm


@bp.get("/staff/credits/requests")
@role_required(*CREDIT_STAFF)
def staff_requests():
    """Adjustment requests waiting for a second staff member, and waiting transfers."""
    transfers = transfers_for(current_user)
    return render_template(
        "creditbank/staff/requests.html", requests=requests_for(current_user),
        transfers=transfers, status_labels=REQUEST_STATUS_LABELS,
        may_act=lambda account, city=None: may_act_on_credit_account(
            current_user, city or account.city_code, account.user),
        format_credits=format_credits, format_account=template_helpers()["format_account"],
    )  # fmt: skip


def _request_or_404(request_id: int) -> AdjustmentRequest:
    request = db.session.get(AdjustmentRequest, request_id)
    if request is None:
        abort(404)
    account = request.account
    ensure_may_see_credit_account(current_user, account.city_code, account.user)
    return request


def _request_facts(request: AdjustmentRequest) -> list[tuple[str, str]]:
    return [
        *account_facts(request.account),
        (_("Credits"), format_credits(request.amount, signed=True)),
        (_("Memo"), request.memo),
        (_("Asked by"), request.requested_by.display_name),
    ]


@bp.route("/staff/credits/requests/<int:request_id>/approve", methods=["GET", "POST"])
@role_required(*CREDIT_STAFF)
def staff_approve_request(request_id: int):
    """A second staff member approves: the adjustment is posted now, in their name."""
    request = _request_or_404(request_id)
    form = EmptyForm()

    def perform():
        approve_request(request, current_user)
        return _("The adjustment is approved and posted.")

    return confirm(
        form, _("Approve an adjustment"),
        _("The adjustment is posted to the learner's statement; you are recorded as the "
          "second staff member."),
        _request_facts(request), _("Approve and post"), perform,
        url_for("creditbank.staff_requests"),
        audited=(AuditAction.CREDIT_ADJUSTMENT_APPROVED, request.account, {"request": request.id,
                                                          "amount": str(request.amount)}),
    )  # fmt: skip


@bp.route("/staff/credits/requests/<int:request_id>/reject", methods=["GET", "POST"])
@role_required(*CREDIT_STAFF)
def staff_reject_request(request_id: int):
    """A second staff member rejects the request, with a reason; nothing is posted."""
    request = _request_or_404(request_id)
    form = ReasonForm()

    def perform():
        reject_request(request, current_user, form.reason.data)
        return _("The adjustment request is rejected; nothing was posted.")

    return confirm(
        form, _("Reject an adjustment"), _("Nothing is posted; the requester sees your reason."),
        _request_facts(request), _("Reject the request"), perform,
        url_for("creditbank.staff_requests"),
        audited=(AuditAction.CREDIT_ADJUSTMENT_REJECTED, request.account, {"request": request.id,
                                                          "amount": str(request.amount)}),
    )  # fmt: skip


@bp.route("/staff/credits/requests/<int:request_id>/withdraw", methods=["GET", "POST"])
@role_required(*CREDIT_STAFF)
def staff_withdraw_request(request_id: int):
    """The staff member who asked takes the request back."""
    request = _request_or_404(request_id)
    form = EmptyForm()

    def perform():
        withdraw_request(request, current_user)
        return _("The adjustment request is withdrawn; nothing was posted.")

    return confirm(
        form, _("Withdraw an adjustment request"), _("Nothing is posted."),
        _request_facts(request), _("Withdraw the request"), perform,
        url_for("creditbank.staff_requests"),
        audited=(AuditAction.CREDIT_ADJUSTMENT_WITHDRAWN, request.account, {"request": request.id,
                                                          "amount": str(request.amount)}),
    )  # fmt: skip


def _transfer_or_404(transfer_id: int) -> AccountTransfer:
    transfer = db.session.get(AccountTransfer, transfer_id)
    if transfer is None:
        abort(404)
    return transfer


def _transfer_facts(transfer: AccountTransfer) -> list[tuple[str, str]]:
    return [
        *account_facts(transfer.account),
        (_("From"), transfer.from_city.display_name),
        (_("To"), transfer.to_city.display_name),
    ]


@bp.route("/staff/credits/transfers/<int:transfer_id>/accept", methods=["GET", "POST"])
@role_required(*CREDIT_STAFF)
def staff_accept_transfer(transfer_id: int):
    """The receiving city's staff take the account over."""
    transfer = _transfer_or_404(transfer_id)
    ensure_may_see_credit_account(current_user, transfer.to_city_code, transfer.account.user)
    form = EmptyForm()

    def perform():
        accept_transfer(transfer, current_user)
        return _("The account is transferred: your city's staff keep it now.")

    return confirm(
        form, _("Accept a transfer"),
        _("The learner moved to your city. From now on your city's staff keep their credit "
          "account; the other city's staff no longer can."),
        _transfer_facts(transfer), _("Accept the transfer"), perform,
        url_for("creditbank.staff_requests"),
        audited=(AuditAction.TRANSFER_ACCEPTED, transfer.account,
                 {"from": transfer.from_city_code, "to": transfer.to_city_code}),
    )  # fmt: skip


@bp.route("/staff/credits/transfers/<int:transfer_id>/decline", methods=["GET", "POST"])
@role_required(*CREDIT_STAFF)
def staff_decline_transfer(transfer_id: int):
    """The receiving city's staff decline; the sending city keeps the account."""
    transfer = _transfer_or_404(transfer_id)
    ensure_may_see_credit_account(current_user, transfer.to_city_code, transfer.account.user)
    form = ReasonForm()

    def perform():
        decline_transfer(transfer, current_user, form.reason.data)
        return _("The transfer is declined; the account stays with the other city.")

    return confirm(
        form, _("Decline a transfer"), _("The account stays with the city that keeps it now."),
        _transfer_facts(transfer), _("Decline the transfer"), perform,
        url_for("creditbank.staff_requests"),
        audited=(AuditAction.TRANSFER_DECLINED, transfer.account,
                 {"from": transfer.from_city_code, "to": transfer.to_city_code}),
    )  # fmt: skip
