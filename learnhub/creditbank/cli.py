"""``flask ledger ...``: checks of the credit bank's ledger and bulk account opening."""

from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup
from flask_babel import force_locale
from flask_babel import gettext as _

from learnhub.cli_helpers import fail_with_problems, messages_locale_option, progress_bar
from learnhub.extensions import db
from learnhub.file_imports import ImportFileError, decode_csv

from . import opening
from .blueprint import bp
from .services.anchors import AnchorError, latest_anchor, write_anchor
from .services.chain_verification import check_heads, verify_ledger
from .services.ledger_keys import LedgerKeyError, add_key_to_file

ledger_cli = AppGroup("ledger", help="Check the credit bank's ledger; open accounts in bulk.")


@ledger_cli.command("verify")
@click.option(
    "--all", "show_all", is_flag=True, help="List a break in every account, not only the first."
)
def verify_command(show_all: bool):
    """Re-walk every account's keyed hash chain and balances and compare them with the
    latest signed anchor; exit 1 at the first break."""
    breaks = 0
    for found in verify_ledger():
        breaks += 1
        click.echo(
            f"BREAK account {found.account_number} entry {found.sequence}: {found.problem}",
            err=True,
        )
        if not show_all:
            break
    if breaks:
        raise SystemExit(1)
    click.echo("Ledger OK: every chain and balance checks out.")


@ledger_cli.command("anchor")
def anchor_command():
    """Write a signed anchor of every account's head (the scheduler does it every hour)."""
    try:
        previous = latest_anchor()
    except AnchorError as error:
        raise click.ClickException(str(error)) from None
    breaks = list(check_heads(previous))
    for found in breaks:
        click.echo(
            f"BREAK account {found.account_number} entry {found.sequence}: {found.problem}",
            err=True,
        )
    if breaks:
        raise SystemExit(1)
    click.echo(f"Anchor written: {write_anchor(previous)}")


@ledger_cli.command("new-key")
def new_key_command():
    """Rotate the ledger key: add a new key to the key file; it seals entries from now on."""
    try:
        key_id = add_key_to_file()
    except LedgerKeyError as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"New ledger key {key_id} added; older keys stay to verify older entries.")


@ledger_cli.command("open-accounts")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--dry-run", is_flag=True, help="Check the file and report; change nothing.")
@click.option(
    "--notice-agreed",
    "notice_version",
    metavar="VERSION",
    help="Every learner of the file agreed to this privacy notice version (the current one) "
    "on a paper form the centre keeps; without it each is asked at their first sign-in.",
)
@messages_locale_option
def open_accounts_command(file: Path, dry_run: bool, notice_version: str | None, locale: str):
    """Register the learners of a CSV FILE and open their credit accounts (开户): all or none.

    Columns: login,name,city,district[,password]; see docs/credit-bank.md. Learners whose
    login is already registered are skipped. Generated initial passwords are printed once.
    """
    current = current_app.config["PRIVACY_NOTICE_VERSION"]
    if notice_version is not None and notice_version != current:
        raise click.UsageError(f"--notice-agreed: the current privacy notice is {current}.")
    with force_locale(locale):
        try:
            rows = opening.parse_learner_csv(decode_csv(file.read_bytes()))
        except ImportFileError as error:
            fail_with_problems(error.problems)
        with progress_bar(label=_("Opening accounts from %(file)s", file=file.name)) as progress:
            report = opening.open_accounts(
                rows, None, dry_run=dry_run, progress=progress, notice_version=notice_version
            )
        if not report.ok or dry_run:
            db.session.rollback()
        else:
            db.session.commit()
        if not report.ok:
            fail_with_problems(report.problems)
        _print_summary(report)


def _print_summary(report: opening.OpeningReport) -> None:
    for line, login in report.skipped:
        click.echo(_("Line %(line)d: %(login)s is already registered; skipped.", line=line,
                     login=login))  # fmt: skip
    if report.dry_run:
        click.echo(_("No problems found. Accounts that would be opened: %(count)d. "
                     "Nothing was changed (dry run).", count=len(report.planned)))  # fmt: skip
        return
    click.echo(_("Accounts opened: %(count)d.", count=len(report.opened)))
    generated = [opened for opened in report.opened if opened.initial_password]
    if generated:
        click.echo(_("Initial passwords (hand them to the learners; they are not shown again):"))
        for opened in generated:
            click.echo(f"{opened.login}\t{opened.initial_password}")


@bp.record_once
def _add_commands(state) -> None:
    state.app.cli.add_command(ledger_cli)
