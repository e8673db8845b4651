"""A learner with something of everything learnhub keeps: credits and a certificate, an
approved and a rejected recognition application with evidence files, a sign-up for a
session to come and an attendance, a message. Used by the privacy tests."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

from sqlalchemy import select

from learnhub.accounts.models import User
from learnhub.activities.models import (
    Activity,
    ActivityKind,
    ActivitySession,
    Attendance,
    AttendanceMethod,
    SignUp,
    SignUpStatus,
)
from learnhub.creditbank import services as credits
from learnhub.creditbank.models import (
    CertificateKind,
    EntryKind,
    OutcomeCategory,
    RecognitionApplication,
    RecognitionEvidence,
    RecognitionStatus,
)
from learnhub.database import utcnow
from learnhub.extensions import db
from learnhub.inbox.services import send
from learnhub.recognition.services import evidence_root

PDF = b"%PDF-1.4\n% evidence of the learner\n"


@dataclass
class Kept:
    user_id: int
    account_number: str
    certificate_code: str
    evidence_paths: list
    session_id: int
    rejected_application_id: int


def evidence_file(application: RecognitionApplication, name: str) -> RecognitionEvidence:
    folder = evidence_root()
    folder.mkdir(parents=True, exist_ok=True)
    stored = f"{name}-{application.id}.pdf"
    (folder / stored).write_bytes(PDF)
    evidence = RecognitionEvidence(application=application, original_name=f"{name}.pdf",
                                   stored_name=stored, content_type="application/pdf",
                                   size_bytes=len(PDF))  # fmt: skip
    db.session.add(evidence)
    return evidence


def application(account, status: RecognitionStatus, title: str, **extra):
    found = RecognitionApplication(
        account=account, city_code=account.city_code, category=OutcomeCategory.CERTIFICATE,
        title=title, description="我的个人经历：在社区教书十年", hours=Decimal("16"),
        credits_claimed=Decimal("1"), status=status, **extra,
    )  # fmt: skip
    db.session.add(found)
    db.session.flush()
    return found


def learner_with_everything(app, user_id: int) -> Kept:
    """Give the learner ``user_id`` one of every kind of record; returns what to look for."""
    with app.app_context():
        user = db.session.get(User, user_id)
        account = credits.account_of(user)
        credits.post_entry(account, Decimal("2.50"), EntryKind.ADJUSTMENT, f"test:{user_id}",
                           memo="test deposit")  # fmt: skip
        certificate = credits.issue_certificate(
            account, CertificateKind.COURSE, f"course_completion:test{user_id}", "智能手机入门",
            Decimal("0.50"),
        )  # fmt: skip
        approved = application(account, RecognitionStatus.APPROVED, "老年大学结业")
        rejected = application(account, RecognitionStatus.REJECTED, "社区讲座",
                               decided_at=utcnow() - timedelta(days=1))  # fmt: skip
        evidence = [evidence_file(approved, "approved"), evidence_file(rejected, "rejected")]
        kind = db.session.scalar(select(ActivityKind).limit(1))
        if kind is None:
            kind = ActivityKind(code="lecture", name="讲座", name_en="Lecture")
            db.session.add(kind)
        activity = Activity(title="社区讲座", kind=kind, is_online=True,
                            online_url="https://example.org/live")  # fmt: skip
        db.session.add(activity)
        db.session.flush()
        later = ActivitySession(activity_id=activity.id, starts_at=utcnow() + timedelta(days=30),
                                ends_at=utcnow() + timedelta(days=30, hours=2), capacity=10,
                                taken=1)  # fmt: skip
        earlier = ActivitySession(activity_id=activity.id, starts_at=utcnow() - timedelta(days=3),
                                  ends_at=utcnow() - timedelta(days=3, hours=-2), capacity=10,
                                  taken=1)  # fmt: skip
        db.session.add_all([later, earlier])
        db.session.flush()
        db.session.add_all([
            SignUp(session_id=later.id, user_id=user.id, status=SignUpStatus.CONFIRMED),
            SignUp(session_id=earlier.id, user_id=user.id, status=SignUpStatus.CONFIRMED),
            Attendance(session_id=earlier.id, user_id=user.id,
                       method=next(iter(AttendanceMethod))),
        ])  # fmt: skip
        send(user.id, "您好，李淑珍", "您的手机号 13812345678 已登记。")
        db.session.commit()
        paths = [evidence_root() / item.stored_name for item in evidence]
        return Kept(user.id, account.number, certificate.code, paths, later.id, rejected.id)
