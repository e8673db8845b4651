"""search entries: term weights for ranking, and snapshots of them as posting lists

Revision ID: 0039_search_snapshots
Revises: 0038_active_bits
Create Date: 2026-12-07 22:00:00

"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

# revision identifiers, used by Alembic.
revision = "0039_search_snapshots"
down_revision = "0038_active_bits"
branch_labels = None
depends_on = None

_UNWEIGHTED = sa.text("term_weights IS NULL")
_WEIGHTS = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def upgrade():
    # Entries written before have no term weights: the PostgreSQL backend reports itself
    # unbuilt until `flask search reindex` (or the worker, SEARCH_AUTO_REBUILD) rewrites them.
    with op.batch_alter_table("search_entry", schema=None) as batch_op:
        batch_op.add_column(sa.Column("weight", sa.Float(), nullable=False, server_default="1.0"))
        batch_op.add_column(sa.Column("term_weights", _WEIGHTS, nullable=True))
        batch_op.add_column(
            sa.Column("content_length", sa.Integer(), nullable=False, server_default="0")
        )
        batch_op.create_index("ix_search_entry_indexed_at", ["indexed_at"], unique=False)
        batch_op.create_index(
            "ix_search_entry_unweighted", ["id"], unique=False, postgresql_where=_UNWEIGHTED
        )
    op.create_table(
        "search_snapshot",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("built_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("taken_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("documents", sa.Integer(), nullable=False),
        sa.Column("content_length", sa.BigInteger(), nullable=False),
        sa.Column("current", sa.Boolean(), nullable=False, server_default=sa.false()),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_search_snapshot")),
    )
    op.create_table(
        "search_snapshot_doc",
        sa.Column("snapshot_id", sa.Integer(), nullable=False),
        sa.Column("docnum", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("key", sa.String(length=40), nullable=False),
        sa.Column("indexed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("object_id", sa.Integer(), nullable=False),
        sa.Column("course_id", sa.Integer(), nullable=True),
        sa.Column("module", sa.String(length=40), nullable=False),
        sa.Column("published", sa.DateTime(timezone=True), nullable=True),
        sa.Column("weight", sa.Float(), nullable=False),
        sa.Column("content_length", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["snapshot_id"], ["search_snapshot.id"],
            name=op.f("fk_search_snapshot_doc_snapshot_id_search_snapshot"), ondelete="CASCADE",
        ),  # fmt: skip
        sa.PrimaryKeyConstraint("snapshot_id", "docnum", name=op.f("pk_search_snapshot_doc")),
        sa.UniqueConstraint("snapshot_id", "key", name=op.f("uq_search_snapshot_doc_snapshot_id_key")),
    )
    op.create_table(
        "search_snapshot_posting",
        sa.Column("snapshot_id", sa.Integer(), nullable=False),
        sa.Column("lexeme", sa.Text(), nullable=False),
        sa.Column("ids", sa.LargeBinary(), nullable=False),
        sa.Column("weights", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(
            ["snapshot_id"], ["search_snapshot.id"],
            name=op.f("fk_search_snapshot_posting_snapshot_id_search_snapshot"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("snapshot_id", "lexeme", name=op.f("pk_search_snapshot_posting")),
    )
    op.create_table(
        "search_snapshot_stale",
        sa.Column("snapshot_id", sa.Integer(), nullable=False),
        sa.Column("docnum", sa.Integer(), autoincrement=False, nullable=False),
        sa.ForeignKeyConstraint(
            ["snapshot_id"], ["search_snapshot.id"],
            name=op.f("fk_search_snapshot_stale_snapshot_id_search_snapshot"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("snapshot_id", "docnum", name=op.f("pk_search_snapshot_stale")),
    )


def downgrade():
    op.drop_table("search_snapshot_stale")
    op.drop_table("search_snapshot_posting")
    op.drop_table("search_snapshot_doc")
    op.drop_table("search_snapshot")
    with op.batch_alter_table("search_entry", schema=None) as batch_op:
        batch_op.drop_index("ix_search_entry_unweighted", postgresql_where=_UNWEIGHTED)
        batch_op.drop_index("ix_search_entry_indexed_at")
        batch_op.drop_column("content_length")
        batch_op.drop_column("term_weights")
        batch_op.drop_column("weight")
