"""The synonym groups staff keep (/search/synonyms), reached from the searched-terms page.

The route rules let staff and editors in (as /search/terms); the list is the whole site's,
not a region's. Each change is recorded in the audit log with the words before and after.
"""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from learnhub import audit
from learnhub.accounts.access import role_required
from learnhub.accounts.models import STAFF_ROLES
from learnhub.audit import AuditAction
from learnhub.catalogue.authoring import AuthoringError
from learnhub.extensions import db
from learnhub.forms import show_problems

from . import synonyms
from .blueprint import bp
from .forms import AddSynonymsForm, SynonymGroupChoiceForm, SynonymGroupForm, SynonymTermForm
from .models import SearchSynonymGroup, SearchSynonymTerm

staff = role_required(*STAFF_ROLES)


def _record(group_id: int, change: str, **details) -> None:
    audit.record(
        AuditAction.SEARCH_SYNONYMS_CHANGED,
        actor=current_user,
        details={"group": group_id, "change": change, **details},
    )


def _terms_of(group: SearchSynonymGroup) -> list[str]:
    return [t.term for t in group.terms]


def _page(form: SynonymGroupForm, status: int = 200, problems=(), typed=None):
    """The list of groups; ``typed`` keeps what was typed into a group's row (group id,
    words) after a refusal."""
    term = synonyms.split_terms(request.args.get("term", "", type=str)[:100])
    suggested = " ".join(term)
    page = render_template(
        "search/synonyms.html",
        groups=synonyms.all_groups(),
        form=form,
        suggested=suggested,
        suggested_group=synonyms.group_of(term[0]) if len(term) == 1 else None,
        problems=list(problems),
        typed=typed or (None, ""),
        label=synonyms.group_label,
        terms_max=synonyms.TERMS_FIELD_LENGTH,
    )
    return page, status


@bp.route("/search/synonyms", methods=["GET", "POST"])
@staff
def synonyms_page():
    form = SynonymGroupForm()
    if not form.is_submitted():
        form.terms.data = " ".join(synonyms.split_terms(request.args.get("term", "")[:100]))
        return _page(form)
    if form.validate():
        try:
            group = synonyms.add_group(form.terms.data)
        except AuthoringError as error:
            db.session.rollback()
            show_problems(form, error.problems)
        else:
            _record(group.id, "group_added", terms=_terms_of(group))
            db.session.commit()
            flash(_("The group “%(group)s” is added: a search for any of its words finds what "
                    "the others find.", group=synonyms.group_label(group)))  # fmt: skip
            return redirect(url_for("search.synonyms_page", _anchor=f"group-{group.id}"))
    return _page(form, 400)


@bp.post("/search/synonyms/add")
@staff
def add_synonyms():
    form = AddSynonymsForm()
    if not form.validate_on_submit():
        abort(400)
    group = db.session.get(SearchSynonymGroup, form.group.data)
    if group is None:
        return _group_gone()
    before = _terms_of(group)
    try:
        added = synonyms.add_terms(group, form.terms.data)
    except AuthoringError as error:
        db.session.rollback()
        problems = [str(m) for m in error.problems.values()]
        return _refused(*problems, typed=(form.group.data, form.terms.data))
    _record(group.id, "terms_added", added=added, before=before, after=_terms_of(group))
    db.session.commit()
    flash(_("Added to the group “%(group)s”.", group=synonyms.group_label(group)))
    return redirect(url_for("search.synonyms_page", _anchor=f"group-{group.id}"))


@bp.post("/search/synonyms/remove")
@staff
def remove_synonym():
    form = SynonymTermForm()
    if not form.validate_on_submit():
        abort(400)
    term = db.session.get(SearchSynonymTerm, form.term.data)
    if term is None:
        return _refused(_("This word is no longer in a group. Look at the list again."))
    group_id, word, before = term.group_id, term.term, _terms_of(term.group)
    group_gone = synonyms.remove_term(term)
    after = [] if group_gone else [t for t in before if t != word]
    _record(group_id, "term_removed", term=word, before=before, after=after)
    db.session.commit()
    if group_gone:
        flash(_("“%(term)s” is taken out, and its group with it: one word alone has no "
                "synonyms.", term=word))  # fmt: skip
    else:
        flash(_("“%(term)s” is taken out of its group.", term=word))
    return redirect(url_for("search.synonyms_page"))


@bp.post("/search/synonyms/delete")
@staff
def delete_synonym_group():
    form = SynonymGroupChoiceForm()
    if not form.validate_on_submit():
        abort(400)
    group = db.session.get(SearchSynonymGroup, form.group.data)
    if group is None:
        return _group_gone()
    label, before = synonyms.group_label(group), _terms_of(group)
    synonyms.delete_group(group)
    _record(form.group.data, "group_deleted", before=before, after=[])
    db.session.commit()
    flash(_("The group “%(group)s” is deleted.", group=label))
    return redirect(url_for("search.synonyms_page"))


def _group_gone():
    """Another staff member deleted the group meanwhile."""
    return _refused(_("This group is no longer there. Look at the list again."))


def _refused(*problems: str, typed=None):
    return _page(SynonymGroupForm(formdata=None), 400, problems, typed)
