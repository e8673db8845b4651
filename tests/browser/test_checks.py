"""The page checks see real problems: each is shown a page broken on purpose.

Without this, a check that silently finds nothing (a selector that matches no
element, say) would let every page pass.
"""

import pytest

from . import checks
from .pages import ELDER, NARROWEST, NORMAL, PAGE_TYPES

pytestmark = pytest.mark.browser

ACCOUNT = next(page_type for page_type in PAGE_TYPES if page_type.name == "account")


def test_checks_find_what_normal_mode_does_not_promise(visitor):
    page = visitor.open(ACCOUNT, NORMAL)
    assert any("16px" in problem for problem in checks.small_text(page, 20))
    assert any("44" in problem for problem in checks.small_targets(page, 60))
    assert checks.close_paragraphs(page, 1.3) or checks.tight_lines(page, 1.7)
    assert any("dt" in problem for problem in checks.side_by_side_blocks(page))  # two columns


def test_checks_find_breakage_added_to_an_elder_page(visitor):
    page = visitor.open(ACCOUNT, ELDER)
    assert checks.low_contrast(page, 7) == checks.tight_lines(page, 1.5) == []
    assert checks.small_targets(page, 60) == []
    checks.add_style(
        page,
        """
        main h1 { color: #777; }
        main dd { line-height: 1.1; }
        main .button { min-height: 0; padding: 0; }
        main h2 { position: sticky; top: 0; }
        main form { width: 2000px; }
        :focus-visible { outline: none; box-shadow: none; }
        """,
    )
    assert any("h1" in problem for problem in checks.low_contrast(page, 7))
    assert any("dd" in problem for problem in checks.tight_lines(page, 1.5))
    assert any("button" in problem for problem in checks.small_targets(page, 60))
    assert any("sticky" in problem for problem in checks.restless_content(page))
    page.evaluate("document.querySelector('label[for=display_name]').remove()")
    assert any(problem.startswith("[critical] label:") for problem in checks.axe_problems(page))
    page.set_viewport_size(NARROWEST)
    assert any("wide" in problem for problem in checks.overflow(page))
    checks.number_controls(page)
    page.keyboard.press("Tab")
    assert checks.focus_state(page)["shown"] is False


def test_checks_find_broken_and_small_players_and_count_a_radio_group_once(visitor):
    page = visitor.open(ACCOUNT, ELDER)
    page.evaluate(
        """() => {
          const main = document.querySelector('main');
          main.insertAdjacentHTML('beforeend',
            '<video controls src="/media/video/no-such-file.mp4"></video>' +
            '<audio controls class="tiny"></audio>' +
            '<form><input type=radio name=q id=r1><label for=r1>甲</label>' +
            '<input type=radio name=q id=r2><label for=r2>乙</label></form>');
        }"""
    )
    page.wait_for_function("() => document.querySelector('main video').error !== null")
    assert any("no-such-file.mp4" in problem for problem in checks.broken_media(page))
    checks.add_style(page, "main audio.tiny { min-height: 0; height: 30px; }")
    assert any(problem.startswith("audio") for problem in checks.small_targets(page, 60))
    controls = checks.number_controls(page)
    numbers = page.eval_on_selector_all(
        "main input[type=radio]", "els => els.map(el => el.dataset.control)"
    )
    assert numbers[0] == numbers[1] and numbers[0] in controls, "a radio group is one Tab stop"
