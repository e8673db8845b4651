"""Recognition of outside learning (学习成果认定) and the outcome catalogue (成果名录)."""

from __future__ import annotations

import io
import re
import stat
import threading
from decimal import Decimal
from pathlib import Path
from urllib.parse import quote

import pytest
from sqlalchemy import func, select, update

from learnhub.accounts.models import Role, User
from learnhub.creditbank import services as credit_services
from learnhub.creditbank.models import (
    AccountStatus,
    CreditAccount,
    EntryKind,
    LedgerEntry,
    OutcomeType,
    RecognitionApplication,
    RecognitionEvidence,
    RecognitionStatus,
)
from learnhub.extensions import db
from learnhub.inbox import Message
from learnhub.recognition import services
from learnhub.recognition.demo import load_demo_recognition
from learnhub.recognition.services import (
    ApplicationDetails,
    OutcomeTypeDetails,
    RecognitionError,
)
from tests.helpers import csrf_token_from, sign_in, submit

SHENYANG, DALIAN, PROVINCE = "210100", "210200", "210000"
PAD = bytes(range(256)) * 4
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\n" + PAD
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + PAD
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + PAD
GIF = b"GIF89a\x01\x00\x01\x00" + PAD
HTML = b"<!doctype html><script>alert(document.cookie)</script>"
Status = RecognitionStatus


@pytest.fixture
def people(make_user):
    """Learners in Shenyang and Dalian, staff of both cities and of the province."""
    make_user(login="rc_learner", name="王秀英")
    make_user(login="rc_other", name="李建华")
    make_user(login="dl_learner", city=DALIAN, district="210202", name="刘建国")
    make_user(login="sy_staff", role=Role.CITY_STAFF, managed=SHENYANG, name="沈阳中心甲")
    make_user(login="sy_staff2", role=Role.CITY_STAFF, managed=SHENYANG, name="沈阳中心乙")
    make_user(login="dl_staff", role=Role.CITY_STAFF, managed=DALIAN, city=DALIAN,
              district="210202", name="大连中心")  # fmt: skip
    make_user(login="province", role=Role.PROVINCE_STAFF, managed=PROVINCE, name="省中心")
    make_user(login="sy_editor", role=Role.EDITOR, managed=SHENYANG)
    make_user(login="shenhe_learner", district="210103", name="赵丽华")
    make_user(login="heping_staff", role=Role.COUNTY_STAFF, managed="210102", name="和平区中心")


@pytest.fixture
def ctx(app, people):
    """A (POST) request context in English, so refusals can be read and matched."""
    with app.test_request_context(method="POST", headers={"Cookie": "learnhub_locale=en"}):
        yield
        db.session.rollback()


def person(login: str) -> User:
    return db.session.scalar(select(User).where(User.username == login))


def account_of(login: str) -> CreditAccount:
    return credit_services.account_of(person(login))


def details(**changes) -> ApplicationDetails:
    values = {"title": "养老护理员培训", "category": "training", "hours": "32",
              "credits_claimed": "2", "description": "在社区学校学习。"}  # fmt: skip
    return ApplicationDetails(**{**values, **changes})


def draft(login: str = "rc_learner", **changes) -> RecognitionApplication:
    return services.create_draft(account_of(login), details(**changes))


def sent(login: str = "rc_learner", **changes) -> RecognitionApplication:
    application = draft(login, **changes)
    services.add_evidence(application, io.BytesIO(PDF), "证书.pdf")
    services.submit(application)
    return application


def in_review(login: str = "rc_learner", reviewer: str = "sy_staff") -> RecognitionApplication:
    application = sent(login)
    services.claim(application, person(reviewer))
    return application


def recognition_entries(account: CreditAccount) -> list[LedgerEntry]:
    return list(
        db.session.scalars(
            select(LedgerEntry).where(
                LedgerEntry.account_id == account.id, LedgerEntry.kind == EntryKind.RECOGNITION
            )
        )
    )


def refused(action, *args, **kwargs) -> str:
    with pytest.raises(RecognitionError) as caught:
        action(*args, **kwargs)
    return str(caught.value)


# ---- the state machine ------------------------------------------------------------------


def test_approval_pays_the_claimed_credits_exactly_once(ctx):
    application = in_review()
    reviewer = person("sy_staff")
    services.approve(application, reviewer, "证书有效")
    assert application.status is Status.APPROVED
    assert application.decided_at is not None and application.decision_reason == "证书有效"
    account = account_of("rc_learner")
    [entry] = recognition_entries(account)
    assert entry.amount == Decimal("2.00") and entry.business_key == f"recognition:{application.id}"
    assert application.entry_id == entry.id and entry.posted_by_id == reviewer.id
    assert credit_services.balance_of(account) == Decimal("2.00")

    message = refused(services.approve, application, reviewer)
    assert "Take the application for review first" in message and "Approved" in message
    assert len(recognition_entries(account)) == 1
    assert credit_services.balance_of(account) == Decimal("2.00")


