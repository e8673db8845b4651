"""Conversion applications: what a learner has, applying (a hold on the credits), and
withdrawing, approving or rejecting; the staff's lists.

Applying freezes the credits (a hold keyed ``conversion:<application id>``); approval turns
the hold into a conversion withdrawal and issues a certificate; rejection or withdrawal
releases the hold. Every decision is a conditional UPDATE on the status, so one wins.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError

from learnhub.accounts.access import credit_account_refusal, may_act_for_holder, staff_scope
from learnhub.accounts.models import User
from learnhub.clock import local_today
from learnhub.creditbank import services as credits
from learnhub.creditbank.models import (
    AccountStatus,
    CertificateKind,
    CreditAccount,
    CreditHold,
    LedgerEntry,
)
from learnhub.database import utcnow
from learnhub.extensions import db

from ..errors import ConversionError
from ..models import ApplicationStatus, ConversionApplication, ConversionRule
from .notices import tell_learner

COMMITTED = (ApplicationStatus.SUBMITTED, ApplicationStatus.APPROVED)


def _credits_text(amount: Decimal) -> str:
    return f"{amount:.2f}"


# ---- what a learner has -------------------------------------------------------------


def available_credits(account: CreditAccount) -> Decimal:
    """Balance minus credits frozen for pending applications."""
    return credits.balance_of(account) - credits.held_amount(account)


def module_credits(account: CreditAccount, module_id: int) -> Decimal:
    """Credits earned in a module, less those already committed to rules of that module."""
    earned = db.session.scalar(
        select(func.sum(LedgerEntry.amount)).where(
            LedgerEntry.account_id == account.id, LedgerEntry.module_id == module_id
        )
    ) or Decimal("0.00")
    committed = db.session.scalar(
        select(func.sum(ConversionApplication.credits))
        .join(ConversionRule, ConversionApplication.rule_id == ConversionRule.id)
        .where(
            ConversionApplication.account_id == account.id,
            ConversionApplication.status.in_(COMMITTED),
            ConversionRule.module_id == module_id,
        )
    ) or Decimal("0.00")
    return earned - committed


def credits_for(account: CreditAccount, rule: ConversionRule) -> Decimal:
    """The credits the learner can put towards this rule now ("you have X of Y")."""
    available = available_credits(account)
    if rule.module_id is None:
        return available
    return min(available, module_credits(account, rule.module_id))


def open_key(account: CreditAccount, rule: ConversionRule) -> str:
    """What the database keeps unique: one pending or approved application per rule."""
    return f"{account.id}:{rule.rule_key}"


def open_application(account: CreditAccount, rule: ConversionRule) -> ConversionApplication | None:
    """The learner's submitted or approved application under any version of this rule."""
    return db.session.scalar(
        select(ConversionApplication).where(
            ConversionApplication.open_key == open_key(account, rule)
        )
    )


def applications_of(account: CreditAccount) -> list[ConversionApplication]:
    """The learner's applications, newest first."""
    return list(
        db.session.scalars(
            select(ConversionApplication)
            .where(ConversionApplication.account_id == account.id)
            .order_by(ConversionApplication.created_at.desc(), ConversionApplication.id.desc())
        )
    )


# ---- applying -------------------------------------------------------------------------


def _check_account_active(account: CreditAccount, own: bool = True) -> None:
    if account.status is AccountStatus.FROZEN:
        raise ConversionError(
            None,
            _l("Your credit account is frozen, so credits cannot be converted now.")
            if own
            else _l("The learner's credit account is frozen; it cannot be approved now."),
        )
    if account.status is AccountStatus.CLOSED:
        raise ConversionError(
            None,
            _l("Your credit account is closed.") if own else _l("The learner's account is closed."),
        )


def apply(user: User, rule: ConversionRule, today: date | None = None) -> ConversionApplication:
    """Apply under this rule version: checks the learner's credits and freezes them."""
    today = today or local_today()
    account = credits.lock_account(credits.open_account(user))
    _check_account_active(account)
    if not rule.applies_on(today):
        raise ConversionError(
            None, _l("This rule has changed or is no longer in effect. Look at the rules again.")
        )
    existing = open_application(account, rule)
    if existing is not None:
        raise _already(existing)
    have, need = credits_for(account, rule), rule.credits_required
    if have < need:
        if rule.module_id is not None:
            message = _l(
                "You have %(have)s of the %(need)s credits from %(module)s this rule needs.",
                have=_credits_text(have), need=_credits_text(need), module=rule.module.name,
            )  # fmt: skip
        else:
            message = _l(
                "You have %(have)s of the %(need)s credits this rule needs.",
                have=_credits_text(have), need=_credits_text(need),
            )  # fmt: skip
        raise ConversionError(None, message)
    application = ConversionApplication(
        account_id=account.id, city_code=account.city_code, rule_id=rule.id, credits=need,
        open_key=open_key(account, rule),
    )  # fmt: skip
    try:
        with db.session.begin_nested():
            db.session.add(application)
            db.session.flush()
    except IntegrityError:
        raise _already(open_application(account, rule)) from None
    hold = credits.hold_credits(account, need, application.business_key)
    application.hold_id = hold.id
    db.session.flush()
    return application


