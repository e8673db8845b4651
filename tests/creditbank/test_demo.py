"""The demo credit histories obey the rules real ones do."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import func, select

from learnhub.accounts.demo import load_demo_accounts
from learnhub.accounts.models import User
from learnhub.catalogue.demo import load_demo_courses
from learnhub.creditbank import services
from learnhub.creditbank.demo import load_demo_credits
from learnhub.creditbank.models import EntryKind, LedgerEntry
from learnhub.creditbank.pending_models import AdjustmentRequest, RequestStatus
from learnhub.extensions import db
from learnhub.learning.models import CourseCompletion
from learnhub.learning.services import my_learning


def test_demo_statements_come_from_real_completions_and_staff_actions(app):
    with app.test_request_context():
        for step in (load_demo_accounts, load_demo_courses, load_demo_credits, load_demo_credits):
            step(iter)
            db.session.commit()
        learner = db.session.scalar(select(User).where(User.username == "learner"))
        account = services.account_of(learner)
        entries = db.session.scalars(
            select(LedgerEntry).where(LedgerEntry.account_id == account.id)
        ).all()
        completions = {e.business_key for e in entries if e.kind is EntryKind.COMPLETION}
        finished = {
            f"course_completion:{c.id}"
            for c in db.session.scalars(
                select(CourseCompletion).where(CourseCompletion.user_id == learner.id)
            )
        }
        listed = {p.course_id for p in my_learning(learner) if p.completed_at is not None}
        assert completions == finished and len(listed) == len(finished) == 3
        kinds = [e.kind for e in entries]
        assert kinds.count(EntryKind.ADJUSTMENT) == 1 and kinds.count(EntryKind.REVERSAL) == 1
        assert EntryKind.ATTENDANCE not in kinds  # no bare postings without a source
        for entry in entries:
            assert entry.posted_by_id != learner.id
        (request,) = db.session.scalars(select(AdjustmentRequest)).all()
        assert request.status is RequestStatus.PENDING and request.amount == Decimal("12.00")
        assert request.requested_by.username == "shenyang_staff"
        assert db.session.scalar(select(func.count(LedgerEntry.id))) == 3 * 3 + 2
        assert list(services.verify_ledger()) == []
