"""Pools of people the centres call on: experts (专家库), teachers (师资库), volunteers."""

from . import routes, teacher_routes  # noqa: F401  (they register on bp)
from .blueprint import bp
from .models import (
    ActivityTeacher,
    CourseTeacher,
    MemberStatus,
    PoolKind,
    PoolMember,
    VolunteerService,
)

__all__ = [
    "ActivityTeacher",
    "CourseTeacher",
    "MemberStatus",
    "PoolKind",
    "PoolMember",
    "VolunteerService",
    "bp",
]
