"""search entries: the PostgreSQL search backend's table (text search vectors, GIN index)

Revision ID: 0033_search_entry
Revises: 0033_lesson_text
Create Date: 2026-12-06 05:00:00

"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

# revision identifiers, used by Alembic.
revision = "0033_search_entry"
down_revision = "0033_lesson_text"
branch_labels = None
depends_on = None


def upgrade():
    # On every database, so the schema is one; only PostgreSQL fills it (SEARCH_BACKEND).
    op.create_table(
        "search_entry",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=40), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("object_id", sa.Integer(), nullable=False),
        sa.Column("course_id", sa.Integer(), nullable=True),
        sa.Column("module", sa.String(length=40), nullable=False),
        sa.Column("published", sa.DateTime(timezone=True), nullable=True),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("terms", sa.Text().with_variant(postgresql.TSVECTOR(), "postgresql"),
                  nullable=False),  # fmt: skip
        sa.Column("indexed_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_search_entry")),
        sa.UniqueConstraint("key", name=op.f("uq_search_entry_key")),
    )
    with op.batch_alter_table("search_entry", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_search_entry_course_id"), ["course_id"], unique=False)
        batch_op.create_index("ix_search_entry_terms", ["terms"], unique=False,
                              postgresql_using="gin")  # fmt: skip


def downgrade():
    with op.batch_alter_table("search_entry", schema=None) as batch_op:
        batch_op.drop_index("ix_search_entry_terms", postgresql_using="gin")
        batch_op.drop_index(batch_op.f("ix_search_entry_course_id"))
    op.drop_table("search_entry")
