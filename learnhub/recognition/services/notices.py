"""Telling the learner that staff decided their application, in their site messages."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from learnhub.creditbank.amounts import format_credits
from learnhub.creditbank.models import RecognitionApplication
from learnhub.inbox import path_for as message_link
from learnhub.inbox import recipient_locale
from learnhub.inbox import send as send_message

from .states import Status


def tell_learner(application: RecognitionApplication) -> None:
    """One message for the decision just taken (approved, rejected or returned), in the
    learner's language, linking to the application. Approval and rejection end an
    application, so each is sent once; a return may happen again after a new submission."""
    title = application.title
    if application.status is Status.APPROVED:
        subject = _l("Your application “%(title)s” is approved", title=title)
        body = _l(
            "%(credits)s credits are paid into your credit account.",
            credits=format_credits(application.credits_claimed),
        )
        dedupe_key = f"recognition:{application.id}:approved"
    elif application.status is Status.REJECTED:
        subject = _l("Your application “%(title)s” is not approved", title=title)
        body = _l("The reason: %(reason)s", reason=application.decision_reason)
        dedupe_key = f"recognition:{application.id}:rejected"
    elif application.status is Status.RETURNED:
        subject = _l("Your application “%(title)s” needs more from you", title=title)
        body = _l(
            "Please change it and send it again. The reason: %(reason)s",
            reason=application.decision_reason,
        )
        dedupe_key = None
    else:
        return
    learner = application.account.user
    send_message(
        learner.id, subject, body,
        link=message_link("recognition.my_application", application_id=application.id),
        topic=f"recognition:{application.id}", dedupe_key=dedupe_key,
        locale=recipient_locale(learner.locale),
    )  # fmt: skip
