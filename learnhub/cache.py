"""Caching of pages and fragments every visitor asking alike sees alike.

Never key anything personal (a name, a CSRF token, progress) by less than what tells people
apart: CTFd once cached a whole scoreboard page and showed one user's view to another. A
page that shows one person's records is kept only under a key read from the database for that
request that names all it shows (``cached_page``'s ``key``). Keys carry a content
version that every commit touching the catalogue bumps, so an edit shows at once in
this process; with several workers, use a shared cache (CACHE_TYPE=RedisCache) or
other workers show the old fragment until CACHE_DEFAULT_TIMEOUT runs out.
"""

from __future__ import annotations

import hashlib
import re
import time
from collections.abc import Callable

from flask import Flask, current_app, request, session
from flask_caching import Cache
from flask_login import current_user
from flask_wtf.csrf import generate_csrf
from markupsafe import Markup, escape
from sqlalchemy import event
from sqlalchemy.orm import Session

from .extensions import cache, db, personal_cache
from .translation_domain import current_locale
from .ui import elder_mode_requested, text_size_requested

CATALOGUE = "catalogue"
_CHANGED = "learnhub_changed_contents"


# A content version lives far longer than any page: a full SimpleCache drops what expires
# soonest (and keys that never expire first of all), so the pages go before their version.
_VERSION_SECONDS = 24 * 3600


def content_version(name: str) -> int:
    """The current version of a kind of content (bumped on every committed change)."""
    key = f"version:{name}"
    version = cache.get(key)
    if version is None:
        # Lost: expired, pushed out of a full cache, or the cache restarted. Counting again
        # from 0 would bring back numbers that pages built before the loss are still kept
        # under, and serve them after a later edit; so it starts again from a number never
        # used: the time in nanoseconds. Of several workers finding it lost at once, the
        # first to add it wins.
        cache.add(key, time.time_ns(), timeout=_VERSION_SECONDS)
        version = cache.get(key)
    return version if version is not None else 0  # no working cache: nothing is kept


def bump_content_version(name: str) -> None:
    """Invalidate every fragment built from this kind of content."""
    key = f"version:{name}"
    content_version(name)  # a lost version starts again from a new number, never from 0
    # Atomic where the backend can (Redis INCR, which keeps the key's time to live); a plain
    # read-and-set elsewhere (SimpleCache's renews it for CACHE_DEFAULT_TIMEOUT only: lost
    # after that, it starts again from a new number, and pages are built anew, never stale).
    if cache.cache.inc(key) is None:
        cache.set(key, content_version(name) + 1, timeout=_VERSION_SECONDS)


def cached_value(name: str, parts: tuple, compute: Callable[[], object], content: str,
                 keep: Callable[[object], bool] | None = None, store: Cache = cache):  # fmt: skip
    """A public value (picklable), kept per page language and content version; a value
    ``keep`` refuses is returned but not kept (one made from a stand-in source). ``store``:
    ``personal_cache`` for one person's pages."""
    if not current_app.config.get("CACHE_FRAGMENTS", True):
        return compute()
    key = f"{name}:{current_locale()}:{content_version(content)}:{parts!r}"
    value = store.get(key)
    if value is None:
        value = compute()
        if keep is None or keep(value):
            store.set(key, value)
    return value


def cached_fragment(name: str, parts: tuple, render: Callable[[], str], content: str) -> Markup:
    """A rendered public fragment (HTML from our autoescaping templates)."""
    html = cached_value(f"fragment:{name}", parts, render, content)
    return Markup(html)  # noqa: S704 - rendered by our autoescaping templates


def digest_of(value) -> str:
    """A short key part naming ``value`` by its repr (plain rows a page shows, however many)."""
    return hashlib.blake2b(repr(value).encode(), digest_size=16).hexdigest()


_CSRF_PLACEHOLDER = "\x00csrf-token\x00"


