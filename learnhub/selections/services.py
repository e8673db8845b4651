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
from decimal import ROUND_HALF_UP, Decimal

from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update

from learnhub.accounts.models import Role, User
from learnhub.accounts.scopes import Scope
from learnhub.database import utcnow
from learnhub.extensions import db
from learnhub.inbox import services as inbox
from learnhub.pools.models import MemberStatus, PoolKind, PoolMember

from .models import (
    STORY_PARTS,
    CityQuota,
    Consent,
    Nomination,
    Review,
    Reviewer,
    ReviewScore,
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


def _province_only(scope: Scope) -> None:
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
    _province_only(scope)
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
    if selection.stage is not SelectionStage.NOMINATING or not (
        selection.nominations_open_at <= now < selection.nominations_close_at
    ):
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
            dedupe_key=f"selection-nomination:{nomination.id}",
        )
    return nomination


def withdraw(scope: Scope, nomination: Nomination) -> None:
    if not scope.covers(nomination.city_code) or scope.district_code is not None:
        raise SelectionError(_l("This nomination belongs to another city."))
    if nomination.selection.stage is not SelectionStage.NOMINATING:
        raise SelectionError(_l("Nominations can no longer be withdrawn."))
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


def start_review(scope: Scope, selection: Selection) -> None:
    _province_only(scope)
    if selection.stage is not SelectionStage.NOMINATING:
        raise SelectionError(_l("This selection is not taking nominations."))
    selection.stage = SelectionStage.REVIEWING
    db.session.flush()


def assign_reviewer(scope: Scope, selection: Selection, expert: PoolMember) -> Reviewer:
    _province_only(scope)
    if expert.kind is not PoolKind.EXPERT or expert.status is not MemberStatus.APPROVED:
        raise SelectionError(_l("Reviewers come from the expert pool."))
    if expert.user_id is None:
        raise SelectionError(_l("Link this expert to an account first, so they can sign in."))
    if selection.stage not in (SelectionStage.NOMINATING, SelectionStage.REVIEWING):
        raise SelectionError(_l("This selection's review is over."))
    found = db.session.scalar(
        select(Reviewer).where(
            Reviewer.selection_id == selection.id, Reviewer.expert_id == expert.id
        )
    )
    if found is not None:
        return found
    reviewer = Reviewer(selection_id=selection.id, expert_id=expert.id)
    db.session.add(reviewer)
    db.session.flush()
    return reviewer


def expert_of(user: User) -> PoolMember | None:
    return db.session.scalar(
        select(PoolMember).where(
            PoolMember.kind == PoolKind.EXPERT,
            PoolMember.user_id == user.id,
            PoolMember.status == MemberStatus.APPROVED,
        )
    )


def is_reviewer(expert: PoolMember | None, selection: Selection) -> bool:
    return (
        expert is not None
        and db.session.scalar(
            select(Reviewer.id).where(
                Reviewer.selection_id == selection.id, Reviewer.expert_id == expert.id
            )
        )
        is not None
    )


def reviewable(expert: PoolMember, selection: Selection) -> list[Nomination]:
    """Nominations the expert may score: not of their own city, not declined."""
    return list(
        db.session.scalars(
            select(Nomination)
            .where(
                Nomination.selection_id == selection.id,
                Nomination.city_code != expert.city_code,
                Nomination.consent != Consent.DECLINED,
            )
            .order_by(Nomination.city_code, Nomination.id)
        )
    )


def score(
    expert: PoolMember,
    nomination: Nomination,
    scores: dict[int, int],
    comment: str = "",
    now: datetime | None = None,
) -> Review:
    """An assigned expert scores every criterion within its range while the review is open."""
    now = now or utcnow()
    selection = nomination.selection
    if not is_reviewer(expert, selection):
        raise SelectionError(_l("You are not a reviewer of this selection."))
    if nomination.city_code == expert.city_code:
        raise SelectionError(_l("Experts do not review nominees of their own city."))
    if nomination.consent is Consent.DECLINED:
        raise SelectionError(_l("This nominee declined; there is nothing to review."))
    if selection.stage is not SelectionStage.REVIEWING or now >= selection.review_close_at:
        raise SelectionError(_l("This selection's review is closed."))
    for criterion in selection.criteria:
        value = scores.get(criterion.id)
        if value is None or not 0 <= value <= criterion.max_score:
            raise SelectionError(
                _l(
                    "Score “%(name)s” from 0 to %(max)s.",
                    name=criterion.name,
                    max=criterion.max_score,
                ),
                f"criterion_{criterion.id}",
            )
    review = db.session.scalar(
        select(Review).where(Review.nomination_id == nomination.id, Review.expert_id == expert.id)
    )
    if review is None:
        review = Review(nomination_id=nomination.id, expert_id=expert.id)
        db.session.add(review)
    review.comment = comment.strip()[:2000]
    review.updated_at = now
    by_criterion = {s.criterion_id: s for s in review.scores}
    for criterion in selection.criteria:
        if criterion.id in by_criterion:
            by_criterion[criterion.id].score = scores[criterion.id]
        else:
            review.scores.append(ReviewScore(criterion_id=criterion.id, score=scores[criterion.id]))
    db.session.flush()
    return review


