"""Every staff page by role and region: who gets it (200), who is refused (403) and who is
sent to sign in (302). The people: a learner, editors of the province and of 和平区, the
county centres of 和平区 and 沈河区 (two districts of 沈阳), 沈阳's and 大连's city centres,
and the province centre. A new staff page adds a row here."""

from pathlib import Path

import pytest

from learnhub.accounts.models import Role
from tests.helpers import sign_in

PEOPLE = {
    "learner": {},
    "editor": {"role": Role.EDITOR, "managed": "210000"},
    "heping_editor": {"role": Role.EDITOR, "managed": "210102"},
    "heping": {"role": Role.COUNTY_STAFF, "managed": "210102"},
    "shenhe": {"role": Role.COUNTY_STAFF, "managed": "210103", "district": "210103"},
    "shenyang": {"role": Role.CITY_STAFF, "managed": "210100"},
    "dalian": {
        "role": Role.CITY_STAFF,
        "managed": "210200",
        "city": "210200",
        "district": "210202",
    },
    "province": {"role": Role.PROVINCE_STAFF, "managed": "210000"},
}
WHO = ["anonymous", *PEOPLE]
ROOT = Path(__file__).resolve().parent.parent

# page → the status for each of WHO, in order:
#        anon learner editor hp_ed heping shenhe shenyang dalian province
ALL_STAFF = (302, 403, 403, 403, 200, 200, 200, 200, 200)
CITY_AND_UP = (302, 403, 403, 403, 403, 403, 200, 200, 200)
PROVINCE = (302, 403, 403, 403, 403, 403, 403, 403, 200)
WRITERS = (302, 403, 200, 200, 200, 200, 200, 200, 200)
PAGES = {
    "/staff/": ALL_STAFF,
    "/staff/cities/210100": (302, 403, 403, 403, 403, 403, 200, 403, 200),
    "/staff/cities/210200": (302, 403, 403, 403, 403, 403, 403, 200, 200),
    "/staff/districts/210102": (302, 403, 403, 403, 200, 403, 200, 403, 200),
    "/staff/districts/210103": (302, 403, 403, 403, 403, 200, 200, 403, 200),
    "/staff/districts/210202": (302, 403, 403, 403, 403, 403, 403, 200, 200),
    "/staff/rankings": ALL_STAFF,
    "/staff/rankings/registrations": CITY_AND_UP,
    "/staff/jobs": PROVINCE,
    "/staff/credits": ALL_STAFF,
    "/staff/credits/requests": ALL_STAFF,
    "/staff/credits/open-accounts": ALL_STAFF,
    "/staff/credits/open-accounts/sample.csv": ALL_STAFF,
    "/staff/recognition": ALL_STAFF,
    "/staff/outcomes": ALL_STAFF,
    "/staff/conversion": ALL_STAFF,
    "/staff/conversion/rules": PROVINCE,
    "/staff/conversion/rules/new": PROVINCE,
    "/search/terms": WRITERS,
    "/search/synonyms": WRITERS,
    "/staff/people": ALL_STAFF,
    "/staff/people/new": ALL_STAFF,
    "/staff/people/export.csv": ALL_STAFF,
    "/staff/audit": PROVINCE,
    "/staff/activities": ALL_STAFF,
    "/staff/activities/new": ALL_STAFF,
    "/staff/activities/kinds": PROVINCE,
    "/staff/help-desk/": ALL_STAFF,
    "/staff/submissions/": ALL_STAFF,
    "/staff/submissions/tasks/new": CITY_AND_UP,
    "/staff/places": ALL_STAFF,
    "/staff/places/new": ALL_STAFF,
    "/staff/pools": ALL_STAFF,
    "/staff/pools/hours": ALL_STAFF,
    "/staff/pools/experts/new": CITY_AND_UP,
    "/staff/selections": ALL_STAFF,
    "/staff/selections/new": PROVINCE,
    "/staff/selections/kinds": PROVINCE,
    "/staff/news": ALL_STAFF,
    "/staff/news/new": ALL_STAFF,
    "/staff/topics": PROVINCE,
    "/staff/topics/new": PROVINCE,
    "/staff/satisfaction": ALL_STAFF,
    "/staff/satisfaction.csv": ALL_STAFF,
    "/staff/privacy/retention": ALL_STAFF,
    "/studio/": WRITERS,
    "/studio/courses/new": WRITERS,
    "/staff/week": ALL_STAFF,
    "/staff/week/new": PROVINCE,
    "/staff/week/report": ALL_STAFF,
    "/staff/week/report.csv": ALL_STAFF,
    "/staff/week/report.xlsx": ALL_STAFF,
}


@pytest.fixture
def everyone(make_user):
    for login, fields in PEOPLE.items():
        make_user(login=login, name=f"{login}人", **fields)


@pytest.mark.parametrize("page", PAGES)
def test_each_page_by_role_and_region(app, everyone, page):
    found = []
    for who in WHO:
        client = app.test_client()
        if who != "anonymous":
            sign_in(client, who)
        found.append(client.get(page).status_code)
    assert tuple(found) == PAGES[page]


