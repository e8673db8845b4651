"""The signed-in learner's credit account, for the pages of the credit bank and of the
features built on it (recognition, conversion)."""

from flask_login import current_user

from learnhub.database import writing_transaction

from .models import CreditAccount
from .services.accounts import account_of, open_account
from .services.page_state import CreditPageState, account_and_page_state


def my_credit_account() -> CreditAccount:
    """The signed-in user's account; opened (and committed) if they have none yet (users
    made before the credit bank existed): only then does the page write."""
    account = account_of(current_user)
    if account is None:
        with writing_transaction():
            account = account_of(current_user) or open_account(current_user)
    return account


def my_credit_account_and_page_state() -> tuple[CreditAccount, CreditPageState]:
    """The signed-in user's account and the state its page shows (services.page_state), in
    one query; the account is opened first if they have none yet."""
    found = account_and_page_state(current_user.id)
    if found is None:
        my_credit_account()
        found = account_and_page_state(current_user.id)
    return found
