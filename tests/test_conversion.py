"""Credit conversion (学分转换): versioned rules, applications, holds, decisions, pages."""

from __future__ import annotations

import threading
from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from learnhub.accounts import services as accounts
from learnhub.accounts.models import Role, User
from learnhub.catalogue.services import module_by_slug
from learnhub.clock import local_today
from learnhub.conversion import services
from learnhub.conversion.models import (
    ApplicationStatus,
    ConversionApplication,
    ConversionRule,
)
from learnhub.conversion.services import ConversionError
from learnhub.creditbank import services as credits
from learnhub.creditbank.models import (
    AccountStatus,
    Certificate,
    CreditAccount,
    CreditHold,
    EntryKind,
    HoldStatus,
    LedgerEntry,
)
from learnhub.extensions import db
from learnhub.inbox import Message
from tests.helpers import csrf_token_from, sign_in, submit

PARTY = "party-2026"
ANY = "community"


@pytest.fixture
def people(app, make_user):
    """Learners in Shenyang and Dalian, staff of each city, and province staff (English)."""
    return {
        "learner": make_user(login="wang", name="王秀英", locale="en"),
        "dalian": make_user(login="liu", name="刘建国", city="210200", district="210202",
                            locale="en"),
        "shenyang_staff": make_user(login="sy_staff", role=Role.CITY_STAFF, managed="210100",
                                    locale="en"),
        "dalian_staff": make_user(login="dl_staff", city="210200", district="210202",
                                  role=Role.CITY_STAFF, managed="210200", locale="en"),
        "province": make_user(login="province", role=Role.PROVINCE_STAFF, managed="210000",
                              locale="en"),
    }  # fmt: skip


@pytest.fixture
def en(app):
    """A request context in English, for calling services and reading their refusals."""
    with app.test_request_context(method="POST", headers={"Cookie": "learnhub_locale=en"}):
        yield
        db.session.rollback()


def _user(user_id: int) -> User:
    return db.session.get(User, user_id)


def give_credits(app, user_id: int, amount: str, module: str | None = None, key: str = "1"):
    """Deposit credits (from a course module, or an activity) for a learner."""
    with app.app_context():
        account = credits.account_of(_user(user_id))
        module_id = module_by_slug(module).id if module else None
        kind = EntryKind.COMPLETION if module else EntryKind.ATTENDANCE
        credits.post_entry(account, Decimal(amount), kind, f"test:{key}", module_id=module_id)
        db.session.commit()


def make_rules(app, people, starts_in_days: int = 0) -> None:
    """PARTY: 1 credit from the party-history module; ANY: 2 credits of any kind."""
    with app.app_context():
        staff, today = _user(people["province"]), local_today()
        starts = today + timedelta(days=starts_in_days)
        services.create_rule(staff, PARTY, "百年党史学堂专题结业", "百年党史学堂专题结业证书",
                             "1", module_by_slug("party-history"), starts)  # fmt: skip
        services.create_rule(staff, ANY, "社区教育结业", "社区教育结业证书", "2.00", None, starts)
        db.session.commit()


def rule_id(app, key: str) -> int:
    with app.app_context():
        return services.latest_version(key).id


def available(app, user_id: int) -> Decimal:
    with app.app_context():
        return services.available_credits(credits.account_of(_user(user_id)))


def apply_on_page(client, rule: int):
    page = f"/me/conversions/rules/{rule}"
    return submit(client, page, {}, follow_redirects=True)


def only_application(app) -> ConversionApplication:
    with app.app_context():
        application = db.session.scalars(select(ConversionApplication)).one()
        db.session.expunge(application)
        return application


def sign_out(client) -> None:
    submit(client, "/logout", {}, page="/me/conversions")


def text_of(response) -> str:
    return response.get_data(as_text=True)


# ---- applying -------------------------------------------------------------------------


