"""rankings: the learners of each day and month as bitmaps, for active learners over any window

One roaring bitmap of user ids per city (district "*") and per district, for each day and
each calendar month with learner-days, in rank_active_bits; computed here from
rank_learner_day (see learnhub/rankings/active_bits.py).

Revision ID: 0038_active_bits
Revises: 0037_search_also
Create Date: 2026-12-07 11:00:00

"""

from collections import defaultdict

import sqlalchemy as sa
from alembic import op
from pyroaring import BitMap

# revision identifiers, used by Alembic.
revision = "0038_active_bits"
down_revision = "0037_search_also"
branch_labels = None
depends_on = None

CITY_WIDE = "*"
learner_day = sa.table(
    "rank_learner_day",
    sa.column("day", sa.Date),
    sa.column("user_id", sa.Integer),
    sa.column("city_code", sa.String),
    sa.column("district_code", sa.String),
)


def upgrade():
    active_bits = op.create_table(
        "rank_active_bits",
        sa.Column("span", sa.String(length=5), nullable=False),
        sa.Column("start", sa.Date(), nullable=False),
        sa.Column("city_code", sa.String(length=6), nullable=False),
        sa.Column("district_code", sa.String(length=6), nullable=False),
        sa.Column("bits", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint(
            "span", "start", "city_code", "district_code", name=op.f("pk_rank_active_bits")
        ),
    )
    sets = defaultdict(BitMap)
    rows = op.get_bind().execute(
        sa.select(learner_day.c.day, learner_day.c.user_id, learner_day.c.city_code,
                  learner_day.c.district_code)
    )  # fmt: skip
    for day, user, city, district in rows:
        for scope in (CITY_WIDE, district):
            sets[("day", day, city, scope)].add(user % 2**32)  # any 32-bit id (the demo's < 0)
            sets[("month", day.replace(day=1), city, scope)].add(user % 2**32)
    values = [
        {"span": span, "start": start, "city_code": city, "district_code": district,
         "bits": users.serialize()}
        for (span, start, city, district), users in sets.items()
    ]  # fmt: skip
    for at in range(0, len(values), 1000):
        op.get_bind().execute(active_bits.insert(), values[at : at + 1000])


def downgrade():
    op.drop_table("rank_active_bits")
