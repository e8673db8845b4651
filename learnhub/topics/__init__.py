"""Topics (专题): pages the province adds beside the six standard modules, each with its
own text, cover picture and chosen courses, activities and news (/topics, /staff/topics)."""

from . import routes, staff_routes  # noqa: F401  (they register on bp)
from .blueprint import bp
from .models import Topic, TopicStatus
from .reading import published_topics
from .services import TopicError

__all__ = ["Topic", "TopicError", "TopicStatus", "bp", "published_topics"]