# Pages and actions that name a record (an application, an account, a course, a person) are
# called as the wrong role and from the wrong region by the feature's own tests, which need
# that record: each is named here. A route in neither table fails the test below.
CHECK_IN_REGIONS = (
    "tests/test_activities_checkin.py::test_other_regions_staff_are_refused_everything_of_a_session"
)
BY_RECORD = {
    "activities.check_in_screen": CHECK_IN_REGIONS,
    "activities.roster": CHECK_IN_REGIONS,
    "activities.tick_attendance": CHECK_IN_REGIONS,
    "activities.undo_attendance": CHECK_IN_REGIONS,
    "activities.export_roster": CHECK_IN_REGIONS,
    "activities.staff_": "tests/test_activity_authoring.py::"
    "test_other_city_and_other_district_staff_do_not_see_or_change_it",
    **dict.fromkeys(
        (
            "activities.staff_edit_kind",
            "activities.staff_move_kind",
            "activities.staff_retire_kind",
            "activities.staff_restore_kind",
        ),
        "tests/test_activity_kinds.py::test_only_province_staff_change_the_kinds",
    ),
    "conversion.": "tests/test_conversion.py::test_staff_of_another_city_and_learners_get_403",
    "conversion.end_rule": "tests/test_conversion.py::test_only_province_staff_define_rules",
    "conversion.new_version": "tests/test_conversion.py::test_only_province_staff_define_rules",
    "conversion.rule": "tests/test_conversion.py::test_only_province_staff_define_rules",
    "creditbank.staff_": "tests/creditbank/test_staff.py::"
    "test_other_city_is_not_found_and_its_pages_are_forbidden",
    "creditbank.staff_adjust": "tests/creditbank/test_separation.py::"
    "test_another_citys_account_is_refused_with_a_valid_form",
    "creditbank.staff_approve_request": "tests/creditbank/test_separation.py::"
    "test_another_citys_staff_cannot_decide_a_request",
    "creditbank.staff_reject_request": "tests/creditbank/test_separation.py::"
    "test_another_citys_staff_cannot_decide_a_request",
    "creditbank.staff_withdraw_request": "tests/creditbank/test_separation.py::"
    "test_another_citys_staff_cannot_decide_a_request",
    "creditbank.staff_accept_transfer": "tests/creditbank/test_records.py::"
    "test_transfer_decisions_are_recorded_and_refused_to_the_sending_city",
    "creditbank.staff_decline_transfer": "tests/creditbank/test_records.py::"
    "test_transfer_decisions_are_recorded_and_refused_to_the_sending_city",
    "helpdesk.": "tests/test_helpdesk.py::"
    "test_learners_of_other_regions_are_not_found_like_unknown_ones",
    "helpdesk.reset_code": "tests/test_helpdesk.py::"
    "test_no_code_for_a_learner_of_another_city_or_district",
    "helpdesk.district": "tests/test_helpdesk.py::"
    "test_county_staff_cannot_correct_another_districts_learner",
    "people.": "tests/people/test_admin.py::"
    "test_changing_or_disabling_others_beyond_the_rules_is_refused",
    "news.staff_": "tests/test_news.py::"
    "test_staff_of_another_city_cannot_change_publish_or_see_a_draft",
    "places.staff_": "tests/test_places.py::test_staff_of_other_regions_and_learners_are_kept_out",
    "topics.staff_": "tests/test_topics.py::"
    "test_others_are_refused_every_page_and_write_even_with_a_valid_token",
    "pools.": "tests/test_selection_pages.py::"
    "test_a_learner_registers_as_a_volunteer_and_staff_of_their_region_decide",
    **dict.fromkeys(
        ("pools.course_teachers", "pools.activity_teachers"),
        "tests/test_pool_teachers.py::test_who_opens_the_pages_by_role_and_region",
    ),
    "selections.": "tests/test_selection_pages.py::"
    "test_other_citys_staff_cannot_nominate_for_a_learner_of_another_city",
    **dict.fromkeys(
        (
            "selections.assign_reviewer",
            "selections.start_review",
            "selections.confirm_winners",
            "selections.publish",
            "selections.staff_selection",
        ),
        "tests/test_selection_pages.py::test_only_the_province_reviews_confirms_and_publishes",
    ),
    "selections.withdraw": "tests/test_selection_winners.py::"
    "test_another_citys_staff_cannot_withdraw_a_nomination",
    "recognition.": "tests/test_recognition.py::test_other_citys_staff_and_learners_are_kept_out",
    "recognition.edit_outcome": "tests/test_recognition.py::test_catalogue_pages",
    "recognition.set_outcome_active": "tests/test_recognition.py::test_catalogue_pages",
    "privacy.reveal_mobile": "tests/test_privacy_exposure.py::"
    "test_staff_of_another_region_cannot_see_a_learners_mobile",
    "staff.city": "tests/test_staff_access.py::test_city_staff_cannot_open_another_city",
    "staff.district": "tests/test_staff_access.py::"
    "test_county_staff_see_their_district_and_nothing_else",
    "staff.decide_registration_burst": "tests/test_rankings_trust.py::"
    "test_staff_of_another_city_or_learners_cannot_exclude_a_citys_registrations",
    "staff.dismiss_job": "tests/test_jobs.py::test_only_province_staff_see_or_touch_the_jobs",
    "staff.retry_job": "tests/test_jobs.py::test_only_province_staff_see_or_touch_the_jobs",
    "submissions.": "tests/test_submissions_pages.py::"
    "test_other_units_staff_are_kept_out_and_their_posts_refused",
    "submissions.task": "tests/test_submissions_pages.py::"
    "test_only_the_owner_sees_the_board_closes_and_downloads",
    "submissions.close_task": "tests/test_submissions_pages.py::"
    "test_only_the_owner_sees_the_board_closes_and_downloads",
    "submissions.archive": "tests/test_submissions_pages.py::"
    "test_only_the_owner_sees_the_board_closes_and_downloads",
    "submissions.decide": "tests/test_submissions_pages.py::"
    "test_the_owner_cannot_submit_for_a_unit_nor_a_unit_decide",
    "submissions.file": "tests/test_submissions_pages.py::"
    "test_files_are_sent_privately_to_the_unit_and_the_owner_only",
    "submissions.version": "tests/test_submissions_pages.py::"
    "test_a_city_sees_its_districts_submissions_for_its_own_tasks",
    "studio.": "tests/test_studio.py::test_dalian_editor_cannot_edit_or_publish_a_shenyang_course",
    "activities.staff_sign_up_for": "tests/test_activities_proxy.py::"
    "test_staff_of_another_city_or_district_cannot_find_or_sign_up_the_resident",
    "activities.staff_sign_up_for_post": "tests/test_activities_proxy.py::"
    "test_staff_cannot_sign_up_for_another_citys_activity_nor_themselves",
    "week.": "tests/week/test_week.py::"
    "test_another_citys_or_a_countys_staff_cannot_register_a_citys_week",
    "week.edit_week": "tests/week/test_week.py::test_only_province_staff_open_or_change_a_week",
    "week.link_activity": "tests/week/test_week.py::"
    "test_staff_link_their_own_activities_and_are_refused_others",
    "week.unlink_activity": "tests/week/test_week.py::"
    "test_staff_link_their_own_activities_and_are_refused_others",
}


