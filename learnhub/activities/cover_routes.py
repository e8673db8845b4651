"""An activity's cover picture, served from the media store under its random name.

A draft's cover is shown only to the staff who manage the draft (else 404, as for an
unknown one); once published, cancelled or finished, anyone may see it.
"""

from __future__ import annotations

from flask import abort
from flask_login import current_user

from learnhub.extensions import db
from learnhub.media import send_media

from .access import may_manage_activity
from .blueprint import bp
from .models import Activity, ActivityStatus


@bp.get("/activities/<int:activity_id>/cover")
def cover(activity_id: int):
    activity = db.session.get(Activity, activity_id)
    if activity is None or not activity.cover_name:
        abort(404)
    public = activity.status is not ActivityStatus.DRAFT
    if not public and not may_manage_activity(current_user, activity):
        abort(404)
    return send_media(activity.cover_name, public=public)
