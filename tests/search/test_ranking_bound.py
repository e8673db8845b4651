"""A broad word's results page scores only the documents that can reach it (scoring.best),
and shows exactly what scoring every match would: the same documents in the same order."""

from __future__ import annotations

import random
from datetime import UTC, datetime

import pytest

from learnhub.search import scoring
from learnhub.search.index import SearchIndex
from learnhub.search.schema import SearchDocument

MODULES = ("party-history", "elder-digital", "health", "family", "culture", "skills")
FILLER = "社区居民学习生活服务知识课程内容介绍方法技巧经验分享"


def _documents(count: int) -> list[SearchDocument]:
    """A catalogue where 健康 stands in titles, summaries and bodies of every length, in
    courses and lessons of different weights, and 饮食 beside it in some."""
    rng = random.Random(11)
    documents = []
    for n in range(count):
        kind = "course" if n % 7 == 0 else "lesson"
        place = n % 3  # the word in the title, the summary or the body
        body = FILLER[: rng.randrange(4, len(FILLER))] * rng.randrange(1, 6)
        title = ("健康" if place == 0 else "") + f"第{n}课" + ("饮食" if n % 5 == 0 else "")
        secondary = "健康生活" if place == 1 else "生活"
        body = (body + "健康" * rng.randrange(1, 4)) if place == 2 else body
        documents.append(SearchDocument(
            kind=kind, object_id=n, course_id=n // 7, module=MODULES[n % len(MODULES)],
            published=datetime(2026, 1, 1, tzinfo=UTC), title=title, secondary=secondary,
            body=body, weight=rng.choice((1.0, 1.0, 0.6)),
        ))  # fmt: skip
    # matched by the typed run's bigram alone (grams), never by the word 健康
    documents += [
        SearchDocument(kind="lesson", object_id=count + n, course_id=n, module="health",
                       published=None, title=f"保健康复{n}", body=FILLER)
        for n in range(40)
    ]  # fmt: skip
    return documents


@pytest.fixture(scope="module")
def index(tmp_path_factory):
    built = SearchIndex(tmp_path_factory.mktemp("ranking-bound"))
    with built.writer_lock():
        built.rebuild(_documents(3_300), procs=1)  # one segment: the bound applies to it
    yield built
    built.close()


def _every_match(engine, leaf, found, count):
    """What best() must equal: every match scored."""
    return engine.score(leaf, found)


def _scored_documents(monkeypatch) -> list[int]:
    scored: list[int] = []
    score = scoring.QueryEngine.score

    def counting(self, leaf, docnums, stats=None):
        found = score(self, leaf, docnums, stats)
        scored.append(len(found))
        return found

    monkeypatch.setattr(scoring.QueryEngine, "score", counting)
    return scored


@pytest.mark.parametrize("query", ["健康", "jiankang", "健康 生活"])
def test_a_broad_query_shows_what_scoring_every_match_would(index, monkeypatch, query):
    rng = random.Random(5)
    popular = {course: 1 + rng.random() * 0.25 for course in range(0, 400, 3)}
    for boosts in (popular, {}):
        for offset in (0, 10, 40):
            with monkeypatch.context() as patched:
                scored = _scored_documents(patched)
                pruned = index.search(query, boosts=boosts, offset=offset)
                assert pruned.total > scoring.PRUNE_FROM
                assert sum(scored) < pruned.total  # not every match was scored
            with monkeypatch.context() as patched:
                patched.setattr(scoring.QueryEngine, "best", _every_match)
                every = index.search(query, boosts=boosts, offset=offset)
            assert pruned.hits == every.hits and len(pruned.hits) == 10
            assert (pruned.total, pruned.facets) == (every.total, every.facets)


def test_documents_found_by_other_terms_alone_still_rank(index, monkeypatch):
    """The bigram-only matches (保健康复) are scored when the page is not yet full of
    better ones: the last page lists them, as scoring every match does."""
    last = index.search("健康", offset=index.search("健康").total - 5)
    with monkeypatch.context() as patched:
        patched.setattr(scoring.QueryEngine, "best", _every_match)
        every = index.search("健康", offset=index.search("健康").total - 5)
    assert last.hits == every.hits


WORDS = ("健康", "饮食", "防骗", "反诈", "太极")


def _random_catalogue(rng: random.Random, count: int) -> list[SearchDocument]:
    """The words at random places and repeats in documents of three lengths (a short one
    ranks a word in its body near a long one's title), random kinds and weights: scores
    close together, where a loose or missing bound shows."""
    documents = []
    for n in range(count):
        parts = {"title": [], "secondary": [], "body": []}
        for word in rng.sample(WORDS, rng.randrange(1, 4)):
            parts[rng.choice(tuple(parts))].append(word * rng.randrange(1, 3))
        documents.append(SearchDocument(
            kind=rng.choice(("course", "lesson", "lesson", "activity")), object_id=n,
            course_id=n % 9, module=MODULES[n % len(MODULES)], published=None,
            title="".join(parts["title"]) or "课程", secondary="".join(parts["secondary"]),
            body="".join(parts["body"]) + FILLER[: rng.choice((0, 12, 24))],
            weight=rng.choice((1.0, 0.9, 0.82, 0.6)),
        ))  # fmt: skip
    return documents


