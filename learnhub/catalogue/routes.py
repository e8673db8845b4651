"""Public catalogue pages: all courses, a module, a course, a city's courses."""

from flask import abort, current_app, render_template, request, send_file, url_for
from flask_babel import get_locale
from flask_login import current_user
from markupsafe import Markup

from learnhub.cache import CATALOGUE, cached_fragment, cached_page
from learnhub.learning import services as learning
from learnhub.learning import speech
from learnhub.rankings.leaderboard import city_district_board
from learnhub.regions.models import RegionLevel
from learnhub.regions.services import cities_of, get_region
from learnhub.tracking import record_resource_view

from . import bp, services
from .forms import CourseFilterForm
from .models import AUDIENCE_LABELS, LESSON_KIND_LABELS, LEVEL_LABELS, Audience, CourseLevel


def _filter_from_request(form: CourseFilterForm, module_id: int | None) -> services.CourseFilter:
    """Read the filter; values that are not valid choices are ignored, not an error page."""
    form.validate()
    level = form.level.data if not form.level.errors else ""
    audience = form.audience.data if not form.audience.errors else ""
    region = form.region.data if not form.region.errors else ""
    sort = form.sort.data if form.sort.data in services.SORTS else "new"
    return services.CourseFilter(
        level=CourseLevel(level) if level else None,
        audience=Audience(audience) if audience else None,
        region_code=region or None,
        sort=sort,
        module_id=module_id,
    )


def _listing(template: str, module_id: int | None = None, **context):
    """A listing page; its public part (filters, courses, pager) comes from the cache."""
    args = tuple(sorted(request.args.items(multi=True)))

    def render() -> str:
        province = current_app.config["HOME_PROVINCE"]
        regions = [get_region(province), *cities_of(province)]
        form = CourseFilterForm(request.args, regions=regions)
        criteria = _filter_from_request(form, module_id=module_id)
        page = request.args.get("page", 1, type=int)
        return render_template(
            "catalogue/_listing.html",
            form=form,
            courses=services.course_page(criteria, page),
            action=url_for(request.endpoint, **(request.view_args or {})),
        )

    listing = cached_fragment("listing", (request.endpoint, module_id, args), render, CATALOGUE)
    return render_template(template, listing=listing, modules=services.list_modules(), **context)


def _module_page(slug: str) -> str:
    found = services.module_by_slug(slug)
    if found is None:
        abort(404)
    return _listing("catalogue/module.html", module_id=found.id, module=found)


@bp.app_template_global()
def level_label(level) -> str:
    return str(LEVEL_LABELS[level])


@bp.app_template_global()
def audience_label(audience) -> str:
    return str(AUDIENCE_LABELS[audience])


@bp.app_template_global()
def lesson_kind_label(kind) -> str:
    return str(LESSON_KIND_LABELS[kind])


# Signed-out visitors get whole pages from the cache (cached_page); signed-in ones see
# their progress and buttons, so their pages are built each time from cached fragments.


@bp.get("/courses")
def index():
    return cached_page("courses", lambda: _listing("catalogue/index.html"), CATALOGUE)


@bp.get("/m/<slug>")
def module(slug: str):
    return cached_page("module", lambda: _module_page(slug), CATALOGUE)


@bp.get("/courses/<int:course_id>")
def course(course_id: int):
    if current_user.is_authenticated:
        page = _course_page(course_id)
    else:
        page = cached_page("course", lambda: _course_page(course_id), CATALOGUE)
    record_resource_view("course", course_id, course_id)  # after: a hidden course 404s first
    return page


def _course_page(course_id: int) -> str:
    title, body = _course_content(course_id)
    return render_template("catalogue/course.html", title=title, body=Markup(body))  # noqa: S704


def _course_content(course_id: int) -> tuple[str, str]:
    """The course page's title and rendered content for the current visitor (404 if hidden)."""
    found = services.visible_course(course_id)
    if found is None:
        abort(404)
    enrolment = completion = None
    states = {}
    if current_user.is_authenticated:
        enrolment = learning.enrolment_of(current_user, found)
        completion = learning.completion_of(current_user, found)
        states = learning.lesson_states(current_user, found)
    body = render_template(
        "catalogue/_course_body.html",
        server_speech=speech.espeak_available(),
        course=found,
        enrolment=enrolment if enrolment and enrolment.active else None,
        completion=completion,
        states=states,
    )
    return found.title, body


@bp.get("/courses/<int:course_id>/speech.wav")
def course_speech(course_id: int):
    """The course's title and summary read aloud (made once by espeak-ng)."""
    found = services.visible_course(course_id) or abort(404)
    language = get_locale().language if get_locale() else "zh"
    path = speech.speech_file(f"{found.title}\n{found.summary}", language)
    if path is None:
        abort(404)
    return send_file(path, mimetype="audio/wav", max_age=86400)


@bp.get("/c/<code>")
def city(code: str):
    region = get_region(code)
    if region is None or region.level is not RegionLevel.CITY:
        abort(404)
    seconds = current_app.config["RANKINGS_CACHE_SECONDS"]
    return cached_page("city", lambda: _city_page(region), CATALOGUE, renew_every=seconds)


def _city_page(region) -> str:
    page = request.args.get("page", 1, type=int)
    courses = services.course_page(services.CourseFilter(region_code=region.code), page)
    return render_template(
        "catalogue/city.html",
        city=region,
        courses=courses,
        district_board=city_district_board(region.code),
    )