def _rule_for(endpoint: str) -> str | None:
    """The most specific BY_RECORD entry: the endpoint itself, else its family prefix."""
    if endpoint in BY_RECORD:
        return BY_RECORD[endpoint]
    families = [key for key in BY_RECORD if key.endswith((".", "_")) and endpoint.startswith(key)]
    return BY_RECORD[max(families, key=len)] if families else None


def test_every_staff_route_has_a_rule(app):
    missing, dangling = [], []
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith(("/staff", "/studio", "/search/terms", "/search/synonyms")):
            continue
        if not rule.arguments:
            if "GET" in rule.methods and rule.rule not in PAGES:
                missing.append(rule.rule)
            continue
        found = _rule_for(rule.endpoint)
        if found is None:
            missing.append(rule.endpoint)
            continue
        path, name = found.split("::")
        if f"def {name}(" not in (ROOT / path).read_text(encoding="utf-8"):
            dangling.append(found)
    assert not missing, f"routes without a row in PAGES or BY_RECORD: {missing}"
    assert not dangling, f"named tests that do not exist: {dangling}"


def test_every_route_of_the_app_has_a_rule_and_the_rules_name_real_routes(app):
    from learnhub.accounts.route_rules import ROUTE_RULES

    endpoints = set(app.view_functions)
    assert sorted(endpoints - set(ROUTE_RULES)) == []  # a new route is closed until described
    assert sorted(set(ROUTE_RULES) - endpoints) == []  # no rule for a route that is gone


def test_a_route_without_a_rule_is_refused_even_to_province_staff(app, everyone):
    from learnhub.accounts.route_rules import ROUTE_RULES

    rule = ROUTE_RULES.pop("staff.dashboard")
    try:
        client = app.test_client()
        sign_in(client, "province")
        assert client.get("/staff/").status_code == 403
    finally:
        ROUTE_RULES["staff.dashboard"] = rule


def test_the_rule_refuses_before_the_view_runs(app, everyone):
    """A role the rule does not name is refused even where the view would not check (the
    rule is a gate of its own, not a copy of the view's checks)."""
    from learnhub.accounts.route_rules import PROVINCE, ROUTE_RULES

    rule = ROUTE_RULES["staff.rankings"]
    ROUTE_RULES["staff.rankings"] = PROVINCE
    try:
        client = app.test_client()
        sign_in(client, "shenyang")
        assert client.get("/staff/rankings").status_code == 403
    finally:
        ROUTE_RULES["staff.rankings"] = rule
