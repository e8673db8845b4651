"""Expert review of a selection: reviewers from the expert pool, scores, the ranking by
weighted mean score, the winners and publishing. Services flush, never commit."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from learnhub.accounts.models import User
from learnhub.accounts.scopes import Scope
from learnhub.database import utcnow
from learnhub.extensions import db
from learnhub.inbox import services as inbox
from learnhub.pools.models import MemberStatus, PoolKind, PoolMember

from .models import (
    Consent,
    Nomination,
    Review,
    Reviewer,
    ReviewScore,
    Selection,
    SelectionStage,
)
from .services import INBOX_TOPIC, SelectionError, province_only


def start_review(scope: Scope, selection: Selection) -> None:
    province_only(scope)
    if selection.stage is not SelectionStage.NOMINATING:
        raise SelectionError(_l("This selection is not taking nominations."))
    selection.stage = SelectionStage.REVIEWING
    db.session.flush()


def assign_reviewer(scope: Scope, selection: Selection, expert: PoolMember) -> Reviewer:
    province_only(scope)
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
    province_only(scope)
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
    province_only(scope)
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
    province_only(scope)
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