def test_learner_sees_rules_with_progress_and_applies_after_confirming(client, app, people):
    make_rules(app, people)
    give_credits(app, people["learner"], "1.50", "party-history")
    sign_in(client, "wang")
    page = text_of(client.get("/me/conversions"))
    assert "百年党史学堂专题结业" in page and "社区教育结业" in page
    assert "You have 1.50 of 1.00 credits." in page
    assert "You have 1.50 of 2.00 credits." in page
    assert "you need 0.50 more credits" in page

    confirm = text_of(client.get(f"/me/conversions/rules/{rule_id(app, PARTY)}"))
    assert "Confirm and apply" in confirm and "1.00 credits are frozen" in confirm
    with app.app_context():
        assert db.session.scalar(select(func.count(ConversionApplication.id))) == 0

    done = text_of(apply_on_page(client, rule_id(app, PARTY)))
    assert "is submitted; 1.00 credits are frozen" in done
    assert "Waiting for review" in done and "Withdraw" in done
    assert available(app, people["learner"]) == Decimal("0.50")
    application = only_application(app)
    with app.app_context():
        hold = db.session.get(CreditHold, application.hold_id)
        assert hold.business_key == f"conversion:{application.id}"
        assert hold.status is HoldStatus.HELD and hold.amount == Decimal("1.00")
        assert credits.balance_of(credits.account_of(_user(people["learner"]))) == Decimal("1.50")


def test_applying_twice_under_one_rule_is_refused(client, app, people):
    make_rules(app, people)
    give_credits(app, people["learner"], "3", "party-history")
    sign_in(client, "wang")
    apply_on_page(client, rule_id(app, PARTY))
    token = csrf_token_from(text_of(client.get("/me/conversions")))
    again = client.post(
        f"/me/conversions/rules/{rule_id(app, PARTY)}", data={"csrf_token": token},
        follow_redirects=True,
    )  # fmt: skip
    assert "already have an application under this rule" in text_of(again)
    assert available(app, people["learner"]) == Decimal("2.00")
    with app.app_context():
        assert db.session.scalar(select(func.count(CreditHold.id))) == 1


def test_not_enough_credits_is_refused_and_changes_nothing(app, people, en):
    make_rules(app, people)
    give_credits(app, people["learner"], "1.50", key="activity")  # no party-history credits
    learner = _user(people["learner"])
    party, anything = services.latest_version(PARTY), services.latest_version(ANY)
    with pytest.raises(ConversionError, match=r"You have 0\.00 of the 1\.00 credits from"):
        services.apply(learner, party)
    db.session.rollback()
    with pytest.raises(ConversionError, match=r"You have 1\.50 of the 2\.00 credits this rule"):
        services.apply(learner, anything)
    db.session.rollback()
    assert db.session.scalar(select(func.count(ConversionApplication.id))) == 0
    assert db.session.scalar(select(func.count(CreditHold.id))) == 0


def test_frozen_credits_do_not_count_twice(app, people, en):
    """Module credits committed to one application cannot qualify for the same module again;
    credits frozen for one rule are not available for another."""
    make_rules(app, people)
    give_credits(app, people["learner"], "2.50", "party-history")
    learner = _user(people["learner"])
    services.apply(learner, services.latest_version(PARTY))
    db.session.commit()
    with pytest.raises(ConversionError, match=r"You have 1\.50 of the 2\.00 credits"):
        services.apply(learner, services.latest_version(ANY))
    db.session.rollback()


def test_frozen_account_cannot_apply(client, app, people):
    make_rules(app, people)
    give_credits(app, people["learner"], "3", "party-history")
    with app.app_context():
        account = credits.account_of(_user(people["learner"]))
        credits.set_account_status(
            account, AccountStatus.FROZEN, "核查中", _user(people["province"])
        )
        db.session.commit()
    sign_in(client, "wang")
    page = text_of(client.get("/me/conversions"))
    assert "not active" in page
    refused = text_of(apply_on_page(client, rule_id(app, PARTY)))
    assert "Your credit account is frozen" in refused
    with app.app_context():
        assert db.session.scalar(select(func.count(ConversionApplication.id))) == 0
        assert db.session.scalar(select(func.count(CreditHold.id))) == 0


def test_posting_without_csrf_token_changes_nothing(client, app, people):
    make_rules(app, people)
    give_credits(app, people["learner"], "3", "party-history")
    sign_in(client, "wang")
    response = client.post(f"/me/conversions/rules/{rule_id(app, PARTY)}", data={})
    assert response.status_code in (302, 400)
    with app.app_context():
        assert db.session.scalar(select(func.count(ConversionApplication.id))) == 0


# ---- deciding -------------------------------------------------------------------------


