"""Reading the catalogue: modules, course listings with filters, course pages."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Select, select
from sqlalchemy.orm import selectinload

from learnhub.cache import CATALOGUE, cached_value
from learnhub.extensions import db
from learnhub.media import is_stored_path

from .models import Audience, Course, CourseAudience, CourseLevel, CourseStatus, Lesson, Module

# The standard modules: (slug, Chinese name, English name, elder first, description zh, en).
STANDARD_MODULES = [
    ("party-history", "百年党史学堂", "Party History Classroom", False,
     "学习中国共产党百年奋斗历程：专题讲座、经典读本与知识测验。",
     "The centenary of the Communist Party of China: lectures, readings and quizzes."),
    ("reading", "全民学习阅读", "Reading for All", False,
     "好书推荐、好书诵读、读书笔记，让阅读成为习惯。",
     "Book recommendations, read-aloud sessions and reading notes."),
    ("elder-digital", "老年人智能技术应用", "Digital Skills for Elders", True,
     "手把手学用智能手机：健康码、扫码支付、视频通话、防范电信诈骗。",
     "Smartphones step by step: health codes, paying by QR code, video calls, avoiding fraud."),
    ("family", "家庭教育", "Family Education", False,
     "科学育儿、亲子沟通、家风家教。",
     "Raising children, talking with them, and family values."),
    ("health", "健康生活", "Healthy Living", False,
     "合理膳食、科学运动、慢病防治、心理健康。",
     "Healthy eating, exercise, chronic illness and mental health."),
    ("vocational", "职业技能", "Vocational Skills", False,
     "实用职业技能与创业就业指导。",
     "Practical job skills and help with employment and starting a business."),
]  # fmt: skip

PAGE_SIZE = 12
SORTS = ("new", "popular")


def ensure_modules() -> int:
    """Create the standard modules that are missing; return how many were added."""
    existing = set(db.session.scalars(select(Module.slug)))
    added = 0
    for position, (slug, zh, en, elder, desc_zh, desc_en) in enumerate(STANDARD_MODULES):
        if slug in existing:
            continue
        db.session.add(
            Module(slug=slug, name_zh=zh, name_en=en, elder_first=elder, position=position,
                   description_zh=desc_zh, description_en=desc_en)
        )  # fmt: skip
        added += 1
    db.session.flush()
    return added


def list_modules() -> list[Module]:
    return list(db.session.scalars(select(Module).order_by(Module.position, Module.id)))


def module_names() -> dict[str, str]:
    """Every module's name (in the page's language) by slug, in the catalogue's order; kept
    under the catalogue's version (every search results page names its modules)."""
    return cached_value(
        "module-names", (), lambda: {m.slug: m.name for m in list_modules()}, CATALOGUE
    )


def module_by_slug(slug: str) -> Module | None:
    return db.session.scalar(select(Module).where(Module.slug == slug))


@dataclass(frozen=True)
class CourseFilter:
    """What a visitor narrowed a listing to; every field optional."""

    module_id: int | None = None
    level: CourseLevel | None = None
    audience: Audience | None = None
    region_code: str | None = None
    sort: str = "new"


def published_courses(criteria: CourseFilter) -> Select:
    """The query for published courses matching the filter, in the chosen order."""
    query = (
        select(Course)
        .where(Course.status == CourseStatus.PUBLISHED)
        .options(selectinload(Course.module), selectinload(Course.region))
    )
    if criteria.module_id is not None:
        query = query.where(Course.module_id == criteria.module_id)
    if criteria.level is not None:
        query = query.where(Course.level == criteria.level)
    if criteria.region_code is not None:
        query = query.where(Course.region_code == criteria.region_code)
    if criteria.audience is not None:
        query = query.where(
            Course.id.in_(
                select(CourseAudience.course_id).where(CourseAudience.audience == criteria.audience)
            )
        )
    if criteria.sort == "popular":
        return query.order_by(Course.enrolment_count.desc(), Course.id.desc())
    return query.order_by(Course.published_at.desc(), Course.id.desc())


def course_page(criteria: CourseFilter, page: int):
    """One page of a listing (Flask-SQLAlchemy Pagination)."""
    return db.paginate(
        published_courses(criteria), page=page, per_page=PAGE_SIZE, error_out=False, count=True
    )


def home_courses(limit: int = 6) -> dict[str, list[Course]]:
    """Featured, newest and most popular published courses for the home page."""
    featured = published_courses(CourseFilter()).where(Course.featured.is_(True)).limit(limit)
    newest = published_courses(CourseFilter()).limit(limit)
    popular = published_courses(CourseFilter(sort="popular")).limit(limit)
    return {
        "featured": list(db.session.scalars(featured)),
        "new": list(db.session.scalars(newest)),
        "popular": list(db.session.scalars(popular)),
    }


def visible_course(course_id: int) -> Course | None:
    """A course as the public may see it: published, or archived (shown, closed to enrolment)."""
    course = db.session.get(
        Course, course_id, options=[selectinload(Course.lessons), selectinload(Course.audiences)]
    )
    if course is None or course.status is CourseStatus.DRAFT:
        return None
    return course


def course_of_media(path: str) -> Course | None:
    """The course whose lesson or cover picture is this stored file, if any."""
    if not is_stored_path(path):
        return None
    # Two indexed look-ups (a player asks for many ranges of one file).
    return db.session.scalar(
        select(Course).join(Lesson).where(Lesson.media_path == path).limit(1)
    ) or db.session.scalar(select(Course).where(Course.cover_path == path).limit(1))
