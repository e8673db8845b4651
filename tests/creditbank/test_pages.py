"""What the learner and the public see: account page, CSV, transcript, /verify."""

from __future__ import annotations

from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import delete, select

from learnhub.accounts.models import User
from learnhub.creditbank import services
from learnhub.creditbank.models import CertificateKind, CreditAccount, EntryKind, LedgerEntry
from learnhub.creditbank.services.certificates import revoke_certificate
from learnhub.extensions import db
from tests.helpers import sign_in


def _learner_with_history(app, make_user, entries=3):
    user_id = make_user(login="stmt_user", name="王秀英")
    with app.app_context():
        account = services.account_of(db.session.get(User, user_id))
        for n in range(1, entries + 1):
            services.post_entry(account, Decimal("1.25"), EntryKind.ATTENDANCE, f"a:{n}",
                                memo=f"讲座{n}")  # fmt: skip
        certificate = services.issue_certificate(
            account, CertificateKind.COURSE, "course_completion:1", "智能手机入门", Decimal("1.5")
        )
        db.session.commit()
        return account.number, certificate.code


def test_account_page_shows_balance_statement_and_certificates(client, app, make_user):
    number, code = _learner_with_history(app, make_user)
    sign_in(client, "stmt_user")
    page = client.get("/me/credits").get_data(as_text=True)
    assert services.format_account_number(number) in page
    assert "3.75" in page and "讲座3" in page and "智能手机入门" in page
    assert services.format_certificate_code(code) in page


def test_statement_pages_and_filters_dates(client, app, make_user):
    app.config["CREDIT_STATEMENT_PAGE_SIZE"] = 2
    _learner_with_history(app, make_user, entries=5)
    sign_in(client, "stmt_user")
    first = client.get("/me/credits").get_data(as_text=True)
    assert "讲座5" in first and "讲座1" not in first
    assert "第 1 页，共 3 页" in first  # five entries counted, two a page
    assert "讲座1" in client.get("/me/credits?page=3").get_data(as_text=True)
    empty = client.get("/me/credits?start=2000-01-01&end=2000-01-02").get_data(as_text=True)
    assert "讲座" not in empty and "共 3 页" not in empty  # a filter counts what it keeps
    bad = client.get("/me/credits?start=2000-01-05&end=2000-01-01")
    assert "讲座5" in bad.get_data(as_text=True)  # an impossible range is ignored, with a note
    # A page far beyond the last shows no entries rather than an error (the offset is capped).
    beyond = client.get("/me/credits?page=99999999999999999999")
    assert beyond.status_code == 200 and "讲座" not in beyond.get_data(as_text=True)


@pytest.mark.parametrize("query", ["start=0001-01-01", "end=9999-12-31", "start=1999-12-31"])
def test_statement_dates_outside_the_banks_years_are_explained(client, app, make_user, query):
    _learner_with_history(app, make_user, entries=2)
    sign_in(client, "stmt_user")
    client.set_cookie("learnhub_locale", "en")
    page = client.get(f"/me/credits?{query}")
    text = page.get_data(as_text=True)
    assert page.status_code == 200 and "Choose a date between 2000 and 2100." in text
    assert "讲座2" in text  # the whole statement, unfiltered


def test_statement_csv_is_utf8_with_bom(client, app, make_user):
    _learner_with_history(app, make_user)
    sign_in(client, "stmt_user")
    response = client.get("/me/credits/statement.csv")
    assert response.mimetype == "text/csv"
    body = response.get_data()
    assert body.startswith(b"\xef\xbb\xbf")
    text = body.decode("utf-8-sig")
    assert "讲座2" in text and "+1.25" in text and "3.75" in text


def test_a_long_statement_csv_has_every_entry_once_newest_first(client, app, make_user):
    # More rows than the CSV sends at a time: nothing lost or repeated where batches meet.
    _learner_with_history(app, make_user, entries=2_101)
    sign_in(client, "stmt_user")
    response = client.get("/me/credits/statement.csv")
    rows = response.get_data().decode("utf-8-sig").splitlines()[1:]
    assert [int(row.split(",")[0]) for row in rows] == list(range(2_101, 0, -1))
    assert rows[0].split(",")[5] == "2626.25" and rows[-1].split(",")[5] == "1.25"
    with app.app_context():
        first = db.session.scalar(select(LedgerEntry).where(LedgerEntry.sequence == 1))
        china_time = first.created_at.astimezone(ZoneInfo("Asia/Shanghai"))
    assert rows[-1].split(",")[1:3] == [china_time.strftime("%Y-%m-%d %H:%M"), "参加活动"]


