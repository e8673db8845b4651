"""How the index's segments are merged when changes are written (Whoosh's merge policy).

Whoosh keeps a deleted document in its segment until the segment is merged, and every query
reads a segment's deleted documents with its live ones; its default policy merges only
small segments, so a large one can stay mostly — even wholly — deleted for good.
"""

from __future__ import annotations

from whoosh.reading import SegmentReader
from whoosh.writing import MERGE_SMALL


def merge_policy(writer, segments) -> list:
    """Whoosh's default (small segments merged), and no segment left mostly deleted: every
    query reads a segment's deleted documents with the live ones (a catalogue re-indexed
    whole doubled a broad word's work), and Whoosh's default never merges a large segment.
    One whose every document was deleted is dropped; one more than half deleted has its
    live documents copied into the segment being written. Returns the segments kept as
    they are."""
    kept = []
    for segment in segments:
        deleted, count = segment.deleted_count(), segment.doc_count_all()
        if deleted * 2 > count and deleted < count:
            reader = SegmentReader(writer.storage, writer.schema, segment)
            writer.add_reader(reader)  # the live documents only
            reader.close()
        elif deleted < count:
            kept.append(segment)
    return MERGE_SMALL(writer, kept)
