"""The public catalogue: modules, courses, city pages."""

from . import cli, media_files, media_routes, routes  # noqa: F401  (they register on bp)
from .blueprint import bp

bp.record_once(lambda _state: media_files.remove_unused_media_after_commits())

__all__ = ["bp"]
