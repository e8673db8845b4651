"""What learning tells the features above it (they connect receivers; learning imports none).

Other features import these from ``learnhub.learning.services``, which re-exports them.
"""

from __future__ import annotations

from blinker import signal

# Sent after a completion row is flushed; the credit bank listens (and is idempotent).
course_completed = signal("learnhub.course-completed")
# Sent when a visitor opens a course or lesson page or starts a media lesson (after the page
# is known to exist); the rankings listen and decide whether it counts as a click.
resource_viewed = signal("learnhub.resource-viewed")


def view_resource(kind: str, resource_id: int, course_id: int) -> None:
    """Tell whoever counts views that the current visitor opened this resource."""
    resource_viewed.send(kind, resource_id=resource_id, course_id=course_id)
