"""The credit bank's scheduled work: anchoring the ledger's heads outside the database every
hour, and re-walking the whole ledger every night."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from learnhub.jobs.queue import crontab, periodic_job

from .services.anchors import latest_anchor, write_anchor
from .services.chain_verification import check_heads, verify_ledger

SHOWN_BREAKS = (
    20  # the failure names this many broken accounts; `flask ledger verify --all` lists all
)


class LedgerBroken(RuntimeError):
    """Some accounts' chains or balances do not add up: someone must look (province staff)."""


def _fail_on(breaks) -> None:
    breaks = list(breaks)
    if breaks:
        listed = "; ".join(
            f"{b.account_number} #{b.sequence}: {b.problem}" for b in breaks[:SHOWN_BREAKS]
        )
        raise LedgerBroken(f"{len(breaks)} account(s) broken: {listed}")


@periodic_job(
    crontab(minute="0", hour="18"),
    _l("every day at 02:00 China time"),
    _l("Check the credit ledger's chain and balances"),
)
def verify_ledger_every_night() -> None:
    """Re-walk every account and compare with the latest anchor; any break fails the job,
    which staff see at /staff/jobs. A clean ledger is anchored."""
    _fail_on(verify_ledger())
    write_anchor(latest_anchor())


@periodic_job(
    crontab(minute="17"),
    _l("every hour"),
    _l("Anchor the credit ledger's heads outside the database"),
)
def anchor_ledger_every_hour() -> None:
    """Write a signed anchor of every account's head, unless the heads went behind the
    latest anchor (then the job fails and nothing is anchored over the evidence)."""
    previous = latest_anchor()
    _fail_on(check_heads(previous))
    write_anchor(previous)
