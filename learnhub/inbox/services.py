"""Sending and reading site messages: the one way every feature tells a person something."""

from __future__ import annotations

from flask import current_app, g, has_request_context, url_for
from flask_babel import force_locale
from flask_login import current_user
from sqlalchemy import ColumnElement, ScalarSelect, func, select, update
from sqlalchemy.exc import IntegrityError, SQLAlchemyError

from learnhub.database import utcnow
from learnhub.extensions import db
from learnhub.ui import is_site_path

from .models import Message

PER_PAGE = 20
_UNREAD_OF_THIS_REQUEST = "inbox_unread_count"


def send(
    recipient_id: int,
    subject: str,
    body: str = "",
    link: str | None = None,
    topic: str = "",
    dedupe_key: str | None = None,
    locale: str | None = None,
) -> Message | None:
    """Add a message in the caller's transaction. With ``dedupe_key`` a message already
    sent under that key is not sent again (None is returned).

    ``subject`` and ``body`` may be lazy strings (``_l``): with ``locale`` (the recipient's
    language, see :func:`recipient_locale`) they are written in it, not in the sender's —
    staff deciding in English still tell a learner in Chinese; without it, in the current
    locale (a caller may have chosen it with ``force_locale``). ``link`` must be a path on
    this site; anything else is a programming error (ValueError), never a link shown.
    """
    if link is not None and not is_site_path(link):
        raise ValueError(f"a message links only to a path on this site, not {link!r}")
    if locale is None:
        subject, body = str(subject), str(body)
    else:
        with force_locale(locale):
            subject, body = str(subject), str(body)
    if dedupe_key is not None:
        sent = db.session.scalar(select(Message.id).where(Message.dedupe_key == dedupe_key))
        if sent is not None:
            return None
    forget_unread_count()  # the badge may count this message: count again when it is shown
    message = Message(
        recipient_id=recipient_id,
        subject=subject[:200],
        body=body,
        link=link,
        topic=topic,
        dedupe_key=dedupe_key,
    )
    if dedupe_key is None:
        db.session.add(message)
        return message
    try:
        with db.session.begin_nested():  # a parallel sender may have won the key
            db.session.add(message)
    except IntegrityError:
        return None
    return message


def recipient_locale(chosen: str | None) -> str:
    """The language a person reads messages in: the one they chose, else the site's."""
    return chosen or current_app.config["BABEL_DEFAULT_LOCALE"]


def path_for(endpoint: str, **values) -> str:
    """A page's path for a message's link, also where no request is being answered (a job,
    a command, the demo loader): messages are sent from all of them."""
    if has_request_context():
        return url_for(endpoint, **values)
    return current_app.url_map.bind("localhost").build(endpoint, values)


def unread_count(recipient_id: int) -> int:
    return db.session.scalar(select(unread_count_of(recipient_id)))


def unread_count_of(recipient_id: int | ColumnElement[int]) -> ScalarSelect[int]:
    """A person's unread messages as a scalar subquery: given a column, the query of the
    signed-in user brings the header's badge along (one query a request instead of two)."""
    return (
        select(func.count(Message.id))
        .where(Message.recipient_id == recipient_id, Message.read_at.is_(None))
        .scalar_subquery()
    )


def note_unread_count(count: int) -> None:
    """The signed-in person's unread count, read with their session at the request's start;
    kept for the badge until something in this request sends or reads a message."""
    if has_request_context():
        g.inbox_unread_count = count


def forget_unread_count() -> None:
    if has_request_context():
        g.pop(_UNREAD_OF_THIS_REQUEST, None)


def my_unread_count() -> int:
    """The signed-in person's unread messages, for the header's badge: read with the signed-in
    user (accounts.sessions), counted again only after this request sent or read a message;
    0 for a visitor."""
    if not has_request_context() or not current_user.is_authenticated:
        return 0
    if _UNREAD_OF_THIS_REQUEST not in g:
        try:
            g.inbox_unread_count = unread_count(current_user.id)
        except SQLAlchemyError:  # the error page must render even when the database is down
            db.session.rollback()
            return 0
    return g.inbox_unread_count


def messages_of(recipient_id: int, page: int):
    """One page of a person's messages, newest first (db.paginate's Pagination)."""
    query = (
        select(Message)
        .where(Message.recipient_id == recipient_id)
        .order_by(Message.sent_at.desc(), Message.id.desc())
    )
    return db.paginate(query, page=page, per_page=PER_PAGE, error_out=False)


def message_for(recipient_id: int, message_id: int) -> Message | None:
    """The message if it is this person's; another person's message does not exist for them."""
    return db.session.scalar(
        select(Message).where(Message.id == message_id, Message.recipient_id == recipient_id)
    )


def mark_read(message: Message) -> None:
    if message.read_at is None:
        message.read_at = utcnow()
        forget_unread_count()


def mark_all_read(recipient_id: int) -> int:
    """Mark every unread message of a person read; returns how many were unread."""
    result = db.session.execute(
        update(Message)
        .where(Message.recipient_id == recipient_id, Message.read_at.is_(None))
        .values(read_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    forget_unread_count()
    return result.rowcount


def followable_link(message: Message) -> str | None:
    """The message's link if it is a path on this site (checked again when shown: a row
    written by other means must not send a reader to another site)."""
    return message.link if message.link and is_site_path(message.link) else None