ILLEGAL = [
    # (state to reach, action, expected words in the refusal)
    ("draft", lambda a, s: services.claim(a, s), "cannot be taken for review"),
    ("draft", lambda a, s: services.approve(a, s), "Take the application for review first"),
    ("submitted", lambda a, s: services.approve(a, s), "Take the application for review first"),
    ("submitted", lambda a, s: services.reject(a, s, "不符合"), "Take the application for review"),
    ("submitted", lambda a, s: services.submit(a), "can be changed"),
    ("in_review", lambda a, s: services.withdraw(a), "cannot be withdrawn now"),
    ("in_review", lambda a, s: services.claim(a, s), "cannot be taken for review"),
    ("in_review", lambda a, s: services.update_details(a, details(title="改")), "can be changed"),
    ("approved", lambda a, s: services.reject(a, s, "改判"), "Take the application for review"),
    ("approved", lambda a, s: services.withdraw(a), "cannot be withdrawn now"),
    ("approved", lambda a, s: services.add_evidence(a, io.BytesIO(PDF), "x.pdf"), "be changed"),
    ("rejected", lambda a, s: services.submit(a), "can be changed"),
    ("rejected", lambda a, s: services.approve(a, s), "Take the application for review first"),
    ("withdrawn", lambda a, s: services.submit(a), "can be changed"),
    ("withdrawn", lambda a, s: services.claim(a, s), "cannot be taken for review"),
    ("returned", lambda a, s: services.approve(a, s), "Take the application for review first"),
    ("returned", lambda a, s: services.withdraw(a), "cannot be withdrawn now"),
]


def reach(state: str) -> RecognitionApplication:
    reviewer = person("sy_staff")
    if state == "draft":
        application = draft()
        services.add_evidence(application, io.BytesIO(PDF), "证书.pdf")
        return application
    if state == "withdrawn":
        application = sent()
        services.withdraw(application)
        return application
    application = sent() if state == "submitted" else in_review()
    if state == "approved":
        services.approve(application, reviewer)
    elif state == "rejected":
        services.reject(application, reviewer, "材料不符")
    elif state == "returned":
        services.return_for_evidence(application, reviewer, "请补充证书背面")
    return application


@pytest.mark.parametrize(("state", "action", "words"), ILLEGAL)
def test_illegal_transitions_are_refused_and_change_nothing(ctx, state, action, words):
    application = reach(state)
    before = (application.status, application.reviewer_id, application.decision_reason,
              application.title, len(application.evidence))  # fmt: skip
    entries = len(recognition_entries(application.account))
    message = refused(action, application, person("sy_staff"))
    assert words in message
    db.session.refresh(application)
    after = (application.status, application.reviewer_id, application.decision_reason,
             application.title, len(application.evidence))  # fmt: skip
    assert after == before
    assert len(recognition_entries(application.account)) == entries


def test_returned_application_is_corrected_and_sent_again(ctx):
    application = in_review()
    services.return_for_evidence(application, person("sy_staff"), "请补充证书背面照片")
    assert application.status is Status.RETURNED
    assert application.decision_reason == "请补充证书背面照片"
    services.update_details(application, details(hours="40"))
    services.add_evidence(application, io.BytesIO(PNG), "背面.png")
    services.submit(application)
    assert application.status is Status.SUBMITTED and application.reviewer_id is None
    services.claim(application, person("sy_staff2"))  # any reviewer of the city may take it
    services.approve(application, person("sy_staff2"))
    assert application.hours == Decimal("40.00") and len(application.evidence) == 2


def test_learner_withdraws_a_draft_or_a_waiting_application(ctx):
    first, second = draft(), sent(title="另一个")
    services.withdraw(first)
    services.withdraw(second)
    assert first.status is Status.WITHDRAWN and second.status is Status.WITHDRAWN


def test_reject_and_return_need_a_reason(ctx):
    application = in_review()
    for action in (services.reject, services.return_for_evidence):
        with pytest.raises(RecognitionError) as caught:
            action(application, person("sy_staff"), "   ")
        assert caught.value.field == "reason" and "Give the reason" in str(caught.value)
    assert application.status is Status.IN_REVIEW
    services.reject(application, person("sy_staff"), "非正规培训")
    assert application.status is Status.REJECTED and application.decision_reason == "非正规培训"
    assert recognition_entries(application.account) == []


def test_submit_needs_an_evidence_file(ctx):
    application = draft()
    with pytest.raises(RecognitionError) as caught:
        services.submit(application)
    assert caught.value.field == "evidence" and "evidence file" in str(caught.value)
    assert application.status is Status.DRAFT


def test_only_the_reviewer_who_took_it_decides(ctx):
    application = in_review(reviewer="sy_staff")
    message = refused(services.approve, application, person("sy_staff2"))
    assert "沈阳中心甲 is reviewing this application" in message
    assert application.status is Status.IN_REVIEW
    services.release(application, person("sy_staff2"))  # a colleague puts it back (holiday)
    assert application.status is Status.SUBMITTED and application.reviewer_id is None


