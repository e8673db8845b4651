"""Region look-ups for pickers (used by the registration form's script)."""

from flask import abort, jsonify

from .blueprint import bp
from .services import get_region


@bp.get("/api/v1/regions/<code>/children")
def children(code: str):
    """The child regions of a region, as JSON."""
    region = get_region(code)
    if region is None:
        abort(404)
    return jsonify(
        [{"code": c.code, "name": c.name, "name_en": c.name_en} for c in region.children]
    )
