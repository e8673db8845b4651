"""The one call every page makes when a learning resource is viewed."""

from flask_login import current_user

from .rankings.services import record_view


def record_resource_view(kind: str, resource_id: int, course_id: int | None) -> None:
    """Count a view of a course, lesson or media start by the current visitor."""
    user = current_user if current_user.is_authenticated else None
    record_view(
        resource_kind=kind,
        resource_id=resource_id,
        course_id=course_id,
        user_id=user.id if user else None,
        visitor_id=None,
        city_code=user.city_code if user else None,
    )