# ---- who may review ---------------------------------------------------------------------


def test_staff_review_only_their_own_citys_learners(ctx):
    application = sent("dl_learner")
    assert application.city_code == DALIAN
    for outsider in ("sy_staff", "sy_editor", "rc_learner"):
        message = refused(services.claim, application, person(outsider))
        assert "learners of your own region" in message
    assert application.status is Status.SUBMITTED
    services.claim(application, person("dl_staff"))
    services.release(application, person("dl_staff"))
    services.claim(application, person("province"))  # province staff review every city
    services.approve(application, person("province"))
    assert application.status is Status.APPROVED


def test_staff_cannot_review_their_own_application(ctx):
    application = sent("sy_staff")
    assert "your own application" in refused(services.claim, application, person("sy_staff"))
    services.claim(application, person("sy_staff2"))
    assert application.status is Status.IN_REVIEW


def test_city_staff_never_review_a_province_staff_members_application(ctx):
    application = sent("province")  # province staff live in Shenyang too
    assert application.city_code == SHENYANG
    message = refused(services.claim, application, person("sy_staff"))
    assert "higher level" in message and application.status is Status.SUBMITTED
    db.session.rollback()


def test_applications_go_to_the_city_keeping_the_account_not_the_profile(ctx):
    learner = person("rc_learner")
    learner.city_code, learner.district_code = DALIAN, "210202"  # moved, not yet transferred
    application = sent("rc_learner")
    assert application.city_code == SHENYANG == application.account.city_code
    assert "learners of your own region" in refused(services.claim, application, person("dl_staff"))
    services.claim(application, person("sy_staff"))
    assert application.status is Status.IN_REVIEW


def test_queue_shows_only_the_city_and_never_drafts(ctx):
    mine, theirs, _draft = sent("rc_learner"), sent("dl_learner"), draft("rc_other")
    city_queue = services.review_queue(person("sy_staff"), Status.SUBMITTED, 1).items
    province_queue = services.review_queue(person("province"), None, 1).items
    assert city_queue == [mine]
    assert {a.id for a in province_queue} == {mine.id, theirs.id}


def test_county_staff_review_only_their_districts_learners(ctx):
    heping, shenhe = sent("rc_learner"), sent("shenhe_learner")  # 和平区 and 沈河区 of 沈阳
    queue = services.review_queue(person("heping_staff"), Status.SUBMITTED, 1).items
    assert queue == [heping]
    message = refused(services.claim, shenhe, person("heping_staff"))
    assert "learners of your own region" in message and shenhe.status is Status.SUBMITTED
    services.claim(heping, person("heping_staff"))
    services.approve(heping, person("heping_staff"))
    assert heping.status is Status.APPROVED
    services.claim(shenhe, person("sy_staff"))  # the city's centre reviews every district
    assert shenhe.status is Status.IN_REVIEW


# ---- a frozen or closed account -----------------------------------------------------------


def test_frozen_account_refuses_approval_and_nothing_changes(ctx):
    application = in_review()
    account = application.account
    credit_services.set_account_status(account, AccountStatus.FROZEN, "核查中", person("province"))
    message = refused(services.approve, application, person("sy_staff"))
    assert "frozen" in message
    assert application.status is Status.IN_REVIEW and recognition_entries(account) == []
    credit_services.set_account_status(account, AccountStatus.ACTIVE, "", person("province"))
    services.approve(application, person("sy_staff"))
    assert len(recognition_entries(account)) == 1


def test_account_frozen_meanwhile_undoes_the_approval(ctx):
    """Frozen by another request after the page was loaded: the ledger refuses, and the
    application stays in review (the state change is undone with the posting)."""
    application = in_review()
    account = application.account  # loaded (and held) before the other request's change
    db.session.execute(
        update(CreditAccount)
        .where(CreditAccount.id == application.account_id)
        .values(status=AccountStatus.FROZEN)
        .execution_options(synchronize_session=False)
    )
    assert account.status is AccountStatus.ACTIVE  # what this request still believes
    with pytest.raises(credit_services.CreditError) as caught:
        services.approve(application, person("sy_staff"))
    assert "frozen" in str(caught.value)
    assert application.status is Status.IN_REVIEW and application.entry_id is None
    assert recognition_entries(application.account) == []


