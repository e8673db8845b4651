"""Screenshots of the key pages in both modes for docs/screenshots/ (on request only).

.venv/bin/python -m pytest tests/browser -k screenshots --screenshots
"""

import os
from pathlib import Path

import pytest

from learnhub.config import PROJECT_ROOT

from .pages import DESKTOP, ELDER, ELDER_LARGE, NORMAL, PAGE_TYPES, PHONE

pytestmark = [pytest.mark.browser, pytest.mark.screenshots]

# LEARNHUB_SCREENSHOTS_DIR=/somewhere: take them elsewhere, to look before replacing these.
SCREENSHOTS = Path(
    os.environ.get("LEARNHUB_SCREENSHOTS_DIR", PROJECT_ROOT / "docs" / "screenshots")
)
PAGES = {page_type.name: page_type for page_type in PAGE_TYPES}
SHOTS = [
    # (page type, mode, window)
    *[
        (name, mode, "desktop")
        for name in (
            "home",
            "register-errors",
            "account",
            "staff-city",
            "catalogue",
            "course-enrolled",
            "lesson-video",
            "lesson-quiz-result",
            "credits",
            "verify-certificate",
            "rankings",
            "search-empty",
            "studio-course",
            "staff-submissions-board",
            "selections-winners",
            "staff-selection-ranking",
        )
        for mode in (NORMAL, ELDER)
    ],
    *[
        (name, mode, "phone")
        for name in ("home", "login", "help", "not-found", "lesson-text", "my-learning")
        for mode in (NORMAL, ELDER)
    ],
    ("home", ELDER_LARGE, "phone"),
    ("register", ELDER_LARGE, "phone"),
    ("lesson-audio", ELDER_LARGE, "phone"),
]
WINDOWS = {"desktop": DESKTOP, "phone": PHONE}


@pytest.mark.layout  # taken once, on SQLite
@pytest.mark.parametrize(("name", "mode", "window"), SHOTS, ids=lambda value: str(value))
def test_screenshots(request, visitor, name, mode, window):
    page_type = PAGES[name]
    content = request.getfixturevalue("site_content") if page_type.needs_content else None
    page = visitor.open(page_type, mode, viewport=WINDOWS[window], content=content)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}-{mode}-{window}.png"
    page.screenshot(path=str(path), full_page=True, animations="disabled", caret="initial")
    assert path.stat().st_size > 10_000, "an empty screenshot"