def _pending(client, app, people, amount="3"):
    make_rules(app, people)
    give_credits(app, people["learner"], amount, "party-history")
    sign_in(client, "wang")
    apply_on_page(client, rule_id(app, PARTY))
    sign_out(client)
    return only_application(app)


def test_city_staff_approve_withdraws_once_and_issues_a_valid_certificate(client, app, people):
    application = _pending(client, app, people)
    sign_in(client, "sy_staff")
    queue = text_of(client.get("/staff/conversion"))
    assert "王**" in queue and "百年党史学堂专题结业证书" in queue
    page = f"/staff/conversion/{application.id}"
    done = text_of(submit(client, f"{page}/approve", {}, page=page, follow_redirects=True))
    assert "Approved: certificate" in done and "No applications are waiting." in done
    assert "Recently decided" in done

    with app.app_context():
        account = credits.account_of(_user(people["learner"]))
        entries = db.session.scalars(
            select(LedgerEntry).where(LedgerEntry.kind == EntryKind.CONVERSION)
        ).all()
        assert [(e.amount, e.business_key) for e in entries] == [
            (Decimal("-1.00"), f"conversion:{application.id}")
        ]
        assert credits.balance_of(account) == Decimal("2.00")
        assert credits.held_amount(account) == Decimal("0.00")
        certificate = db.session.scalars(select(Certificate)).one()
        code = certificate.code
        assert list(credits.verify_ledger()) == []

    sign_out(client)
    client.set_cookie("learnhub_locale", "en")
    check = text_of(client.get(f"/verify/{code}"))
    assert "Valid" in check and "百年党史学堂专题结业证书" in check and "王*" in check
    sign_in(client, "wang")
    mine = text_of(client.get("/me/conversions"))
    assert "Approved" in mine and credits.format_certificate_code(code) in mine
    assert "You have converted credits under this rule." in mine


def test_reject_needs_a_reason_and_releases_the_hold(client, app, people):
    application = _pending(client, app, people)
    sign_in(client, "province")
    page = f"/staff/conversion/{application.id}"
    missing = submit(client, f"{page}/reject", {"reason": "  "}, page=page)
    assert missing.status_code == 400
    assert "Say why the application is rejected." in text_of(missing)
    assert available(app, people["learner"]) == Decimal("2.00")

    submit(client, f"{page}/reject", {"reason": "证书名称有误，请重新申请"}, page=page)
    assert available(app, people["learner"]) == Decimal("3.00")
    with app.app_context():
        assert db.session.get(CreditHold, application.hold_id).status is HoldStatus.RELEASED
        assert db.session.scalar(select(func.count(LedgerEntry.id))) == 1  # the deposit only
    sign_out(client)
    sign_in(client, "wang")
    mine = text_of(client.get("/me/conversions"))
    assert "Rejected" in mine and "证书名称有误" in mine
    assert "Apply" in mine  # free to apply again


def test_learner_withdraws_and_gets_the_credits_back(client, app, people):
    application = _pending(client, app, people)
    sign_in(client, "wang")
    done = text_of(
        submit(client, f"/me/conversions/{application.id}/withdraw", {},
               page="/me/conversions", follow_redirects=True)
    )  # fmt: skip
    assert "withdrawn; the credits are available again" in done
    assert available(app, people["learner"]) == Decimal("3.00")
    sign_out(client)
    sign_in(client, "sy_staff")
    page = f"/staff/conversion/{application.id}"
    late = text_of(submit(client, f"{page}/approve", {}, page=page, follow_redirects=True))
    assert "already been decided" in late
    with app.app_context():
        assert db.session.scalar(select(func.count(Certificate.id))) == 0


def test_someone_else_cannot_withdraw_my_application(client, app, people):
    application = _pending(client, app, people)
    sign_in(client, "liu")
    response = submit(client, f"/me/conversions/{application.id}/withdraw", {},
                      page="/me/conversions", follow_redirects=True)  # fmt: skip
    assert "This is not your application." in text_of(response)
    assert available(app, people["learner"]) == Decimal("2.00")


def test_staff_of_another_city_and_learners_get_403(client, app, people):
    application = _pending(client, app, people)
    sign_in(client, "dl_staff")
    assert "No applications are waiting." in text_of(client.get("/staff/conversion"))
    assert client.get(f"/staff/conversion/{application.id}").status_code == 403
    token = csrf_token_from(text_of(client.get("/staff/conversion")))
    approve = client.post(f"/staff/conversion/{application.id}/approve",
                          data={"csrf_token": token})  # fmt: skip
    assert approve.status_code == 403
    assert client.get("/staff/conversion/rules").status_code == 403  # province only
    sign_out(client)
    sign_in(client, "liu")
    assert client.get("/staff/conversion").status_code == 403
    assert only_application(app).status is ApplicationStatus.SUBMITTED