# ---- amounts ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("changes", "field", "words"),
    [
        ({"credits_claimed": "-1"}, "credits_claimed", "cannot be negative"),
        ({"credits_claimed": "两分"}, "credits_claimed", "Enter a number of credits"),
        ({"credits_claimed": "1.234"}, "credits_claimed", "at most 2 decimal places"),
        ({"credits_claimed": "0"}, "credits_claimed", "more than 0"),
        ({"credits_claimed": ""}, "credits_claimed", "Enter the credits you ask for"),
        ({"credits_claimed": "NaN"}, "credits_claimed", "Enter a number of credits"),
        ({"credits_claimed": "20.01", "hours": "400"}, "credits_claimed", "at most 20.00"),
        ({"credits_claimed": "2.01"}, "credits_claimed", "worth at most 2.00 credits"),
        ({"hours": "-3"}, "hours", "more than 0"),
        ({"hours": "三十"}, "hours", "Enter the study hours"),
        ({"hours": "1.005"}, "hours", "at most 2 decimal places"),
        ({"title": "  "}, "title", "Enter a title"),
        ({"category": "party"}, "category", "Choose what kind"),
    ],
)
def test_bad_details_are_refused_and_nothing_is_saved(ctx, changes, field, words):
    with pytest.raises(RecognitionError) as caught:
        draft(**changes)
    assert caught.value.field == field and words in str(caught.value)
    assert db.session.scalar(select(func.count(RecognitionApplication.id))) == 0


def test_full_width_numbers_are_understood(ctx):
    application = draft(hours="３２", credits_claimed="１.５")
    assert application.hours == Decimal("32.00") and application.credits_claimed == Decimal("1.50")


def test_the_maximum_per_application_is_a_setting(app, ctx):
    app.config["CREDIT_MAX_PER_RECOGNITION"] = "1.5"
    message = refused(draft, "rc_learner")  # 2 credits asked for
    assert "at most 1.50 credits in one application" in message
    assert draft(credits_claimed="1.5").credits_claimed == Decimal("1.50")


def test_a_lowered_maximum_is_checked_again_on_submit(app, ctx):
    application = draft()
    services.add_evidence(application, io.BytesIO(PDF), "证书.pdf")
    app.config["CREDIT_MAX_PER_RECOGNITION"] = "1"
    assert "at most 1.00 credits" in refused(services.submit, application)
    assert application.status is Status.DRAFT


# ---- the outcome catalogue ----------------------------------------------------------------


def new_type(name="社区志愿服务 50 小时", category="volunteer", credits="3") -> OutcomeType:
    return services.save_outcome_type(
        person("province"), OutcomeTypeDetails(name, category, credits)
    )


def test_a_catalogue_type_prefills_and_caps_the_claim(ctx):
    outcome_type = new_type()
    application = draft(outcome_type_id=outcome_type.id, credits_claimed="", category="",
                        hours="50")  # fmt: skip
    assert application.credits_claimed == Decimal("3.00")
    assert application.category.value == "volunteer"
    smaller = draft(title="少一点", outcome_type_id=outcome_type.id, credits_claimed="1", hours="1")
    assert smaller.credits_claimed == Decimal("1.00")  # the type, not the hours, sets the cap
    message = refused(draft, "rc_learner", outcome_type_id=outcome_type.id, credits_claimed="3.5")
    assert "For “社区志愿服务 50 小时” you may ask for at most 3.00 credits" in message


def test_an_inactive_type_is_not_offered(ctx):
    outcome_type = new_type()
    application = draft(outcome_type_id=outcome_type.id, credits_claimed="")
    services.add_evidence(application, io.BytesIO(PDF), "证书.pdf")
    services.set_outcome_type_active(person("province"), outcome_type, False)
    assert outcome_type not in services.outcome_types()
    assert "no longer offered" in refused(draft, "rc_learner", outcome_type_id=outcome_type.id)
    assert "no longer offered" in refused(services.submit, application)
    assert application.status is Status.DRAFT


def test_catalogue_rules(ctx):
    new_type()
    for staff in ("sy_staff", "rc_learner"):
        with pytest.raises(RecognitionError, match="Only province center staff"):
            services.save_outcome_type(person(staff), OutcomeTypeDetails("证书", "award", "1"))
    with pytest.raises(RecognitionError, match="with this name already"):
        new_type(credits="2")
    with pytest.raises(RecognitionError, match="no application may claim more"):
        new_type(name="博士学位", credits="25")
    with pytest.raises(RecognitionError, match="at most 2 decimal places"):
        new_type(name="硕士学位", credits="1.555")
    assert db.session.scalar(select(func.count(OutcomeType.id))) == 1


# ---- evidence files -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("content", "words"),
    [
        (HTML, "Choose a PDF file or a photo in JPEG or PNG format"),
        (GIF, "Choose a PDF file or a photo in JPEG or PNG format"),
        (b"", "The file is empty"),
    ],
)
def test_evidence_is_checked_by_its_content(ctx, content, words):
    application = draft()
    with pytest.raises(RecognitionError) as caught:
        services.add_evidence(application, io.BytesIO(content), "证书.pdf")  # the name lies
    assert caught.value.field == "file" and words in str(caught.value)
    assert application.evidence == []


