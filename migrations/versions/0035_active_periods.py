"""rankings: active learners of calendar weeks, months and years from one row per city and day

A learner's first active day in each week, month and year (per city, and per city and
district) in rank_learner_period, and per day, in rank_city_day and rank_district_day:
learners_day (learners active that day) and learners_week / learners_month / learners_year
(learners first active in that period on that day), computed here from rank_learner_day.

Revision ID: 0033_active_periods
Revises: 0033_search_entry
Create Date: 2026-12-06 05:00:00

"""

from collections import Counter
from datetime import timedelta

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0033_active_periods"
down_revision = "0033_search_entry"
branch_labels = None
depends_on = None

PERIODS = ("week", "month", "year")
CITY_WIDE = "*"

learner_day = sa.table(
    "rank_learner_day",
    sa.column("day", sa.Date),
    sa.column("user_id", sa.Integer),
    sa.column("city_code", sa.String),
    sa.column("district_code", sa.String),
)
city_day = sa.table(
    "rank_city_day",
    sa.column("metric", sa.String),
    sa.column("day", sa.Date),
    sa.column("city_code", sa.String),
    sa.column("value", sa.BigInteger),
)
district_day = sa.table(
    "rank_district_day",
    sa.column("metric", sa.String),
    sa.column("city_code", sa.String),
    sa.column("day", sa.Date),
    sa.column("district_code", sa.String),
    sa.column("value", sa.BigInteger),
)


def _period_start(period, day):
    if period == "week":
        return day - timedelta(days=day.weekday())
    if period == "month":
        return day.replace(day=1)
    return day.replace(month=1, day=1)


def upgrade():
    learner_period = op.create_table(
        "rank_learner_period",
        sa.Column("period", sa.String(length=8), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("period_start", sa.Date(), nullable=False),
        sa.Column("city_code", sa.String(length=6), nullable=False),
        sa.Column("district_code", sa.String(length=6), nullable=False),
        sa.Column("first_day", sa.Date(), nullable=False),
        sa.PrimaryKeyConstraint(
            "period", "user_id", "period_start", "city_code", "district_code",
            name=op.f("pk_rank_learner_period"),
        ),
    )  # fmt: skip
    op.create_index(
        "ix_rank_learner_period_start", "rank_learner_period", ["period", "period_start"]
    )
    connection = op.get_bind()
    for name in ("learners_day", *(f"learners_{p}" for p in PERIODS)):
        for table in (city_day, district_day):
            connection.execute(table.delete().where(table.c.metric == name))
    days = Counter()
    first = {period: {} for period in PERIODS}
    rows = connection.execute(
        sa.select(learner_day.c.day, learner_day.c.user_id, learner_day.c.city_code,
                  learner_day.c.district_code)
    )  # fmt: skip
    for day, user, city, district in rows:
        days[(day, city, district)] += 1
        for period in PERIODS:
            begins = _period_start(period, day)
            for scope in (CITY_WIDE, district):
                key = (begins, city, scope, user)
                if key not in first[period] or day < first[period][key]:
                    first[period][key] = day
    counts = {"learners_day": days}
    for period in PERIODS:
        counts[f"learners_{period}"] = Counter(
            (d, c, k) for (_s, c, k, _u), d in first[period].items()
        )
        values = [
            {"period": period, "period_start": s, "city_code": c, "district_code": k,
             "user_id": u, "first_day": d}
            for (s, c, k, u), d in first[period].items()
        ]  # fmt: skip
        _insert(connection, learner_period, values)
    for metric, amounts in counts.items():
        cities = Counter()
        district_rows = []
        for (day, city, scope), n in amounts.items():
            if metric == "learners_day" or scope == CITY_WIDE:
                cities[(day, city)] += n
            if scope != CITY_WIDE:
                district_rows.append({"metric": metric, "city_code": city, "day": day,
                                      "district_code": scope, "value": n})  # fmt: skip
        _insert(connection, city_day, [
            {"metric": metric, "day": d, "city_code": c, "value": n} for (d, c), n in cities.items()
        ])  # fmt: skip
        _insert(connection, district_day, district_rows)


def _insert(connection, table, values):
    for start in range(0, len(values), 5000):
        connection.execute(table.insert(), values[start : start + 5000])


def downgrade():
    for name in ("learners_day", *(f"learners_{p}" for p in PERIODS)):
        for table in (city_day, district_day):
            op.get_bind().execute(table.delete().where(table.c.metric == name))
    op.drop_table("rank_learner_period")
