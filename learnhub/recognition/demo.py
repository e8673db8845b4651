"""Demo outcome catalogue and applications, made through the services (repeatable)."""

from __future__ import annotations

import io
import struct
import zlib

from sqlalchemy import select

from learnhub.accounts.models import User
from learnhub.creditbank import services as credit_services
from learnhub.creditbank.models import OutcomeType, RecognitionApplication
from learnhub.extensions import db

from .services import applications, evidence_files, outcome_catalogue, staff_review
from .services.applications import ApplicationDetails
from .services.outcome_catalogue import OutcomeTypeDetails

OUTCOME_TYPES = (
    ("国家职业资格证书（五级）", "certificate", "4"),
    ("国家职业资格证书（四级）", "certificate", "6"),
    ("社区志愿服务 50 小时", "volunteer", "2"),
    ("市级以上优秀学习者", "award", "3"),
    ("老年大学结业（一学年）", "training", "5"),
)


def _evidence_pdf(text: str) -> bytes:
    """A one-page PDF that says what it stands for (ASCII only, so any viewer shows it)."""
    content = f"BT /F1 18 Tf 72 720 Td ({text}) Tj ET".encode()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out, offsets = io.BytesIO(), []
    out.write(b"%PDF-1.4\n")
    for number, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n" % number + body + b"\nendobj\n")
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    out.writelines(b"%010d 00000 n \n" % offset for offset in offsets)
    out.write(
        b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    )
    return out.getvalue()


def _evidence_png() -> bytes:
    """A small plain PNG picture (a stand-in for a photo of a certificate)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    width, height = 8, 8
    rows = b"".join(b"\x00" + b"\xc0\x30\x30" * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


def load_demo_recognition(progress) -> None:
    """The catalogue; for `learner` one approved and one rejected application, for `elder`
    one waiting for `shenyang_staff`. Running it again adds nothing."""
    admin = db.session.scalar(select(User).where(User.username == "province_admin"))
    types = {}
    for name, category, credits in progress(OUTCOME_TYPES):
        existing = db.session.scalar(select(OutcomeType).where(OutcomeType.name == name))
        if existing is None and admin is not None:
            details = OutcomeTypeDetails(name=name, category=category, standard_credits=credits)
            existing = outcome_catalogue.save_outcome_type(admin, details)
        types[name] = existing
    reviewer = db.session.scalar(select(User).where(User.username == "shenyang_staff"))
    learner = db.session.scalar(select(User).where(User.username == "learner"))
    elder = db.session.scalar(select(User).where(User.username == "elder"))
    if reviewer is None:
        return
    if learner is not None:
        certificate = types.get("国家职业资格证书（五级）")
        approved = _application(
            learner,
            ApplicationDetails(
                title="养老护理员国家职业资格证书（五级）",
                category="certificate",
                hours="80",
                credits_claimed="4",
                description="2025 年在沈阳市职业技能培训中心参加培训并通过考核。",
                outcome_type_id=certificate.id if certificate else None,
            ),
            ("养老护理员证书.pdf", _evidence_pdf("Certificate: elder care worker, level 5")),
        )
        if approved is not None:
            staff_review.claim(approved, reviewer)
            staff_review.approve(approved, reviewer, "证书真实有效，予以认定。")
        rejected = _application(
            learner,
            ApplicationDetails(
                title="小区广场舞比赛参赛",
                category="award",
                hours="4",
                credits_claimed="0.25",
                description="参加小区组织的广场舞比赛。",
            ),
            ("参赛照片.png", _evidence_png()),
        )
        if rejected is not None:
            staff_review.claim(rejected, reviewer)
            staff_review.reject(
                rejected, reviewer, "小区自办比赛不属于认定范围；市级以上比赛的获奖证书可以认定。"
            )
    if elder is not None:
        volunteer = types.get("社区志愿服务 50 小时")
        _application(
            elder,
            ApplicationDetails(
                title="社区志愿服务 50 小时",
                category="volunteer",
                hours="50",
                credits_claimed="2",
                description="在皇姑区社区卫生服务站做导诊志愿者。",
                outcome_type_id=volunteer.id if volunteer else None,
            ),
            ("志愿服务证明.pdf", _evidence_pdf("Volunteer service: 50 hours")),
        )
    db.session.flush()


def _application(user: User, details: ApplicationDetails, evidence: tuple[str, bytes]):
    """A submitted application with one file; None if the user has one with this title."""
    account = credit_services.open_account(user)
    exists = db.session.scalar(
        select(RecognitionApplication.id).where(
            RecognitionApplication.account_id == account.id,
            RecognitionApplication.title == details.title,
        )
    )
    if exists is not None:
        return None
    application = applications.create_draft(account, details)
    name, content = evidence
    evidence_files.add_evidence(application, io.BytesIO(content), name)
    applications.submit(application)
    return application
