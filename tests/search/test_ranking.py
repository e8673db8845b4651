"""A results page ranks every match exactly as scoring each document on its own would.

The engine scores all matches of a segment at once (numpy, scoring.py); the reference here
scores one document at a time, with the term weights read through Whoosh's public matchers,
and the page must be the same documents in the same order with the same scores."""

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
    built = SearchIndex(tmp_path_factory.mktemp("ranking"))
    with built.writer_lock():
        built.rebuild(_documents(3_300), procs=1)  # one segment
    yield built
    built.close()


def _one_by_one(engine, leaf, found, count):
    """Every match of the segment scored on its own: BM25 of each query term (its weight in
    the document read with Whoosh's public matcher), times the kind and popularity weights."""
    searcher, reader = engine.searcher, leaf.reader
    terms = []
    for fieldname, value, boost in set(engine.terms()):
        btext = searcher.schema[fieldname].to_bytes(value)
        if (fieldname, btext) not in reader:
            continue
        matcher, weights = reader.postings(fieldname, btext), {}
        while matcher.is_active():
            weights[matcher.id()] = matcher.weight()
            matcher.next()
        if weights:
            b = scoring._B / searcher.avg_field_length(fieldname) if fieldname == "content" else 0
            terms.append((weights, boost * searcher.idf(fieldname, value), b))
    kinds, own = list(reader.column_reader("kind")), list(reader.column_reader("weight"))
    courses = list(reader.column_reader("course_id"))
    scored = []
    for docnum in found:
        total = 0.0
        for weights, weight, b in terms:
            tf = weights.get(docnum)
            if tf:
                length = reader.doc_field_length(docnum, "content", 1)
                lengthnorm = 1 - scoring._B + b * length if b else 1.0
                total += weight * tf * (scoring._K1 + 1) / (tf + scoring._K1 * lengthnorm)
        factor = scoring.KIND_WEIGHTS[kinds[docnum]] * own[docnum] / 100
        factor *= engine.boosts.get(courses[docnum], 1.0)
        scored.append((total * factor, docnum + leaf.offset))
    return scored


def _as_scored_one_by_one(index, monkeypatch, query, **arguments):
    with monkeypatch.context() as patched:
        patched.setattr(scoring.QueryEngine, "best", _one_by_one)
        return index.search(query, **arguments)


@pytest.mark.parametrize("query", ["健康", "jiankang", "健康 生活"])
def test_a_broad_querys_page_is_every_match_scored_one_by_one(index, monkeypatch, query):
    rng = random.Random(5)
    popular = {course: 1 + rng.random() * 0.25 for course in range(0, 400, 3)}
    for boosts in (popular, {}):
        for offset in (0, 10, 40):
            page = index.search(query, boosts=boosts, offset=offset)
            expected = _as_scored_one_by_one(
                index, monkeypatch, query, boosts=boosts, offset=offset
            )
            assert page.total > 1_000 and len(page.hits) == 10
            assert page.hits == expected.hits  # the documents, their order and their scores
            assert (page.total, page.facets) == (expected.total, expected.facets)


def test_documents_found_by_other_terms_alone_still_rank(index, monkeypatch):
    """The bigram-only matches (保健康复) rank below every document with the word, and the
    last page lists them."""
    total = index.search("健康").total
    last = index.search("健康", offset=total - 5)
    assert last.hits == _as_scored_one_by_one(index, monkeypatch, "健康", offset=total - 5).hits
    assert {hit.object_id for hit in last.hits} <= set(range(3_300, 3_340))


WORDS = ("健康", "饮食", "防骗", "反诈", "太极")


def _random_catalogue(rng: random.Random, count: int) -> list[SearchDocument]:
    """The words at random places and repeats in documents of three lengths (a short one
    ranks a word in its body near a long one's title), random kinds and weights: scores
    close together, where a wrong score or a wrong tie shows."""
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
def test_pages_are_exact_where_scores_are_close(tmp_path, monkeypatch, seed):
    """Every query of every small random catalogue: the same page as scoring one document
    at a time, for one word, a word with synonyms, two words, pinyin."""
    rng = random.Random(seed)
    index = SearchIndex(tmp_path / "index")
    with index.writer_lock():
        index.rebuild(_random_catalogue(rng, 90), procs=1)
    boosts = {course: 1 + rng.random() * 0.25 for course in range(9) if rng.random() < 0.6}
    synonyms = {"防骗": ("防骗", "反诈"), "反诈": ("防骗", "反诈")}
    queries = [*WORDS, "防骗", "健康 饮食", "太极 健康", "taiji", "jiankang"]
    try:
        for query in queries:
            for offset in (0, 2, 10):
                arguments = {"boosts": boosts, "offset": offset, "limit": 3, "synonyms": synonyms}
                page = index.search(query, **arguments)
                expected = _as_scored_one_by_one(index, monkeypatch, query, **arguments)
                assert page.hits == expected.hits, (query, offset)
    finally:
        index.close()


