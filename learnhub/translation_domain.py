"""Flask-Babel reading each locale's catalogue from its conventional folder (zh_CN, en).

A module of its own, below ``extensions`` (which creates the Babel object) and ``i18n``
(which decides a page's locale), so neither has to import the other.
"""

from __future__ import annotations

from functools import cached_property, lru_cache

import flask_babel
from babel import Locale
from babel.support import NullTranslations, Translations


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


class CatalogueDomain(flask_babel.Domain):
    """Flask-Babel's domain, reading each locale's catalogue from its conventional folder."""

    def get_translations(self):
        locale = flask_babel.get_locale()
        if locale is None:
            return NullTranslations()
        key = (str(locale), self.domain[0])
        cache = self.get_translations_cache(None)
        if key not in cache:
            names = [catalogue_name(locale), locale.language]
            translations = Translations()
            for dirname in self.translation_directories:
                catalogue = Translations.load(dirname, names, self.domain[0])
                translations.merge(catalogue)
                if hasattr(catalogue, "plural"):
                    translations.plural = catalogue.plural
            cache[key] = translations
        return cache[key]


class LearnhubBabel(flask_babel.Babel):
    """Flask-Babel, with the catalogue lookup above."""

    @cached_property
    def domain_instance(self):
        return CatalogueDomain(domain=self.domain)
