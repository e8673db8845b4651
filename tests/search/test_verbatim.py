"""Nothing typed verbatim from a title is lost (issue 17): every run of 2 to 8 Chinese
characters of a title finds that title, however jieba cuts the run and the title.

Over the whole demo catalogue (every published course and lesson title, every run: not a
sample) and over titles generated from jieba's own dictionary; and words still rank first.
"""

from __future__ import annotations

import tempfile
from collections import defaultdict
from datetime import UTC, datetime

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from learnhub.catalogue.demo import load_demo_courses
from learnhub.catalogue.models import Course, CourseStatus
from learnhub.extensions import db
from learnhub.search import index as index_module
from learnhub.search import services, sync, text
from learnhub.search.index import SearchIndex
from learnhub.search.results import MAX_RESULTS
from learnhub.search.schema import SearchDocument
from tests.search.helpers import add_course, commit_and_index, indexed_keys
from tests.test_places_search import add_activity, add_place

SHORTEST, LONGEST = 2, 8


def verbatim_runs(title: str) -> set[str]:
    """Every contiguous run of 2..8 characters of each Chinese run of ``title``."""
    runs = set()
    for chinese in text.CJK_RUN.findall(text.normalise(title)):
        for size in range(SHORTEST, LONGEST + 1):
            runs.update(chinese[i : i + size] for i in range(len(chinese) - size + 1))
    return runs


def missed(index: SearchIndex, titles: dict[tuple[str, int], str]) -> list[tuple[str, str]]:
    """(run, title) for every run of a title whose search does not return that document."""
    expected: dict[str, set[tuple[str, int]]] = defaultdict(set)
    for key, title in titles.items():
        for run in verbatim_runs(title):
            expected[run].add(key)
    lost = []
    for run, keys in sorted(expected.items()):
        found = {(hit.kind, hit.object_id) for hit in index.search(run, limit=MAX_RESULTS).hits}
        lost += [(run, titles[key]) for key in sorted(keys - found)]
    return lost


# ---- the demo catalogue, every title, every run --------------------------------------------


def test_every_run_of_every_demo_title_finds_its_course_or_lesson(app):
    with app.app_context():
        load_demo_courses()
        commit_and_index()
        titles: dict[tuple[str, int], str] = {}
        published = select(Course).where(Course.status == CourseStatus.PUBLISHED)
        for course in db.session.scalars(published):
            titles["course", course.id] = course.title
            titles.update({("lesson", lesson.id): lesson.title for lesson in course.lessons})
        runs = sum(len(verbatim_runs(title)) for title in titles.values())
        assert len(titles) > 150 and runs > 4000  # the whole catalogue, not a handful
        assert missed(sync.search_index(), titles) == []


# ---- generated titles, of kinds course, lesson, activity and place ---------------------------


def _dictionary_words() -> list[str]:
    # jieba's own dictionary (loaded by text), so titles are made of words it knows and
    # cuts in surprising ways once they stand side by side.
    frequencies = text._jieba().dt.FREQ
    return sorted(
        word
        for word, count in frequencies.items()
        if count > 0 and 1 <= len(word) <= 4 and text.CJK_RUN.fullmatch(word)
    )


WORDS = _dictionary_words()
KINDS = ("course", "lesson", "activity", "place")
SEPARATORS = ("", "", "", "：", " ", "·", "abc")

title_strategy = st.lists(
    st.tuples(st.sampled_from(WORDS), st.sampled_from(SEPARATORS)), min_size=1, max_size=5
).map(lambda parts: "".join(word + separator for word, separator in parts).strip())


def document(kind: str, number: int, title: str) -> SearchDocument:
    return SearchDocument(
        kind=kind,
        object_id=number,
        course_id=number if kind in ("course", "lesson") else None,
        module="reading" if kind in ("course", "lesson") else "",
        published=datetime(2026, 1, 1, tzinfo=UTC),
        title=title,
    )


def test_every_run_of_generated_titles_finds_its_document(tmp_path):
    """Titles built from jieba's dictionary words, several per index, of every kind."""
    index = SearchIndex(tmp_path / "index")
    checked: list[int] = []

    @given(titles=st.lists(title_strategy, min_size=1, max_size=4))
    @settings(max_examples=20, deadline=None, database=None, derandomize=True,
              suppress_health_check=list(HealthCheck))  # fmt: skip
    def every_run_finds_its_title(titles):
        documents = [
            document(KINDS[number % len(KINDS)], number, title)
            for number, title in enumerate(titles, start=1)
        ]
        index.rebuild(documents)
        keyed = {(doc.kind, doc.object_id): doc.title for doc in documents}
        assert missed(index, keyed) == []
        checked.append(sum(len(verbatim_runs(title)) for title in titles))

    try:
        every_run_finds_its_title()
    finally:
        index.close()
    assert sum(checked) > 300


