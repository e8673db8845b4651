"""winners' stories: a nomination keeps the news item of its published story

Revision ID: 0028_winners
Revises: 0028_teachers
Create Date: 2026-12-06 01:30:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0028_winners"
down_revision = "0028_teachers"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("selection_nomination", schema=None) as batch_op:
        batch_op.add_column(sa.Column("news_id", sa.Integer(), nullable=True))
        batch_op.create_unique_constraint("uq_selection_nomination_news", ["news_id"])
        batch_op.create_foreign_key(
            batch_op.f("fk_selection_nomination_news_id_news_item"),
            "news_item",
            ["news_id"],
            ["id"],
        )


def downgrade():
    with op.batch_alter_table("selection_nomination", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_selection_nomination_news_id_news_item"), type_="foreignkey"
        )
        batch_op.drop_constraint("uq_selection_nomination_news", type_="unique")
        batch_op.drop_column("news_id")
