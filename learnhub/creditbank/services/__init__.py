"""The credit bank's services, as other features use them: one import, ``services.post_entry``.

Each concern has its own module: accounts (open, status, find, lock), numbers (account
numbers), account_status (freeze, unfreeze, close), ledger (posting, balances, reversal),
ledger_keys (the HMAC keys), anchors (signed heads outside the database), adjustments (caps
and four eyes), transfers (between cities), holds, awards (and those kept while frozen),
certificates, chain_verification (`flask ledger verify`), verify_throttle (/verify) and
statements.
Amount parsing lives in ``creditbank.amounts`` and the refusal in ``creditbank.errors``.
Services flush but never commit. Modules inside the credit bank import the submodule they
need, never this package, so nothing here can import itself back.
"""

from ..amounts import credit_setting, hours_to_credits, parse_credits
from ..errors import CreditError
from .account_status import close_at_holders_request, set_account_status
from .accounts import account_of, lock_account, open_account
from .awards import award_deposit, take_back_award
from .certificates import format_certificate_code, issue_certificate
from .chain_verification import verify_ledger
from .holds import hold_credits, release_hold, settle_hold
from .ledger import balance_of, held_amount, post_entry
from .ledger_keys import LedgerKeyError
from .numbers import format_account_number
from .transfers import accept_transfer, account_transferred, open_transfer_of

__all__ = [
    "CreditError",
    "LedgerKeyError",
    "accept_transfer",
    "account_of",
    "account_transferred",
    "award_deposit",
    "balance_of",
    "close_at_holders_request",
    "credit_setting",
    "format_account_number",
    "format_certificate_code",
    "held_amount",
    "hold_credits",
    "hours_to_credits",
    "issue_certificate",
    "lock_account",
    "open_account",
    "open_transfer_of",
    "parse_credits",
    "post_entry",
    "release_hold",
    "set_account_status",
    "settle_hold",
    "take_back_award",
    "verify_ledger",
]
