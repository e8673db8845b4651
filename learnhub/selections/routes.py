"""A nominee's answer, an expert's scoring, and the public winners and star pages."""

from __future__ import annotations

import json

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from learnhub.accounts.models import User
from learnhub.extensions import db
from learnhub.forms import form_status, show_problems

from . import kind_routes, review, services, staff_routes  # noqa: F401  (they register on bp)
from .blueprint import bp
from .forms import ConsentForm, ScoreForm
from .models import Nomination, Review, Selection, SelectionKind, SelectionStage


@bp.route("/selections/nominations/<int:nomination_id>/consent", methods=["GET", "POST"])
def consent(nomination_id: int):
    nomination = db.get_or_404(Nomination, nomination_id)
    if nomination.nominee_id != current_user.id:
        abort(404)
    form = ConsentForm()
    if form.validate_on_submit():
        try:
            services.answer_consent(
                current_user, nomination, form.agree.data == "yes", form.parts.data or []
            )
        except services.SelectionError as error:
            db.session.rollback()
            show_problems(form, {None: error.message})
        else:
            db.session.commit()
            flash(_("Thank you, your answer is saved."))
            return redirect(url_for("selections.consent", nomination_id=nomination.id))
    record = json.loads(nomination.record_json or "{}")
    return render_template(
        "selections/consent.html", form=form, nomination=nomination, record=record
    ), form_status(form)


def _expert():
    expert = review.expert_of(current_user)
    if expert is None:
        abort(404)
    return expert


@bp.get("/review")
def my_reviews():
    expert = _expert()
    selections = [s for s in db.session.query(Selection).filter(
        Selection.stage == SelectionStage.REVIEWING).order_by(Selection.id)
        if review.is_reviewer(expert, s)]  # fmt: skip
    work = [(s, review.reviewable(expert, s)) for s in selections]
    return render_template("selections/my_reviews.html", work=work, expert=expert)


@bp.route("/review/nominations/<int:nomination_id>", methods=["GET", "POST"])
def score(nomination_id: int):
    expert = _expert()
    nomination = db.get_or_404(Nomination, nomination_id)
    selection = nomination.selection
    if not review.is_reviewer(expert, selection):
        abort(404)
    form = ScoreForm()
    given = {}
    earlier = db.session.query(Review).filter_by(nomination_id=nomination.id,
                                                 expert_id=expert.id).one_or_none()  # fmt: skip
    if earlier is not None:
        given = {s.criterion_id: s.score for s in earlier.scores}
        if not form.is_submitted():
            form.comment.data = earlier.comment
    if form.validate_on_submit():
        scores = {}
        for criterion in selection.criteria:
            raw = request.form.get(f"criterion_{criterion.id}", "").strip()
            if raw.isdigit() and len(raw) <= 3:
                scores[criterion.id] = int(raw)
            given[criterion.id] = raw
        try:
            review.score(expert, nomination, scores, form.comment.data or "")
        except services.SelectionError as error:
            db.session.rollback()
            show_problems(form, {None: error.message})
        else:
            db.session.commit()
            flash(_("Your scores for “%(name)s” are saved.", name=nomination.name))
            return redirect(url_for("selections.my_reviews"))
    record = json.loads(nomination.record_json or "{}")
    return render_template(
        "selections/score.html", form=form, nomination=nomination, selection=selection,
        given=given, record=record,
    ), form_status(form)  # fmt: skip


@bp.get("/selections")
def winners_index():
    return render_template("selections/index.html", selections=review.published_selections())


@bp.get("/selections/<int:year>/<int:kind_id>")
def winners(year: int, kind_id: int):
    kind = db.get_or_404(SelectionKind, kind_id)
    published = [s for s in review.published_selections(year) if s.kind_id == kind.id]
    if not published:
        abort(404)
    results = [(s, review.winners(s)) for s in published]
    return render_template("selections/winners.html", kind=kind, year=year, results=results)


@bp.get("/stars/<int:user_id>")
def star(user_id: int):
    person = db.get_or_404(User, user_id)
    wins = [n for n in review.star_wins(person) if "name" in n.published_parts]
    if not wins:
        abort(404)
    return render_template("selections/star.html", wins=wins, records={
        n.id: json.loads(n.record_json or "{}") for n in wins})  # fmt: skip