@pytest.mark.parametrize("seed", range(12))
def test_the_bound_holds_where_scores_are_close(tmp_path, monkeypatch, seed):
    """Every query of every small random catalogue, the bound applied from the first match:
    the same page as scoring every match, for one word, a word with synonyms, two words."""
    rng = random.Random(seed)
    index = SearchIndex(tmp_path / "index")
    with index.writer_lock():
        index.rebuild(_random_catalogue(rng, 90), procs=1)
    monkeypatch.setattr(scoring, "PRUNE_FROM", 0)
    monkeypatch.setattr(scoring, "PRUNE_RATIO", 0)
    monkeypatch.setattr(scoring, "LENGTH_CHUNK", 2)  # ties cut by length as well
    boosts = {course: 1 + rng.random() * 0.25 for course in range(9) if rng.random() < 0.6}
    synonyms = {"防骗": ("防骗", "反诈"), "反诈": ("防骗", "反诈")}
    queries = [*WORDS, "防骗", "健康 饮食", "太极 健康", "taiji", "jiankang"]
    pruned_somewhere = False
    try:
        for query in queries:
            for offset in (0, 2, 10):
                with monkeypatch.context() as patched:
                    scored = _scored_documents(patched)
                    pruned = index.search(query, boosts=boosts, offset=offset, limit=3,
                                          synonyms=synonyms)  # fmt: skip
                with monkeypatch.context() as patched:
                    patched.setattr(scoring.QueryEngine, "best", _every_match)
                    every = index.search(query, boosts=boosts, offset=offset, limit=3,
                                         synonyms=synonyms)  # fmt: skip
                assert pruned.hits == every.hits, (query, offset)
                assert sum(scored) <= pruned.total
                pruned_somewhere |= sum(scored) < pruned.total
        assert pruned_somewhere  # the bound was put to the test
    finally:
        index.close()


def test_a_short_document_is_not_cut_by_the_bound(tmp_path, monkeypatch):
    """太极 once in a two-word body outranks 太极 in the summary of a long lesson (BM25's
    length normalisation): the bound assumes the shortest document, so the short ones are
    scored and lead the page."""
    long = [SearchDocument(kind="lesson", object_id=n, course_id=n, module="health",
                           published=None, title=f"第{n}课", secondary="太极",
                           body=FILLER * 8) for n in range(60)]  # fmt: skip
    short = [SearchDocument(kind="lesson", object_id=100 + n, course_id=100 + n,
                            module="health", published=None, title="课", body="太极")
             for n in range(5)]  # fmt: skip
    index = SearchIndex(tmp_path / "index")
    with index.writer_lock():
        index.rebuild(long + short, procs=1)
    monkeypatch.setattr(scoring, "PRUNE_FROM", 0)
    monkeypatch.setattr(scoring, "PRUNE_RATIO", 0)
    try:
        page = index.search("太极", limit=10)
        assert {hit.object_id for hit in page.hits[:5]} == {100, 101, 102, 103, 104}
    finally:
        index.close()


def test_a_word_in_every_document_scores_only_the_shortest(tmp_path, monkeypatch):
    """Every lesson has 太极 once in its body and nothing else tells them apart but their
    length (and the popularity of a few courses): they are one group of ties, visited
    shortest first, and only as many are scored as can still reach the page — which is
    the page scoring every one of them shows."""
    rng = random.Random(3)
    lessons = [SearchDocument(kind="lesson", object_id=n, course_id=n, module="health",
                              published=None, title=f"第{n}课",
                              body="太极" + "，学习" * rng.randrange(0, 300))
               for n in range(600)]  # fmt: skip
    index = SearchIndex(tmp_path / "index")
    with index.writer_lock():
        index.rebuild(lessons, procs=1)
    monkeypatch.setattr(scoring, "PRUNE_FROM", 0)
    monkeypatch.setattr(scoring, "PRUNE_RATIO", 0)
    monkeypatch.setattr(scoring, "LENGTH_CHUNK", 8)
    # popular courses: a long lesson of one may outrank a shorter one of another
    boosts = {course: 1 + rng.random() * 0.25 for course in range(0, 600, 3)}
    try:
        for offset in (0, 20):
            with monkeypatch.context() as patched:
                scored = _scored_documents(patched)
                pruned = index.search("太极", boosts=boosts, offset=offset)
            with monkeypatch.context() as patched:
                patched.setattr(scoring.QueryEngine, "best", _every_match)
                every = index.search("太极", boosts=boosts, offset=offset)
            assert pruned.hits == every.hits and pruned.total == every.total == 600
            assert sum(scored) < 200  # of 600 matches
    finally:
        index.close()


def test_a_popular_longer_lesson_among_ties_is_not_cut_by_the_bound(tmp_path, monkeypatch):
    """Ten short lessons fill the page, then come a longer one of a popular course and a
    very long one, scored together: the bound of that chunk is its shorter lesson's, which
    with its popularity leads the page."""

    def lesson(n: int, repeats: int) -> SearchDocument:
        body = "太极" + "，学习" * repeats
        return SearchDocument(kind="lesson", object_id=n, course_id=n, module="health",
                              published=None, title=f"第{n}课", body=body)  # fmt: skip

    index = SearchIndex(tmp_path / "index")
    with index.writer_lock():
        index.rebuild([lesson(n, 1) for n in range(10)] + [lesson(10, 8), lesson(11, 200)], procs=1)
    monkeypatch.setattr(scoring, "PRUNE_FROM", 0)
    monkeypatch.setattr(scoring, "PRUNE_RATIO", 0)
    monkeypatch.setattr(scoring, "LENGTH_CHUNK", 2)
    try:
        page = index.search("太极", boosts={10: 1.25})
        assert [hit.object_id for hit in page.hits] == [10, *range(9)]
    finally:
        index.close()
