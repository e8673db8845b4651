"""Recognition of outside learning (学习成果认定) and the outcome catalogue (成果名录).

An application moves draft → submitted → in review → approved | rejected | returned
(→ submitted again); the learner may withdraw a draft or a submitted application. Every
move is one conditional ``UPDATE … WHERE status IN (…)``: of two people acting on the same
application at once, exactly one wins and the other is refused with a message. Approval
pays through :func:`learnhub.creditbank.services.post_entry` under the key
``recognition:<id>``, so the credits are deposited once whatever happens.

Services take plain values and models, flush and never commit.
"""

from __future__ import annotations

import secrets
import unicodedata
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path, PurePosixPath
from typing import BinaryIO

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError

from learnhub.accounts.access import managed_city_codes, may_act_for_city, may_define_credit_rules
from learnhub.accounts.models import User
from learnhub.creditbank import services as credit_services
from learnhub.creditbank.models import (
    CREDIT_QUANTUM,
    CREDIT_SCALE,
    RECOGNITION_STATUS_LABELS,
    AccountStatus,
    CreditAccount,
    EntryKind,
    OutcomeCategory,
    OutcomeType,
    RecognitionApplication,
    RecognitionEvidence,
    RecognitionStatus,
)
from learnhub.creditbank.services import CreditError, parse_credits
from learnhub.database import utcnow
from learnhub.extensions import db
from learnhub.media import head_and_size, megabytes, sniff_format, write_atomically

Status = RecognitionStatus
EDITABLE = (Status.DRAFT, Status.RETURNED)  # the learner may change details and evidence
WITHDRAWABLE = (Status.DRAFT, Status.SUBMITTED)
TITLE_MAX, DESCRIPTION_MAX, REASON_MAX, NAME_MAX = 120, 2000, 1000, 120
MAX_HOURS = Decimal("10000")
MAX_EVIDENCE_FILES = 10
EVIDENCE_MIMETYPES = {"pdf": "application/pdf", "jpg": "image/jpeg", "png": "image/png"}


class RecognitionError(CreditError):
    """A recognition rule refused the request; nothing was changed."""


def business_key(application: RecognitionApplication) -> str:
    """The ledger key of an application's deposit: paid once per application."""
    return f"recognition:{application.id}"


# ---- amounts ------------------------------------------------------------------------


def max_credits() -> Decimal:
    """The most credits one application may claim (CREDIT_MAX_PER_RECOGNITION)."""
    return credit_services.credit_setting("CREDIT_MAX_PER_RECOGNITION")


def parse_hours(value) -> Decimal:
    """Study hours from text or a number: more than 0, at most two decimals."""
    if isinstance(value, str):
        value = unicodedata.normalize("NFKC", value).strip()
    if value in (None, ""):
        raise RecognitionError("hours", _l("Enter the study hours, for example 8 or 2.5."))
    try:
        hours = Decimal(value)
    except (InvalidOperation, TypeError, ValueError):
        raise RecognitionError(
            "hours", _l("Enter the study hours, for example 8 or 2.5.")
        ) from None
    if not hours.is_finite():
        raise RecognitionError("hours", _l("Enter the study hours, for example 8 or 2.5."))
    if hours != hours.quantize(CREDIT_QUANTUM):
        raise RecognitionError(
            "hours", _l("Use at most %(places)d decimal places.", places=CREDIT_SCALE)
        )
    if hours <= 0:
        raise RecognitionError("hours", _l("The study hours must be more than 0."))
    if hours > MAX_HOURS:
        raise RecognitionError(
            "hours", _l("At most %(hours)s study hours in one application.", hours=MAX_HOURS)
        )
    return hours.quantize(CREDIT_QUANTUM)


