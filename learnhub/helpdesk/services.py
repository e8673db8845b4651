"""Help desk work: finding a learner of the staff member's region, their overview, reset
codes and district corrections. Plain services: values and models in, flush, never commit;
every refusal is a HelpDeskError raised before anything changes (the route records it).
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from learnhub.accounts.access import help_refusal, may_look_up
from learnhub.accounts.models import User
from learnhub.accounts.recovery import issue_reset_code
from learnhub.accounts.services import (
    AccountError,
    check_city_and_district,
    find_user,
    parse_login_name,
)
from learnhub.audit import AuditAction, record
from learnhub.creditbank.models import CreditAccount, LedgerEntry
from learnhub.creditbank.services.accounts import account_by_number, account_of
from learnhub.creditbank.services.ledger import balance_of
from learnhub.creditbank.services.numbers import NUMBER_LENGTH, parse_account_number
from learnhub.creditbank.services.statements import statement_query
from learnhub.creditbank.services.transfers import open_transfer_of
from learnhub.extensions import db
from learnhub.learning.models import CourseCompletion
from learnhub.learning.services.overview import CourseProgress, my_learning

NOT_FOUND = _l("No learner of your region found for what you typed.")
RECENT = 5


class HelpDeskError(ValueError):
    """A refusal, with the message for the staff member."""

    def __init__(self, message):
        super().__init__(str(message))
        self.message = message


def _cleaned(text: str) -> str:
    cleaned = unicodedata.normalize("NFKC", text or "").upper()
    return "".join(ch for ch in cleaned if ch not in " -")


def _holder_of_number(cleaned: str) -> User | None:
    """The holder of the credit account with this number; a mistyped number is refused."""
    if len(cleaned) != NUMBER_LENGTH:
        raise HelpDeskError(_l("An account number has 15 characters. Check what you typed."))
    number = parse_account_number(cleaned)
    if number is None:
        raise HelpDeskError(
            _l("This account number is mistyped: its last character does not match. "
               "Check the number again.")
        )  # fmt: skip
    account = account_by_number(number)
    return account.user if account is not None else None


def find_learner(text: str, staff: User) -> User:
    """The person typed as a mobile number, a username or a credit account number (with its
    check character). People outside the staff member's region are not found, with the
    same message as people who do not exist."""
    cleaned = _cleaned(text)
    if not cleaned:
        raise HelpDeskError(_l("Enter a mobile number, a username or a credit account number."))
    login = parse_login_name(text)
    if login is not None:
        person = find_user(login)
    elif cleaned[:-1].isdigit() and (cleaned[-1].isdigit() or cleaned[-1] == "X"):
        person = _holder_of_number(cleaned)
    else:
        raise HelpDeskError(_l("Enter a mobile number, a username or a credit account number."))
    if person is None or not may_look_up(staff, person):
        raise HelpDeskError(NOT_FOUND)
    return person


@dataclass(frozen=True)
class Overview:
    """What the help desk shows of a learner."""

    courses: list[CourseProgress]
    completions: list[CourseCompletion]
    credit_account: CreditAccount | None
    balance: Decimal | None
    entries: list[LedgerEntry]
    moving: bool  # a move to another city waits for that city's staff


def overview(person: User) -> Overview:
    """Study, recent completions and credits of the person."""
    completions = db.session.scalars(
        select(CourseCompletion)
        .where(CourseCompletion.user_id == person.id)
        .order_by(CourseCompletion.completed_at.desc())
        .limit(RECENT)
    ).all()
    account = account_of(person)
    entries = (
        db.session.scalars(statement_query(account, None, None).limit(RECENT)).all()
        if account is not None
        else []
    )
    return Overview(
        courses=my_learning(person),
        completions=list(completions),
        credit_account=account,
        balance=balance_of(account) if account is not None else None,
        entries=list(entries),
        moving=account is not None and open_transfer_of(account.id) is not None,
    )


def _refuse(staff: User, person: User, action: AuditAction, message, details=None):
    """Record a refused attempt (the route commits it on its own) and raise."""
    record(action, actor=staff, subject=person, reason=str(message), details=details,
           refused=True)  # fmt: skip
    raise HelpDeskError(message)


def check_may_change(staff: User, person: User, action: AuditAction) -> None:
    """Refuse (recorded) unless the staff member may act on this person (help_refusal)."""
    refusal = help_refusal(staff, person)
    if refusal is not None:
        _refuse(staff, person, action, refusal)


def give_reset_code(staff: User, person: User) -> str:
    """A new one-time reset code for the person (shown once); the old one is void."""
    refusal = help_refusal(staff, person)
    if refusal is None and not person.active:
        refusal = _l("This account is disabled; a reset code would not open it.")
    if refusal is not None:
        _refuse(staff, person, AuditAction.RESET_CODE_REFUSED, refusal)
    code = issue_reset_code(person, staff)
    record(AuditAction.RESET_CODE_ISSUED, actor=staff, subject=person)
    return code


def correct_district(staff: User, person: User, district_code: str, reason: str) -> None:
    """Move the person to another district of the same city (a registration mistake);
    another city is a move of the credit account (a transfer), not a correction."""
    old = person.district_code
    check_may_change(staff, person, AuditAction.DISTRICT_CORRECTED)
    try:
        check_city_and_district(person.city_code, district_code)
    except AccountError as error:
        raise HelpDeskError(error.message) from None
    if district_code == old:
        raise HelpDeskError(_l("The learner is already in this district."))
    record(AuditAction.DISTRICT_CORRECTED, actor=staff, subject=person, reason=reason,
           details={"from": old, "to": district_code})  # fmt: skip
    person.district_code = district_code
    db.session.flush()
