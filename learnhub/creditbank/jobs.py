"""The credit bank's scheduled work: re-walking the ledger's chain every night."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from learnhub.jobs.queue import crontab, periodic_job

from .services.chain_verification import verify_ledger

SHOWN_BREAKS = (
    20  # the failure names this many broken accounts; `flask ledger verify --all` lists all
)


class LedgerBroken(RuntimeError):
    """Some accounts' chains or balances do not add up: someone must look (province staff)."""


@periodic_job(
    crontab(minute="0", hour="18"),
    _l("every day at 02:00 China time"),
    _l("Check the credit ledger's chain and balances"),
)
def verify_ledger_every_night() -> None:
    """Re-walk every account; any break fails the job, which staff see at /staff/jobs."""
    breaks = list(verify_ledger())
    if breaks:
        listed = "; ".join(
            f"{b.account_number} #{b.sequence}: {b.problem}" for b in breaks[:SHOWN_BREAKS]
        )
        raise LedgerBroken(f"{len(breaks)} account(s) broken: {listed}")
