"""Demo data of the help desk: an elder in the middle of a recovery.

张桂兰 (``elder``, 沈河区) forgot her password: the 沈河区 centre (``shenhe_staff``) gave her a
reset code at the counter. The code itself is shown to nobody (only its hash is kept, as
always); to try the flow, sign in as ``shenhe_staff`` and issue a new one at the help desk,
which replaces it (docs/staff.md).
"""

from __future__ import annotations

from sqlalchemy import select

from learnhub.accounts.models import User
from learnhub.accounts.recovery import open_code_of
from learnhub.extensions import db

from . import services


def load_demo_recovery(progress) -> None:
    """Give the demo elder an open reset code from her district's centre (once)."""
    for _step in progress([1]):
        elder = db.session.scalar(select(User).where(User.username == "elder"))
        staff = db.session.scalar(select(User).where(User.username == "shenhe_staff"))
        if elder is None or staff is None or open_code_of(elder) is not None:
            return
        services.give_reset_code(staff, elder)
        db.session.flush()
