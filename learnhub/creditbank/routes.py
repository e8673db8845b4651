"""Credit bank pages: my credits (statement, CSV, transcript) and public certificate checks."""

from __future__ import annotations

import csv
import io
from functools import partial

import segno
from flask import (
    Response,
    current_app,
    redirect,
    render_template,
    request,
    stream_with_context,
    url_for,
)
from flask_babel import gettext as _
from flask_login import login_required
from markupsafe import Markup

from learnhub.accounts.header import header_visitor
from learnhub.accounts.masking import mask_name
from learnhub.cache import CATALOGUE, cached_page
from learnhub.clients import client_network, pseudonym
from learnhub.clock import site_timezone
from learnhub.database import writing_transaction
from learnhub.errors import render_error
from learnhub.extensions import db
from learnhub.ui import page_number, site_url_for

from .amounts import format_credits
from .blueprint import bp
from .current import my_credit_account, my_credit_account_and_page_state
from .forms import StatementFilterForm, VerifyForm
from .models import ENTRY_KIND_LABELS, CertificateKind
from .pages import statement_date_range, template_helpers
from .pending_models import AWARD_STATUS_LABELS
from .services.awards import pending_awards
from .services.certificates import (
    certificate_by_code,
    certificates_of,
    format_certificate_code,
    normalise_certificate_code,
)
from .services.ledger import balance_of
from .services.numbers import format_account_number
from .services.statements import (
    account_totals,
    statement_entries,
    statement_page,
    statement_query,
)
from .services.transfers import open_transfer_of
from .services.verify_throttle import record_verify_miss, verify_blocked
from .transcript_pdf import TranscriptData
from .transcript_pdf import transcript_pdf as make_transcript_pdf


@bp.get("/me/credits")
@login_required
def account():
    """Balance, frozen credits, totals, the statement (流水) and certificates: kept under the
    account's state, read with the account in one query (a learner paging back and forth
    through their statement, or opening it again, is not built the same page again)."""
    credit_account, state = my_credit_account_and_page_state()
    return cached_page("my-credits", partial(_account_page, credit_account, state), CATALOGUE,
                       key=state.key(credit_account), visitor=header_visitor(),
                       personal=True)  # fmt: skip


def _account_page(credit_account, state) -> str:
    """The page, built: what the state counts as none is not read (most accounts have no
    kept award, no transfer, few certificates)."""
    form = StatementFilterForm(request.args)
    start, end = statement_date_range(form)
    page = statement_page(
        credit_account, start, end, page_number(), current_app.config["CREDIT_STATEMENT_PAGE_SIZE"]
    )
    totals = account_totals(credit_account)
    return render_template(
        "creditbank/account.html", account=credit_account, balance=state.balance, held=state.held,
        awards=pending_awards(credit_account) if state.awards else [],
        award_labels=AWARD_STATUS_LABELS,
        transfer=open_transfer_of(credit_account.id) if state.open_transfer_id else None,
        available=state.balance - state.held, by_kind=totals.by_kind,
        by_module=totals.by_module, page=page, form=form,
        certificates=certificates_of(credit_account) if state.certificates else [],
        **template_helpers(),
    )  # fmt: skip


def _csv_cell(value: str) -> str:
    """Text that a spreadsheet would run as a formula is shown as text."""
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


@bp.get("/me/credits/statement.csv")
@login_required
def statement_csv():
    """The statement as CSV: UTF-8 with a BOM so Excel shows Chinese."""
    credit_account = my_credit_account()
    start, end = statement_date_range(StatementFilterForm(request.args))
    filename = f"credits-{credit_account.number}.csv"
    return Response(
        stream_with_context(_statement_csv_lines(credit_account, start, end)),
        mimetype="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )  # fmt: skip


def _statement_csv_lines(credit_account, start, end):
    """The CSV a batch of rows at a time: a long history is never held whole."""
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out)
    writer.writerow(
        [_("No."), _("Date"), _("Kind"), _("Description"), _("Credits"), _("Balance"),
         _("Reference")]
    )  # fmt: skip
    # Looked up once, not per row: a long history has a million rows.
    zone = site_timezone()
    labels = {kind: str(label) for kind, label in ENTRY_KIND_LABELS.items()}
    for number, entry in enumerate(statement_entries(credit_account, start, end), 1):
        writer.writerow(
            [entry.sequence, entry.created_at.astimezone(zone).strftime("%Y-%m-%d %H:%M"),
             labels[entry.kind], _csv_cell(entry.memo), f"{entry.amount:+.2f}",
             f"{entry.balance_after:.2f}", _csv_cell(entry.business_key)]
        )  # fmt: skip
        if number % 1_000 == 0:
            yield out.getvalue()
            out.seek(0)
            out.truncate()
    yield out.getvalue()


