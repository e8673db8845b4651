"""search lesson text: each lesson's text without HTML, for the database search

Revision ID: 0033_lesson_text
Revises: 0028_synonyms
Create Date: 2026-12-06 05:00:00

"""

import html
import re

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0033_lesson_text"
down_revision = "0028_synonyms"
branch_labels = None
depends_on = None

BATCH = 500
# As learnhub.search.documents.plain_text when this was written (a migration never reads
# the application's code): tags become spaces so words stay apart, entities are decoded.
_TAG = re.compile(r"<[^>]*>")


def _plain_text(body_html):
    return " ".join(html.unescape(_TAG.sub(" ", body_html or "")).split())


def upgrade():
    text_table = op.create_table(
        "search_lesson_text",
        sa.Column("lesson_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("body_text", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["lesson_id"],
            ["lesson.id"],
            name=op.f("fk_search_lesson_text_lesson_id_lesson"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("lesson_id", name=op.f("pk_search_lesson_text")),
    )
    lesson = sa.table("lesson", sa.column("id", sa.Integer), sa.column("body_html", sa.Text))
    connection = op.get_bind()
    last = 0
    while True:  # every existing lesson, a batch at a time (memory stays flat)
        rows = connection.execute(
            sa.select(lesson.c.id, lesson.c.body_html)
            .where(lesson.c.id > last)
            .order_by(lesson.c.id)
            .limit(BATCH)
        ).all()
        if not rows:
            return
        connection.execute(
            text_table.insert(),
            [{"lesson_id": i, "body_text": _plain_text(body)} for i, body in rows],
        )
        last = rows[-1][0]


def downgrade():
    op.drop_table("search_lesson_text")
