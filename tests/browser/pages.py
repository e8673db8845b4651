"""The page types and display modes every browser test walks through: extend them here.

A new feature adds its pages to PAGE_TYPES (one line each) and is then checked by axe,
the elder-mode rules, reflow, text spacing and the keyboard walk like every other page.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class PageType:
    """A kind of page: where it is, who looks at it and what it answers."""

    name: str
    path: str
    status: int = 200
    user: str | None = None  # "learner", "city_staff" or "province_staff": signs in first
    submit_empty_form: bool = False  # show the page with the errors of an empty form

    def __str__(self) -> str:
        return self.name


@dataclass(frozen=True)
class Mode:
    """How the page is shown: the preferences a person can choose in the header."""

    name: str
    elder: bool = False
    text_size: str = "standard"
    locale: str = "zh_CN"
    # A mode that only makes text larger gets the checks that depend on size; axe and the
    # keyboard walk at that size run in the English twin of the mode (quicker suite).
    size_checks_only: bool = False

    def __str__(self) -> str:
        return self.name

    @property
    def cookies(self) -> dict[str, str]:
        return {
            "learnhub_elder_mode": "on" if self.elder else "off",
            "learnhub_text_size": self.text_size,
            "learnhub_locale": self.locale,
        }

    @property
    def lang(self) -> str:
        return self.locale.replace("_", "-")


PAGE_TYPES = [
    PageType("home", "/"),
    PageType("help", "/help"),
    PageType("login", "/login"),
    PageType("register", "/register"),
    PageType("register-errors", "/register", status=400, submit_empty_form=True),
    PageType("account", "/me/account", user="learner"),
    PageType("password", "/me/password", user="learner"),
    PageType("staff-dashboard", "/staff/", user="province_staff"),
    PageType("staff-city", "/staff/cities/210100", user="city_staff"),
    PageType("not-found", "/no-such-page", status=404),
    PageType("forbidden", "/staff/", status=403, user="learner"),
]

NORMAL = Mode("normal")
ELDER = Mode("elder", elder=True)
ELDER_LARGE = Mode("elder-large", elder=True, text_size="large", size_checks_only=True)
ELDER_LARGE_EN = Mode("elder-large-en", elder=True, text_size="large", locale="en")

BOTH_MODES = [NORMAL, ELDER]
EVERY_LAYOUT = [NORMAL, ELDER, ELDER_LARGE, ELDER_LARGE_EN]  # English words break less

DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 360, "height": 640}
NARROWEST = {"width": 320, "height": 640}  # WCAG 1.4.10: 320 CSS px, no sideways scroll
