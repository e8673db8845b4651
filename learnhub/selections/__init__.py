"""Selections (评选): 百姓学习之星, 终身学习品牌项目 and the other kinds."""

from . import routes  # noqa: F401  (they register on bp)
from .blueprint import bp
from .models import Nomination, Selection, SelectionKind

__all__ = ["Nomination", "Selection", "SelectionKind", "bp"]
