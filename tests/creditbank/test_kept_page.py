"""A learner's credit page is kept under their account and the state it shows, read from the
database on each request (services.page_state): every change the page shows appears on the
next visit, whichever service made it and in whichever worker, and no one is shown another
learner's account."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from sqlalchemy import select

from learnhub.accounts.models import Role, User
from learnhub.creditbank import services
from learnhub.creditbank.models import AccountStatus, CertificateKind, EntryKind
from learnhub.creditbank.pending_models import PendingAward
from learnhub.creditbank.services.awards import decline_award
from learnhub.creditbank.services.certificates import certificates_of, revoke_certificate
from learnhub.creditbank.services.holds import pending_holds
from learnhub.creditbank.services.transfers import follow_city_change
from learnhub.extensions import db
from tests.test_query_counts import counted_statements

from .conftest import english_client

D = Decimal


def _facts(page: str) -> dict[str, str]:
    """The account panel's facts as the learner reads them (label → value, tags removed)."""
    pairs = re.findall(r"<dt>(.*?)</dt><dd[^>]*>(.*?)</dd>", page, re.S)
    return {label: re.sub(r"<[^>]+>", "", value).strip() for label, value in pairs}


def _change(app, login: str, make) -> None:
    """Make a change to the learner's account through the services, and commit it."""
    with app.test_request_context(method="POST"):
        user = db.session.scalar(select(User).where(User.username == login))
        staff = db.session.scalar(select(User).where(User.username == "kept_staff"))
        make(services.account_of(user), staff)
        db.session.commit()


def _freeze(account, staff):
    services.set_account_status(account, AccountStatus.FROZEN, "核查身份", staff)


def _keep_award(account, staff):
    db.session.add(PendingAward(account_id=account.id, kind=EntryKind.COMPLETION,
                                business_key="course_completion:77", amount=D("2"),
                                title="冻结时学完的课"))  # fmt: skip


def _frozen_with_kept_award(account, staff):
    _freeze(account, staff)
    _keep_award(account, staff)


def _kept_award(account):
    return db.session.scalar(select(PendingAward).where(PendingAward.account_id == account.id))


def _certificate(account):
    return services.issue_certificate(
        account, CertificateKind.COURSE, "course_completion:9", "智能手机入门", D("1.5")
    )


# (what is done, the change; what is done first, if anything; what the page shows after)
CHANGES = {
    "a posting": (
        lambda account, staff: services.post_entry(
            account, D("1.25"), EntryKind.ATTENDANCE, "a:2", memo="社区讲座"
        ),
        None,
        lambda page: "社区讲座" in page and _facts(page)["Balance"] == "2.25 credits",
    ),
    "credits frozen for an application": (
        lambda account, staff: services.hold_credits(account, D("0.40"), "conversion:1"),
        None,
        lambda page: _facts(page)["Frozen for pending applications"] == "0.40",
    ),
    "the frozen credits released": (
        lambda account, staff: services.release_hold(pending_holds(account)[0]),
        lambda account, staff: services.hold_credits(account, D("0.40"), "conversion:1"),
        lambda page: _facts(page)["Frozen for pending applications"] == "0.00",
    ),
    "the account frozen by staff": (
        _freeze,
        None,
        lambda page: "核查身份" in _facts(page)["Status"],
    ),
    "an award kept while frozen": (_keep_award, _freeze, lambda page: "冻结时学完的课" in page),
    "a kept award declined": (
        lambda account, staff: decline_award(_kept_award(account), staff, "重复记录"),
        _frozen_with_kept_award,
        lambda page: "重复记录" in page,
    ),
    "a certificate issued": (
        lambda account, staff: _certificate(account),
        None,
        lambda page: "智能手机入门" in page,
    ),
    "a certificate revoked": (
        lambda account, staff: revoke_certificate(certificates_of(account)[0], "发放有误"),
        lambda account, staff: _certificate(account),
        lambda page: "Revoked: 发放有误" in page,
    ),
    "a move to another city": (
        lambda account, staff: follow_city_change(account.user, "210200"),
        None,
        lambda page: "You moved to" in page,
    ),
}


@pytest.fixture
def learner(app, make_user):
    """A learner with one posting, signed in (reading English), and a staff member of their
    city; the learner's page is visited once, so it is kept."""
    make_user("kept_staff", role=Role.CITY_STAFF, managed="210100")
    make_user("kept_learner", name="王秀英")
    _change(
        app,
        "kept_learner",
        lambda account, staff: services.post_entry(
            account, D("1"), EntryKind.ATTENDANCE, "a:1", memo="第一次讲座"
        ),
    )
    client = english_client(app, "kept_learner")
    client.get("/")  # the "signed in" note shown
    return client


@pytest.mark.parametrize("change", CHANGES)
def test_a_change_shows_on_the_next_visit(app, learner, change):
    make, first, shows = CHANGES[change]
    if first:
        _change(app, "kept_learner", first)
    assert not shows(learner.get("/me/credits").get_data(as_text=True))  # and now kept
    _change(app, "kept_learner", make)
    assert shows(learner.get("/me/credits").get_data(as_text=True))


def test_each_learner_sees_their_own_account(app, make_user):
    """Two new learners of one district: their pages differ only by whose account it is."""
    numbers = {}
    for login in ("kept_wang", "kept_li"):
        make_user(login, name="王秀英")
        with app.app_context():
            user = db.session.scalar(select(User).where(User.username == login))
            numbers[login] = services.format_account_number(services.account_of(user).number)
    for login in ("kept_wang", "kept_li", "kept_wang"):
        page = english_client(app, login).get("/me/credits").get_data(as_text=True)
        assert [n for n in numbers.values() if n in page] == [numbers[login]]


def test_each_statement_page_and_filter_is_its_own(app, learner):
    app.config["CREDIT_STATEMENT_PAGE_SIZE"] = 1
    _change(
        app,
        "kept_learner",
        lambda account, staff: services.post_entry(
            account, D("2"), EntryKind.ATTENDANCE, "a:2", memo="第二次讲座"
        ),
    )
    first = learner.get("/me/credits").get_data(as_text=True)
    second = learner.get("/me/credits?page=2").get_data(as_text=True)
    assert "第二次讲座" in first and "第一次讲座" not in first
    assert "第一次讲座" in second and "第二次讲座" not in second
    none = learner.get("/me/credits?start=2000-01-01&end=2000-01-02").get_data(as_text=True)
    assert "讲座" not in none


def test_a_second_visit_reads_only_the_accounts_state(app, learner):
    learner.get("/me/credits")
    with counted_statements(app) as statements:
        page = learner.get("/me/credits").get_data(as_text=True)
    assert "第一次讲座" in page
    assert not [s for s in statements if "ledger_entry" in s.split("WHERE")[0].split("FROM", 1)[-1]]
