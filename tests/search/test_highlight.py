"""The searched words marked in results: where they stand, escaped, in the passage that has them."""

from __future__ import annotations

import pytest

from learnhub.search.highlight import highlight
from tests.search.helpers import SEARCH_BACKENDS, add_course, app_with_search_backend


@pytest.fixture(params=SEARCH_BACKENDS)
def app(request, app_factory, backend):
    return app_with_search_backend(request.param, app_factory, backend)


def test_a_word_deep_in_a_long_lesson_is_shown_marked_in_its_passage(app):
    filler = "社区居民每周在文化中心一起学习书法和绘画。" * 40  # 800 characters before the word
    with app.app_context():
        body = f"<p>{filler}最后讲反诈骗的常识：陌生来电要核实。</p>"
        add_course("书画课堂", "", [("第三讲", body)], module="reading")
    html = app.test_client().get("/search?q=陌生来电").get_data(as_text=True)
    snippet = html.split('class="search-hit-snippet">')[1].split("</p>")[0]
    assert "<mark" in snippet and "来电</mark>要核实" in snippet
    assert len(snippet) < 400  # the passage, not the lesson


def test_the_texts_own_markup_is_shown_as_text():
    html = highlight("<script>alert(1)</script> 用手机 & 电脑", frozenset({"手机"}))
    assert html == ('&lt;script&gt;alert(1)&lt;/script&gt; 用<mark class="match term0">手机'
                    "</mark> &amp; 电脑")  # fmt: skip


def test_the_longest_term_wins_where_terms_overlap():
    html = highlight("学用智能手机", frozenset({"手机", "智能手机"}), whole=True)
    assert html == '学用<mark class="match term1">智能手机</mark>'


def test_latin_words_are_marked_whole_when_their_stem_was_searched():
    html = highlight("Studies show that walking helps; a walkway does not.",
                     frozenset({"studi", "walk"}), whole=True)  # fmt: skip
    assert "<mark" in html and ">Studies</mark>" in html and ">walking</mark>" in html
    assert ">walkway" not in html  # its stem is "walkway": another word


def test_two_passages_with_the_most_terms_in_text_order():
    text = ("太极拳是传统运动。" + "晨练的人很多。" * 30 + "八段锦和太极拳都适合长辈。"
            + "公园里很热闹。" * 30 + "八段锦简单易学。")  # fmt: skip
    html = highlight(text, frozenset({"太极拳", "八段锦"}), length=60)
    first, second = html.split("…")
    assert first.startswith("<mark") and ">太极拳</mark>是传统运动" in first  # the earlier
    assert "八段锦</mark>和" in second and "太极拳</mark>都适合" in second  # both terms
    assert "简单易学" not in html  # a third passage is not shown


def test_nothing_to_mark_gives_nothing():
    assert highlight("今天天气很好", frozenset({"手机"})) is None
    assert highlight("", frozenset({"手机"})) is None
    assert highlight("手机", frozenset()) is None