def test_evidence_size_is_limited_by_the_setting(app, ctx):
    app.config["CREDIT_EVIDENCE_MAX_BYTES"] = 1024 * 1024
    application = draft()
    too_big = PDF + b"0" * (1024 * 1024)
    assert "at most 1 MB" in refused(services.add_evidence, application, io.BytesIO(too_big), "a")
    services.add_evidence(application, io.BytesIO(JPEG), "照片.jpg")
    assert [e.content_type for e in application.evidence] == ["image/jpeg"]


def test_evidence_is_kept_privately_under_the_instance_folder(app, ctx):
    application = draft()
    evidence = services.add_evidence(application, io.BytesIO(PDF), "../../证书\x00.pdf")
    path = services.evidence_path(evidence)
    assert path.read_bytes() == PDF
    assert path.parent == Path(app.instance_path) / "credit-evidence"
    assert Path(app.static_folder) not in path.parents
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700  # nobody else on the machine
    assert evidence.original_name == "证书.pdf" and evidence.stored_name.endswith(".pdf")


# ---- races ------------------------------------------------------------------------------


def race(app, application_id: int, act) -> list[str]:
    """Run ``act(application)`` in two threads at once, each in its own transaction."""
    start = threading.Barrier(2)
    outcomes: list[str] = []

    def attempt(login: str) -> None:
        with app.app_context():
            start.wait(timeout=30)  # then both read and write at once (SQLite: one waits)
            try:
                act(db.session.get(RecognitionApplication, application_id), person(login))
                db.session.commit()
                outcomes.append("done")
            except RecognitionError:
                db.session.rollback()
                outcomes.append("refused")
            except Exception as error:  # reported by the assertion, not lost in the thread
                db.session.rollback()
                outcomes.append(repr(error))
            finally:
                db.session.remove()

    threads = [
        threading.Thread(target=attempt, args=(login,)) for login in ("sy_staff", "sy_staff2")
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return sorted(outcomes)


def test_two_reviewers_claiming_at_once_only_one_gets_it(app, people):
    with app.app_context():
        application_id = sent().id
        db.session.commit()
    assert race(app, application_id, services.claim) == ["done", "refused"]
    with app.app_context():
        application = db.session.get(RecognitionApplication, application_id)
        assert application.status is Status.IN_REVIEW
        assert application.reviewer.username in ("sy_staff", "sy_staff2")


def test_a_double_clicked_approval_pays_once(app, people):
    with app.app_context():
        application = sent()
        services.claim(application, person("sy_staff"))
        application_id = application.id
        db.session.commit()
    outcomes = race(app, application_id, lambda a, _who: services.approve(a, person("sy_staff")))
    assert outcomes == ["done", "refused"]
    with app.app_context():
        account = account_of("rc_learner")
        assert len(recognition_entries(account)) == 1
        assert credit_services.balance_of(account) == Decimal("2.00")


# ---- pages ------------------------------------------------------------------------------


def sign_in_en(client, login):
    client.set_cookie("learnhub_locale", "en")
    return sign_in(client, login)


def form_fields(**changes) -> dict:
    return {"outcome_type": "", "category": "certificate", "title": "养老护理员证书",
            "hours": "32", "credits_claimed": "2", "description": "", **changes}  # fmt: skip


def upload(client, application_id: int, content: bytes, name: str = "证书.pdf"):
    page = client.get(f"/me/recognition/{application_id}").get_data(as_text=True)
    return client.post(
        f"/me/recognition/{application_id}/evidence",
        data={"file": (io.BytesIO(content), name), "csrf_token": csrf_token_from(page)},
        content_type="multipart/form-data",
    )


def apply_through_pages(client, **changes) -> int:
    response = submit(client, "/me/recognition/new", form_fields(**changes))
    assert response.status_code == 302, response.get_data(as_text=True)
    application_id = int(re.search(r"/me/recognition/(\d+)$", response.headers["Location"])[1])
    assert upload(client, application_id, PDF).status_code == 302
    response = submit(client, f"/me/recognition/{application_id}/submit", {})
    assert response.status_code == 302
    return application_id


def status_of(app, application_id: int) -> RecognitionStatus:
    with app.app_context():
        return db.session.get(RecognitionApplication, application_id).status


def test_learner_applies_in_three_steps(client, app, people):
    sign_in_en(client, "rc_learner")
    assert "Step 1 of 3" in client.get("/me/recognition/new").get_data(as_text=True)
    response = submit(client, "/me/recognition/new", form_fields())
    application_id = int(re.search(r"/me/recognition/(\d+)$", response.headers["Location"])[1])
    detail = client.get(f"/me/recognition/{application_id}").get_data(as_text=True)
    assert "Step 2 of 3" in detail and "No files yet" in detail
    assert upload(client, application_id, PDF, "结业证书.pdf").status_code == 302
    check = client.get(f"/me/recognition/{application_id}/submit").get_data(as_text=True)
    assert "Step 3 of 3" in check and "结业证书.pdf" in check
    response = submit(client, f"/me/recognition/{application_id}/submit", {}, follow_redirects=True)
    page = response.get_data(as_text=True)
    assert "Sent." in page and "Submitted" in page and "Withdraw the application" in page
    listing = client.get("/me/recognition").get_data(as_text=True)
    assert "养老护理员证书" in listing and "Submitted" in listing


def test_elder_mode_shows_the_step_count_in_chinese(client, app, people):
    sign_in(client, "rc_learner")
    client.set_cookie("learnhub_elder_mode", "on")
    page = client.get("/me/recognition/new").get_data(as_text=True)
    assert "mode-elder" in page and "第 1 步，共 3 步" in page


def test_form_refuses_bad_amounts_in_the_readers_words(client, app, people):
    sign_in_en(client, "rc_learner")
    for credits, words in [("-2", "cannot be negative"), ("1.234", "at most 2 decimal places"),
                           ("25", "at most 20.00 credits"), ("abc", "Enter a number")]:  # fmt: skip
        response = submit(client, "/me/recognition/new", form_fields(credits_claimed=credits,
                                                                     hours="400"))  # fmt: skip
        assert response.status_code == 400 and words in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(func.count(RecognitionApplication.id))) == 0


