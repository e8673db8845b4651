"""Site messages (站内信): what learnhub tells a person, read on /me/messages."""

from . import routes  # noqa: F401  (it registers on bp)
from .blueprint import bp
from .models import Message
from .services import path_for, recipient_locale, send, unread_count

__all__ = ["Message", "bp", "path_for", "recipient_locale", "send", "unread_count"]
