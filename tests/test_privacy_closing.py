"""Closing an account: a request, a cooling-off period that can be taken back, then personal
fields erased, sessions ended and the credit account closed, while the ledger stays
unchanged and verifiable, certificates verifiable without a name and rankings counts kept.
Refused, with what to settle first, while credits are on hold or an application is under
review."""

from datetime import timedelta
from decimal import Decimal

from sqlalchemy import select

from learnhub.accounts.models import DeviceSession, Role, User
from learnhub.activities.models import ActivitySession, SignUp, SignUpStatus
from learnhub.audit import AuditAction, AuditEntry
from learnhub.creditbank import services as credits
from learnhub.creditbank.models import (
    AccountStatus,
    CreditAccount,
    CreditHold,
    EntryKind,
    LedgerEntry,
    RecognitionEvidence,
    RecognitionStatus,
)
from learnhub.database import utcnow
from learnhub.extensions import db
from learnhub.inbox.models import Message
from learnhub.privacy.models import ClosureRequest, ClosureStatus
from learnhub.privacy.services.closing import close_due_accounts
from learnhub.rankings.models import CityDay
from tests.helpers import sign_in, submit
from tests.privacy_steps import application, learner_with_everything

CLOSE = {"password": "correct horse battery", "understood": "y"}
NAME, MOBILE = "李淑珍", "13812345678"


def ask_to_close(client):
    return submit(client, "/me/close", CLOSE)


def run_closing(app, days_later: int):
    with app.app_context():
        done = close_due_accounts(utcnow() + timedelta(days=days_later))
        db.session.commit()
        return done


def closure_states(app) -> list[ClosureStatus]:
    with app.app_context():
        return [c.status for c in db.session.scalars(select(ClosureRequest))]


def ledger_rows(app) -> list[tuple]:
    with app.app_context():
        entries = db.session.scalars(select(LedgerEntry).order_by(LedgerEntry.id))
        return [(e.account_id, e.sequence, str(e.amount), e.hash, e.prev_hash) for e in entries]


def city_counts(app) -> list[tuple]:
    with app.app_context():
        return sorted((r.metric, r.day, r.city_code, r.value) for r in db.session.scalars(
            select(CityDay)))  # fmt: skip


def test_the_request_waits_for_the_cooling_off_period_and_can_be_taken_back(client, app, make_user):
    make_user(login=MOBILE, name=NAME)
    sign_in(client, MOBILE)
    assert ask_to_close(client).status_code == 302
    assert "7" in client.get("/me/close").get_data(as_text=True)  # when, and how to undo
    assert run_closing(app, days_later=6) == (0, 0)  # still in the cooling-off period
    with app.app_context():
        assert db.session.scalar(select(User.display_name)) == NAME
    assert submit(client, "/me/close/cancel", {}, page="/me/close").status_code == 302
    assert closure_states(app) == [ClosureStatus.CANCELLED]
    assert run_closing(app, days_later=30) == (0, 0)
    with app.app_context():
        assert db.session.scalar(select(User.display_name)) == NAME


def test_a_wrong_password_asks_again_and_requests_nothing(client, app, make_user):
    make_user(login="learner1")
    sign_in(client, "learner1")
    response = submit(client, "/me/close", {**CLOSE, "password": "not my password"})
    assert response.status_code == 400
    assert closure_states(app) == []


