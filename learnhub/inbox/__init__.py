"""Site messages (站内信): what learnhub tells a person, read on /me/messages."""

from .blueprint import bp
from .models import Message
from .services import send, unread_count

__all__ = ["Message", "bp", "send", "unread_count"]
