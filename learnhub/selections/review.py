"""Expert review of a selection: reviewers from the expert pool, scores, the ranking by
weighted mean score, the winners and publishing. Services flush, never commit."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from markupsafe import escape
from sqlalchemy import select, update

from learnhub import audit
from learnhub.accounts.models import User
from learnhub.accounts.scopes import Scope
from learnhub.audit import AuditAction
from learnhub.database import utcnow
from learnhub.extensions import db
from learnhub.inbox import services as inbox
from learnhub.news import NewsError, NewsItem, publish_story
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
        review = Review(nomination_id=nomination.id, expert_id=expert.id, comment="")
        db.session.add(review)
    before = {s.criterion_id: s.score for s in review.scores}
    before_comment, comment = review.comment or "", comment.strip()[:2000]
    review.comment = comment
    review.updated_at = now
    by_criterion = {s.criterion_id: s for s in review.scores}
    for criterion in selection.criteria:
        if criterion.id in by_criterion:
            by_criterion[criterion.id].score = scores[criterion.id]
        else:
            review.scores.append(ReviewScore(criterion_id=criterion.id, score=scores[criterion.id]))
    db.session.flush()
    _record_scoring(expert, nomination, before, before_comment, review)
    return review


def _record_scoring(
    expert: PoolMember, nomination: Nomination, before: dict, before_comment: str, review: Review
) -> None:
    """An audit entry of what the save changed (nothing changed: no entry)."""
    names = {c.id: c.name for c in nomination.selection.criteria}
    was, now = {}, {}
    for given in review.scores:
        if before.get(given.criterion_id) != given.score:
            was[names[given.criterion_id]] = before.get(given.criterion_id)
            now[names[given.criterion_id]] = given.score
    if before_comment != review.comment:
        was["comment"], now["comment"] = before_comment, review.comment
    if not now:
        return
    audit.record(
        AuditAction.SELECTION_SCORED,
        actor=expert.user,
        city_code=nomination.city_code,
        details={
            "selection": nomination.selection_id,
            "nomination": nomination.id,
            "expert": expert.id,
            "from": was,
            "to": now,
        },
    )


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
    """Publish the confirmed winners: each gets a site message and a 典型事迹 in the news.
    The stage moves by one conditional UPDATE, so two publishers at once publish once."""
    province_only(scope)
    if selection.stage is not SelectionStage.CONFIRMED:
        raise SelectionError(_l("Confirm the winners before publishing."))
    moved = db.session.execute(
        update(Selection)
        .where(Selection.id == selection.id, Selection.stage == SelectionStage.CONFIRMED)
        .values(stage=SelectionStage.PUBLISHED)
        .execution_options(synchronize_session=False)
    ).rowcount
    if moved != 1:
        raise SelectionError(_l("Confirm the winners before publishing."))
    db.session.refresh(selection)
    for nomination in winners(selection):
        if nomination.news_id is None:
            nomination.news_id = _publish_story(selection, nomination).id
        link = (
            f"/stars/{nomination.nominee_id}"
            if "name" in nomination.published_parts
            else f"/news/{nomination.news_id}"
        )
        if nomination.nominee_id is not None:
            inbox.send(
                nomination.nominee_id,
                str(_l("You are a winner of “%(title)s”", title=selection.title)),
                link=link,
                topic=INBOX_TOPIC,
                dedupe_key=f"selection-winner:{nomination.id}",
            )
    db.session.flush()


def _publish_story(selection: Selection, nomination: Nomination) -> NewsItem:
    """The winner's story in the site's language, with only the parts they agreed to show."""
    parts = nomination.published_parts
    with force_locale(current_app.config["BABEL_DEFAULT_LOCALE"]):
        city, title = nomination.city.name, selection.title
        if "name" in parts:
            shown = nomination.name
            lead = _("%(name)s of %(city)s is a winner of “%(title)s”.", name=shown, city=city,
                     title=title)  # fmt: skip
        else:
            shown = _("A learner of %(city)s", city=city)
            lead = _("A learner of %(city)s is a winner of “%(title)s”.", city=city, title=title)
        paragraphs = [lead]
        if "story" in parts:
            paragraphs += [line.strip() for line in nomination.story.splitlines() if line.strip()]
        record = json.loads(nomination.record_json or "{}")
        if "record" in parts and record:
            paragraphs.append(
                _(
                    "Learning record: %(courses)s courses completed, %(credits)s credits, "
                    "%(activities)s activities attended.",
                    courses=record.get("courses_completed", 0),
                    credits=record.get("credits", "0"),
                    activities=record.get("activities_attended", 0),
                )
            )
        headline = _("%(title)s: %(name)s", title=title, name=shown)
    html = "".join(f"<p>{escape(p)}</p>" for p in paragraphs)
    try:
        return publish_story(headline[:120], html, nomination.city_code, source="selection",
                             summary=lead[:300])  # fmt: skip
    except NewsError as error:
        raise SelectionError(error.message) from None


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
