"""Activity kinds (学党史, 好书推荐 …): the editable list province staff keep.

The standard kinds of the province's learning-week notices are created by
:func:`ensure_activity_kinds` (at set-up, with the demo, and in tests), as the catalogue's
modules are. A kind is never deleted: retiring it takes it out of the list for new
activities, while the activities that used it keep it.
"""

from __future__ import annotations

import secrets

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from learnhub.catalogue.authoring import raise_if, refuse
from learnhub.extensions import db
from learnhub.translation_domain import current_locale

from .models import ActivityKind

# (code, Chinese name, English name), in the order of the province's notices.
STANDARD_KINDS = (
    ("party_history", "学党史", "Party history study"),
    ("book_recommendation", "好书推荐", "Book recommendations"),
    ("book_reading", "好书诵读", "Reading good books aloud"),
    ("lecture", "专题讲座", "Lecture"),
    ("public_training", "公益培训", "Free training"),
    ("competition", "成果竞赛", "Learning competition"),
    ("community_lecture", "社区大讲堂", "Community lecture hall"),
    ("home_teaching", "送教上门", "Teaching at home"),
    ("square_dance", "广场舞", "Square dancing"),
    ("fitness", "运动健身", "Sport and fitness"),
)
NAME_MAX_LENGTH = 40
NAME_EN_MAX_LENGTH = 80


def ensure_activity_kinds() -> int:
    """Create the standard kinds that are missing; return how many were added."""
    existing = set(db.session.scalars(select(ActivityKind.code)))
    added = 0
    for position, (code, name, name_en) in enumerate(STANDARD_KINDS):
        if code in existing:
            continue
        db.session.add(ActivityKind(code=code, name=name, name_en=name_en, position=position))
        added += 1
    db.session.flush()
    return added


def kind_name(kind: ActivityKind) -> str:
    """The kind's name in the page's language."""
    locale = current_locale()
    return kind.name if locale is None or locale.language == "zh" else kind.name_en


def all_kinds() -> list[ActivityKind]:
    """Every kind, retired ones too, in the list's order."""
    return list(
        db.session.scalars(select(ActivityKind).order_by(ActivityKind.position, ActivityKind.id))
    )


def kinds_for_choosing(current_kind_id: int | None = None) -> list[ActivityKind]:
    """The kinds a new or edited activity may take: the live ones, and its current kind."""
    return [k for k in all_kinds() if not k.retired or k.id == current_kind_id]


def _name_problems(name: str, name_en: str, kind_id: int | None) -> dict[str, object]:
    problems: dict[str, object] = {}
    if not name:
        problems["name"] = _l("Enter the Chinese name.")
    elif len(name) > NAME_MAX_LENGTH:
        problems["name"] = _l("A name has at most %(max)d characters.", max=NAME_MAX_LENGTH)
    elif db.session.scalar(
        select(ActivityKind.id).where(ActivityKind.name == name, ActivityKind.id != (kind_id or 0))
    ):
        problems["name"] = _l("Another kind already has this name.")
    if not name_en:
        problems["name_en"] = _l("Enter the English name.")
    elif len(name_en) > NAME_EN_MAX_LENGTH:
        problems["name_en"] = _l("A name has at most %(max)d characters.", max=NAME_EN_MAX_LENGTH)
    return problems


def add_kind(name: str, name_en: str) -> ActivityKind:
    """A new kind at the end of the list."""
    raise_if(_name_problems(name, name_en, None))
    last = db.session.scalar(select(func.max(ActivityKind.position))) or 0
    kind = ActivityKind(
        code=f"kind_{secrets.token_hex(6)}", name=name, name_en=name_en, position=last + 1
    )
    db.session.add(kind)
    db.session.flush()
    return kind


def rename_kind(kind: ActivityKind, name: str, name_en: str) -> None:
    raise_if(_name_problems(name, name_en, kind.id))
    kind.name, kind.name_en = name, name_en
    db.session.flush()


def move_kind(kind: ActivityKind, step: int) -> None:
    """Move a kind one place up (step -1) or down (+1) the list; at an end, nothing moves."""
    kinds = all_kinds()
    index = kinds.index(kind)
    other = index + step
    if step not in (-1, 1) or not 0 <= other < len(kinds):
        refuse("position", _l("This kind cannot move further that way."))
    kinds[index], kinds[other] = kinds[other], kinds[index]
    for position, each in enumerate(kinds):  # renumbered: old lists may share positions
        each.position = position
    db.session.flush()


def set_kind_retired(kind: ActivityKind, retired: bool) -> None:
    """Retire a kind (no new activities of it) or bring it back."""
    kind.retired = retired
    db.session.flush()
