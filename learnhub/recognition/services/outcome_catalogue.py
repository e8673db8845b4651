"""The outcome catalogue (成果名录): outcomes recognised at a fixed number of credits.

Province center staff keep it; an entry is never deleted, only no longer offered.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from learnhub.accounts.access import may_define_credit_rules
from learnhub.accounts.models import User
from learnhub.creditbank.models import OutcomeCategory, OutcomeType
from learnhub.creditbank.services import CreditError, parse_credits
from learnhub.extensions import db

from ..errors import RecognitionError
from .amounts import max_credits

NAME_MAX = 120


@dataclass
class OutcomeTypeDetails:
    """What the catalogue editor typed; the credits may be text."""

    name: str
    category: str | None
    standard_credits: object


def _ensure_may_define(staff: User) -> None:
    if not may_define_credit_rules(staff):
        raise RecognitionError(None, _l("Only province center staff may change the catalogue."))


def outcome_types(active_only: bool = True) -> list[OutcomeType]:
    """The catalogue by kind and name: the entries offered, or every entry."""
    query = select(OutcomeType).order_by(OutcomeType.category, OutcomeType.name)
    if active_only:
        query = query.where(OutcomeType.active.is_(True))
    return list(db.session.scalars(query))


def save_outcome_type(
    staff: User, details: OutcomeTypeDetails, outcome_type: OutcomeType | None = None
) -> OutcomeType:
    """Create (or change) a catalogue entry; names are unique."""
    _ensure_may_define(staff)
    name = " ".join((details.name or "").split())
    if not name:
        raise RecognitionError("name", _l("Enter a name."))
    if len(name) > NAME_MAX:
        raise RecognitionError(
            "name", _l("The name is too long: at most %(count)d characters.", count=NAME_MAX)
        )
    try:
        category = OutcomeCategory(details.category)
    except ValueError:
        raise RecognitionError("category", _l("Choose what kind of learning it was.")) from None
    try:
        credits = parse_credits(details.standard_credits or "", field="standard_credits")
    except CreditError as error:
        raise RecognitionError(error.field, error.message) from None
    if credits <= 0:
        raise RecognitionError("standard_credits", _l("The credits must be more than 0."))
    if credits > max_credits():
        raise RecognitionError(
            "standard_credits",
            _l(
                "At most %(credits)s credits: no application may claim more.",
                credits=max_credits(),
            ),
        )
    taken = RecognitionError("name", _l("The catalogue has an entry with this name already."))
    same_name = db.session.scalar(select(OutcomeType).where(OutcomeType.name == name))
    if same_name is not None and same_name is not outcome_type:
        raise taken
    if outcome_type is None:
        outcome_type = OutcomeType(active=True)
        db.session.add(outcome_type)
    outcome_type.name, outcome_type.category, outcome_type.standard_credits = (
        name,
        category,
        credits,
    )
    try:
        with db.session.begin_nested():
            db.session.flush()
    except IntegrityError:
        raise taken from None  # a parallel request took the name
    return outcome_type


def set_outcome_type_active(staff: User, outcome_type: OutcomeType, active: bool) -> None:
    """Offer an entry again, or stop offering it (applications that chose it keep it)."""
    _ensure_may_define(staff)
    outcome_type.active = active
    db.session.flush()