def test_a_catalogue_link_prefills_the_form(client, app, people):
    with app.app_context():
        type_id = services.save_outcome_type(
            person("province"), OutcomeTypeDetails("市级以上优秀学习者", "award", "3")
        ).id
        db.session.commit()
    sign_in_en(client, "rc_learner")
    assert f"/me/recognition/new?type={type_id}" in client.get("/me/recognition").get_data(
        as_text=True
    )
    page = client.get(f"/me/recognition/new?type={type_id}").get_data(as_text=True)
    assert f'<option selected value="{type_id}">' in page and 'value="3.00"' in page


def test_wrong_evidence_type_is_shown_on_the_page(client, app, people):
    sign_in_en(client, "rc_learner")
    response = submit(client, "/me/recognition/new", form_fields())
    application_id = int(re.search(r"/me/recognition/(\d+)$", response.headers["Location"])[1])
    response = upload(client, application_id, HTML, "证书.pdf")
    assert response.status_code == 400
    assert "Choose a PDF file or a photo" in response.get_data(as_text=True)
    response = submit(client, f"/me/recognition/{application_id}/submit", {})
    assert response.status_code == 400 and "evidence file" in response.get_data(as_text=True)
    assert status_of(app, application_id) is Status.DRAFT


def test_forms_without_a_csrf_token_change_nothing(client, app, people):
    sign_in_en(client, "rc_learner")
    assert client.post("/me/recognition/new", data=form_fields()).status_code == 400
    application_id = apply_through_pages(client)
    assert client.post(f"/me/recognition/{application_id}/withdraw").status_code == 400
    assert status_of(app, application_id) is Status.SUBMITTED


def test_staff_review_through_pages(client, app, people):
    sign_in_en(client, "rc_learner")
    application_id = apply_through_pages(client)
    staff = app.test_client()
    sign_in_en(staff, "sy_staff")
    queue = staff.get("/staff/recognition").get_data(as_text=True)
    assert "养老护理员证书" in queue and "王秀英" in queue
    review_url = f"/staff/recognition/{application_id}"
    response = submit(staff, f"{review_url}/claim", {}, page=review_url, follow_redirects=True)
    assert "You are reviewing this application now" in response.get_data(as_text=True)
    page = staff.get(review_url).get_data(as_text=True)
    response = staff.post(f"{review_url}/reject", data={"reject-csrf_token": csrf_token_from(page),
                                                       "reject-reason": ""})  # fmt: skip
    assert response.status_code == 400 and "Give the reason" in response.get_data(as_text=True)
    response = submit(staff, f"{review_url}/approve", {"note": "有效"}, page=review_url)
    assert response.status_code == 302
    assert status_of(app, application_id) is Status.APPROVED
    again = submit(staff, f"{review_url}/approve", {}, page=review_url, follow_redirects=True)
    assert "Take the application for review first" in again.get_data(as_text=True)
    with app.app_context():
        assert len(recognition_entries(account_of("rc_learner"))) == 1
    mine = client.get(f"/me/recognition/{application_id}").get_data(as_text=True)
    assert "Approved" in mine and "2.00" in mine and "有效" in mine


def test_reviewer_returns_and_learner_sends_again_through_pages(client, app, people):
    sign_in_en(client, "rc_learner")
    application_id = apply_through_pages(client)
    staff = app.test_client()
    sign_in_en(staff, "sy_staff")
    review_url = f"/staff/recognition/{application_id}"
    submit(staff, f"{review_url}/claim", {}, page=review_url)
    page = staff.get(review_url).get_data(as_text=True)
    staff.post(f"{review_url}/return", data={"return-csrf_token": csrf_token_from(page),
                                             "return-reason": "请补充背面"})  # fmt: skip
    mine = client.get(f"/me/recognition/{application_id}").get_data(as_text=True)
    assert "请补充背面" in mine and "Step 2 of 3" in mine
    assert upload(client, application_id, PNG, "背面.png").status_code == 302
    assert submit(client, f"/me/recognition/{application_id}/submit", {}).status_code == 302
    assert status_of(app, application_id) is Status.SUBMITTED


