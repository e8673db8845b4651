"""The selections' rules: opening, nominating within quota, consent, reviewing, ranking,
confirming and publishing.

Services flush, never commit; a refusal raises :class:`SelectionError` before anything is
changed (the quota's conditional UPDATE is the one write that happens first, and the caller
rolls back on any refusal after it).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update

from learnhub.accounts.models import Role, User
from learnhub.accounts.scopes import Scope
from learnhub.database import utcnow
from learnhub.extensions import db
from learnhub.inbox import services as inbox

from .models import (
    STORY_PARTS,
    CityQuota,
    Consent,
    Nomination,
    Selection,
    SelectionCriterion,
    SelectionKind,
    SelectionStage,
)
from .record import learner_record

INBOX_TOPIC = "selections"


class SelectionError(Exception):
    def __init__(self, message, field: str | None = None):
        super().__init__(str(message))
        self.message = message
        self.field = field


@dataclass(frozen=True)
class CriterionDraft:
    name: str
    weight: Decimal
    max_score: int = 10


def province_only(scope: Scope) -> None:
    if not scope.everything:
        raise SelectionError(_l("Only province staff may do this."))


def open_selection(
    scope: Scope,
    staff: User,
    kind: SelectionKind,
    year: int,
    title: str,
    quotas: dict[str, int],
    criteria: list[CriterionDraft],
    form_fields: str,
    dates: tuple[datetime, datetime, datetime],
) -> Selection:
    province_only(scope)
    if kind.retired:
        raise SelectionError(_l("This kind of selection is no longer used."), "kind")
    opens, closes, review_closes = dates
    if not opens < closes < review_closes:
        raise SelectionError(
            _l("Nominations must open before they close, and close before the review does."),
            "dates",
        )
    if not criteria or any(c.weight <= 0 or not 1 <= c.max_score <= 100 for c in criteria):
        raise SelectionError(
            _l("Give at least one criterion, each with a weight above 0."), "criteria"
        )
    if any(q < 0 for q in quotas.values()) or not any(quotas.values()):
        raise SelectionError(
            _l("Give each city a quota of 0 or more, at least one above 0."), "quotas"
        )
    selection = Selection(
        kind_id=kind.id,
        year=year,
        title=title.strip()[:100] or kind.name,
        form_fields=form_fields.strip(),
        nominations_open_at=opens,
        nominations_close_at=closes,
        review_close_at=review_closes,
        created_by_id=staff.id,
    )
    db.session.add(selection)
    db.session.flush()
    for position, draft in enumerate(criteria):
        db.session.add(
            SelectionCriterion(
                selection_id=selection.id,
                position=position,
                name=draft.name.strip()[:60],
                weight=draft.weight,
                max_score=draft.max_score,
            )
        )
    for city_code, quota in quotas.items():
        db.session.add(
            CityQuota(selection_id=selection.id, city_code=city_code, quota=quota, used=0)
        )
    db.session.flush()
    return selection


def quota_of(selection: Selection, city_code: str) -> CityQuota | None:
    return db.session.scalar(
        select(CityQuota).where(
            CityQuota.selection_id == selection.id, CityQuota.city_code == city_code
        )
    )


def _take_quota_place(selection: Selection, city_code: str) -> None:
    """One conditional UPDATE: parallel nominations queue on the row, and the one that
    finds the quota full changes nothing (the check constraint backs it)."""
    taken = db.session.execute(
        update(CityQuota)
        .where(
            CityQuota.selection_id == selection.id,
            CityQuota.city_code == city_code,
            CityQuota.used < CityQuota.quota,
        )
        .values(used=CityQuota.used + 1)
        .execution_options(synchronize_session=False)
    ).rowcount
    if taken != 1:
        raise SelectionError(_l("Your city's quota for this selection is used up."))


def _give_back_quota_place(nomination: Nomination) -> None:
    db.session.execute(
        update(CityQuota)
        .where(
            CityQuota.selection_id == nomination.selection_id,
            CityQuota.city_code == nomination.city_code,
            CityQuota.used > 0,
        )
        .values(used=CityQuota.used - 1)
        .execution_options(synchronize_session=False)
    )


def taking_nominations(selection: Selection, now: datetime | None = None) -> bool:
    """Whether nominations may be made (and withdrawn) now."""
    now = now or utcnow()
    return selection.stage is SelectionStage.NOMINATING and (
        selection.nominations_open_at <= now < selection.nominations_close_at
    )


def nominate(
    scope: Scope,
    staff: User,
    selection: Selection,
    city_code: str,
    name: str,
    story: str,
    answers: dict[str, str],
    nominee: User | None = None,
    now: datetime | None = None,
) -> Nomination:
    """City staff nominate for their own city, within its quota, while nominations are open."""
    now = now or utcnow()
    if scope.district_code is not None or not scope.covers(city_code):
        raise SelectionError(_l("You may nominate for your own city only."))
    if not taking_nominations(selection, now):
        raise SelectionError(_l("This selection is not taking nominations now."))
    for_learner = selection.kind.for_learners
    if for_learner:
        if nominee is None:
            raise SelectionError(_l("Choose the learner you nominate."), "nominee")
        if nominee.id == staff.id:
            raise SelectionError(_l("You cannot nominate yourself."), "nominee")
        if nominee.role is not Role.LEARNER or nominee.city_code != city_code:
            raise SelectionError(_l("Nominate a learner of your own city."), "nominee")
        earlier = db.session.scalar(
            select(Nomination).where(
                Nomination.selection_id == selection.id, Nomination.nominee_id == nominee.id
            )
        )
        if earlier is not None and earlier.consent is Consent.DECLINED:
            raise SelectionError(_l("This learner declined to be nominated."), "nominee")
        if earlier is not None:
            raise SelectionError(_l("This learner is already nominated."), "nominee")
    if not name.strip():
        raise SelectionError(_l("Please give the nominee's name."), "name")
    wanted = set(selection.questions)
    _take_quota_place(selection, city_code)
    nomination = Nomination(
        selection_id=selection.id,
        city_code=city_code,
        nominee_id=nominee.id if nominee else None,
        name=name.strip()[:100],
        story=story.strip(),
        answers_json=json.dumps(
            {q: a.strip() for q, a in answers.items() if q in wanted}, ensure_ascii=False
        ),
        consent=Consent.ASKED if for_learner else Consent.NOT_NEEDED,
        nominated_by_id=staff.id,
    )
    db.session.add(nomination)
    db.session.flush()
    if nominee is not None:
        nomination.record_json = json.dumps(learner_record(nominee), default=str)
        inbox.send(
            nominee.id,
            str(_l("You are nominated for “%(title)s”", title=selection.title)),
            str(
                _l(
                    "Your city's centre nominated you. Please say whether you agree, and which "
                    "parts of your story may be published."
                )
            ),
            link=f"/selections/nominations/{nomination.id}/consent",
            topic=INBOX_TOPIC,
        )
    return nomination


def withdraw(scope: Scope, nomination: Nomination, now: datetime | None = None) -> None:
    """City staff withdraw their city's nomination while nominations are open: the quota
    place is free again, and a learner who was asked to agree is told."""
    now = now or utcnow()
    if scope.district_code is not None or not scope.covers(nomination.city_code):
        raise SelectionError(_l("This nomination belongs to another city."))
    selection = nomination.selection
    if not taking_nominations(selection, now):
        raise SelectionError(_l("Nominations are closed: a nomination can no longer be withdrawn."))
    if nomination.consent is Consent.DECLINED:
        # Declining freed the place already, and the nomination keeps the learner's answer.
        raise SelectionError(_l("The nominee declined: their place is already free."))
    if nomination.nominee is not None:
        # No dedupe key: ids of deleted nominations may be used again (SQLite).
        inbox.send(
            nomination.nominee.id,
            _l("Your nomination for “%(title)s” is withdrawn", title=selection.title),
            _l("Your city's centre withdrew the nomination. There is nothing you need to do."),
            topic=INBOX_TOPIC,
            locale=inbox.recipient_locale(nomination.nominee.locale),
        )
    _give_back_quota_place(nomination)
    db.session.delete(nomination)
    db.session.flush()


def answer_consent(learner: User, nomination: Nomination, agree: bool, parts: list[str]) -> None:
    """The nominee agrees (choosing what may be published) or declines; a decline frees
    the city's quota place, and the learner cannot be nominated again in this selection."""
    if nomination.nominee_id != learner.id:
        raise SelectionError(_l("This nomination is not yours."))
    if nomination.selection.stage is not SelectionStage.NOMINATING:
        raise SelectionError(_l("This selection is past nominations; your answer cannot change."))
    if nomination.consent is Consent.DECLINED:
        raise SelectionError(_l("You already declined this nomination."))
    if agree:
        nomination.consent = Consent.AGREED
        nomination.publish_parts = ",".join(p for p in STORY_PARTS if p in set(parts))
    else:
        if nomination.consent is not Consent.DECLINED:
            _give_back_quota_place(nomination)
        nomination.consent = Consent.DECLINED
        nomination.publish_parts = ""
    db.session.flush()