def test_staff_cannot_decide_their_own_application(app, people, en):
    make_rules(app, people)
    give_credits(app, people["shenyang_staff"], "3", "party-history")
    staff = _user(people["shenyang_staff"])
    application = services.apply(staff, services.latest_version(PARTY))
    db.session.commit()
    with pytest.raises(ConversionError, match="Another staff member"):
        services.approve(staff, application)
    db.session.rollback()
    services.approve(_user(people["province"]), application)
    db.session.commit()
    assert application.status is ApplicationStatus.APPROVED


def test_city_staff_cannot_decide_a_province_staff_members_application(app, people, en):
    make_rules(app, people)
    give_credits(app, people["province"], "3", "party-history")
    application = services.apply(_user(people["province"]), services.latest_version(PARTY))
    db.session.commit()
    assert application.city_code == "210100"  # province staff live in Shenyang
    with pytest.raises(ConversionError, match="higher level"):
        services.approve(_user(people["shenyang_staff"]), application)
    db.session.rollback()
    with pytest.raises(ConversionError, match="higher level"):
        services.reject(_user(people["shenyang_staff"]), application, "不符合")
    db.session.rollback()
    assert application.status is ApplicationStatus.SUBMITTED


def test_applications_follow_the_account_through_an_accepted_transfer(app, people, en):
    make_rules(app, people)
    give_credits(app, people["learner"], "3", "party-history")
    learner = _user(people["learner"])
    accounts.update_profile(learner, learner.display_name, "210200", "210202", None)
    application = services.apply(learner, services.latest_version(PARTY))
    db.session.commit()
    assert application.city_code == "210100"  # moved, but the account is still Shenyang's
    with pytest.raises(ConversionError, match="from this city"):
        services.approve(_user(people["dalian_staff"]), application)
    db.session.rollback()
    transfer = credits.open_transfer_of(credits.account_of(learner).id)
    credits.accept_transfer(transfer, _user(people["dalian_staff"]))
    db.session.commit()
    assert application.city_code == "210200"
    with pytest.raises(ConversionError, match="from this city"):
        services.approve(_user(people["shenyang_staff"]), application)
    db.session.rollback()
    services.approve(_user(people["dalian_staff"]), application)
    db.session.commit()
    assert application.status is ApplicationStatus.APPROVED


def test_frozen_account_cannot_be_approved_but_can_be_rejected(app, people, en):
    make_rules(app, people)
    give_credits(app, people["learner"], "3", "party-history")
    application = services.apply(_user(people["learner"]), services.latest_version(PARTY))
    credits.set_account_status(
        credits.account_of(_user(people["learner"])), AccountStatus.FROZEN, "核查中",
        _user(people["province"]),
    )  # fmt: skip
    db.session.commit()
    with pytest.raises(ConversionError, match="frozen"):
        services.approve(_user(people["shenyang_staff"]), application)
    db.session.rollback()
    services.reject(_user(people["shenyang_staff"]), application, "账户冻结")
    db.session.commit()
    assert db.session.get(CreditHold, application.hold_id).status is HoldStatus.RELEASED


def test_two_staff_approving_at_once_decide_once(client, app, people):
    application = _pending(client, app, people)
    reviewers = [people["shenyang_staff"], people["province"]]
    barrier, outcomes = threading.Barrier(2), []

    def decide(staff_id):
        with app.app_context():
            barrier.wait(timeout=30)
            try:
                services.approve(_user(staff_id), db.session.get(ConversionApplication,
                                                                 application.id))  # fmt: skip
                db.session.commit()
                outcomes.append("approved")
            except ConversionError:
                db.session.rollback()
                outcomes.append("refused")
            finally:
                db.session.remove()

    workers = [threading.Thread(target=decide, args=(staff,)) for staff in reviewers]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=60)
    assert sorted(outcomes) == ["approved", "refused"]
    with app.app_context():
        conversions = db.session.scalar(
            select(func.count(LedgerEntry.id)).where(LedgerEntry.kind == EntryKind.CONVERSION)
        )
        assert conversions == 1
        assert db.session.scalar(select(func.count(Certificate.id))) == 1
        account = credits.account_of(_user(people["learner"]))
        assert credits.balance_of(account) == Decimal("2.00")
        assert list(credits.verify_ledger()) == []


