"""The privacy notice and consent: which version is current, who must agree again, the
history of agreements and withdrawals."""

from __future__ import annotations

from flask import current_app
from sqlalchemy import select

from learnhub.accounts.models import RegistrationSource, User
from learnhub.accounts.services import record_notice_agreement
from learnhub.extensions import db

from ..models import ConsentAction, ConsentChannel, ConsentRecord

SOURCE_CHANNELS = {
    RegistrationSource.SELF: ConsentChannel.REGISTRATION,
    RegistrationSource.STAFF: ConsentChannel.BULK_OPENING,
}


def current_version() -> str:
    """The privacy notice version people agree to now (PRIVACY_NOTICE_VERSION)."""
    return current_app.config["PRIVACY_NOTICE_VERSION"]


def needs_consent(user: User) -> bool:
    """Whether the person has not agreed to the current notice (never, an older version,
    or withdrawn): asked before anything else that uses their information."""
    return user.notice_version != current_version()


def agree(user: User, channel: ConsentChannel, staff: User | None = None) -> ConsentRecord:
    """The person agrees to the current notice now."""
    version = current_version()
    record_notice_agreement(user, version)
    return _remember(user, version, ConsentAction.AGREED, channel, staff)


def withdraw(user: User) -> ConsentRecord:
    """The person withdraws their consent: until they agree again the site asks first, and
    offers only their own data, closing the account and signing out."""
    version = user.notice_version or current_version()
    record_notice_agreement(user, None)
    return _remember(user, version, ConsentAction.WITHDRAWN, ConsentChannel.SIGN_IN, None)


def _remember(user, version, action, channel, staff) -> ConsentRecord:
    record = ConsentRecord(
        user_id=user.id, version=version, action=action, channel=channel,
        recorded_by_id=staff.id if staff is not None else None,
    )  # fmt: skip
    db.session.add(record)
    db.session.flush()
    return record


def history(user: User) -> list[ConsentRecord]:
    """The person's agreements and withdrawals, oldest first."""
    query = select(ConsentRecord).where(ConsentRecord.user_id == user.id)
    return list(db.session.scalars(query.order_by(ConsentRecord.id)))


def record_registration_consent(_sender, user: User, source: RegistrationSource, **_extra):
    """``accounts.services.user_registered``: the notice agreed to while registering (on
    /register, or on the paper form of a bulk opening) goes into the history."""
    if user.notice_version:
        _remember(user, user.notice_version, ConsentAction.AGREED, SOURCE_CHANNELS[source], None)
