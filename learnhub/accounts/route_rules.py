"""Authorisation as data: one rule per route, checked before every request.

Every endpoint of the application is named here with who may call it at all: anyone, anyone
signed in, or the holders of some roles. A hook (``enforce_route_rule``) checks the rule
before the view runs; an endpoint with no rule is refused (403), so a new route is closed
until it is described here, and ``tests/test_route_roles.py`` fails until it is.

This is the first gate. The region (which city's or district's records) and the record
itself (whose application, which course) are then checked by the view through access.py,
because only the view knows the record: see docs/staff.md and docs/security.md.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import abort, current_app, request
from flask_login import current_user

from .access import COURSE_EDITING_ROLES
from .models import STAFF_ROLES, Role
from .scopes import CENTRE_ROLES


@dataclass(frozen=True)
class RouteRule:
    """Who may call a route: ``roles`` None means any signed-in person."""

    name: str
    signed_in: bool = True
    roles: frozenset[Role] | None = None


ANYONE = RouteRule("anyone", signed_in=False)
SIGNED_IN = RouteRule("signed in")
STAFF = RouteRule("staff and editors", roles=STAFF_ROLES)
WRITERS = RouteRule("course writers", roles=frozenset(COURSE_EDITING_ROLES))
CENTRES = RouteRule("centre staff", roles=CENTRE_ROLES)
CITY_AND_PROVINCE = RouteRule(
    "city and province staff", roles=frozenset({Role.CITY_STAFF, Role.PROVINCE_STAFF})
)
PROVINCE = RouteRule("province staff", roles=frozenset({Role.PROVINCE_STAFF}))


def _each(rule: RouteRule, *endpoints: str) -> dict[str, RouteRule]:
    return dict.fromkeys(endpoints, rule)


ROUTE_RULES: dict[str, RouteRule] = {
    # Public pages, APIs and files (a draft's media and a hidden course are refused by the
    # view, which knows the course); sign-in, registration, recovery and activation.
    **_each(ANYONE,
            "static", "learning.static", "main.home", "main.city", "main.help_page",
            "main.healthz", "metrics", "catalogue.index", "catalogue.module", "catalogue.media",
            "learning.course", "learning.course_speech", "learning.lesson",
            "learning.lesson_speech", "rankings.board", "rankings.city_board", "rankings.export",
            "rankings.api_rankings", "rankings.api_openapi", "search.results", "search.api_search",
            "regions.children", "creditbank.verify", "creditbank.verify_code",
            "accounts.login", "accounts.logout", "accounts.register", "accounts.forgot",
            "accounts.reset", "accounts.reset_by_email", "accounts.confirm_email",
            "accounts.set_elder_mode", "accounts.set_language", "accounts.set_text_size",
            "people.activate", "activities.cover", "places.static", "places.index", "places.place",
            "places.photo", "places.map_page", "activities.index", "activities.detail",
            "activities.activity_ics", "activities.feed", "week.programme",
            "privacy.notice", "news.index", "news.story", "news.image", "news.feed",
            "selections.winners_index", "selections.winners", "selections.star",
            "topics.index", "topics.topic", "topics.cover"),
    # A person's own things (the view checks they are theirs).
    **_each(SIGNED_IN,
            "pools.mine", "pools.join", "selections.consent", "selections.my_reviews",
            "selections.score",
            "accounts.account", "accounts.email", "accounts.remove_email", "accounts.password",
            "accounts.end_all_devices", "accounts.end_device", "learning.my_learning",
            "learning.enrol", "learning.leave", "learning.mark_read", "learning.media_report",
            "learning.submit_quiz", "creditbank.account", "creditbank.statement_csv",
            "creditbank.transcript", "creditbank.transcript_pdf", "conversion.mine",
            "conversion.confirm", "conversion.withdraw", "recognition.my_applications",
            "recognition.my_application", "recognition.new_application",
            "recognition.edit_application", "recognition.add_evidence",
            "recognition.remove_evidence", "recognition.submit_application",
            "recognition.withdraw_application", "activities.sign_up", "activities.cancel",
            "activities.mine", "activities.make_feed", "activities.revoke_my_feed",
            "inbox.messages", "inbox.message", "inbox.mark_all_read", "activities.check_in",
            # the owner, or staff reviewing the application (checked by the view)
            "recognition.evidence_file",
            # one's own personal data: consent, copy, closing (privacy/routes.py)
            "privacy.consent", "privacy.withdraw_consent", "privacy.my_data",
            "privacy.request_export", "privacy.download_export", "privacy.close_account",
            "privacy.cancel_closing", "satisfaction.rate_course", "satisfaction.rate_activity"),
    **_each(STAFF, "search.terms", "search.synonyms_page", "search.add_synonyms",
            "search.remove_synonym", "search.delete_synonym_group"),
    **_each(WRITERS,
            "studio.index", "studio.course", "studio.new_course", "studio.edit_course",
            "studio.publish", "studio.unpublish", "studio.archive", "studio.new_lesson",
            "studio.edit_lesson", "studio.delete_lesson", "studio.move_lesson",
            "studio.new_question", "studio.edit_question", "studio.delete_question",
            # a course's teachers, named from the pool by whoever may edit the course
            "pools.course_teachers"),
    # The centres' work, each over its own region (checked by the view on the record).
    **_each(CENTRES,
            "staff.dashboard", "staff.rankings", "staff.city", "staff.district",
            "creditbank.staff_search", "creditbank.staff_account",
            "creditbank.staff_transcript_pdf", "creditbank.staff_status",
            "creditbank.staff_reverse", "creditbank.staff_adjust", "creditbank.staff_revoke",
            "creditbank.staff_decline_award", "creditbank.staff_open_accounts",
            "creditbank.staff_open_accounts_sample", "creditbank.staff_requests",
            "creditbank.staff_approve_request", "creditbank.staff_reject_request",
            "creditbank.staff_withdraw_request", "creditbank.staff_accept_transfer",
            "creditbank.staff_decline_transfer", "recognition.queue", "recognition.review",
            "recognition.claim", "recognition.release", "recognition.approve",
            "recognition.reject", "recognition.return_application", "recognition.outcomes",
            "conversion.review", "conversion.application", "conversion.approve",
            "conversion.reject", "people.people", "people.export_people", "people.new_person",
            "people.person", "people.change_person", "people.disable_person",
            "people.enable_person", "people.reissue_link", "helpdesk.search",
            "helpdesk.learner", "helpdesk.reset_code", "helpdesk.district",
            "activities.staff_activities", "activities.staff_activity",
            "activities.staff_new_activity", "activities.staff_edit_activity",
            "activities.staff_publish_activity", "activities.staff_finish_activity",
            "activities.staff_cancel_activity", "activities.staff_new_session",
            "activities.staff_edit_session", "activities.staff_cancel_session",
            "places.staff_list", "places.staff_new", "places.staff_edit", "places.staff_hide",
            "places.staff_show", "activities.staff_sign_up_for",
            "activities.staff_sign_up_for_post", "privacy.retention", "privacy.reveal_mobile",
            # submissions: the unit's staff or the task's owner (checked by the view)
            "submissions.index", "submissions.task", "submissions.close_task",
            "submissions.archive", "submissions.unit", "submissions.save_draft",
            "submissions.add_file", "submissions.remove_file", "submissions.submit",
            "submissions.decide", "submissions.version", "submissions.file",
            "news.staff_list", "news.staff_new", "news.staff_edit", "news.staff_publish",
            "news.staff_withdraw", "satisfaction.staff_figures", "satisfaction.staff_export",
            "pools.staff_pools", "pools.approve", "pools.decline", "pools.record_service",
            "pools.staff_hours", "pools.activity_teachers", "selections.staff_selections",
            "selections.staff_selection"),
    # The lifelong-learning week: the province opens it, each city registers its own and
    # links activities (its districts' centres too); the view checks the city and district.
    **_each(CENTRES,
            "week.staff_index", "week.city_week", "week.link_activity", "week.unlink_activity",
            "week.report", "week.report_csv", "week.report_xlsx"),
    **_each(CITY_AND_PROVINCE, "week.register_city_week"),
    **_each(PROVINCE, "week.open_week", "week.edit_week"),
    # Check-in and the roster of a session, of the staff's own region (activities.access).
    **_each(CENTRES,
            "activities.check_in_screen", "activities.roster", "activities.tick_attendance",
            "activities.undo_attendance", "activities.export_roster"),
    **_each(CITY_AND_PROVINCE, "staff.registration_bursts", "staff.decide_registration_burst",
            "submissions.new_task", "pools.new_expert", "selections.nominate",
            "selections.withdraw"),
    **_each(PROVINCE,
            "staff.jobs", "staff.retry_job", "staff.dismiss_job", "people.audit_log",
            "conversion.rules", "conversion.rule", "conversion.new_rule",
            "conversion.new_version", "conversion.end_rule", "recognition.edit_outcome",
            "recognition.set_outcome_active", "activities.staff_kinds",
            "activities.staff_edit_kind", "activities.staff_move_kind",
            "activities.staff_retire_kind", "activities.staff_restore_kind",
            "selections.open_selection", "selections.assign_reviewer", "selections.start_review",
            "selections.confirm_winners", "selections.publish", "selections.staff_kinds",
            "selections.retire_kind", "selections.restore_kind"),
    # Topics (专题) speak for the whole province: its staff alone write them.
    **_each(PROVINCE,
            "topics.staff_list", "topics.staff_new", "topics.staff_edit", "topics.staff_publish",
            "topics.staff_withdraw"),
}  # fmt: skip


def rule_for(endpoint: str) -> RouteRule | None:
    """The rule of an endpoint, or None when nobody described it (then it is refused)."""
    return ROUTE_RULES.get(endpoint)


def enforce_route_rule():
    """Before every request: sign in first, or 403, unless the endpoint's rule allows it."""
    if request.endpoint is None:
        return None  # no such page: 404 (or 405) as usual
    rule = rule_for(request.endpoint)
    if rule is None:
        abort(403)
    if not rule.signed_in:
        return None
    if not current_user.is_authenticated:
        return current_app.login_manager.unauthorized()
    if rule.roles is not None and current_user.role not in rule.roles:
        abort(403)
    return None
