"""Flask-Babel reading each locale's catalogue from its conventional folder (zh_CN, en).

A module of its own, below ``extensions`` (which creates the Babel object) and ``i18n``
(which decides a page's locale), so neither has to import the other.
"""

from __future__ import annotations

from functools import cached_property, lru_cache

import flask_babel
from babel import Locale
from babel.support import NullTranslations, Translations
from flask import g


@lru_cache(maxsize=16)
def parsed_locale(identifier: str) -> Locale:
    """Locale.parse, once per identifier: it is slow (it normalises against every locale)."""
    return Locale.parse(identifier)


def catalogue_name(locale: Locale) -> str:
    """The folder of a locale's catalogue: zh_CN, en.

    Babel ≥ 2.18 parses zh_CN as zh_Hans_CN (it adds the likely script), which no
    gettext lookup maps back to the conventional ``translations/zh_CN`` folder.
    """
    return f"{locale.language}_{locale.territory}" if locale.territory else locale.language


def current_locale() -> Locale | None:
    """``flask_babel.get_locale()`` with one look-up of the request's Babel state instead of
    three: every translated string, number and date asks, a hundred times and more a page.
    The state is Flask-Babel's (``g._flask_babel.babel_locale``, set by ``get_locale``,
    ``force_locale`` and ``refresh``); when it holds no locale yet, Flask-Babel chooses one."""
    try:
        state = g.get("_flask_babel")
    except RuntimeError:  # no app context: no locale, as Flask-Babel answers
        return None
    locale = getattr(state, "babel_locale", None)
    return locale if locale is not None else flask_babel.get_locale()


class CatalogueDomain(flask_babel.Domain):
    """Flask-Babel's domain, reading each locale's catalogue from its conventional folder."""

    def get_translations(self):
        locale = current_locale()
        if locale is None:
            return NullTranslations()
        cache = self.get_translations_cache(None)
        try:
            return cache[locale]  # a Locale hashes on its parts: cheaper than str(locale)
        except KeyError:
            pass
        names = [catalogue_name(locale), locale.language]
        translations = Translations()
        for dirname in self.translation_directories:
            catalogue = Translations.load(dirname, names, self.domain[0])
            translations.merge(catalogue)
            if hasattr(catalogue, "plural"):
                translations.plural = catalogue.plural
        cache[locale] = translations
        return translations


class LearnhubBabel(flask_babel.Babel):
    """Flask-Babel, with the catalogue lookup above."""

    @cached_property
    def domain_instance(self):
        return CatalogueDomain(domain=self.domain)