# ---- rules: versions and dates --------------------------------------------------------


def test_application_keeps_its_version_when_the_rule_changes(app, people, en):
    make_rules(app, people)
    give_credits(app, people["learner"], "5", "party-history")
    province, today = _user(people["province"]), local_today()
    application = services.apply(_user(people["learner"]), services.latest_version(PARTY))
    db.session.commit()
    with pytest.raises(ConversionError, match="tomorrow at the earliest"):
        services.new_version(province, PARTY, "新标题", "新证书", "2", None, today)
    db.session.rollback()

    tomorrow = today + timedelta(days=1)
    v2 = services.new_version(province, PARTY, "百年党史学堂专题结业（新）", "百年党史学堂结业证书",
                              "2", module_by_slug("party-history"), tomorrow)  # fmt: skip
    db.session.commit()
    v1 = db.session.get(ConversionRule, application.rule_id)
    assert (v1.version, v1.effective_to, v1.last_day) == (1, tomorrow, today)
    assert (v2.version, v2.effective_from, v2.effective_to) == (2, tomorrow, None)
    assert [r.rule_key for r in services.rules_in_effect(today) if r.rule_key == PARTY] == [PARTY]
    assert {r.id for r in services.rules_in_effect(tomorrow)} >= {v2.id}
    assert v1.id not in {r.id for r in services.rules_in_effect(tomorrow)}

    services.approve(_user(people["shenyang_staff"]), application)
    db.session.commit()
    assert application.rule.version == 1 and application.credits == Decimal("1.00")
    assert application.certificate.title == "百年党史学堂专题结业证书"


def test_rules_apply_only_between_their_dates(app, people, en):
    make_rules(app, people, starts_in_days=1)
    give_credits(app, people["learner"], "5", "party-history")
    today = local_today()
    tomorrow = today + timedelta(days=1)
    learner, party = _user(people["learner"]), services.latest_version(PARTY)
    assert services.rules_in_effect(today) == []
    with pytest.raises(ConversionError, match="no longer in effect"):
        services.apply(learner, party, today=today)
    db.session.rollback()
    province = _user(people["province"])
    services.end_rule(province, PARTY, last_day=tomorrow)
    db.session.commit()
    assert party.effective_to == tomorrow + timedelta(days=1)
    day_after = tomorrow + timedelta(days=1)
    with pytest.raises(ConversionError, match="no longer in effect"):
        services.apply(learner, party, today=day_after)
    db.session.rollback()
    services.apply(learner, party, today=tomorrow)
    db.session.commit()
    later = day_after + timedelta(days=1)
    with pytest.raises(ConversionError, match="To use it again, add a new version"):
        services.end_rule(province, PARTY, last_day=later, today=later)
    db.session.rollback()
    services.end_rule(province, PARTY, last_day=day_after, today=tomorrow)  # not ended yet
    db.session.commit()
    assert party.last_day == day_after
    with pytest.raises(ConversionError, match="cannot start in the past"):
        services.create_rule(province, "old", "旧规则", "旧证书", "1", None,
                             today - timedelta(days=1))  # fmt: skip
    db.session.rollback()


def test_only_province_staff_define_rules(app, people, en):
    with pytest.raises(ConversionError, match="Only province center staff"):
        services.create_rule(_user(people["shenyang_staff"]), "x-rule", "规则", "证书", "1",
                             None, local_today())  # fmt: skip


