"""Synonym groups: the words learners type for one topic (防骗, 反诈, 诈骗), kept by staff.

Every word of a group finds what the others find. The groups are applied at query time
(queries.interpret), never written into the index, so a change shows at the next search
without a reindex. A word is in one group at most (a unique constraint). The list is read
once per content version (learnhub.cache): a change bumps the version, so every worker
sharing the cache (RedisCache) reads the new list at its next search.

Plain services: the routes record each change in the audit log and commit.
"""

from __future__ import annotations

import re

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from learnhub.cache import cached_value
from learnhub.catalogue.authoring import AuthoringError, raise_if, refuse
from learnhub.extensions import db

from . import text
from .models import SYNONYM_TERM_LENGTH, SYNONYMS, SearchSynonymGroup, SearchSynonymTerm

MAX_TERMS = 12  # words in one group: more is a topic, not a synonym
MIN_TERMS = 2  # one word alone has nothing to stand for
TERMS_FIELD_LENGTH = (SYNONYM_TERM_LENGTH + 1) * MAX_TERMS  # what the form takes at most
_SEPARATORS = re.compile(r"[\s、,，;；/／|｜]+")
_WORD = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaffa-z0-9]+")


# ---- reading ------------------------------------------------------------------------------


def synonym_map() -> dict[str, tuple[str, ...]]:
    """Each group's word → every word of its group (itself included), for queries."""
    return cached_value("search-synonyms", (), _read_synonym_map, SYNONYMS)


def _read_synonym_map() -> dict[str, tuple[str, ...]]:
    rows = db.session.execute(
        select(SearchSynonymTerm.group_id, SearchSynonymTerm.term).order_by(
            SearchSynonymTerm.group_id, SearchSynonymTerm.id
        )
    )
    groups: dict[int, list[str]] = {}
    for group_id, term in rows:
        groups.setdefault(group_id, []).append(term)
    return {term: tuple(terms) for terms in groups.values() for term in terms}


def all_groups() -> list[SearchSynonymGroup]:
    """Every group with its words, oldest first."""
    query = (
        select(SearchSynonymGroup)
        .options(selectinload(SearchSynonymGroup.terms))
        .order_by(SearchSynonymGroup.id)
    )
    return list(db.session.scalars(query))


def group_of(term: str) -> SearchSynonymGroup | None:
    """The group holding ``term`` (as typed: it is normalised first), or None."""
    found = db.session.scalar(
        select(SearchSynonymTerm).where(SearchSynonymTerm.term == text.normalise(term))
    )
    return found.group if found else None


def group_label(group: SearchSynonymGroup) -> str:
    return " / ".join(t.term for t in group.terms)


# ---- changing ----------------------------------------------------------------------------


def split_terms(typed: str) -> list[str]:
    """Words as staff typed them: normalised, separated by spaces, 、 or commas, once each."""
    words = _SEPARATORS.split(text.normalise(typed or ""))
    return list(dict.fromkeys(w for w in words if w))


def add_group(typed: str) -> SearchSynonymGroup:
    """A new group of the words in ``typed`` (at least two, none in another group)."""
    terms = split_terms(typed)
    if len(terms) < MIN_TERMS:
        refuse("terms", _l("Enter at least two words, separated by spaces or 、."))
    raise_if(_term_problems(terms, None))
    group = SearchSynonymGroup(terms=[SearchSynonymTerm(term=t) for t in terms])
    db.session.add(group)
    _flush_or_refuse()
    return group


def add_terms(group: SearchSynonymGroup, typed: str) -> list[str]:
    """Add the words in ``typed`` to ``group``; return them."""
    terms = split_terms(typed)
    if not terms:
        refuse("terms", _l("Enter the words to add, separated by spaces or 、."))
    raise_if(_term_problems(terms, group))
    group.terms.extend(SearchSynonymTerm(term=t) for t in terms)
    _flush_or_refuse()
    return terms


def remove_term(term: SearchSynonymTerm) -> bool:
    """Take a word out of its group; a group left with one word goes too (returns True)."""
    group = term.group
    group.terms.remove(term)
    removed_group = len(group.terms) < MIN_TERMS
    if removed_group:
        db.session.delete(group)
    db.session.flush()
    return removed_group


def delete_group(group: SearchSynonymGroup) -> None:
    db.session.delete(group)
    db.session.flush()


def _term_problems(terms: list[str], group: SearchSynonymGroup | None) -> dict[str, object]:
    """Why these words cannot go into ``group`` (None: a new group), as one message."""
    for term in terms:
        if len(term) > SYNONYM_TERM_LENGTH:
            return {"terms": _l("“%(term)s” is too long: a word has at most %(max)d characters.",
                                term=term, max=SYNONYM_TERM_LENGTH)}  # fmt: skip
        if not _WORD.fullmatch(term):
            return {"terms": _l("“%(term)s”: a word holds only Chinese characters, letters and "
                                "digits.", term=term)}  # fmt: skip
    present = len(group.terms) if group is not None else 0
    if present + len(terms) > MAX_TERMS:
        return {"terms": _l("A group has at most %(max)d words.", max=MAX_TERMS)}
    taken = db.session.scalars(
        select(SearchSynonymTerm).where(SearchSynonymTerm.term.in_(terms))
    ).first()
    if taken is not None:
        if group is not None and taken.group_id == group.id:
            return {"terms": _l("“%(term)s” is already in this group.", term=taken.term)}
        return {"terms": _l("“%(term)s” is already in the group “%(group)s”: a word can be in "
                            "one group only.", term=taken.term,
                            group=group_label(taken.group))}  # fmt: skip
    return {}


def _flush_or_refuse() -> None:
    try:
        db.session.flush()
    except IntegrityError as error:  # someone added the same word a moment ago
        raise AuthoringError(
            {"terms": _l("One of these words was just added to a group. Look again.")}
        ) from error
