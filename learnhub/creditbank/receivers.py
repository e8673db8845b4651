"""Credit bank reactions to other features' events (blinker signals).

Connected once per process when this package is imported; each runs inside the sender's
transaction, so opening an account or paying a completion commits or fails with it.
"""

from learnhub.accounts.services import user_registered
from learnhub.learning.services import course_completed

from .services.accounts import open_account
from .services.awards import award_course_completion


@user_registered.connect
def open_account_on_registration(_sender, user, **_extra) -> None:
    """开户: every new user gets a credit account in the registering transaction."""
    open_account(user)


@course_completed.connect
def award_completion(_sender, completion, **_extra) -> None:
    """Deposit the course's credits once per completion."""
    award_course_completion(completion)