def test_other_citys_staff_and_learners_are_kept_out(client, app, people):
    sign_in_en(client, "rc_learner")
    application_id = apply_through_pages(client)
    review_url = f"/staff/recognition/{application_id}"
    dalian = app.test_client()
    sign_in_en(dalian, "dl_staff")
    assert "养老护理员证书" not in dalian.get("/staff/recognition").get_data(as_text=True)
    assert dalian.get(review_url).status_code == 403
    token = csrf_token_from(dalian.get("/staff/recognition").get_data(as_text=True))
    assert dalian.post(f"{review_url}/claim", data={"csrf_token": token}).status_code == 403
    assert status_of(app, application_id) is Status.SUBMITTED
    learner = app.test_client()
    sign_in_en(learner, "rc_other")
    assert learner.get("/staff/recognition").status_code == 403
    assert learner.get(review_url).status_code == 403
    assert learner.get(f"/me/recognition/{application_id}").status_code == 404


def test_evidence_is_served_only_to_the_owner_and_the_reviewers(client, app, people):
    sign_in_en(client, "rc_learner")
    response = submit(client, "/me/recognition/new", form_fields())
    application_id = int(re.search(r"/me/recognition/(\d+)$", response.headers["Location"])[1])
    upload(client, application_id, PDF, "结业证书.pdf")
    with app.app_context():
        evidence_id = db.session.scalar(select(RecognitionEvidence.id))
    url = f"/recognition/{application_id}/evidence/{evidence_id}"
    own = client.get(url)
    assert own.status_code == 200 and own.get_data() == PDF
    assert own.headers["X-Content-Type-Options"] == "nosniff"
    assert own.headers["Content-Disposition"].startswith("attachment")
    assert "filename*=UTF-8''%E7%BB%93" in own.headers["Content-Disposition"]
    assert own.mimetype == "application/pdf" and "no-store" in own.headers["Cache-Control"]
    own.close()
    staff = app.test_client()
    sign_in_en(staff, "sy_staff")
    assert staff.get(url).status_code == 404  # a draft is the learner's own
    submit(client, f"/me/recognition/{application_id}/submit", {})
    shown = staff.get(url)
    assert shown.status_code == 200
    shown.close()
    for outsider in ("rc_other", "dl_staff"):
        other = app.test_client()
        sign_in_en(other, outsider)
        assert other.get(url).status_code == 403
    assert app.test_client().get(url).status_code == 302  # sign in first
    assert (
        client.get(f"/recognition/{application_id + 1}/evidence/{evidence_id}").status_code == 404
    )
    assert client.get(f"/static/../instance/credit-evidence/{evidence_id}").status_code == 404


def test_catalogue_pages(client, app, people):
    sign_in_en(client, "province")
    response = submit(client, "/staff/outcomes",
                      {"name": "国家职业资格证书（五级）", "category": "certificate",
                       "standard_credits": "4"}, follow_redirects=True)  # fmt: skip
    assert "is added to the catalogue" in response.get_data(as_text=True)
    response = submit(client, "/staff/outcomes", {"name": "硕士", "category": "certificate",
                                                  "standard_credits": "99"})  # fmt: skip
    assert response.status_code == 400 and "no application may claim more" in response.get_data(
        as_text=True
    )
    with app.app_context():
        type_id = db.session.scalar(select(OutcomeType.id))
    submit(client, f"/staff/outcomes/{type_id}/active", {"active": "0"}, page="/staff/outcomes")
    with app.app_context():
        assert db.session.get(OutcomeType, type_id).active is False
    city = app.test_client()
    sign_in_en(city, "sy_staff")
    page = city.get("/staff/outcomes").get_data(as_text=True)
    assert "国家职业资格证书（五级）" in page and "Add an outcome type" not in page
    token = csrf_token_from(page)
    data = {"csrf_token": token, "name": "x", "category": "award", "standard_credits": "1"}
    assert city.post("/staff/outcomes", data=data).status_code == 403
    assert city.get(f"/staff/outcomes/{type_id}/edit").status_code == 403
    learner = app.test_client()
    sign_in_en(learner, "rc_learner")
    assert learner.get("/staff/outcomes").status_code == 403


# ---- demo data --------------------------------------------------------------------------


