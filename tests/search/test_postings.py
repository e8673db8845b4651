"""Postings read straight from a segment (search/postings.py reaches into Whoosh's codec):
pinned against Whoosh's public API on a segment where edits deleted many documents."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from whoosh.index import open_dir

from learnhub.search.index import SearchIndex
from learnhub.search.postings import read_postings
from learnhub.search.schema import SearchDocument, index_fields

COUNT = 600


def _lesson(n: int, title: str) -> SearchDocument:
    return SearchDocument(
        kind="lesson", object_id=n, course_id=n // 10, module="health",
        published=datetime(2026, 1, 1, tzinfo=UTC), title=title,
        body="健康" * (1 + n % 4) + "生活知识",
    )  # fmt: skip


@pytest.fixture()
def built(tmp_path):
    """COUNT lessons in one segment, as a rebuild writes them."""
    index = SearchIndex(tmp_path / "index")
    with index.writer_lock():
        index.rebuild([_lesson(n, f"健康第{n}课") for n in range(COUNT)], procs=1)
    yield index
    index.close()


def _retitle(index: SearchIndex, numbers: range) -> None:
    """Lessons edited (a new title): their old versions stay behind as deleted documents."""
    with index.writer_lock():
        index.update([_lesson(n, f"养生第{n}课") for n in numbers])


@pytest.fixture()
def edited_index(built):
    """The first half edited: deleted documents at the start of every posting list."""
    _retitle(built, range(COUNT // 2))
    return built


def test_postings_are_every_documents_weight_deleted_ones_included(edited_index):
    with edited_index._checkout() as state:
        leaf = next(leaf for leaf in state.leaves if leaf.deleted)
        edited, deleted = leaf.reader, leaf.deleted
        btext = edited.schema["content"].to_bytes("健康")
        found = dict(zip(*read_postings(edited, "content", btext), strict=True))
        public = edited.postings("content", btext)  # hides deleted documents
        live = {}
        while public.is_active():
            live[public.id()] = public.weight()
            public.next()
        assert len(deleted) == COUNT // 2
        assert {d: w for d, w in found.items() if d not in deleted} == live
        assert set(deleted) <= set(found)  # the scorer drops them itself (Leaf.deleted)


def test_every_terms_postings_are_read_as_whooshs_public_api_reads_them(edited_index):
    """Every term of every field: lists of one posting, of equal weights (stored as one
    number or none), of several compressed blocks (Whoosh writes 128 postings a block)."""
    with edited_index._checkout() as state:
        for leaf in state.leaves:
            reader, kinds = leaf.reader, set()
            for fieldname, btext in reader.all_terms():
                public = reader.postings(fieldname, btext)
                expected = {}
                while public.is_active():
                    expected[public.id()] = public.weight()
                    public.next()
                found = dict(zip(*read_postings(reader, fieldname, btext), strict=True))
                assert {d: w for d, w in found.items() if d not in leaf.deleted} == expected
                kinds.add(1 if len(expected) == 1 else "blocks" if len(expected) > 128 else 2)
                kinds.add("several weights" if len(set(expected.values())) > 1 else "one")
            assert kinds >= {1, 2, "blocks", "several weights", "one"}


def test_edited_lessons_are_found_by_their_new_title_and_each_counted_once(edited_index):
    new = edited_index.search("养生", limit=COUNT)
    assert new.total == COUNT // 2
    assert sorted(hit.object_id for hit in new.hits) == list(range(COUNT // 2))
    titled = edited_index.search("健康", limit=COUNT)
    assert titled.total == COUNT  # every lesson's body still says it, each counted once


def _segments(index: SearchIndex) -> list[tuple[int, int]]:
    """(documents, deleted) of each segment of the live generation, as stored."""
    stored = open_dir(str(index.current_generation()), indexname="MAIN")
    return sorted((s.doc_count_all(), s.deleted_count()) for s in stored._segments())


def test_a_segment_whose_every_document_was_replaced_is_dropped(built):
    _retitle(built, range(COUNT))  # the whole catalogue
    assert _segments(built) == [(COUNT, 0)]
    with built._checkout() as state:
        assert [len(leaf.deleted) for leaf in state.leaves] == [0]
    assert built.search("养生", limit=5).total == COUNT
    assert built.search("健康", limit=5).total == COUNT  # the bodies still say it


def test_a_segment_mostly_replaced_is_merged_into_the_new_one_and_one_less_so_stays(built):
    _retitle(built, range(COUNT // 3))  # a third
    assert _segments(built) == [(COUNT // 3, 0), (COUNT, COUNT // 3)]
    _retitle(built, range(COUNT // 3, COUNT // 2 + 1))
    # past half deleted: its 299 live lessons copied into the new segment beside the 101
    assert _segments(built) == [(COUNT // 3, 0), (COUNT - COUNT // 3, 0)]
    assert built.search("养生", limit=5).total == COUNT // 2 + 1
    assert built.search("健康", limit=5).total == COUNT


def test_a_search_reads_no_segment_whose_every_document_is_deleted(built):
    """An index written before such segments were dropped still has them."""
    stored = open_dir(str(built.current_generation()), indexname="MAIN")
    with stored.writer() as writer:  # Whoosh's own merge policy: the old segment stays
        for n in range(COUNT):
            writer.update_document(**index_fields(_lesson(n, f"养生第{n}课")))
    stored.close()
    assert _segments(built) == [(COUNT, 0), (COUNT, COUNT)]
    with built._checkout() as state:
        assert [len(leaf.deleted) for leaf in state.leaves] == [0]
    found = built.search("养生", limit=COUNT)
    shown = [hit.object_id for hit in found.hits]
    assert found.total == COUNT and len(set(shown)) == len(shown)  # none twice
