"""Learning places (学习场所) and the learning map (终身学习地图)."""

from . import routes, staff_routes  # noqa: F401  (they register on bp)
from .blueprint import bp
from .models import Place, PlaceKind

__all__ = ["Place", "PlaceKind", "bp"]
