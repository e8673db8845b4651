"""E-mail to people (password links, address confirmation), sent by a background job through
the operator's SMTP server (MAIL_* settings, docs/configuration.md).

The message is written in the request, in the person's language; the job only delivers it,
and is tried again when the server does not answer.
"""

from __future__ import annotations

import smtplib
from email.message import EmailMessage
from email.utils import make_msgid

from flask import current_app
from flask_babel import lazy_gettext as _l

from learnhub.jobs.queue import job


def mail_enabled() -> bool:
    """Whether the operator configured an SMTP server and the site's address (links in mails
    are built from SITE_URL, never from a request's Host header); else the option is hidden."""
    return bool(current_app.config.get("MAIL_SERVER") and current_app.config.get("SITE_URL"))


def _connect(config) -> smtplib.SMTP:
    timeout = config["MAIL_TIMEOUT_SECONDS"]
    if config["MAIL_USE_SSL"]:
        return smtplib.SMTP_SSL(config["MAIL_SERVER"], config["MAIL_PORT"], timeout=timeout)
    connection = smtplib.SMTP(config["MAIL_SERVER"], config["MAIL_PORT"], timeout=timeout)
    if config["MAIL_USE_TLS"]:
        connection.starttls()
    return connection


@job(_l("Send an e-mail"))
def send_mail(to: str, subject: str, body: str) -> None:
    """Deliver one plain-text message through MAIL_SERVER."""
    config = current_app.config
    message = EmailMessage()
    message["From"] = config["MAIL_FROM"]
    message["To"] = to
    message["Subject"] = subject
    message["Message-ID"] = make_msgid(domain="learnhub")
    message.set_content(body)
    with _connect(config) as connection:
        if config.get("MAIL_USERNAME"):
            connection.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"] or "")
        connection.send_message(message)
