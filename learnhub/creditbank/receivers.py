"""Credit bank reactions to other features' events (blinker signals).

Connected once per process when this package is imported; each runs inside the sender's
transaction, so opening an account or paying a completion commits or fails with it.
"""

from learnhub.accounts.services import user_city_changed, user_registered
from learnhub.learning.services import course_completed

from .services.accounts import open_account
from .services.awards import award_course_completion
from .services.transfers import follow_city_change


@user_registered.connect
def open_account_on_registration(_sender, user, **_extra) -> None:
    """开户: every new user gets a credit account in the registering transaction."""
    open_account(user)


@course_completed.connect
def award_completion(_sender, completion, **_extra) -> None:
    """Deposit the course's credits once per completion."""
    award_course_completion(completion)


@user_city_changed.connect
def ask_for_transfer(_sender, user, new_city, **_extra) -> None:
    """The credit account stays with its city until the new city's staff accept a transfer."""
    follow_city_change(user, new_city)
