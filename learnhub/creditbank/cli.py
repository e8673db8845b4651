"""``flask ledger ...``: checks of the credit bank's ledger."""

import click
from flask.cli import AppGroup

from . import bp, services

ledger_cli = AppGroup("ledger", help="Check the credit bank's ledger.")


@ledger_cli.command("verify")
@click.option(
    "--all", "show_all", is_flag=True, help="List a break in every account, not only the first."
)
def verify_command(show_all: bool):
    """Re-walk every account's hash chain and balances; exit 1 at the first break."""
    breaks = 0
    for found in services.verify_ledger():
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


@bp.record_once
def _add_commands(state) -> None:
    state.app.cli.add_command(ledger_cli)
