"""Telling the learner that staff decided their conversion application, in their messages."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from learnhub.creditbank.amounts import format_credits
from learnhub.inbox import path_for as message_link
from learnhub.inbox import recipient_locale
from learnhub.inbox import send as send_message

from ..models import ApplicationStatus, ConversionApplication


def tell_learner(application: ConversionApplication) -> None:
    """One message, once, for an approval or a rejection, in the learner's language."""
    rule = application.rule
    if application.status is ApplicationStatus.APPROVED:
        subject = _l(
            "Your conversion to “%(certificate)s” is approved", certificate=rule.certificate_title
        )
        body = _l(
            "%(credits)s credits are converted and the certificate is issued.",
            credits=format_credits(application.credits),
        )
    elif application.status is ApplicationStatus.REJECTED:
        subject = _l(
            "Your conversion to “%(certificate)s” is not approved",
            certificate=rule.certificate_title,
        )
        body = _l(
            "Your credits are free again. The reason: %(reason)s",
            reason=application.decision_reason,
        )
    else:
        return
    learner = application.account.user
    send_message(
        learner.id, subject, body, link=message_link("conversion.mine"),
        topic=f"conversion:{application.id}",
        dedupe_key=f"conversion:{application.id}:{application.status.value}",
        locale=recipient_locale(learner.locale),
    )  # fmt: skip
