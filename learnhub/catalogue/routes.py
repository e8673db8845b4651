"""Public catalogue pages: all courses and a module's courses, with filters."""

from flask import abort, current_app, render_template, request, url_for
from markupsafe import Markup

from learnhub.accounts.header import header_visitor
from learnhub.cache import CATALOGUE, cached_fragment, cached_page, cached_value
from learnhub.regions.services import cities_of, get_region
from learnhub.ui import canonical_redirect, elder_mode_requested, page_number, text_size_requested

from . import services
from .blueprint import bp
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


def _regions() -> list:
    province = current_app.config["HOME_PROVINCE"]
    return [get_region(province), *cities_of(province)]


def _listing_arguments() -> dict[str, frozenset[str]]:
    """The query arguments a listing reads, and their valid values (kept: every listing page
    asks, and the regions are read from the database)."""
    return cached_value("listing-arguments", (), _read_listing_arguments, CATALOGUE)


def _read_listing_arguments() -> dict[str, frozenset[str]]:
    return {
        "level": frozenset(level.value for level in CourseLevel),
        "audience": frozenset(audience.value for audience in Audience),
        "region": frozenset(region.code for region in _regions()),
        "sort": frozenset(services.SORTS),
        "page": frozenset(),
    }


def _listing(template: str, module_id: int | None = None, **context):
    """A listing page; its public part (filters, courses, pager) comes from the cache."""
    args = tuple(sorted(request.args.items(multi=True)))  # canonical: see the views

    def render() -> str:
        form = CourseFilterForm(request.args, regions=_regions())
        criteria = _filter_from_request(form, module_id=module_id)
        page = page_number()
        return render_template(
            "catalogue/_listing.html",
            form=form,
            courses=services.course_page(criteria, page),
            action=url_for(request.endpoint, **(request.view_args or {})),
        )

    listing = cached_fragment("listing", (request.endpoint, module_id, args), render, CATALOGUE)
    return render_template(template, listing=listing, **context)


def _module_page(slug: str) -> str:
    """A module's page: its title and body are the same for every visitor (kept; signed-in
    visitors get them in their own layout)."""
    title, body = cached_value(
        "module-page",
        (request.full_path, elder_mode_requested(), text_size_requested()),
        lambda: _module_content(slug),
        CATALOGUE,
    )
    return render_template("catalogue/module.html", title=title, body=Markup(body))  # noqa: S704 - rendered


def _module_content(slug: str) -> tuple[str, str]:
    found = services.module_by_slug(slug)
    if found is None:
        abort(404)
    return found.name, _listing("catalogue/_module_body.html", module_id=found.id, module=found)


@bp.app_template_global()
def level_label(level) -> str:
    return str(LEVEL_LABELS[level])


@bp.app_template_global()
def audience_label(audience) -> str:
    return str(AUDIENCE_LABELS[audience])


@bp.app_template_global()
def lesson_kind_label(kind) -> str:
    return str(LESSON_KIND_LABELS[kind])


# Every visitor gets whole pages from the cache (cached_page): the listings show a signed-in
# person nothing of their own but the header.


@bp.get("/courses")
def index():
    return canonical_redirect(_listing_arguments()) or cached_page(
        "courses",
        lambda: _listing("catalogue/index.html", modules=services.list_modules()),
        CATALOGUE,
        visitor=header_visitor(),
    )


@bp.get("/m/<slug>")
def module(slug: str):
    return canonical_redirect(_listing_arguments()) or cached_page(
        "module", lambda: _module_page(slug), CATALOGUE, visitor=header_visitor()
    )
