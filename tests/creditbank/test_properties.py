"""Property: any sequence of postings, reversals, holds and conversions keeps the books right."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from learnhub.creditbank import services
from learnhub.creditbank.errors import CreditError
from learnhub.creditbank.models import CreditHold, EntryKind, HoldStatus, LedgerEntry
from learnhub.creditbank.services.adjustments import adjust
from learnhub.creditbank.services.ledger import reverse_entry
from learnhub.extensions import db

from .conftest import account_for, new_learner, new_staff

amounts = st.decimals(min_value="0.01", max_value="20", places=2)
operations = st.lists(
    st.one_of(
        st.tuples(st.just("deposit"), amounts),
        st.tuples(st.just("adjust"), st.decimals(min_value="-20", max_value="20", places=2)),
        st.tuples(st.just("reverse"), st.integers(min_value=0, max_value=30)),
        st.tuples(st.just("hold"), amounts),
        st.tuples(st.just("settle"), st.integers(min_value=0, max_value=10)),
        st.tuples(st.just("release"), st.integers(min_value=0, max_value=10)),
    ),
    max_size=25,
)


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(ops=operations)
def test_balance_is_sum_of_entries_and_never_negative(ctx, ops):
    staff = new_staff()
    account = account_for(new_learner())
    entries, holds = [], []
    for step, (op, value) in enumerate(ops):
        try:
            if op == "deposit":
                entries.append(
                    services.post_entry(account, value, EntryKind.ATTENDANCE, f"a:{step}")
                )
            elif op == "adjust" and value != 0:
                outcome = adjust(account, value, staff, "memo", str(step))
                entries += [outcome.entry] if outcome.entry is not None else []
            elif op == "reverse" and entries:
                reverse_entry(entries[value % len(entries)], staff, "undo")
            elif op == "hold":
                holds.append(services.hold_credits(account, value, f"conversion:{step}"))
            elif op == "settle" and holds:
                services.settle_hold(holds[value % len(holds)], staff)
            elif op == "release" and holds:
                services.release_hold(holds[value % len(holds)])
        except CreditError:
            pass  # refused: the ledger must be unchanged, which the checks below see
        total = db.session.scalar(
            select(func.coalesce(func.sum(LedgerEntry.amount), 0)).where(
                LedgerEntry.account_id == account.id
            )
        )
        balance = services.balance_of(account)
        assert Decimal(total) == balance >= 0
        assert services.held_amount(account) <= balance
    settled = db.session.scalars(
        select(CreditHold).where(CreditHold.status == HoldStatus.SETTLED)
    ).all()
    assert all(hold.entry_id is not None for hold in settled)
    db.session.commit()
    assert list(services.verify_ledger()) == []
