"""The transcript PDF: Chinese text that a PDF reader can extract, embedded font or CID font."""

from __future__ import annotations

import io
from decimal import Decimal

from pypdf import PdfReader

from learnhub.accounts.models import User
from learnhub.creditbank import services
from learnhub.creditbank.amounts import format_credits
from learnhub.creditbank.models import CertificateKind, EntryKind
from learnhub.creditbank.services.certificates import certificates_of
from learnhub.creditbank.services.statements import account_totals
from learnhub.creditbank.transcript_pdf import (
    CID_FONT,
    TranscriptData,
    register_font,
    transcript_pdf,
)
from learnhub.extensions import db
from tests.helpers import sign_in


def _learner(app, make_user) -> int:
    user_id = make_user(login="pdf_user", name="王秀英")
    with app.app_context():
        account = services.account_of(db.session.get(User, user_id))
        for n in range(1, 4):
            services.post_entry(account, Decimal("1.25"), EntryKind.ATTENDANCE, f"a:{n}",
                                memo=f"社区大讲堂第{n}讲")  # fmt: skip
        services.issue_certificate(
            account, CertificateKind.COURSE, "course_completion:1", "智能手机入门", Decimal("1.5")
        )
        db.session.commit()
    return user_id


def _text_of(pdf: bytes) -> str:
    reader = PdfReader(io.BytesIO(pdf))
    return "\n".join(page.extract_text() for page in reader.pages)


def test_transcript_pdf_has_the_learners_name_and_courses_in_chinese(client, app, make_user):
    _learner(app, make_user)
    sign_in(client, "pdf_user")
    response = client.get("/me/credits/transcript.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert "attachment" in response.headers["Content-Disposition"]
    text = _text_of(response.get_data())
    assert "王秀英" in text and "智能手机入门" in text and "社区大讲堂第3讲" in text
    assert "学习档案" in text  # the interface language: zh_CN by default
    assert "3.75" in text


def test_transcript_pdf_follows_the_interface_language(client, app, make_user):
    _learner(app, make_user)
    client.set_cookie("learnhub_locale", "en")
    sign_in(client, "pdf_user")
    text = _text_of(client.get("/me/credits/transcript.pdf").get_data())
    assert "Learning transcript" in text and "王秀英" in text


def test_without_a_truetype_font_the_cid_font_still_gives_chinese(app, make_user):
    user_id = _learner(app, make_user)
    with app.test_request_context():
        assert register_font(("/no/such/font.ttf",)) == CID_FONT
        account = services.account_of(db.session.get(User, user_id))
        data = TranscriptData(
            account=account, balance=services.balance_of(account), entries=[],
            by_module=[], by_kind=account_totals(account).by_kind,
            certificates=certificates_of(account), verify_url="http://x/verify",
            format_credits=format_credits, format_account=services.format_account_number,
            format_code=services.format_certificate_code,
        )  # fmt: skip
        text = _text_of(transcript_pdf(data, font=CID_FONT))
    assert "王秀英" in text and "智能手机入门" in text


def test_pages_link_to_the_pdf(client, app, make_user):
    _learner(app, make_user)
    sign_in(client, "pdf_user")
    for url in ("/me/credits", "/me/credits/transcript"):
        assert "/me/credits/transcript.pdf" in client.get(url).get_data(as_text=True)


def test_pdf_needs_sign_in(client):
    response = client.get("/me/credits/transcript.pdf")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
