"""The signed-in person's messages: /me/messages, one message, mark all read."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from learnhub.database import writing_transaction
from learnhub.extensions import db
from learnhub.forms import EmptyForm
from learnhub.ui import page_number

from . import services
from .blueprint import bp


@bp.app_context_processor
def unread_badge() -> dict:
    """``unread_messages()`` in every template: the header's badge (counted only if shown)."""
    return {"unread_messages": services.my_unread_count}


@bp.get("/me/messages")
@login_required
def messages():
    """The person's messages, newest first; unread ones are marked."""
    return render_template(
        "inbox/messages.html",
        pagination=services.messages_of(current_user.id, page_number()),
        form=EmptyForm(),
    )


@bp.get("/me/messages/<int:message_id>")
@login_required
def message(message_id: int):
    """One message; reading it marks it read."""
    shown = services.message_for(current_user.id, message_id)
    if shown is None:
        abort(404)  # another person's message does not exist for you
    if shown.read_at is None:
        with writing_transaction():  # reading it writes
            services.mark_read(shown)
    return render_template(
        "inbox/message.html", message=shown, link=services.followable_link(shown)
    )


@bp.post("/me/messages/read")
@login_required
def mark_all_read():
    """Mark every message read (the form carries only its CSRF token, checked app-wide)."""
    if EmptyForm().validate_on_submit():
        count = services.mark_all_read(current_user.id)
        db.session.commit()
        flash(_("All messages are marked as read.") if count else _("You have no unread messages."))
    return redirect(url_for("inbox.messages"))