def _parse_claim(value, outcome_type: OutcomeType | None, hours: Decimal) -> Decimal:
    if isinstance(value, str):
        value = value.strip()
    if value in (None, ""):
        if outcome_type is not None:
            return outcome_type.standard_credits  # prefilled from the catalogue
        raise RecognitionError(
            "credits_claimed", _l("Enter the credits you ask for, for example 1.5.")
        )
    try:
        credits = parse_credits(value, field="credits_claimed")
    except CreditError as error:
        raise RecognitionError(error.field, error.message) from None
    if credits <= 0:
        raise RecognitionError("credits_claimed", _l("The credits must be more than 0."))
    limit = max_credits()
    if credits > limit:
        raise RecognitionError(
            "credits_claimed",
            _l("You may ask for at most %(credits)s credits in one application.", credits=limit),
        )
    if outcome_type is not None:
        if credits > outcome_type.standard_credits:
            raise RecognitionError(
                "credits_claimed",
                _l(
                    "For “%(type)s” you may ask for at most %(credits)s credits.",
                    type=outcome_type.name,
                    credits=outcome_type.standard_credits,
                ),
            )
        return credits
    by_hours = credit_services.hours_to_credits(hours)
    if credits > by_hours:
        raise RecognitionError(
            "credits_claimed",
            _l(
                "%(hours)s study hours are worth at most %(credits)s credits "
                "(%(per_credit)s hours make one credit).",
                hours=hours,
                credits=by_hours,
                per_credit=current_app.config["CREDIT_HOURS_PER_CREDIT"],
            ),
        )
    return credits


# ---- the learner's application ------------------------------------------------------


@dataclass
class ApplicationDetails:
    """What the learner typed; amounts may be text. Empty credits with a type → its standard."""

    title: str
    category: str | None
    hours: object
    credits_claimed: object
    description: str = ""
    outcome_type_id: int | None = None


def details_of(application: RecognitionApplication) -> ApplicationDetails:
    return ApplicationDetails(
        title=application.title, category=application.category.value,
        hours=application.hours, credits_claimed=application.credits_claimed,
        description=application.description, outcome_type_id=application.outcome_type_id,
    )  # fmt: skip


def check_details(details: ApplicationDetails) -> dict:
    """The column values for these details, or RecognitionError naming the first bad field."""
    title = " ".join((details.title or "").split())
    if not title:
        raise RecognitionError("title", _l("Enter a title."))
    if len(title) > TITLE_MAX:
        raise RecognitionError(
            "title", _l("The title is too long: at most %(count)d characters.", count=TITLE_MAX)
        )
    description = (details.description or "").strip()
    if len(description) > DESCRIPTION_MAX:
        raise RecognitionError(
            "description",
            _l("The description is too long: at most %(count)d characters.", count=DESCRIPTION_MAX),
        )
    outcome_type = None
    if details.outcome_type_id:
        outcome_type = db.session.get(OutcomeType, int(details.outcome_type_id))
        if outcome_type is None or not outcome_type.active:
            raise RecognitionError(
                "outcome_type", _l("This outcome type is no longer offered: choose another.")
            )
        category = outcome_type.category
    else:
        try:
            category = OutcomeCategory(details.category)
        except ValueError:
            raise RecognitionError("category", _l("Choose what kind of learning it was.")) from None
    hours = parse_hours(details.hours)
    credits = _parse_claim(details.credits_claimed, outcome_type, hours)
    return {
        "title": title, "description": description, "category": category,
        "outcome_type_id": outcome_type.id if outcome_type else None,
        "hours": hours, "credits_claimed": credits,
    }  # fmt: skip


def _ensure_account_takes_applications(account: CreditAccount) -> None:
    if account.status is AccountStatus.CLOSED:
        raise RecognitionError(None, _l("Your credit account is closed."))


