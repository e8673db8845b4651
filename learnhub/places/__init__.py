"""Learning places (学习场所) and the learning map (终身学习地图)."""

from .blueprint import bp
from .models import Place, PlaceKind

__all__ = ["Place", "PlaceKind", "bp"]