def test_transcript_lists_every_entry(client, app, make_user):
    _learner_with_history(app, make_user)
    sign_in(client, "stmt_user")
    page = client.get("/me/credits/transcript").get_data(as_text=True)
    assert all(f"讲座{n}" in page for n in (1, 2, 3))


def test_credit_pages_need_sign_in(client):
    response = client.get("/me/credits")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_verify_shows_a_certificate_without_login(client, app, make_user):
    _number, code = _learner_with_history(app, make_user)
    page = client.get(f"/verify/{code}").get_data(as_text=True)
    assert "王**" in page and "王秀英" not in page
    assert "智能手机入门" in page and "1.50" in page and "<svg" in page
    typed = services.format_certificate_code(code).lower()
    response = client.get(f"/verify?code={typed}")
    assert response.status_code == 302 and response.headers["Location"].endswith(code)


def test_verify_shows_revocation_with_its_reason(client, app, make_user):
    _number, code = _learner_with_history(app, make_user)
    client.set_cookie("learnhub_locale", "en")
    before = client.get(f"/verify/{code}").get_data(as_text=True)
    assert "<strong>Valid</strong>" in before and "Revoked on" not in before
    with app.app_context():
        from learnhub.creditbank.models import Certificate

        certificate = db.session.scalar(select(Certificate).where(Certificate.code == code))
        assert revoke_certificate(certificate, "issued in error") is True
        assert revoke_certificate(certificate, "again") is False  # revoked once
        db.session.commit()
    page = client.get(f"/verify/{code}").get_data(as_text=True)
    assert "Revoked on" in page and "Reason: issued in error" in page
    assert "<strong>Valid</strong>" not in page and "again" not in page


def test_unknown_codes_are_not_found_and_guessing_is_throttled(client, app):
    app.config["CREDIT_VERIFY_MAX_MISSES"] = 3
    for _ in range(3):
        assert client.get("/verify/0000-0000-0000-0000").status_code == 404
    assert client.get("/verify/0000-0000-0000-0001").status_code == 429
    assert client.get("/verify?code=nonsense").status_code == 400


PROXY = {"REMOTE_ADDR": "127.0.0.9"}  # our reverse proxy, as the app sees it


def _verify_from(client, client_address: str, forged: str | None = None):
    """Ask for an unknown code through the proxy, which appends the client's address."""
    forwarded = f"{forged}, {client_address}" if forged else client_address
    return client.get(
        "/verify/0000-0000-0000-0000", environ_base=PROXY,
        headers={"X-Forwarded-For": forwarded},
    ).status_code  # fmt: skip


def test_verify_guessing_counts_per_client_network_behind_the_proxy(app_factory):
    app = app_factory(TRUSTED_PROXY_COUNT=1, CREDIT_VERIFY_MAX_MISSES=3)
    client = app.test_client()
    for last in (1, 2, 3):
        assert _verify_from(client, f"198.51.100.{last}") == 404
    # The whole /24 is one client: another address of it waits too ...
    assert _verify_from(client, "198.51.100.200") == 429
    # ... and so does one that forges an X-Forwarded-For of its own (the proxy appends the
    # real address, which is the one counted).
    assert _verify_from(client, "198.51.100.7", forged="192.0.2.50") == 429
    # Every other network behind the same proxy still checks codes: no province-wide lock.
    assert _verify_from(client, "203.0.113.9") == 404
    assert _verify_from(client, "192.0.2.50") == 404


@pytest.mark.parametrize("path", ["/me/credits", "/me/recognition", "/me/conversions"])
def test_a_learner_from_before_the_credit_bank_gets_an_account_on_first_visit(
    client, app, make_user, path
):
    """Users made before the credit bank existed have no account: their first visit of a page
    built on it opens one (a GET that writes, in a transaction of its own), once."""
    user_id = make_user(login="older_learner")
    with app.app_context():
        db.session.execute(delete(CreditAccount).where(CreditAccount.user_id == user_id))
        db.session.commit()
    sign_in(client, "older_learner")
    assert client.get(path).status_code == 200
    assert client.get(path).status_code == 200
    with app.app_context():
        opened = db.session.scalars(select(CreditAccount).where(CreditAccount.user_id == user_id))
        assert len(opened.all()) == 1
    if path == "/me/credits":
        page = client.get(path).get_data(as_text=True)
        assert "0.00" in page  # an empty statement, the balance nothing