def test_province_staff_manage_rules_on_pages(client, app, people):
    sign_in(client, "province")
    with app.app_context():
        start = local_today()
    bad = submit(client, "/staff/conversion/rules/new", {
        "rule_key": "Bad Key", "title": "家庭教育结业", "certificate_title": "家庭教育结业证书",
        "credits_required": "1.234", "module": "", "starts": start.isoformat(),
    })  # fmt: skip
    assert bad.status_code == 400
    page = text_of(bad)
    assert "Use at most 2 decimal places." in page or "lower-case letters" in page

    created = submit(client, "/staff/conversion/rules/new", {
        "rule_key": "family-2026", "title": "家庭教育结业", "certificate_title": "家庭教育结业证书",
        "credits_required": "１.５", "module": "", "starts": start.isoformat(),
    }, follow_redirects=True)  # fmt: skip
    assert "Rule 家庭教育结业 is saved." in text_of(created)
    assert "family-2026" in text_of(client.get("/staff/conversion/rules"))

    later = (start + timedelta(days=3)).isoformat()
    changed = submit(client, "/staff/conversion/rules/family-2026/version", {
        "title": "家庭教育结业（修订）", "certificate_title": "家庭教育结业证书",
        "credits_required": "2", "module": "", "starts": later,
    }, follow_redirects=True)  # fmt: skip
    assert "Version 2 of the rule is saved." in text_of(changed)
    past = submit(client, "/staff/conversion/rules/family-2026/end",
                  {"last_day": (start - timedelta(days=5)).isoformat()},
                  page="/staff/conversion/rules/family-2026")  # fmt: skip
    assert past.status_code == 400 and "choose that day or later" in text_of(past)
    ended = submit(client, "/staff/conversion/rules/family-2026/end",
                   {"last_day": (start + timedelta(days=9)).isoformat()},
                   page="/staff/conversion/rules/family-2026", follow_redirects=True)  # fmt: skip
    assert "The rule ends after" in text_of(ended)
    with app.app_context():
        v2, v1 = services.versions_of("family-2026")
        assert v1.credits_required == Decimal("1.50") and v1.effective_to == v2.effective_from
        assert v2.credits_required == Decimal("2.00")
        assert v2.last_day == start + timedelta(days=9)


# ---- demo data ------------------------------------------------------------------------


def test_demo_conversions_load_twice_without_duplicates(app):
    from learnhub.accounts.demo import load_demo_accounts
    from learnhub.catalogue.demo import load_demo_courses
    from learnhub.conversion.demo import load_demo_conversions
    from learnhub.creditbank.demo import load_demo_credits

    with app.app_context():
        for step in (load_demo_accounts, load_demo_courses, load_demo_credits):
            step(iter)
            db.session.commit()
        for _ in range(2):
            load_demo_conversions(iter)
            db.session.commit()
        statuses = db.session.execute(
            select(User.username, ConversionApplication.status)
            .select_from(ConversionApplication)
            .join(CreditAccount, ConversionApplication.account_id == CreditAccount.id)
            .join(User, CreditAccount.user_id == User.id)
            .order_by(User.username)
        ).all()
        assert statuses == [
            ("dalian_learner", ApplicationStatus.SUBMITTED),
            ("learner", ApplicationStatus.APPROVED),
        ]
        assert db.session.scalar(select(func.count(ConversionRule.id))) == 3
        assert list(credits.verify_ledger()) == []


def test_the_learner_is_told_of_each_decision_in_their_own_language(client, app, people):
    """Staff decide on a Chinese page; the learner reads English: the message is English."""
    approved = _pending(client, app, people)
    with app.app_context():
        for staff in ("shenyang_staff", "province"):
            _user(people[staff]).locale = "zh_CN"
        db.session.commit()
    sign_in(client, "sy_staff")
    page = f"/staff/conversion/{approved.id}"
    submit(client, f"{page}/approve", {}, page=page)
    give_credits(app, people["learner"], "2", key="2")
    sign_out(client)
    sign_in(client, "wang")
    apply_on_page(client, rule_id(app, ANY))
    sign_out(client)
    with app.app_context():
        rejected = db.session.scalar(
            select(ConversionApplication).where(ConversionApplication.id != approved.id)
        )
    sign_in(client, "province")
    page = f"/staff/conversion/{rejected.id}"
    submit(client, f"{page}/reject", {"reason": "证书名称有误"}, page=page)
    submit(client, f"{page}/reject", {"reason": "again"}, page=page)  # already decided

    with app.app_context():
        told = db.session.scalars(
            select(Message).where(Message.recipient_id == people["learner"]).order_by(Message.id)
        ).all()
        assert [(m.subject, m.link) for m in told] == [
            ("Your conversion to “百年党史学堂专题结业证书” is approved", "/me/conversions"),
            ("Your conversion to “社区教育结业证书” is not approved", "/me/conversions"),
        ]
        assert "证书名称有误" in told[1].body