@dataclass
class RankedNomination:
    nomination: Nomination
    reviews: list[Review]
    mean: Decimal | None  # weighted score out of 100, the mean over the experts


def weighted_score(selection: Selection, review: Review) -> Decimal:
    """One review as a score out of 100: each criterion's share of its maximum, weighted."""
    given = {s.criterion_id: s.score for s in review.scores}
    total_weight = sum((c.weight for c in selection.criteria), Decimal(0))
    points = sum(
        (c.weight * Decimal(given.get(c.id, 0)) / Decimal(c.max_score) for c in selection.criteria),
        Decimal(0),
    )
    return (points * 100 / total_weight).quantize(Decimal("0.01"), ROUND_HALF_UP)


def ranking(scope: Scope, selection: Selection) -> list[RankedNomination]:
    """Nominations by weighted mean score, best first (unscored last): the province's view."""
    _province_only(scope)
    nominations = db.session.scalars(
        select(Nomination).where(
            Nomination.selection_id == selection.id, Nomination.consent != Consent.DECLINED
        )
    )
    ranked = []
    for nomination in nominations:
        reviews = list(
            db.session.scalars(
                select(Review).where(Review.nomination_id == nomination.id).order_by(Review.id)
            )
        )
        mean = None
        if reviews:
            total = sum((weighted_score(selection, r) for r in reviews), Decimal(0))
            mean = (total / len(reviews)).quantize(Decimal("0.01"), ROUND_HALF_UP)
        ranked.append(RankedNomination(nomination, reviews, mean))
    ranked.sort(key=lambda r: (r.mean is None, -(r.mean or 0), r.nomination.id))
    return ranked


def confirm_winners(
    scope: Scope, selection: Selection, nomination_ids: set[int]
) -> list[Nomination]:
    _province_only(scope)
    if selection.stage is not SelectionStage.REVIEWING:
        raise SelectionError(_l("Winners are confirmed after the review."))
    candidates = {r.nomination.id: r.nomination for r in ranking(scope, selection)}
    if not nomination_ids or not nomination_ids <= set(candidates):
        raise SelectionError(_l("Choose winners among this selection's nominees."))
    for nomination_id, nomination in candidates.items():
        eligible = nomination.consent in (Consent.AGREED, Consent.NOT_NEEDED)
        if nomination_id in nomination_ids and not eligible:
            raise SelectionError(
                _l("“%(name)s” has not agreed to the nomination.", name=nomination.name)
            )
        nomination.winner = nomination_id in nomination_ids
    selection.stage = SelectionStage.CONFIRMED
    db.session.flush()
    return [candidates[i] for i in sorted(nomination_ids)]


def publish(scope: Scope, selection: Selection) -> None:
    _province_only(scope)
    if selection.stage is not SelectionStage.CONFIRMED:
        raise SelectionError(_l("Confirm the winners before publishing."))
    selection.stage = SelectionStage.PUBLISHED
    for nomination in winners(selection):
        if nomination.nominee_id is not None:
            inbox.send(
                nomination.nominee_id,
                str(_l("You are a winner of “%(title)s”", title=selection.title)),
                link=f"/stars/{nomination.nominee_id}",
                topic=INBOX_TOPIC,
                dedupe_key=f"selection-winner:{nomination.id}",
            )
    db.session.flush()


def winners(selection: Selection) -> list[Nomination]:
    return list(
        db.session.scalars(
            select(Nomination)
            .where(Nomination.selection_id == selection.id, Nomination.winner.is_(True))
            .order_by(Nomination.city_code, Nomination.id)
        )
    )


def published_selections(year: int | None = None) -> list[Selection]:
    query = select(Selection).where(Selection.stage == SelectionStage.PUBLISHED)
    if year is not None:
        query = query.where(Selection.year == year)
    return list(db.session.scalars(query.order_by(Selection.year.desc(), Selection.id)))


def star_wins(user: User) -> list[Nomination]:
    """A learner's published wins (their public star page)."""
    return list(
        db.session.scalars(
            select(Nomination)
            .join(Selection, Selection.id == Nomination.selection_id)
            .where(
                Nomination.nominee_id == user.id,
                Nomination.winner.is_(True),
                Selection.stage == SelectionStage.PUBLISHED,
            )
            .order_by(Selection.year.desc())
        )
    )
