"""The kinds of selection: the standard list, which province staff can extend or retire."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from learnhub.accounts.scopes import Scope
from learnhub.extensions import db

from .models import SelectionKind

# (name, whether the nominees are learners who are asked to agree)
STANDARD_KINDS = (
    ("百姓学习之星", True),
    ("终身学习品牌项目", False),
    ("优秀社区教育院校", False),
    ("优秀案例", False),
    ("精品课程", False),
    ("百佳志愿者", True),
)


class KindError(Exception):
    def __init__(self, message):
        super().__init__(str(message))
        self.message = message


def ensure_standard_kinds() -> None:
    """Add the standard kinds that are missing (the demo and a new site)."""
    have = set(db.session.scalars(select(SelectionKind.name)))
    for name, for_learners in STANDARD_KINDS:
        if name not in have:
            db.session.add(SelectionKind(name=name, for_learners=for_learners))
    db.session.flush()


def active_kinds() -> list[SelectionKind]:
    return list(
        db.session.scalars(
            select(SelectionKind).where(SelectionKind.retired.is_(False)).order_by(SelectionKind.id)
        )
    )


def add_kind(scope: Scope, name: str, for_learners: bool) -> SelectionKind:
    if not scope.everything:
        raise KindError(_l("Only province staff may do this."))
    name = name.strip()
    if not name or len(name) > 40:
        raise KindError(_l("Give the kind a name of at most 40 characters."))
    if db.session.scalar(select(SelectionKind.id).where(SelectionKind.name == name)):
        raise KindError(_l("There is already a kind of that name."))
    kind = SelectionKind(name=name, for_learners=for_learners)
    db.session.add(kind)
    db.session.flush()
    return kind


def set_retired(scope: Scope, kind: SelectionKind, retired: bool) -> None:
    if not scope.everything:
        raise KindError(_l("Only province staff may do this."))
    kind.retired = retired
    db.session.flush()