def test_demo_recognition_is_repeatable(app, make_user):
    make_user(login="learner", name="王秀英")
    make_user(login="elder", name="张桂兰", district="210103")
    make_user(login="shenyang_staff", role=Role.CITY_STAFF, managed=SHENYANG)
    make_user(login="province_admin", role=Role.PROVINCE_STAFF, managed=PROVINCE)
    with app.app_context():
        for _run in range(2):
            load_demo_recognition(lambda items: items)
            db.session.commit()
        applications = db.session.scalars(select(RecognitionApplication)).all()
        by_user = sorted((a.account.user.username, a.status.value) for a in applications)
        assert by_user == [("elder", "submitted"), ("learner", "approved"),
                           ("learner", "rejected")]  # fmt: skip
        assert db.session.scalar(select(func.count(OutcomeType.id))) >= 3
        assert len(recognition_entries(account_of("learner"))) == 1


def test_learner_removes_a_file_and_withdraws_through_pages(client, app, people):
    sign_in_en(client, "rc_learner")
    response = submit(client, "/me/recognition/new", form_fields())
    application_id = int(re.search(r"/me/recognition/(\d+)$", response.headers["Location"])[1])
    upload(client, application_id, PNG, "照片.png")
    with app.app_context():
        evidence = db.session.scalar(select(RecognitionEvidence))
        path = services.evidence_path(evidence)
        evidence_id = evidence.id
    assert path.is_file()
    detail = f"/me/recognition/{application_id}"
    submit(client, f"{detail}/evidence/{evidence_id}/delete", {}, page=detail)
    assert not path.exists() and "No files yet" in client.get(detail).get_data(as_text=True)
    response = submit(client, f"{detail}/withdraw", {}, page=detail, follow_redirects=True)
    assert "The application is withdrawn" in response.get_data(as_text=True)
    assert status_of(app, application_id) is Status.WITHDRAWN
    again = submit(client, f"{detail}/withdraw", {}, page=detail, follow_redirects=True)
    assert "cannot be withdrawn now: it is “Withdrawn”" in again.get_data(as_text=True)
    assert client.get(f"{detail}/edit").status_code == 302  # nothing left to change


@pytest.mark.parametrize(
    ("uploaded_as", "content", "saved_as"),
    [
        ("poly.html", PDF, "poly.pdf"),  # a PDF named as a web page
        ("invoicefdp.exe", PDF, "invoicefdp.pdf"),
        ("照片.pdf.exe", PNG, "照片.pdf.png"),
        (".htaccess", JPEG, "htaccess.jpg"),  # no hidden dot-file
        ("...", JPEG, "evidence.jpg"),  # nothing left of the name
    ],
)
def test_evidence_downloads_under_the_extension_of_what_it_is(
    client, app, people, uploaded_as, content, saved_as
):
    sign_in_en(client, "rc_learner")
    response = submit(client, "/me/recognition/new", form_fields())
    application_id = int(re.search(r"/me/recognition/(\d+)$", response.headers["Location"])[1])
    upload(client, application_id, content, uploaded_as)
    with app.app_context():
        evidence_id = db.session.scalar(select(RecognitionEvidence.id))
    download = client.get(f"/recognition/{application_id}/evidence/{evidence_id}")
    disposition = download.headers["Content-Disposition"]
    download.close()
    assert quote(saved_as) in disposition or f'filename="{saved_as}"' in disposition
    assert quote(uploaded_as) not in disposition and f'"{uploaded_as}"' not in disposition


def test_a_catalogue_type_of_spaces_is_no_type(client, app, people):
    """Found by the form fuzzer: a type of only spaces passed the form and broke the page."""
    sign_in_en(client, "rc_learner")
    response = submit(client, "/me/recognition/new", {**form_fields(), "outcome_type": " "})
    assert response.status_code == 302
    with app.app_context():
        assert db.session.scalar(select(RecognitionApplication.outcome_type_id)) is None


# ---- the learner is told, in their site messages ------------------------------------------


def messages_to(login: str) -> list[Message]:
    return list(db.session.scalars(select(Message).where(Message.recipient_id == person(login).id)))


def test_each_decision_tells_the_learner_once_with_a_link_to_the_application(ctx):
    approved, rejected, returned = in_review(), in_review(), in_review()
    reviewer = person("sy_staff")
    services.approve(approved, reviewer, "证书有效")
    services.reject(rejected, reviewer, "与本人无关的证书")
    services.return_for_evidence(returned, reviewer, "请上传证书背面")
    told = {m.link: m for m in messages_to("rc_learner")}
    assert set(told) == {f"/me/recognition/{a.id}" for a in (approved, rejected, returned)}
    assert "养老护理员培训" in told[f"/me/recognition/{approved.id}"].subject
    assert "2.00" in told[f"/me/recognition/{approved.id}"].body
    assert "与本人无关的证书" in told[f"/me/recognition/{rejected.id}"].body
    assert "请上传证书背面" in told[f"/me/recognition/{returned.id}"].body
    assert messages_to("sy_staff") == []


def test_a_refused_approval_tells_the_learner_nothing(ctx):
    application = in_review()
    credit_services.set_account_status(
        application.account, AccountStatus.FROZEN, "核查中", person("province")
    )
    refused(services.approve, application, person("sy_staff"))
    assert messages_to("rc_learner") == []