def test_every_run_of_a_place_and_an_activity_finds_it(app):
    """Through the places and activities features, as test_places_search.py adds them."""
    with app.app_context():
        place = add_place("和平区鸭绿江街道市民学习中心")
        activity = add_activity("抗美援朝精神读书分享会", place)
        titles = {("place", place.id): place.name, ("activity", activity.id): activity.title}
        db.session.rollback()
        assert missed(sync.search_index(), titles) == []


def test_the_runs_the_issue_names_find_their_title():
    """鸭绿江 → 绿江, 抗美援朝精神 → 援朝精神: jieba cuts them apart from their title."""
    with tempfile.TemporaryDirectory() as folder:
        index = SearchIndex(folder)
        index.rebuild([document("course", 1, "跨过鸭绿江：抗美援朝精神永放光芒"),
                       document("course", 2, "绿色江南水乡")])  # fmt: skip
        try:
            for typed in ("绿江", "援朝精神", "鸭绿江", "美援朝精", "过鸭绿"):
                assert [hit.object_id for hit in index.search(typed).hits] == [1], typed
        finally:
            index.close()


# ---- ranking: words first --------------------------------------------------------------------


def test_a_title_with_the_word_ranks_above_one_with_its_characters_across_words(app):
    with app.app_context():
        # 政党 + 史料: 党史 only across a word boundary; more popular, and shorter.
        across = add_course("政党史料汇编", "", module="reading", enrolments=5000).id
        word = add_course("百年党史学堂", "", module="reading").id
        in_summary = add_course("红色故事会", "讲党史故事。", module="reading").id
        found = indexed_keys("党史", boosts=services.popularity_boosts())
        assert found.index(("course", word)) < found.index(("course", across))
        assert found.index(("course", in_summary)) < found.index(("course", across))


def test_a_single_character_is_searched_as_a_word_only(app):
    with app.app_context():
        add_course("鸭绿江", "", module="reading")
        alone = add_course("江 河 湖 海", "", module="reading").id
        assert indexed_keys("江") == [("course", alone)]


# ---- the contract other backends share ------------------------------------------------------


@pytest.mark.parametrize(
    ("title", "grams"),
    [
        ("百年党史学堂", ["百年", "年党", "党史", "史学", "学堂"]),
        ("党史：学堂 ABC 党史", ["党史", "学堂"]),  # each once; never across a run
        ("智能手机 Excel 入门", ["智能", "能手", "手机", "入门"]),
        ("江", []),
        ("ＡＢＣ", []),
    ],
)
def test_title_grams_are_the_bigrams_of_each_chinese_run(title, grams):
    assert text.title_grams(title) == grams


def test_a_query_run_stands_for_all_of_its_bigrams():
    assert text.query_grams("援朝精神") == ["援朝", "朝精", "精神"]
    assert text.query_grams("江") == []  # one character: its word only, as before
    assert text.query_grams("dangshi") == []


# ---- an index built before the grams field ---------------------------------------------------


def without_grams(fields: dict) -> dict:
    return {name: value for name, value in fields.items() if name != "grams"}


def test_an_index_built_without_grams_is_searched_around_and_rebuilt(app, client, run_jobs,
                                                                     monkeypatch):  # fmt: skip
    older = index_module.SCHEMA.copy()
    older.remove("grams")
    with app.app_context():
        course_id = add_course("跨过鸭绿江", "", module="party-history").id
        db.session.rollback()  # end the read above before the rebuild reads
        index = sync.search_index()
        fields = index_module.index_fields
        with monkeypatch.context() as patch:  # what the previous version wrote
            patch.setattr(index_module, "SCHEMA", older)
            patch.setattr(index_module, "index_fields", lambda doc: without_grams(fields(doc)))
            sync.rebuild_index()
        index.close()  # as a worker (re)started after the upgrade sees it
        assert index.status() == "outdated"
    data = client.get("/api/v1/search?q=鸭绿江").json
    assert data["from_database"] is True  # not an error page
    assert [r["id"] for r in data["results"]] == [course_id]
    run_jobs()  # the rebuild the search asked for
    with app.app_context():
        assert sync.search_index().status() == "ok"
    data = client.get("/api/v1/search?q=绿江").json
    assert data["from_database"] is False
    assert [r["id"] for r in data["results"]] == [course_id]
