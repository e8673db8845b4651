"""Recognition of outside learning (学习成果认定) and the outcome catalogue (成果名录)."""

# Imported for their effect: each registers its pages (or template helpers) on bp.
from . import learner_routes, outcome_routes, receivers, review_routes, route_helpers  # noqa: F401
from .blueprint import bp

__all__ = ["bp"]