@bp.get("/me/credits/transcript")
@login_required
def transcript():
    """The printable transcript (学习档案)."""
    credit_account = my_credit_account()
    entries = db.session.scalars(statement_query(credit_account, None, None)).all()
    totals = account_totals(credit_account)
    return render_template(
        "creditbank/transcript.html", account=credit_account,
        balance=balance_of(credit_account), entries=list(reversed(entries)),
        by_kind=totals.by_kind, by_module=totals.by_module,
        certificates=certificates_of(credit_account), **template_helpers(),
    )  # fmt: skip


@bp.get("/me/credits/transcript.pdf")
@login_required
def transcript_pdf():
    """The transcript as a PDF to print or send (学习档案); Chinese is embedded or CID."""
    return transcript_pdf_response(my_credit_account())


def transcript_pdf_response(credit_account) -> Response:
    """The account's transcript PDF as a download (for the learner, or staff at a counter)."""
    entries = db.session.scalars(statement_query(credit_account, None, None)).all()
    totals = account_totals(credit_account)
    pdf = make_transcript_pdf(
        TranscriptData(
            account=credit_account, balance=balance_of(credit_account),
            entries=list(reversed(entries)), by_module=totals.by_module,
            by_kind=totals.by_kind,
            certificates=certificates_of(credit_account),
            verify_url=site_url_for("creditbank.verify"),
            format_credits=format_credits, format_account=format_account_number,
            format_code=format_certificate_code,
        )
    )  # fmt: skip
    filename = f"transcript-{credit_account.number}.pdf"
    return Response(
        pdf, mimetype="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="{filename}"',
                 "Cache-Control": "private, no-store"},
    )  # fmt: skip


# ---- public certificate check -------------------------------------------------------


def _client_key() -> str:
    """Unknown codes count per client network (a /24 or /64 after our trusted proxies), so
    one network cannot lock everyone out and a forged X-Forwarded-For does not escape it."""
    return pseudonym(client_network(), "credit-verify")


def _qr_svg(url: str) -> Markup:
    return Markup(segno.make(url, error="m").svg_inline(scale=4, border=2))  # noqa: S704 - segno SVG


@bp.get("/verify")
def verify():
    """A form to type a certificate code."""
    form = VerifyForm(request.args)
    if request.args and form.validate():
        code = normalise_certificate_code(form.code.data)
        if code is not None:
            return redirect(url_for("creditbank.verify_code", code=code))
        form.code.errors.append(_("That is not a certificate code. Check what you typed."))
    status = 400 if form.errors else 200
    return render_template("creditbank/verify.html", form=form, certificate=None), status


@bp.get("/verify/<code>")
def verify_code(code: str):
    """Anyone may check a certificate: holder (masked), what, credits, issuer, date, status."""
    key = _client_key()
    if verify_blocked(key):
        return render_error(
            429, _("Too many unknown codes were checked. Please wait a few minutes.")
        )
    normalised = normalise_certificate_code(code)
    certificate = certificate_by_code(normalised) if normalised else None
    if certificate is None:
        with writing_transaction():  # unknown codes are counted
            record_verify_miss(key)
        form = VerifyForm(data={"code": code[:40]})
        return render_template(
            "creditbank/verify.html", form=form, certificate=None, not_found=True
        ), 404
    url = site_url_for("creditbank.verify_code", code=certificate.code)
    return render_template(
        "creditbank/certificate.html", certificate=certificate, form=VerifyForm(),
        holder=_holder_shown(certificate.account.user), qr=_qr_svg(url),
        is_course=certificate.kind is CertificateKind.COURSE, **template_helpers(),
    )  # fmt: skip


def _holder_shown(holder) -> str:
    """The holder's masked name; no name at all once they closed their account (the
    certificate still proves itself by its code and the ledger)."""
    if holder.is_closed:
        return _("(account closed at the holder's request)")
    return mask_name(holder.display_name)
