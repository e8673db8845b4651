"""Certificates: their codes (to type and to print), issuing, revoking and looking them up."""

from __future__ import annotations

import secrets
import unicodedata
from datetime import datetime
from decimal import Decimal

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update

from learnhub.database import utcnow
from learnhub.extensions import db

from ..errors import CreditError
from ..models import Certificate, CertificateKind, CreditAccount

CODE_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford base32: no I, L, O, U
CODE_LENGTH = 16  # 80 random bits


def new_certificate_code() -> str:
    """A fresh random code in the stored form."""
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def normalise_certificate_code(text: str) -> str | None:
    """The stored form of a typed code (dashes, spaces and case ignored; O→0, I/L→1)."""
    cleaned = unicodedata.normalize("NFKC", text or "").upper()
    cleaned = "".join(ch for ch in cleaned if ch not in " -")
    cleaned = cleaned.translate(str.maketrans({"O": "0", "I": "1", "L": "1"}))
    if len(cleaned) != CODE_LENGTH or any(ch not in CODE_ALPHABET for ch in cleaned):
        return None
    return cleaned


def format_certificate_code(code: str) -> str:
    """The code in groups of four, for printing: ABCD-EFGH-..."""
    return "-".join(code[i : i + 4] for i in range(0, len(code), 4))


def issue_certificate(
    account: CreditAccount,
    kind: CertificateKind,
    business_key: str,
    title: str,
    credits: Decimal,
    issued_at: datetime | None = None,
) -> Certificate:
    """Issue a certificate for a business object, once."""
    existing = db.session.scalar(
        select(Certificate).where(
            Certificate.kind == kind, Certificate.business_key == business_key
        )
    )
    if existing is not None:
        return existing
    certificate = Certificate(
        code=new_certificate_code(), kind=kind, business_key=business_key,
        account_id=account.id, title=title[:200], credits=credits,
        issuer=current_app.config["CREDIT_CERTIFICATE_ISSUER"],
        issued_at=issued_at or utcnow(),
    )  # fmt: skip
    db.session.add(certificate)
    db.session.flush()
    return certificate


def revoke_certificate(certificate: Certificate, reason: str) -> bool:
    """Revoke the certificate from now with a reason; False if it was already revoked.

    One conditional UPDATE: of parallel revocations exactly one revokes.
    """
    reason = (reason or "").strip()
    if not reason:
        raise CreditError("reason", _l("Give a reason."))
    revoked = db.session.execute(
        update(Certificate)
        .where(Certificate.id == certificate.id, Certificate.revoked_at.is_(None))
        .values(revoked_at=utcnow(), revoked_reason=reason[:200])
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.refresh(certificate)
    return revoked == 1


def revoke_certificates_for(account: CreditAccount, business_key: str, reason: str) -> int:
    """Revoke the account's certificates issued for this business object (a completion's
    certificate when its credits are reversed); returns how many were revoked now."""
    certificates = db.session.scalars(
        select(Certificate).where(
            Certificate.account_id == account.id, Certificate.business_key == business_key
        )
    ).all()
    return sum(revoke_certificate(certificate, reason) for certificate in certificates)


def certificate_by_code(code: str) -> Certificate | None:
    """The certificate with this code (in the stored form, see normalise_certificate_code)."""
    return db.session.scalar(select(Certificate).where(Certificate.code == code))


def certificates_of(account: CreditAccount) -> list[Certificate]:
    """The account's certificates, newest first."""
    return list(
        db.session.scalars(
            select(Certificate)
            .where(Certificate.account_id == account.id)
            .order_by(Certificate.issued_at.desc())
        )
    )