def _already(existing: ConversionApplication | None) -> ConversionError:
    if existing is not None and existing.status is ApplicationStatus.APPROVED:
        return ConversionError(None, _l("You have already converted credits under this rule."))
    return ConversionError(
        None, _l("You already have an application under this rule waiting for review.")
    )


# ---- deciding -------------------------------------------------------------------------


def _decide(application: ConversionApplication, status: ApplicationStatus, **values) -> None:
    """Move a submitted application to ``status``; refused if anyone decided it first."""
    if status is not ApplicationStatus.APPROVED:
        values["open_key"] = None
    won = db.session.execute(
        update(ConversionApplication)
        .where(
            ConversionApplication.id == application.id,
            ConversionApplication.status == ApplicationStatus.SUBMITTED,
        )
        .values(status=status, decided_at=utcnow(), **values)
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.refresh(application)
    if not won:
        raise ConversionError(None, _l("This application has already been decided."))


def _release(application: ConversionApplication) -> None:
    hold = db.session.get(CreditHold, application.hold_id)
    if hold is not None:
        credits.release_hold(hold)


def withdraw(user: User, application: ConversionApplication) -> None:
    """The learner takes back a pending application; the credits are free again."""
    account = credits.account_of(user)
    if account is None or application.account_id != account.id:
        raise ConversionError(None, _l("This is not your application."))
    credits.lock_account(account)
    _decide(application, ApplicationStatus.WITHDRAWN)
    _release(application)


def _check_reviewer(staff: User, application: ConversionApplication) -> None:
    """Staff of the city keeping the account decide; never their own application, nor one
    of staff of a higher level (accounts.access)."""
    if not may_act_for_holder(staff, application.city_code, application.account.user):
        raise ConversionError(None, _l("You may not decide applications from this city."))
    if application.account.user_id == staff.id:
        raise ConversionError(None, _l("Another staff member must decide your own application."))
    refusal = credit_account_refusal(staff, application.city_code, application.account.user)
    if refusal is not None:
        raise ConversionError(None, refusal)


def approve(staff: User, application: ConversionApplication) -> None:
    """Withdraw the frozen credits and issue the certificate (once, whoever clicks)."""
    _check_reviewer(staff, application)
    account = credits.lock_account(application.account)
    _check_account_active(account, own=False)
    _decide(application, ApplicationStatus.APPROVED, reviewer_id=staff.id)
    rule = application.rule
    hold = db.session.get(CreditHold, application.hold_id)
    credits.settle_hold(hold, staff, memo=rule.certificate_title)
    certificate = credits.issue_certificate(
        account, CertificateKind.CONVERSION, application.business_key, rule.certificate_title,
        application.credits,
    )  # fmt: skip
    application.certificate_id = certificate.id
    db.session.flush()
    tell_learner(application)


def reject(staff: User, application: ConversionApplication, reason: str) -> None:
    """Refuse with a reason the learner reads; the credits are free again."""
    _check_reviewer(staff, application)
    reason = (reason or "").strip()
    if not reason:
        raise ConversionError("reason", _l("Say why the application is rejected."))
    credits.lock_account(application.account)
    _decide(application, ApplicationStatus.REJECTED, reviewer_id=staff.id, decision_reason=reason)
    _release(application)
    tell_learner(application)


def _in_scope(query, staff: User):
    scope = staff_scope(staff)
    if scope.everything:
        return query
    return (
        query.join(CreditAccount, CreditAccount.id == ConversionApplication.account_id)
        .join(User, User.id == CreditAccount.user_id)
        .where(scope.where(ConversionApplication.city_code, User.district_code))
    )


def pending_for(staff: User) -> list[ConversionApplication]:
    """Submitted applications of the cities the staff member acts for, oldest first."""
    query = select(ConversionApplication).where(
        ConversionApplication.status == ApplicationStatus.SUBMITTED
    )
    query = _in_scope(query, staff).order_by(ConversionApplication.created_at)
    return list(db.session.scalars(query))


def recently_decided(staff: User, limit: int = 20) -> list[ConversionApplication]:
    """The newest decisions in the staff member's cities (withdrawals included)."""
    query = select(ConversionApplication).where(ConversionApplication.decided_at.is_not(None))
    query = _in_scope(query, staff).order_by(ConversionApplication.decided_at.desc())
    return list(db.session.scalars(query.limit(limit)))
