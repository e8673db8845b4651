"""The credits metric, counted from the credit bank's ledger (signal ``entry_posted``).

A deposit (course completion, activity attendance, recognised learning) counts for the
learner's city and district at the moment it is posted. A reversal of such a deposit takes
its credits back, on the day of the reversal, from the city and district the deposit
counted for (so a learner who moved meanwhile does not shift credits between cities).
Conversions (withdrawals), adjustments and their reversals are not credits earned.
Each counted posting is kept as a ``credit_event``, which the rebuild sums again.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from functools import lru_cache

from sqlalchemy import BigInteger, Date, Integer, String, bindparam, func, select
from sqlalchemy.dialects import postgresql, sqlite

from learnhub.accounts.models import User
from learnhub.creditbank.models import CREDIT_SCALE, EntryKind, LedgerEntry
from learnhub.creditbank.services.ledger import DEPOSIT_KINDS, entry_posted
from learnhub.extensions import db

from . import counting
from .aggregates import CREDITS, add_region_amounts, forget_cached_boards, insert_new
from .models import UNKNOWN, CreditEvent

_WHERE_LEARNER_IS = select(User.city_code, User.district_code).where(User.id == bindparam("id"))


def credit_row(entry: LedgerEntry) -> dict | None:
    """The credit_event row a posting counts as, or None when it earns no credits."""
    if entry.kind in DEPOSIT_KINDS:
        # Two columns, not the user: after a commit the user row would load whole again.
        city, district = db.session.execute(_WHERE_LEARNER_IS, {"id": entry.account.user_id}).one()
        district = district or UNKNOWN
    elif entry.kind is EntryKind.REVERSAL and entry.reverses_id is not None:
        deposit = db.session.scalar(
            select(CreditEvent).where(CreditEvent.entry_id == entry.reverses_id)
        )
        if deposit is None:  # the reversal of something that was never counted
            return None
        city, district = deposit.city_code, deposit.district_code
    else:
        return None
    return {
        "entry_id": entry.id, "user_id": entry.account.user_id, "kind": str(entry.kind),
        "day": counting.local_day(counting.epoch_ms(entry.created_at)), "city_code": city,
        "district_code": district, "credit_cents": int(entry.amount.scaleb(CREDIT_SCALE)),
    }  # fmt: skip


def record_credit_events(events: list[dict]) -> None:
    """Count postings (rows of :func:`credit_row`); a posting already counted is not again."""
    by_entry = {e["entry_id"]: e for e in events}
    new = insert_new(CreditEvent, "entry_id", list(by_entry.values()))
    add_credits(
        (e["day"], e["city_code"], e["district_code"], e["credit_cents"])
        for e in map(by_entry.__getitem__, new)
    )
    forget_cached_boards()


def add_credits(rows: Iterable[tuple]) -> None:
    """Add credits (day, city, district, hundredths) to the daily tables."""
    amounts: Counter = Counter()
    for day, city, district, cents in rows:
        amounts[(day, city, district)] += cents
    add_region_amounts(CREDITS, amounts)


def on_entry_posted(_sender, entry: LedgerEntry, **_extra) -> None:
    if entry.kind in DEPOSIT_KINDS:
        _record_deposit(entry)
        return
    row = credit_row(entry)
    if row is not None:
        record_credit_events([row])


@lru_cache
def _deposit_statement(dialect: str):
    """INSERT INTO credit_event ... SELECT the learner's city and district FROM user_account:
    the row of :func:`credit_row` for a deposit in one statement, the learner read with it."""
    c = CreditEvent.__table__.c
    learner = select(
        bindparam("entry_id", type_=Integer), User.id, bindparam("kind", type_=String),
        bindparam("day", type_=Date), User.city_code, func.coalesce(User.district_code, UNKNOWN),
        bindparam("credit_cents", type_=BigInteger),
    ).where(User.id == bindparam("user_id"))  # fmt: skip
    insert = (postgresql.insert if dialect == "postgresql" else sqlite.insert)(
        CreditEvent.__table__
    )
    columns = ["entry_id", "user_id", "kind", "day", "city_code", "district_code", "credit_cents"]
    return (
        insert.from_select(columns, learner)
        .on_conflict_do_nothing(index_elements=["entry_id"])
        .returning(c.day, c.city_code, c.district_code, c.credit_cents)
    )


def _record_deposit(entry: LedgerEntry) -> None:
    """Count a deposit as :func:`credit_row` and :func:`record_credit_events` do, in fewer
    statements (a posting is a hot path: every attendance and completion)."""
    statement = _deposit_statement(db.session.get_bind().dialect.name)
    counted = db.session.execute(statement, {
        "entry_id": entry.id, "user_id": entry.account.user_id, "kind": str(entry.kind),
        "day": counting.local_day(counting.epoch_ms(entry.created_at)),
        "credit_cents": int(entry.amount.scaleb(CREDIT_SCALE)),
    }).all()  # fmt: skip
    add_credits(counted)
    forget_cached_boards()


def connect_credit_counting() -> None:
    """Count credits from the ledger, inside the posting transaction (once per process)."""
    entry_posted.connect(on_entry_posted)
