"""Every page type in every display mode, checked in a real browser (pages.py lists them).

One page load per page type and mode, then every check on it, so the whole matrix
stays quick; a failure lists each broken rule with the elements that break it.
"""

import pytest

from . import checks
from .checks import report
from .pages import DESKTOP, ELDER_LARGE, NARROWEST, PHONE, Mode, page_type_modes

pytestmark = pytest.mark.browser

ELDER_CONTROL_PX = 60


def elder_text_px(mode: Mode) -> int:
    """Elder mode's smallest text: 20 px, and 1.5 times that (30 px) after A+."""
    return 30 if mode.text_size == ELDER_LARGE.text_size else 20


def keyboard_walk(page, mode: Mode) -> tuple[list[dict], list[str]]:
    """Press Tab once round the page; return the focus stops and what was wrong.

    Some controls have several stops of their own (a date field's year, month and day; a
    player's buttons): focus staying on the same control counts as one stop. The walk ends
    when focus comes back to a control it has already been on.
    """
    controls = checks.number_controls(page)
    walk, problems = [], []
    for _ in range(3 * len(controls) + 30):  # ample: a full round ends the walk earlier
        page.keyboard.press("Tab")
        focus = checks.focus_state(page)
        if focus["control"] is not None and walk and focus["control"] == walk[-1]["control"]:
            continue  # another stop inside the same control
        if focus["control"] is not None and focus["control"] in [f["control"] for f in walk]:
            break
        walk.append(focus)
        if focus["element"] == "nothing":
            continue
        if not focus["shown"]:
            problems.append(f"no visible focus on {focus['element']}")
        if not focus["inView"]:
            problems.append(f"{focus['element']} is focused outside the window")
        small = min(focus["width"], focus["height"]) < ELDER_CONTROL_PX - 0.5
        if mode.elder and small and not focus["inline"]:
            problems.append(f"{focus['element']} is smaller than 60×60 when focused")
    reached = {focus["control"] for focus in walk}
    problems += [
        f"never reached by Tab: {what}" for n, what in controls.items() if n not in reached
    ]
    # From the top of the page: the skip link, the site's name, then the elder mode switch.
    order = [focus["element"] for focus in walk]
    top = next((i for i, element in enumerate(order) if ".skip-link" in element), None)
    switch = next((i for i, element in enumerate(order) if ".mode-switch" in element), None)
    if top is None or switch is None or (switch - top) % len(order) != 2:
        problems.append(f"the elder mode switch is not the third Tab stop: {order[:6]}")
    return walk, problems


PAGE_MODES = [pytest.param(page, mode, id=f"{page}-{mode}") for page, mode in page_type_modes()]


@pytest.mark.parametrize(("page_type", "mode"), PAGE_MODES)
def test_page_is_accessible(request, visitor, page_type, mode):
    """axe-core, headings, keyboard and focus; in elder mode its sizes, spacing, contrast
    and single column; at 320 px, with WCAG text spacing and at 200% text: nothing lost."""
    problems: dict[str, list[str]] = {}
    content = request.getfixturevalue("site_content") if page_type.needs_content else None
    page = visitor.open(page_type, mode, viewport=PHONE, content=content)
    assert page.get_attribute("html", "lang") == mode.lang
    assert page.title().strip(" ·"), "the page has no title"

    switch = page.locator(".mode-switch").bounding_box()
    if switch["y"] + switch["height"] > PHONE["height"]:
        problems["elder mode switch"] = ["not in the first screen of a phone"]
    if mode.elder:
        text_px = elder_text_px(mode)
        body_px = page.evaluate("parseFloat(getComputedStyle(document.body).fontSize)")
        problems[f"body text {text_px}px or more"] = [f"{body_px}px"] if body_px < text_px else []
        problems[f"text under {text_px}px"] = checks.small_text(page, text_px)
        problems["line height under 1.5"] = checks.tight_lines(page, 1.5)
        problems["paragraphs closer than 1.3 line heights"] = checks.close_paragraphs(page, 1.3)
        problems["controls under 60×60px"] = checks.small_targets(page, ELDER_CONTROL_PX)
        problems["text contrast under 7:1"] = checks.low_contrast(page, 7.0)
        problems["content in more than one column"] = checks.side_by_side_blocks(page)
    problems["floating, moving or popping up"] = checks.restless_content(page)
    problems["players that cannot play their file"] = checks.broken_media(page)
    if not mode.size_checks_only:
        problems["keyboard"] = keyboard_walk(page, mode)[1]

    page.set_viewport_size(NARROWEST)
    problems["at 320px"] = checks.overflow(page)
    checks.add_style(page, checks.TEXT_SPACING)
    problems["at 320px with WCAG 1.4.12 text spacing"] = checks.overflow(page)
    checks.remove_styles(page)
    page.set_viewport_size(DESKTOP)
    if mode.text_size == "standard":  # A+ is itself a 150% step: 200% of it is not asked
        checks.add_style(page, checks.TEXT_200_PERCENT)
        problems["with 200% text"] = checks.overflow(page)
        checks.remove_styles(page)

    if not mode.size_checks_only:
        problems["axe-core"] = checks.axe_problems(page)
    problems["headings"] = checks.heading_problems(page)
    problems["requests to other origins"] = visitor.foreign_requests()
    found = [f"{rule}: {item}" for rule, items in problems.items() for item in items]
    assert not found, report(f"{page_type} in {mode} mode", found)
