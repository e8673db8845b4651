"""The site header's part that differs between visitors: the key of kept layouts and pages."""

from __future__ import annotations

from flask_login import current_user

from learnhub.inbox.services import my_unread_count


def header_visitor() -> tuple:
    """What the site header (templates/base.html) shows that differs between visitors of one
    page: nothing for a signed-out visitor; for a signed-in person, the role (the staff and
    studio links) and the unread-message count (the badge). Layouts and pages kept for
    signed-in people are kept by this (cache.kept_layout, cache.cached_page), so it names
    everything the header shows of a person — and nothing that tells one person from another
    with the same role and count."""
    if not current_user.is_authenticated:
        return ()
    return (current_user.role.value, my_unread_count())