def test_a_short_document_outranks_a_long_ones_summary(tmp_path):
    """太极 once in a two-word body outranks 太极 in the summary of a long lesson (BM25's
    length normalisation)."""
    long = [SearchDocument(kind="lesson", object_id=n, course_id=n, module="health",
                           published=None, title=f"第{n}课", secondary="太极",
                           body=FILLER * 8) for n in range(60)]  # fmt: skip
    short = [SearchDocument(kind="lesson", object_id=100 + n, course_id=100 + n,
                            module="health", published=None, title="课", body="太极")
             for n in range(5)]  # fmt: skip
    index = SearchIndex(tmp_path / "index")
    with index.writer_lock():
        index.rebuild(long + short, procs=1)
    try:
        page = index.search("太极", limit=10)
        assert {hit.object_id for hit in page.hits[:5]} == {100, 101, 102, 103, 104}
    finally:
        index.close()


def test_a_word_in_every_document_ranks_by_length_and_popularity(tmp_path, monkeypatch):
    """Every lesson has 太极 once in its body and nothing else tells them apart but their
    length (and the popularity of a few courses): the page is what scoring each gives."""
    rng = random.Random(3)
    lessons = [SearchDocument(kind="lesson", object_id=n, course_id=n, module="health",
                              published=None, title=f"第{n}课",
                              body="太极" + "，学习" * rng.randrange(0, 300))
               for n in range(600)]  # fmt: skip
    index = SearchIndex(tmp_path / "index")
    with index.writer_lock():
        index.rebuild(lessons, procs=1)
    # popular courses: a long lesson of one may outrank a shorter one of another
    boosts = {course: 1 + rng.random() * 0.25 for course in range(0, 600, 3)}
    try:
        for offset in (0, 20):
            page = index.search("太极", boosts=boosts, offset=offset)
            expected = _as_scored_one_by_one(index, monkeypatch, "太极", boosts=boosts,
                                             offset=offset)  # fmt: skip
            assert page.hits == expected.hits and page.total == expected.total == 600
    finally:
        index.close()


def test_ties_go_to_the_earlier_document(tmp_path):
    """Ten equal short lessons and one longer lesson of a popular course that outranks
    them: the page is the popular one, then the first nine of the ten ties."""

    def lesson(n: int, repeats: int) -> SearchDocument:
        body = "太极" + "，学习" * repeats
        return SearchDocument(kind="lesson", object_id=n, course_id=n, module="health",
                              published=None, title=f"第{n}课", body=body)  # fmt: skip

    index = SearchIndex(tmp_path / "index")
    with index.writer_lock():
        index.rebuild([lesson(n, 1) for n in range(10)] + [lesson(10, 8), lesson(11, 200)], procs=1)
    try:
        page = index.search("太极", boosts={10: 1.25})
        assert [hit.object_id for hit in page.hits] == [10, *range(9)]
        following = index.search("太极", boosts={10: 1.25}, offset=10)
        assert [hit.object_id for hit in following.hits] == [9, 11]
    finally:
        index.close()


def test_a_rare_word_beside_a_common_one_is_scored_by_both(tmp_path, monkeypatch):
    """太极 in 400 lessons, 饮食 in ten of them: the ten are looked up in 太极's long list
    (not spread over the segment) and rank as scoring each on its own ranks them."""
    rng = random.Random(7)
    lessons = [SearchDocument(kind="lesson", object_id=n, course_id=n, module="health",
                              published=None, title=f"第{n}课",
                              body="太极" * rng.randrange(1, 4) + ("饮食" if n % 40 == 0 else "")
                              + "，学习" * rng.randrange(0, 30))
               for n in range(400)]  # fmt: skip
    index = SearchIndex(tmp_path / "index")
    with index.writer_lock():
        index.rebuild(lessons, procs=1)
    try:
        page = index.search("太极 饮食")
        expected = _as_scored_one_by_one(index, monkeypatch, "太极 饮食")
        assert page.total == 10 and page.hits == expected.hits
    finally:
        index.close()


def test_new_popularity_figures_reorder_the_next_search(tmp_path):
    """Two equal lessons: the one of the more popular course comes first, and when the
    figures change (a new mapping, as the search service makes each minute) so does the
    order, in the same process."""
    equal = [SearchDocument(kind="lesson", object_id=n, course_id=n, module="health",
                            published=None, title=f"第{n}课", body="太极")
             for n in (1, 2)]  # fmt: skip
    index = SearchIndex(tmp_path / "index")
    with index.writer_lock():
        index.rebuild(equal, procs=1)
    try:
        assert [h.object_id for h in index.search("太极", boosts={1: 1.2}).hits] == [1, 2]
        assert [h.object_id for h in index.search("太极", boosts={2: 1.2}).hits] == [2, 1]
    finally:
        index.close()
