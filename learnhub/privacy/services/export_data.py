"""Everything learnhub holds about one person, as tables: what goes into their "my data" ZIP.

Each table is a list of plain rows (column → value) taken from the models of the features
that keep it. Secrets are left out (password and token hashes, one-time form tokens,
stored file names); the ledger's hashes stay, so the person can check their entries.
"""

from __future__ import annotations

from decimal import Decimal
from enum import Enum

from sqlalchemy import inspect, select

from learnhub.accounts.models import DeviceSession, User
from learnhub.activities.models import Attendance, SignUp
from learnhub.conversion.models import ConversionApplication
from learnhub.creditbank.models import (
    Certificate,
    LedgerEntry,
    RecognitionApplication,
    RecognitionEvidence,
)
from learnhub.extensions import db
from learnhub.inbox.models import Message
from learnhub.learning.models import CourseCompletion, Enrolment, LessonProgress, QuizAttempt

from ..models import ClosureRequest, ConsentRecord
from .settle_first import credit_account_of

# Never handed out, not even to the person: secrets, and internal names of stored files.
LEFT_OUT = frozenset({
    "password_hash", "token_hash", "form_token", "stored_name", "dedupe_key", "open_key",
})  # fmt: skip
PROFILE_FIELDS = (
    "id", "username", "mobile", "display_name", "city_code", "district_code", "birth_year",
    "email", "email_confirmed_at", "locale", "elder_mode", "role", "created_at",
    "last_login_at", "notice_version", "notice_agreed_at",
)  # fmt: skip


def plain(value):
    """A value JSON and CSV can hold."""
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, Decimal):
        return str(value)
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value


def row_of(thing, fields=None) -> dict:
    names = fields or [
        column.key for column in inspect(type(thing)).column_attrs if column.key not in LEFT_OUT
    ]
    return {name: plain(getattr(thing, name)) for name in names}


def _rows(model, *where) -> list[dict]:
    return [row_of(thing) for thing in db.session.scalars(select(model).where(*where))]


def personal_tables(user: User) -> dict[str, list[dict]]:
    """{table name: rows} of everything kept about the person."""
    tables = {
        "profile": [row_of(user, PROFILE_FIELDS)],
        "consent_history": _rows(ConsentRecord, ConsentRecord.user_id == user.id),
        "sign_ins": _rows(DeviceSession, DeviceSession.user_id == user.id),
        "enrolments": _rows(Enrolment, Enrolment.user_id == user.id),
        "lesson_progress": _rows(LessonProgress, LessonProgress.user_id == user.id),
        "quiz_attempts": _rows(QuizAttempt, QuizAttempt.user_id == user.id),
        "course_completions": _rows(CourseCompletion, CourseCompletion.user_id == user.id),
        "activity_sign_ups": _rows(SignUp, SignUp.user_id == user.id),
        "activity_attendance": _rows(Attendance, Attendance.user_id == user.id),
        "messages": _rows(Message, Message.recipient_id == user.id),
        "closing_requests": _rows(ClosureRequest, ClosureRequest.user_id == user.id),
    }
    account = credit_account_of(user)
    tables["credit_account"] = [row_of(account)] if account else []
    ids = [account.id] if account else []
    tables["ledger_entries"] = _rows(LedgerEntry, LedgerEntry.account_id.in_(ids))
    tables["certificates"] = _rows(Certificate, Certificate.account_id.in_(ids))
    tables["recognition_applications"] = _rows(
        RecognitionApplication, RecognitionApplication.account_id.in_(ids)
    )
    tables["recognition_evidence"] = [
        {**row_of(evidence), "file_in_zip": evidence_name_in_zip(evidence)}
        for evidence in evidence_of(ids)
    ]
    tables["conversion_applications"] = _rows(
        ConversionApplication, ConversionApplication.account_id.in_(ids)
    )
    return tables


def evidence_of(account_ids: list[int]) -> list[RecognitionEvidence]:
    query = (
        select(RecognitionEvidence)
        .join(RecognitionApplication)
        .where(RecognitionApplication.account_id.in_(account_ids))
        .order_by(RecognitionEvidence.id)
    )
    return list(db.session.scalars(query))


def evidence_name_in_zip(evidence: RecognitionEvidence) -> str:
    extension = evidence.stored_name.rsplit(".", 1)[-1]
    return f"evidence/{evidence.application_id}-{evidence.id}.{extension}"