def test_after_closing_no_page_shows_the_name_or_mobile_and_the_ledger_still_verifies(
    client, app, make_user, runner
):
    user_id = make_user(login=MOBILE, name=NAME)
    make_user(login="shenyang", role=Role.CITY_STAFF, managed="210100", name="沈阳中心")
    kept = learner_with_everything(app, user_id)
    ledger_before, counts_before = ledger_rows(app), city_counts(app)
    sign_in(client, MOBILE)
    assert ask_to_close(client).status_code == 302
    assert run_closing(app, days_later=8) == (1, 0)

    # The person is signed out everywhere and can never sign in again.
    assert client.get("/me/account").status_code == 302
    assert sign_in(app.test_client(), MOBILE).status_code == 400  # the form again: refused
    with app.app_context():
        user = db.session.get(User, user_id)
        assert (user.mobile, user.email, user.birth_year) == (None, None, None)
        assert NAME not in user.display_name and user.closed_at is not None
        assert (
            db.session.scalars(select(DeviceSession).where(DeviceSession.user_id == user_id)).all()
            == []
        )
        account = db.session.scalar(select(CreditAccount).where(CreditAccount.user_id == user_id))
        assert account.status is AccountStatus.CLOSED
        assert db.session.scalars(select(RecognitionEvidence)).all() == []
        assert db.session.scalars(select(Message)).all() == []
        later = db.session.get(ActivitySession, kept.session_id)
        assert later.taken == 0
        live = db.session.scalars(select(SignUp).where(SignUp.status != SignUpStatus.CANCELLED))
        assert len(live.all()) == 1  # the past session's sign-up, with its attendance
        closed = db.session.scalar(select(AuditEntry).where(
            AuditEntry.action == AuditAction.ACCOUNT_CLOSED))  # fmt: skip
        assert closed.subject_id == user_id
    assert not any(path.exists() for path in kept.evidence_paths)

    # The ledger is untouched and still proves itself; the counts stay.
    assert ledger_rows(app) == ledger_before
    verified = runner.invoke(args=["ledger", "verify"])
    assert verified.exit_code == 0, verified.output
    assert city_counts(app) == counts_before

    # Pages and searches name nobody.
    certificate = client.get(f"/verify/{kept.certificate_code}").get_data(as_text=True)
    assert NAME[0] not in certificate.split("<main", 1)[1] and "智能手机入门" in certificate
    staff = app.test_client()
    sign_in(staff, "shenyang")
    for text in (MOBILE, "138 1234 5678"):
        found = staff.get("/staff/help-desk/", query_string={"q": text})
        assert found.status_code != 302, "a closed account is still found by its old mobile"
    for page in (f"/staff/credits/{kept.account_number}", f"/staff/help-desk/learners/{user_id}",
                 "/staff/people", "/staff/credits/requests", "/staff/recognition",
                 "/staff/districts/210102", "/staff/cities/210100"):  # fmt: skip
        html = staff.get(page).get_data(as_text=True)
        assert NAME not in html and MOBILE not in html and "5678" not in html, page
    searched = client.get("/search", query_string={"q": NAME}).get_data(as_text=True)
    assert MOBILE not in searched


def test_closing_is_refused_while_credits_are_on_hold(client, app, make_user):
    user_id = make_user(login="learner1")
    with app.app_context():
        account = credits.account_of(db.session.get(User, user_id))
        credits.post_entry(account, Decimal("3"), EntryKind.ADJUSTMENT, "test:hold")
        credits.hold_credits(account, "2", "conversion:test")
        db.session.commit()
    sign_in(client, "learner1")
    page = client.get("/me/close").get_data(as_text=True)
    assert 'href="/me/conversions"' in page and 'name="password"' not in page
    refused = ask_to_close(client)
    assert refused.status_code == 409
    assert 'href="/me/conversions"' in refused.get_data(as_text=True)
    assert closure_states(app) == []


def test_closing_is_refused_while_an_application_is_under_review(client, app, make_user):
    user_id = make_user(login="learner1")
    with app.app_context():
        account = credits.account_of(db.session.get(User, user_id))
        application(account, RecognitionStatus.IN_REVIEW, "老年大学结业")
        db.session.commit()
    sign_in(client, "learner1")
    refused = ask_to_close(client)
    assert refused.status_code == 409
    assert 'href="/me/recognition"' in refused.get_data(as_text=True)
    assert closure_states(app) == []


def test_a_hold_placed_during_the_cooling_off_period_makes_the_closing_wait(client, app, make_user):
    user_id = make_user(login="learner1", name=NAME)
    sign_in(client, "learner1")
    assert ask_to_close(client).status_code == 302
    with app.app_context():
        account = credits.account_of(db.session.get(User, user_id))
        credits.post_entry(account, Decimal("3"), EntryKind.ADJUSTMENT, "test:later")
        hold = credits.hold_credits(account, "2", "conversion:later")
        db.session.commit()
        hold_id = hold.id
    assert run_closing(app, days_later=8) == (0, 1)
    with app.app_context():
        assert db.session.get(User, user_id).display_name == NAME
        assert db.session.scalar(select(ClosureRequest.blocked_reason))
        credits.release_hold(db.session.get(CreditHold, hold_id))
        db.session.commit()
    assert run_closing(app, days_later=8) == (1, 0)


def test_staff_accounts_are_not_closed_here(client, app, make_user):
    make_user(login="shenyang", role=Role.CITY_STAFF, managed="210100")
    sign_in(client, "shenyang")
    assert ask_to_close(client).status_code == 400
    assert closure_states(app) == []


def test_parallel_closing_requests_make_one(app, make_user):
    import threading

    from learnhub.privacy.services.closing import request_closure

    user_id = make_user(login="learner1")
    barrier, outcomes = threading.Barrier(3), []

    def run():
        with app.test_request_context(method="POST"):
            barrier.wait()
            outcomes.append(request_closure(db.session.get(User, user_id)).id)
            db.session.commit()

    workers = [threading.Thread(target=run) for _ in range(3)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    assert len(outcomes) == 3
    assert closure_states(app) == [ClosureStatus.WAITING]