def cached_page(
    name: str,
    render: Callable[[], str],
    content: str,
    renew_every: int | None = None,
    key: tuple = (),
    visitor: tuple | None = None,
    personal: bool = False,
) -> str:
    """A whole page, the same for everyone who asks for it alike.

    Signed-out visitors differ only by language, elder mode, text size and the address
    (all in the key) and by their CSRF token, which is cut out before caching and put
    back for each visitor. A signed-in visitor gets a fresh page, unless the caller passes
    ``visitor``, what the header shows of them (accounts.header_visitor(): role and unread
    count), which joins the key: for a page that shows them nothing of their own outside the
    header, or one whose ``key`` names all it shows of them, read from the database for this
    request — the rows themselves ("my learning"), or the owner and a state that names every
    record shown (creditbank.services.page_state) — so a change is a new key in every worker
    at once; such a page is ``personal``: kept in ``personal_cache``, apart from the pages
    everyone shares and for a shorter time (most people open their own a few times, and
    many people's pages would otherwise push the shared ones out). A visitor with a message
    waiting (a flash) gets a fresh page. ``renew_every``
    seconds also renews the page that often, for pages showing numbers that change without
    a commit (the rankings' boards); 0 never caches it. ``key``: more of what the page
    depends on (the search index's version).
    """
    if session.get("_flashes") or renew_every == 0:
        return render()
    if current_user.is_authenticated and not visitor:
        return render()
    token = generate_csrf()

    def render_without_token() -> str:
        return render().replace(token, _CSRF_PLACEHOLDER)

    bucket = int(time.time() // renew_every) if renew_every else 0
    parts = (request.full_path, elder_mode_requested(), text_size_requested(), bucket, *key)
    parts += visitor or ()  # () for a signed-out visitor
    store = personal_cache if personal else cache
    html = cached_value(f"page:{name}", parts, render_without_token, content, store=store)
    return html.replace(_CSRF_PLACEHOLDER, token)


def cached_body(
    name: str, render: Callable[[], str], content: str, renew_every: int | None = None
) -> Markup:
    """The public body of a page, for signed-in visitors too: what everyone asking for this
    address alike sees (no name, no CSRF token, no progress; those stay in the layout, built
    for each request). Kept like ``cached_page``'s pages: per address, language, elder mode,
    text size, content version and, with ``renew_every``, that many seconds (0: built each
    time)."""
    if renew_every == 0:
        return Markup(render())  # noqa: S704 - rendered by our autoescaping templates
    bucket = int(time.time() // renew_every) if renew_every else 0
    parts = (request.full_path, elder_mode_requested(), text_size_requested(), bucket)
    return cached_fragment(f"body:{name}", parts, render, content)


_FILL = re.compile("\x00fill([0-9])\x00")


def kept_layout(name: str, *parts, fills: tuple[str, ...] = (), caller) -> Markup:
    """A part of the layout kept for every visitor whose ``parts`` are alike, signed in or
    not: called from a template's ``{% call(…) kept_layout(…) %}`` block, which is rendered
    only when missing. ``parts`` must name everything the block shows that differs between
    visitors (the language and the script root are added); the CSRF token is cut out and put
    back for each request, and each of ``fills`` (this page's path…) reaches the block as a
    placeholder argument written where the value goes, put back escaped for each request.
    Kept under the catalogue's version (the site's name)."""
    placeholders = tuple(f"\x00fill{index}\x00" for index in range(len(fills)))
    token = generate_csrf()

    def render() -> str:
        return str(caller(*placeholders)).replace(token, _CSRF_PLACEHOLDER)

    html = cached_value(f"layout:{name}", (request.script_root, *parts), render, CATALOGUE)
    escaped = [str(escape(value)) for value in fills]
    # One pass: a value put in is never read again for placeholders (a path may hold \x00).
    html = _FILL.sub(lambda m: escaped[int(m.group(1))], html.replace(_CSRF_PLACEHOLDER, token))
    return Markup(html)  # noqa: S704 - rendered by our autoescaping templates


# ---- invalidation on commit ---------------------------------------------------------

_contents_of_model: dict[type, set[str]] = {}


def track_content(model: type, content: str) -> None:
    """Bump ``content``'s version whenever a commit inserts, changes or deletes ``model``
    (a model may be part of several contents: a course is the catalogue's and search's)."""
    _contents_of_model.setdefault(model, set()).add(content)


def bump_on_commit(content: str) -> None:
    """Bump ``content``'s version when the current transaction commits (not if it rolls
    back): for changes the ORM does not see, such as bulk UPDATEs and upserts. Bumping before
    the commit would let a request in between cache the old numbers under the new version."""
    db.session.info.setdefault(_CHANGED, set()).add(content)


def _note_changes(session: Session, _context) -> None:
    touched = session.info.setdefault(_CHANGED, set())
    for obj in (*session.new, *session.dirty, *session.deleted):
        touched.update(_contents_of_model.get(type(obj), ()))


def _bump_after_commit(session: Session) -> None:
    if session.in_nested_transaction():
        return  # a savepoint released: other visitors cannot see the change yet
    for content in session.info.pop(_CHANGED, ()):
        bump_content_version(content)


def _forget_after_rollback(session: Session) -> None:
    session.info.pop(_CHANGED, None)


def init_cache(app: Flask) -> None:
    cache.init_app(app)
    personal_cache.init_app(app, config={
        "CACHE_DEFAULT_TIMEOUT": app.config["PERSONAL_CACHE_SECONDS"],
        "CACHE_THRESHOLD": app.config["PERSONAL_CACHE_THRESHOLD"],
        "CACHE_KEY_PREFIX": app.config["CACHE_KEY_PREFIX"] + "personal:",
    })  # fmt: skip
    app.add_template_global(kept_layout)
    if not event.contains(Session, "after_flush", _note_changes):
        event.listen(Session, "after_flush", _note_changes)
        event.listen(Session, "after_commit", _bump_after_commit)
        event.listen(Session, "after_rollback", _forget_after_rollback)
