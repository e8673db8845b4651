"""Search tables: changes waiting for the index, lessons' plain text, what people searched
for, synonyms, and the PostgreSQL backend's entries and their snapshots."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
    false,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB, TSVECTOR
from sqlalchemy.orm import Mapped, mapped_column, relationship

from learnhub.cache import track_content
from learnhub.database import UTCDateTime, utcnow
from learnhub.extensions import db


class PendingIndexChange(db.Model):
    """A course, lesson or module changed by a transaction: the index must catch up.

    Written inside the changing transaction (so it exists exactly when the change was
    committed), read and deleted by whichever process holds the index's writer lock.
    """

    __tablename__ = "search_pending_change"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))  # course, lesson, module
    object_id: Mapped[int] = mapped_column(Integer)
    queued_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class LessonText(db.Model):
    """A lesson's text without its HTML, for the database search while no index is usable.

    Written by the flush that adds the lesson or changes its body_html (sync.py), so a
    LIKE on it matches what learners read, never the markup ("strong", "span"). Deleted
    with the lesson (ON DELETE CASCADE).
    """

    __tablename__ = "search_lesson_text"

    lesson_id: Mapped[int] = mapped_column(
        ForeignKey("lesson.id", ondelete="CASCADE"), primary_key=True, autoincrement=False
    )
    body_text: Mapped[str] = mapped_column(Text, default="")


class SearchTermCount(db.Model):
    """How often a query was searched on one day (China time), and how often it found nothing.

    Aggregated on purpose: no account, visitor, address or time of day is kept.
    """

    __tablename__ = "search_term_count"
    __table_args__ = (UniqueConstraint("day", "term", name="day_term"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    day: Mapped[date] = mapped_column(Date)
    term: Mapped[str] = mapped_column(String(100))
    searches: Mapped[int] = mapped_column(Integer, default=0)
    empty_searches: Mapped[int] = mapped_column(Integer, default=0)


# Synonym terms are cut at this length; a query word longer than this is never a term.
SYNONYM_TERM_LENGTH = 20
SYNONYMS = "search_synonyms"  # the cached content: a change to a group bumps its version
SEARCH_RESULTS = "search_results"  # the cached content of results pages (results_cache.py)


class SearchSynonymGroup(db.Model):
    """Words a learner may type for one topic (防骗, 反诈, 诈骗): any of them finds the others.

    Applied at query time (see queries.interpret), so a change needs no reindex.
    """

    __tablename__ = "search_synonym_group"

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    terms: Mapped[list[SearchSynonymTerm]] = relationship(
        back_populates="group", order_by="SearchSynonymTerm.id", cascade="all, delete-orphan"
    )


class SearchSynonymTerm(db.Model):
    """One word of a group, normalised (text.normalise). A word is in one group at most: the
    unique constraint says so, whoever adds it at the same moment."""

    __tablename__ = "search_synonym_term"
    __table_args__ = (CheckConstraint("term <> ''", name="term_not_empty"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    group_id: Mapped[int] = mapped_column(
        ForeignKey("search_synonym_group.id", ondelete="CASCADE"), index=True
    )
    term: Mapped[str] = mapped_column(String(SYNONYM_TERM_LENGTH), unique=True)

    group: Mapped[SearchSynonymGroup] = relationship(back_populates="terms")


track_content(SearchSynonymGroup, SYNONYMS)
track_content(SearchSynonymTerm, SYNONYMS)


# A text search vector on PostgreSQL; plain text elsewhere (the table stays empty there).
SEARCH_VECTOR = Text().with_variant(TSVECTOR(), "postgresql")
TERM_WEIGHTS = JSON().with_variant(JSONB(), "postgresql")
_UNWEIGHTED = text("term_weights IS NULL")


class SearchEntry(db.Model):
    """One searchable document for the PostgreSQL backend (SEARCH_BACKEND = "postgresql").

    Written in the same transaction as the change it follows (see sync.py), so every host
    finds an edit the moment it commits. ``terms`` holds the very terms the Whoosh index
    holds, weighted by where they stand (see pgterms.py); the GIN index answers queries.
    The table exists on every database so the schema is one, but only PostgreSQL fills it.
    """

    __tablename__ = "search_entry"
    __table_args__ = (
        Index("ix_search_entry_terms", "terms", postgresql_using="gin"),
        # the entries written since the snapshot (pgsnapshot.py): each query matches them
        Index("ix_search_entry_indexed_at", "indexed_at"),
        # entries written before term weights existed: none once rebuilt
        Index("ix_search_entry_unweighted", "id", postgresql_where=_UNWEIGHTED),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(40), unique=True)  # schema.document_key()
    kind: Mapped[str] = mapped_column(String(16))  # course, lesson, place, activity
    object_id: Mapped[int] = mapped_column(Integer)
    course_id: Mapped[int | None] = mapped_column(Integer, index=True)
    module: Mapped[str] = mapped_column(String(40))  # the module's slug ("" for none)
    published: Mapped[datetime | None] = mapped_column(UTCDateTime)
    title: Mapped[str] = mapped_column(Text)
    # The names typed in pinyin besides the title (SearchDocument.also_pinyin): "did you
    # mean" finds 党史 there for dangshii when no title says it.
    also: Mapped[str] = mapped_column(Text, default="", server_default="")
    terms: Mapped[str] = mapped_column(SEARCH_VECTOR)
    # When this row was written (the database's clock): a rebuild removes what it did not
    # rewrite and nobody wrote since it began; a snapshot holds the row as written then.
    indexed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # How the page ranks it (pgsearch.py scores as the Whoosh index does): the document's
    # own weight, each term's weight (lexeme → the sum of its occurrences' boosts; None in
    # entries written before these existed: `flask search reindex` fills them), and how
    # many content words it has.
    weight: Mapped[float] = mapped_column(Float, default=1.0, server_default="1.0")
    term_weights: Mapped[dict | None] = mapped_column(TERM_WEIGHTS)
    content_length: Mapped[int] = mapped_column(Integer, default=0, server_default="0")


class SearchSnapshot(db.Model):
    """The PostgreSQL backend's entries as posting lists, at one moment (pgsnapshot.py).

    Every host reads a query's lists from here and scores them in the process; what was
    written since (entries ``indexed_at`` after ``taken_at``) is matched on search_entry
    itself, and the snapshot's documents rewritten or removed since are listed as stale.
    """

    __tablename__ = "search_snapshot"

    id: Mapped[int] = mapped_column(primary_key=True)
    built_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # The database's clock when it read the entries, no writer in the middle of writing:
    # it holds every entry written before, and none written after.
    taken_at: Mapped[datetime] = mapped_column(UTCDateTime)
    documents: Mapped[int] = mapped_column(Integer, default=0)
    content_length: Mapped[int] = mapped_column(BigInteger, default=0)  # all documents'
    current: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())


def _snapshot_id() -> Mapped[int]:
    return mapped_column(ForeignKey("search_snapshot.id", ondelete="CASCADE"), primary_key=True)


class SearchSnapshotDoc(db.Model):
    """A document of a snapshot: its number there, the entry it was, and what ranks it."""

    __tablename__ = "search_snapshot_doc"
    __table_args__ = (UniqueConstraint("snapshot_id", "key"),)

    snapshot_id: Mapped[int] = _snapshot_id()
    docnum: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    key: Mapped[str] = mapped_column(String(40))
    indexed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    kind: Mapped[str] = mapped_column(String(16))
    object_id: Mapped[int] = mapped_column(Integer)
    course_id: Mapped[int | None] = mapped_column(Integer)
    module: Mapped[str] = mapped_column(String(40))
    published: Mapped[datetime | None] = mapped_column(UTCDateTime)
    weight: Mapped[float] = mapped_column(Float)
    content_length: Mapped[int] = mapped_column(Integer)


class SearchSnapshotPosting(db.Model):
    """A term's postings in a snapshot: its documents ascending (4-byte big-endian
    numbers) and its weight in each (8-byte big-endian floats)."""

    __tablename__ = "search_snapshot_posting"

    snapshot_id: Mapped[int] = _snapshot_id()
    lexeme: Mapped[str] = mapped_column(Text, primary_key=True)
    ids: Mapped[bytes] = mapped_column(LargeBinary)
    weights: Mapped[bytes] = mapped_column(LargeBinary)


class SearchSnapshotStale(db.Model):
    """A snapshot's document whose entry was rewritten or removed after it was taken."""

    __tablename__ = "search_snapshot_stale"

    snapshot_id: Mapped[int] = _snapshot_id()
    docnum: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
