"""Content management for editors and staff: courses, lessons, media, imports."""

from flask import Blueprint

bp = Blueprint("studio", __name__, url_prefix="/studio", template_folder="templates")


@bp.record_once
def _serve_media(state) -> None:
    # The studio is where media arrive, so it brings the /media route and media_url().
    from learnhub.media import init_media

    init_media(state.app)


from . import routes  # noqa: E402, F401
