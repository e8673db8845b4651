"""search synonyms: groups of words a learner may type for one topic, and a starter list

Revision ID: 0028_synonyms
Revises: 0028_winners
Create Date: 2026-12-06 01:55:00

"""

from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0028_synonyms"
down_revision = "0028_winners"
branch_labels = None
depends_on = None

# The starter list for the six modules, as it stood when this migration was written (a
# migration is a snapshot: it never reads the application's code). Every install, new or
# upgraded, gets it once; staff change it afterwards at /search/synonyms.
STARTER_GROUPS = (
    # 百年党史学堂
    "党史 建党百年 建党100周年 中共党史 红色历史",
    "抗美援朝 志愿军 鸭绿江",
    "雷锋 学雷锋 雷锋精神",
    "长征 红军长征 长征精神",
    "改革开放 春天的故事",
    # 全民学习阅读
    "阅读 读书 看书 好书",
    "诵读 朗诵 朗读 读诗",
    "图书馆 借书 借阅",
    # 老年人智能技术应用
    "防骗 反诈 诈骗 防诈骗 电信诈骗 骗子 反诈骗",
    "智能手机 手机 智能机 手机使用",
    "扫码支付 手机支付 微信支付 支付宝 付款 付钱",
    "视频通话 视频聊天 视频电话",
    "网上挂号 预约挂号 挂号",
    "打车 叫车 网约车 出租车",
    "健康码 行程码 出示健康码",
    # 家庭教育
    "育儿 带娃 带孩子 教育孩子",
    "青春期 叛逆期",
    "幼小衔接 上小学",
    "隔代教育 隔代抚养 祖辈",
    "防溺水 溺水 游泳安全",
    # 健康生活
    "养生 保健 健康 健康生活",
    "健身 锻炼 运动",
    "八段锦 气功",
    "太极 太极拳",
    "广场舞 舞蹈 跳舞",
    "高血压 血压高 降血压 降压",
    "膳食 饮食 营养 吃饭",
    "急救 心肺复苏 救命 aed",
    "失眠 睡眠 睡觉",
    "心理健康 情绪 心理",
    # 职业技能
    "就业 找工作 求职",
    "家政 保洁 保姆 打扫卫生",
    "养老护理 护理员 护工 照护",
    "电商直播 直播带货 直播 网店",
    "excel 电子表格 表格 办公软件",
    "书法 毛笔字 写字",
    "垃圾分类 环保",
)


def upgrade():
    group_table = op.create_table(
        "search_synonym_group",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_search_synonym_group")),
    )
    term_table = op.create_table(
        "search_synonym_term",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("group_id", sa.Integer(), nullable=False),
        sa.Column("term", sa.String(length=20), nullable=False),
        sa.CheckConstraint("term <> ''", name=op.f("ck_search_synonym_term_term_not_empty")),
        sa.ForeignKeyConstraint(
            ["group_id"],
            ["search_synonym_group.id"],
            name=op.f("fk_search_synonym_term_group_id_search_synonym_group"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_search_synonym_term")),
        sa.UniqueConstraint("term", name=op.f("uq_search_synonym_term_term")),
    )
    with op.batch_alter_table("search_synonym_term", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_search_synonym_term_group_id"), ["group_id"], unique=False
        )
    _load_starter_groups(group_table, term_table)


def _load_starter_groups(group_table, term_table) -> None:
    """Each starter group none of whose words is in a group yet (so running it twice, or on
    a list staff already began, adds nothing twice)."""
    connection = op.get_bind()
    taken = set(connection.scalars(sa.select(term_table.c.term)))
    # Naive UTC on SQLite, as the application's UTCDateTime stores it.
    now = datetime.now(UTC)
    if connection.dialect.name == "sqlite":
        now = now.replace(tzinfo=None)
    for line in STARTER_GROUPS:
        terms = line.split()
        if taken.intersection(terms):
            continue
        group_id = connection.execute(
            group_table.insert().values(created_at=now).returning(group_table.c.id)
        ).scalar_one()
        connection.execute(term_table.insert(), [{"group_id": group_id, "term": t} for t in terms])
        taken.update(terms)


def downgrade():
    with op.batch_alter_table("search_synonym_term", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_search_synonym_term_group_id"))
    op.drop_table("search_synonym_term")
    op.drop_table("search_synonym_group")
