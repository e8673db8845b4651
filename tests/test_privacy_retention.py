"""Retention: the scheduled jobs delete exactly what is past its configured period, and the
staff page shows each period."""

from datetime import timedelta

from sqlalchemy import select

from learnhub.accounts.models import DeviceSession, Role, User
from learnhub.clock import local_today
from learnhub.creditbank import services as credits
from learnhub.creditbank.models import RecognitionEvidence, RecognitionStatus
from learnhub.database import utcnow
from learnhub.extensions import db
from learnhub.jobs.queue import queue
from learnhub.jobs.worker import run_pending
from learnhub.privacy import jobs as privacy_jobs
from learnhub.recognition.services import evidence_path
from learnhub.search.models import SearchTermCount
from tests.helpers import sign_in
from tests.privacy_steps import application, evidence_file


def run_daily_job(app):
    """Run the scheduled job through the queue, as the worker does."""
    queue.enqueue(privacy_jobs.delete_past_retention.s())
    run_pending(app)


def test_search_logs_older_than_the_period_are_deleted_and_newer_ones_kept(app):
    days = app.config["PRIVACY_SEARCH_LOG_DAYS"]
    with app.app_context():
        today = local_today()
        for age in (days + 1, days, 0):
            db.session.add(SearchTermCount(day=today - timedelta(days=age), term=f"t{age}",
                                           searches=1))  # fmt: skip
        db.session.commit()
    run_daily_job(app)
    with app.app_context():
        kept = sorted(db.session.scalars(select(SearchTermCount.term)))
    assert kept == ["t0", f"t{days}"]


def test_sign_in_records_are_deleted_a_period_after_they_ended(app, make_user):
    user_id = make_user(login="learner1")
    days = app.config["PRIVACY_SIGN_IN_RECORD_DAYS"]
    now = utcnow()
    with app.app_context():
        for name, ended, expires in (
            ("old", now - timedelta(days=days + 1), now - timedelta(days=days)),
            ("recent", now - timedelta(days=days - 1), now - timedelta(days=days - 1)),
            ("open", None, now + timedelta(days=30)),
        ):
            db.session.add(DeviceSession(
                user_id=user_id, token_hash=name.ljust(64, "0"), device=name, ended_at=ended,
                expires_at=expires,
            ))  # fmt: skip
        db.session.commit()
    run_daily_job(app)
    with app.app_context():
        kept = sorted(db.session.scalars(select(DeviceSession.device)))
    assert kept == ["open", "recent"]


def test_evidence_of_rejected_applications_is_deleted_after_the_period(app, make_user):
    user_id = make_user(login="learner1")
    days = app.config["PRIVACY_REJECTED_EVIDENCE_DAYS"]
    with app.app_context():
        account = credits.account_of(db.session.get(User, user_id))
        old = application(account, RecognitionStatus.REJECTED, "旧的",
                          decided_at=utcnow() - timedelta(days=days + 1))  # fmt: skip
        recent = application(account, RecognitionStatus.REJECTED, "新的",
                             decided_at=utcnow() - timedelta(days=days - 1))  # fmt: skip
        approved = application(account, RecognitionStatus.APPROVED, "批准的",
                               decided_at=utcnow() - timedelta(days=days + 100))  # fmt: skip
        files = [evidence_file(item, name) for item, name in
                 ((old, "old"), (recent, "recent"), (approved, "approved"))]  # fmt: skip
        db.session.commit()
        paths = {evidence.original_name: evidence_path(evidence) for evidence in files}
    run_daily_job(app)
    with app.app_context():
        kept = sorted(db.session.scalars(select(RecognitionEvidence.original_name)))
    assert kept == ["approved.pdf", "recent.pdf"]
    assert not paths["old.pdf"].exists()
    assert paths["recent.pdf"].exists() and paths["approved.pdf"].exists()


def test_staff_see_what_is_kept_and_for_how_long(app, make_user):
    make_user(login="heping", role=Role.COUNTY_STAFF, managed="210102")
    client = app.test_client()
    sign_in(client, "heping")
    app.config["PRIVACY_SIGN_IN_RECORD_DAYS"] = 91
    page = client.get("/staff/privacy/retention").get_data(as_text=True)
    assert "PRIVACY_SIGN_IN_RECORD_DAYS" in page and "91" in page
    assert "RANKINGS_RETENTION_DAYS" in page
