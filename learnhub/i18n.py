"""Languages: which locale a page is in, and the translation catalogue commands."""

from __future__ import annotations

from datetime import UTC
from functools import lru_cache
from pathlib import Path
from zoneinfo import ZoneInfo

import click
import flask_babel
from babel import Locale
from babel.messages.frontend import CommandLineInterface
from babel.messages.pofile import read_po, write_po
from flask import Flask, current_app, has_request_context, request
from flask.cli import AppGroup
from flask_login import current_user

from .config import PROJECT_ROOT
from .extensions import babel
from .translation_domain import catalogue_name, current_locale, parsed_locale

LOCALE_COOKIE = "learnhub_locale"
TRANSLATIONS_DIR = PROJECT_ROOT / "translations"
TEMPLATE_FILE = TRANSLATIONS_DIR / "messages.pot"
SOURCE_LOCALE = "en"  # msgids are written in English, so the English catalogue copies them


def select_locale() -> Locale:
    """The user's saved choice, else the visitor's cookie, else the site default (also for
    commands and jobs, which have no visitor)."""
    supported = current_app.config["LANGUAGES"]
    if not has_request_context():
        return parsed_locale(current_app.config["BABEL_DEFAULT_LOCALE"])
    if current_user and current_user.is_authenticated and current_user.locale in supported:
        return parsed_locale(current_user.locale)
    cookie = request.cookies.get(LOCALE_COOKIE)
    if cookie in supported:
        return parsed_locale(cookie)
    return parsed_locale(current_app.config["BABEL_DEFAULT_LOCALE"])


def html_lang(locale: Locale | str) -> str:
    """The BCP 47 tag for <html lang>: zh-CN, en."""
    return _html_lang(str(locale))


@lru_cache(maxsize=64)
def _html_lang(identifier: str) -> str:
    return catalogue_name(parsed_locale(identifier)).replace("_", "-")


def _pybabel(*args: str) -> None:
    CommandLineInterface().run(["pybabel", "-q", *args])


def extract_messages(output: Path = TEMPLATE_FILE) -> None:
    """Write every translatable string of the source into a .pot template."""
    _pybabel(
        "extract",
        "-F", str(PROJECT_ROOT / "babel.cfg"),
        "-k", "_l",
        "--no-location",
        "--sort-output",
        "--project", "learnhub",
        "-o", str(output),
        str(PROJECT_ROOT / "learnhub"),
    )  # fmt: skip


def fill_source_catalogue(locale: str = SOURCE_LOCALE) -> int:
    """Copy msgids into the English catalogue's empty entries; return how many."""
    po_path = TRANSLATIONS_DIR / locale / "LC_MESSAGES" / "messages.po"
    with po_path.open("rb") as handle:
        catalog = read_po(handle, locale=locale)
    filled = 0
    for message in catalog:
        if not message.id:
            continue
        if isinstance(message.id, tuple):
            if not all(message.string):
                message.string = (message.id[0], *[message.id[1]] * (catalog.num_plurals - 1))
                filled += 1
        elif not message.string:
            message.string = message.id
            filled += 1
        message.flags.discard("fuzzy")
    with po_path.open("wb") as handle:
        write_po(handle, catalog, width=100, omit_header=False, no_location=True)
    return filled


def compile_catalogues() -> None:
    """Build the .mo files the site reads (never edited by hand, never committed)."""
    _pybabel("compile", "-d", str(TRANSLATIONS_DIR), "--statistics")


translations_cli = AppGroup("translations", help="Extract, update and compile translations.")


@translations_cli.command("update")
def update_command():
    """Extract strings and merge them into every catalogue (English filled from source)."""
    extract_messages()
    _pybabel(
        "update", "-i", str(TEMPLATE_FILE), "-d", str(TRANSLATIONS_DIR),
        "--no-fuzzy-matching", "--ignore-obsolete", "-w", "100",
    )  # fmt: skip
    filled = fill_source_catalogue()
    click.echo(f"Catalogues updated; {filled} English entries filled from source.")
    click.echo("Now translate the new entries in translations/zh_CN, then compile.")


@translations_cli.command("compile")
def compile_command():
    """Compile every catalogue into .mo files."""
    compile_catalogues()


# Numeric date patterns read the same in every language: written with strftime in the
# visitor's time zone, as Babel would (Babel parses the pattern and formats field by field on
# each call: a tenth of a credit statement's page went to its dates).
_NUMERIC_PATTERNS = {
    "yyyy-MM-dd HH:mm": "%Y-%m-%d %H:%M",
    "yyyy-MM-dd HH:mm:ss": "%Y-%m-%d %H:%M:%S",
    "yyyy-MM-dd": "%Y-%m-%d",
    "HH:mm": "%H:%M",
}


@lru_cache(maxsize=8)
def zone_named(name: str) -> ZoneInfo:
    """The standard library's zone of this name, made once (its conversions are C code, a
    tenth of the cost of pytz's, which Flask-Babel hands out)."""
    return ZoneInfo(name)


def format_datetime(datetime=None, format=None, rebase=True) -> str:
    """Flask-Babel's format_datetime, faster for the numeric patterns above: converted with
    the standard library's zone of the visitor's time zone rather than pytz's (a statement of
    twenty entries spent a tenth of its page in pytz)."""
    pattern = _NUMERIC_PATTERNS.get(format)
    if pattern is None or datetime is None or not rebase:
        return flask_babel.format_datetime(datetime, format, rebase)
    if datetime.tzinfo is None:  # stored moments are UTC, as Flask-Babel assumes
        datetime = datetime.replace(tzinfo=UTC)
    return datetime.astimezone(zone_named(flask_babel.get_timezone().zone)).strftime(pattern)


def _translations():
    return babel.domain_instance.get_translations()  # the domain is built on first use


def init_i18n(app: Flask) -> None:
    babel.init_app(app, locale_selector=select_locale)
    app.cli.add_command(translations_cli)
    app.jinja_env.filters["html_lang"] = html_lang
    # Templates translate through our one domain directly: Flask-Babel's callables first look
    # up which domain the request uses (one per string, a page has up to a hundred and more).
    app.jinja_env.install_gettext_callables(
        gettext=lambda s: _translations().ugettext(s),
        ngettext=lambda s, p, n: _translations().ungettext(s, p, n),
        pgettext=lambda c, s: _translations().upgettext(c, s),
        npgettext=lambda c, s, p, n: _translations().unpgettext(c, s, p, n),
        newstyle=True,
    )
    app.jinja_env.globals.update(
        get_locale=current_locale,
        format_date=flask_babel.format_date,
        format_datetime=format_datetime,
        format_number=flask_babel.format_decimal,
    )
