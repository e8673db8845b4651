"""Page-level helpers every feature's templates and views share."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from urllib.parse import urlsplit

from babel import Locale
from flask import Flask, current_app, redirect, request, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from .translation_domain import current_locale

ELDER_MODE_COOKIE = "learnhub_elder_mode"
TEXT_SIZE_COOKIE = "learnhub_text_size"
TEXT_SIZES = ("standard", "large")  # "large" is 1.5 times the mode's own text size

# The short navigation of every page; elder mode shows it as a few big buttons.
# An entry appears once its feature registers the endpoint, so pages join it by existing.
PRIMARY_NAV = (
    ("catalogue.index", _l("Study courses")),
    ("learning.my_learning", _l("My learning")),
    ("creditbank.account", _l("My credits")),
    ("activities.index", _l("Activities")),
    ("places.map_page", _l("Learning map")),
    ("main.help_page", _l("Help")),
)


@dataclass(frozen=True)
class NavLink:
    """One entry of the short navigation."""

    label: str
    url: str
    current: bool


def elder_mode_requested() -> bool:
    """Whether this page is shown in elder mode: switched on for the account or this device.

    Either is enough, so an elder who turned it on before signing in keeps it after
    signing in; the switch always sets both, so turning it off also turns off both.
    """
    on_this_device = request.cookies.get(ELDER_MODE_COOKIE) == "on"
    if current_user and current_user.is_authenticated:
        return current_user.elder_mode or on_this_device
    return on_this_device


def text_size_requested() -> str:
    """This device's text size step, one of TEXT_SIZES (kept in a cookie only)."""
    size = request.cookies.get(TEXT_SIZE_COOKIE)
    return size if size in TEXT_SIZES else TEXT_SIZES[0]


def has_endpoint(endpoint: str) -> bool:
    """Whether a page exists in this installation (features link to each other by it)."""
    return endpoint in current_app.view_functions


_NAV_VARIANTS = 16  # languages × script roots kept; more (a forged prefix) are built each time


def primary_nav() -> list[NavLink]:
    """The short navigation's entries whose pages exist.

    Their labels and addresses are the same for every visitor of a language (on every page of
    a signed-in visitor): built once per language and script root, kept by the app.
    """
    key = (str(current_locale()), request.script_root)
    kept = current_app.extensions.setdefault("learnhub_primary_nav", {})
    entries = kept.get(key)
    if entries is None:
        entries = tuple(
            (endpoint, str(label), url_for(endpoint))
            for endpoint, label in PRIMARY_NAV
            if has_endpoint(endpoint)
        )
        if len(kept) < _NAV_VARIANTS:
            kept[key] = entries
    return [NavLink(label, url, request.endpoint == endpoint) for endpoint, label, url in entries]


def is_site_path(target: str) -> bool:
    """Whether ``target`` is a path on this site ("/me/credits"), never an address that
    leaves it: no scheme, no host, no "//" or backslash a browser reads as another host."""
    if not target.startswith("/") or target.startswith("//") or "\\" in target:
        return False
    if any(ord(character) < 32 or ord(character) == 127 for character in target):
        return False  # browsers drop tabs and newlines: "/\t/evil.example" is "//evil.example"
    parts = urlsplit(target)
    return not (parts.scheme or parts.netloc)


def safe_next_url(default: str) -> str:
    """The ``next`` target of this request if it stays on this site, else ``default``."""
    target = request.values.get("next", "")
    return target if is_site_path(target) else default


def current_path() -> str:
    """This page's path and query, to come back to after a preference change."""
    return request.full_path if request.query_string else request.path


def language_name(code: str) -> str:
    """A language's name in that language (中文, English): never translated."""
    locale = Locale.parse(code)
    return locale.get_language_name(locale).capitalize()


MAX_PAGE = 10_000  # deeper than any list goes; a larger ?page= is read as this


def page_number() -> int:
    """The ``?page=`` this request asks for: a whole number from 1 to MAX_PAGE.

    Anything else (missing, text, 0, negative, a number with a thousand digits) is page 1
    or MAX_PAGE, never an error: an offset that large would overflow the database's integers.
    """
    text = request.args.get("page", "")
    if not text.isdigit() or len(text) > 6:
        return MAX_PAGE if text.isdigit() else 1
    return min(max(int(text), 1), MAX_PAGE)


def site_url_for(endpoint: str, **values) -> str:
    """An absolute address on this site for links that leave the page (mails, printed QR
    codes, links handed over): from SITE_URL, never from the request's Host header, which
    the client chooses (a reset link built from it would mail the token to the attacker's
    host). Without SITE_URL (a site only ever used at one address) the request's address."""
    site = current_app.config.get("SITE_URL")
    if site:
        return site.rstrip("/") + url_for(endpoint, **values)
    return url_for(endpoint, _external=True, **values)


def canonical_redirect(allowed: Mapping[str, Collection[str]] | None = None):
    """A redirect to this page's own address with only valid query arguments, if it has others.

    ``allowed`` maps each argument the page reads to the values it takes (``page`` takes a
    whole number, see :func:`page_number`). Anything else — unknown arguments, values not
    offered, a second copy of an argument, the default page 1 — is left out. Whole pages are
    cached by address (cache.cached_page), so only these addresses can fill the cache.
    """
    allowed = allowed or {}
    canonical = {}
    for name, values in allowed.items():
        value = request.args.get(name, "")
        if name == "page":
            if page_number() > 1:
                canonical[name] = str(page_number())
        elif value and value in values:
            canonical[name] = value
    given = list(request.args.items(multi=True))
    if sorted(given) == sorted(canonical.items()):
        return None
    return redirect(url_for(request.endpoint, **(request.view_args or {}), **canonical))


def page_url(page: int, anchor: str | None = None) -> str:
    """This page's address with the same filters (query arguments), on another page."""
    args = request.args.to_dict()
    args["page"] = page
    return url_for(request.endpoint, **(request.view_args or {}), **args, _anchor=anchor)


def _template_globals() -> dict:
    return {
        "elder_mode": elder_mode_requested(),
        "text_size": text_size_requested(),
        "text_sizes": TEXT_SIZES,
        "has_endpoint": has_endpoint,
        "primary_nav": primary_nav,
        "current_path": current_path(),
        "languages": current_app.config["LANGUAGES"],
        "language_name": language_name,
    }


def init_ui(app: Flask) -> None:
    app.context_processor(_template_globals)
    app.add_template_global(page_url)  # a global, so imported macros (pager) see it too
    app.add_template_global(site_url_for)