def create_draft(account: CreditAccount, details: ApplicationDetails) -> RecognitionApplication:
    """A new draft; the same form arriving twice gives the draft the first one made."""
    _ensure_account_takes_applications(account)
    values = check_details(details)
    # Lock the account row: two copies of one submit run one after the other.
    credit_services.lock_account(account)
    duplicate = db.session.scalar(
        select(RecognitionApplication).where(
            RecognitionApplication.account_id == account.id,
            RecognitionApplication.status == Status.DRAFT,
            RecognitionApplication.title == values["title"],
            RecognitionApplication.hours == values["hours"],
            RecognitionApplication.credits_claimed == values["credits_claimed"],
        )
    )
    if duplicate is not None:
        return duplicate
    application = RecognitionApplication(
        account_id=account.id, city_code=account.user.city_code, **values
    )
    db.session.add(application)
    db.session.flush()
    return application


def update_details(application: RecognitionApplication, details: ApplicationDetails) -> None:
    """Change a draft's or a returned application's details."""
    _ensure_editable(application)
    values = check_details(details)
    for name, value in values.items():
        setattr(application, name, value)
    db.session.flush()


def _ensure_editable(application: RecognitionApplication) -> None:
    if application.status not in EDITABLE:
        raise RecognitionError(
            None,
            _l(
                "Only a draft or a returned application can be changed; this one is “%(status)s”.",
                status=RECOGNITION_STATUS_LABELS[application.status],
            ),
        )


def submit(application: RecognitionApplication) -> None:
    """Send a draft (or a returned application) to the learner's city for review."""
    _ensure_editable(application)
    _ensure_account_takes_applications(application.account)
    if not application.evidence:
        raise RecognitionError(
            "evidence", _l("Add at least one evidence file (a photo or scan) before you send it.")
        )
    check_details(details_of(application))  # the catalogue or the maximum may have changed
    _move(
        application, EDITABLE, _cannot_send,
        status=Status.SUBMITTED, submitted_at=utcnow(), reviewer_id=None,
        city_code=application.account.user.city_code,
    )  # fmt: skip


def withdraw(application: RecognitionApplication) -> None:
    """The learner takes back a draft or an application nobody has started reviewing."""
    _move(application, WITHDRAWABLE, _cannot_withdraw, status=Status.WITHDRAWN)


