"""Awards for finished learning: a course completion pays its credits and gets a certificate."""

from __future__ import annotations

from decimal import Decimal

from ..models import CREDIT_QUANTUM, AccountStatus, CertificateKind, EntryKind, LedgerEntry
from .accounts import open_account
from .certificates import issue_certificate
from .ledger import find_entry, post_entry


def award_course_completion(completion) -> LedgerEntry | None:
    """Pay a course's credits for a completion, once; issue its certificate."""
    course = completion.course
    if course.credits is None or Decimal(course.credits) <= 0:
        return None
    account = open_account(completion.user)
    key = f"course_completion:{completion.id}"
    if (
        account.status is not AccountStatus.ACTIVE
        and find_entry(account, EntryKind.COMPLETION, key) is None
    ):
        return None  # a frozen or closed account earns nothing; staff can adjust later
    entry = post_entry(
        account, Decimal(course.credits).quantize(CREDIT_QUANTUM), EntryKind.COMPLETION, key,
        memo=course.title, module_id=course.module_id,
    )  # fmt: skip
    issue_certificate(
        account, CertificateKind.COURSE, key, course.title, entry.amount, completion.completed_at
    )
    return entry
