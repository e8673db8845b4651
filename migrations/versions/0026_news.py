"""news: news items (通知公告, 工作动态, 典型事迹) of the province, its cities and districts,
and satisfaction ratings (满意度) of courses and activities (issue 16). Chained after 0021_places, main's head when written; the lead re-chains.

Revision ID: 0024_news
Revises: 0022_submissions
Create Date: 2026-12-05 22:34:21.709777

"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0024_news"
down_revision = "0022_submissions"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "news_item",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=120), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "notice",
                "work",
                "story",
                name="news_kind",
                native_enum=False,
                create_constraint=True,
                length=10,
            ),
            nullable=False,
        ),
        sa.Column(
            "status",
            sa.Enum(
                "draft",
                "published",
                "withdrawn",
                name="news_status",
                native_enum=False,
                create_constraint=True,
                length=10,
            ),
            nullable=False,
        ),
        sa.Column("city_code", sa.String(length=6), nullable=True),
        sa.Column("district_code", sa.String(length=6), nullable=True),
        sa.Column("summary", sa.String(length=300), nullable=False),
        sa.Column("body_html", sa.Text(), nullable=False),
        sa.Column("image_name", sa.String(length=80), nullable=True),
        sa.Column("image_caption", sa.String(length=100), nullable=False),
        sa.Column("source", sa.String(length=20), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=True),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["author_id"], ["user_account.id"], name=op.f("fk_news_item_author_id_user_account")
        ),
        sa.ForeignKeyConstraint(
            ["city_code"], ["region.code"], name=op.f("fk_news_item_city_code_region")
        ),
        sa.ForeignKeyConstraint(
            ["district_code"], ["region.code"], name=op.f("fk_news_item_district_code_region")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_news_item")),
    )
    with op.batch_alter_table("news_item", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_news_item_city_code"), ["city_code"], unique=False)
        batch_op.create_index(
            "ix_news_item_status_published", ["status", "published_at"], unique=False
        )

    op.create_table('satisfaction_rating',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('course_id', sa.Integer(), nullable=True),
    sa.Column('activity_id', sa.Integer(), nullable=True),
    sa.Column('score', sa.SmallInteger(), nullable=False),
    sa.Column('comment', sa.String(length=500), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('(course_id IS NULL) <> (activity_id IS NULL)', name=op.f('ck_satisfaction_rating_one_subject')),
    sa.CheckConstraint('score BETWEEN 1 AND 5', name=op.f('ck_satisfaction_rating_score')),
    sa.ForeignKeyConstraint(['activity_id'], ['activity.id'], name=op.f('fk_satisfaction_rating_activity_id_activity')),
    sa.ForeignKeyConstraint(['course_id'], ['course.id'], name=op.f('fk_satisfaction_rating_course_id_course')),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_satisfaction_rating_user_id_user_account'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_satisfaction_rating')),
    sa.UniqueConstraint('user_id', 'activity_id', name='uq_satisfaction_rating_activity'),
    sa.UniqueConstraint('user_id', 'course_id', name='uq_satisfaction_rating_course')
    )
    with op.batch_alter_table('satisfaction_rating', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_satisfaction_rating_activity_id'), ['activity_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_satisfaction_rating_course_id'), ['course_id'], unique=False)


def downgrade():
    with op.batch_alter_table('satisfaction_rating', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_satisfaction_rating_course_id'))
        batch_op.drop_index(batch_op.f('ix_satisfaction_rating_activity_id'))

    op.drop_table('satisfaction_rating')

    with op.batch_alter_table("news_item", schema=None) as batch_op:
        batch_op.drop_index("ix_news_item_status_published")
        batch_op.drop_index(batch_op.f("ix_news_item_city_code"))

    op.drop_table("news_item")