def _move(application, allowed, refusal, *conditions, **values) -> None:
    """One conditional UPDATE; if the application was not in an allowed state, refuse."""
    moved = db.session.execute(
        update(RecognitionApplication)
        .where(
            RecognitionApplication.id == application.id,
            RecognitionApplication.status.in_(allowed),
            *conditions,
        )
        .values(**values)
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.refresh(application)
    if moved != 1:
        raise RecognitionError(None, refusal(RECOGNITION_STATUS_LABELS[application.status]))


# What a refused move says; ``status`` is the application's state now.
def _cannot_send(status):
    return _l("This application cannot be sent now: it is “%(status)s”.", status=status)


def _cannot_withdraw(status):
    return _l("This application cannot be withdrawn now: it is “%(status)s”.", status=status)


def _cannot_claim(status):
    return _l("This application cannot be taken for review: it is “%(status)s”.", status=status)


def _cannot_release(status):
    return _l("This application is not being reviewed: it is “%(status)s”.", status=status)


def _cannot_decide(status):
    return _l("Take the application for review first; it is “%(status)s”.", status=status)


# ---- evidence files -----------------------------------------------------------------


def sniff_evidence(head: bytes) -> str | None:
    """'pdf', 'jpg' or 'png' from a file's first bytes; None for anything else."""
    if head.startswith(b"%PDF-"):
        return "pdf"
    extension = sniff_format(head)
    return extension if extension in ("jpg", "png") else None


def evidence_root() -> Path:
    """The private folder of evidence files (CREDIT_EVIDENCE_DIR; never under static)."""
    configured = current_app.config.get("CREDIT_EVIDENCE_DIR")
    return Path(configured) if configured else Path(current_app.instance_path) / "credit-evidence"


def evidence_path(evidence: RecognitionEvidence) -> Path:
    return evidence_root() / evidence.stored_name


def _clean_file_name(name: str | None) -> str:
    name = unicodedata.normalize("NFKC", name or "").replace("\\", "/")
    name = PurePosixPath(name).name
    name = "".join(ch for ch in name if ch.isprintable() and ch not in '"<>')
    return name.strip()[:200] or "evidence"


def add_evidence(
    application: RecognitionApplication, stream: BinaryIO, file_name: str | None
) -> RecognitionEvidence:
    """Check a file by its content and size, keep it privately, attach it."""
    _ensure_editable(application)
    if len(application.evidence) >= MAX_EVIDENCE_FILES:
        raise RecognitionError(
            "file", _l("At most %(count)d files per application.", count=MAX_EVIDENCE_FILES)
        )
    head, size = head_and_size(stream)
    if not head:
        raise RecognitionError("file", _l("The file is empty."))
    extension = sniff_evidence(head)
    if extension is None:
        raise RecognitionError("file", _l("Choose a PDF file or a photo in JPEG or PNG format."))
    limit = int(current_app.config["CREDIT_EVIDENCE_MAX_BYTES"])
    if size > limit:
        raise RecognitionError(
            "file", _l("The file is too large: at most %(size)s MB.", size=megabytes(limit))
        )
    stored_name = f"{secrets.token_hex(16)}.{extension}"
    folder = evidence_root()
    folder.mkdir(parents=True, exist_ok=True)
    write_atomically(stream, folder / stored_name)
    evidence = RecognitionEvidence(
        application=application, original_name=_clean_file_name(file_name),
        stored_name=stored_name, content_type=EVIDENCE_MIMETYPES[extension], size_bytes=size,
    )  # fmt: skip
    db.session.add(evidence)
    try:
        db.session.flush()
    except Exception:
        (folder / stored_name).unlink(missing_ok=True)
        raise
    return evidence


def remove_evidence(evidence: RecognitionEvidence) -> Path:
    """Detach a file from a draft or returned application; returns the file to delete
    once the change is committed."""
    application = evidence.application
    _ensure_editable(application)
    path = evidence_path(evidence)
    application.evidence.remove(evidence)
    db.session.delete(evidence)
    db.session.flush()
    return path


# ---- review -------------------------------------------------------------------------


def _ensure_may_review(application: RecognitionApplication, reviewer: User) -> None:
    if not may_act_for_city(reviewer, application.city_code):
        raise RecognitionError(
            None, _l("You may only review applications from learners of your own city.")
        )
    if application.account.user_id == reviewer.id:
        raise RecognitionError(None, _l("You cannot review your own application."))


def claim(application: RecognitionApplication, reviewer: User) -> None:
    """Take a submitted application for review; of two reviewers only one gets it."""
    _ensure_may_review(application, reviewer)
    _move(
        application, (Status.SUBMITTED,), _cannot_claim,
        status=Status.IN_REVIEW, reviewer_id=reviewer.id,
    )  # fmt: skip


def release(application: RecognitionApplication, reviewer: User) -> None:
    """Put an application being reviewed back in the queue (e.g. its reviewer is away)."""
    _ensure_may_review(application, reviewer)
    _move(
        application, (Status.IN_REVIEW,), _cannot_release, status=Status.SUBMITTED, reviewer_id=None
    )


def _decide(application, reviewer, **values) -> None:
    _ensure_may_review(application, reviewer)
    if application.status is Status.IN_REVIEW and application.reviewer_id != reviewer.id:
        raise RecognitionError(
            None,
            _l(
                "%(name)s is reviewing this application.",
                name=application.reviewer.display_name if application.reviewer else "?",
            ),
        )
    _move(
        application, (Status.IN_REVIEW,), _cannot_decide,
        RecognitionApplication.reviewer_id == reviewer.id, **values,
    )  # fmt: skip


def _reason(text: str | None) -> str:
    reason = (text or "").strip()
    if not reason:
        raise RecognitionError("reason", _l("Give the reason, so the learner knows what to do."))
    if len(reason) > REASON_MAX:
        raise RecognitionError(
            "reason", _l("The reason is too long: at most %(count)d characters.", count=REASON_MAX)
        )
    return reason


def approve(application: RecognitionApplication, reviewer: User, note: str = "") -> None:
    """Approve and deposit the claimed credits, once; a frozen or closed account refuses."""
    _ensure_may_review(application, reviewer)
    account = application.account
    if account.status is AccountStatus.FROZEN:
        raise RecognitionError(
            None,
            _l(
                "The learner's credit account is frozen, so no credits can be paid in. "
                "Approve the application once the account is active again."
            ),
        )
    if account.status is AccountStatus.CLOSED:
        raise RecognitionError(
            None, _l("The learner's credit account is closed, so no credits can be paid in.")
        )
    try:
        with db.session.begin_nested():
            _decide(
                application, reviewer, status=Status.APPROVED, decided_at=utcnow(),
                decision_reason=(note or "").strip()[:REASON_MAX],
            )  # fmt: skip
            entry = credit_services.post_entry(
                account, application.credits_claimed, EntryKind.RECOGNITION,
                business_key(application), posted_by=reviewer, memo=application.title,
            )  # fmt: skip
            application.entry_id = entry.id
            db.session.flush()
    except CreditError:
        db.session.refresh(application)  # the savepoint undid the state change too
        raise


def reject(application: RecognitionApplication, reviewer: User, reason: str) -> None:
    """Refuse the application; the reason is shown to the learner."""
    reason = _reason(reason)
    _decide(
        application, reviewer, status=Status.REJECTED, decided_at=utcnow(),
        decision_reason=reason,
    )  # fmt: skip


def return_for_evidence(application: RecognitionApplication, reviewer: User, reason: str) -> None:
    """Send the application back to the learner for more evidence or corrections."""
    reason = _reason(reason)
    _decide(application, reviewer, status=Status.RETURNED, decision_reason=reason)


# ---- lists --------------------------------------------------------------------------


def applications_of(account: CreditAccount) -> list[RecognitionApplication]:
    return list(
        db.session.scalars(
            select(RecognitionApplication)
            .where(RecognitionApplication.account_id == account.id)
            .order_by(RecognitionApplication.created_at.desc(), RecognitionApplication.id.desc())
        )
    )


def visible_to_staff(application: RecognitionApplication) -> bool:
    """Staff see applications once sent; a draft never sent stays the learner's own."""
    return application.submitted_at is not None


def _staff_scope(staff: User):
    query = select(RecognitionApplication).where(RecognitionApplication.submitted_at.is_not(None))
    cities = managed_city_codes(staff)
    if cities is not None:
        query = query.where(RecognitionApplication.city_code.in_(cities))
    return query


def review_queue(staff: User, status: RecognitionStatus | None, page: int, per_page: int = 30):
    """A page of the applications the staff member may review, oldest sent first."""
    query = _staff_scope(staff)
    if status is not None:
        query = query.where(RecognitionApplication.status == status)
    query = query.order_by(RecognitionApplication.submitted_at, RecognitionApplication.id)
    return db.paginate(query, page=page, per_page=per_page, error_out=False)


def queue_counts(staff: User) -> dict[RecognitionStatus, int]:
    """How many applications in the staff member's scope are in each state."""
    scope = _staff_scope(staff).subquery()
    rows = db.session.execute(select(scope.c.status, func.count()).group_by(scope.c.status))
    return {RecognitionStatus(status): count for status, count in rows}


# ---- the outcome catalogue ----------------------------------------------------------


@dataclass
class OutcomeTypeDetails:
    name: str
    category: str | None
    standard_credits: object


def _ensure_may_define(staff: User) -> None:
    if not may_define_credit_rules(staff):
        raise RecognitionError(None, _l("Only province center staff may change the catalogue."))


def outcome_types(active_only: bool = True) -> list[OutcomeType]:
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
