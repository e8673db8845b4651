"""The page types and display modes every browser test walks through: extend them here.

A new feature adds its pages to PAGE_TYPES (one line each) and is then checked by axe,
the elder-mode rules, reflow, text spacing and the keyboard walk like every other page.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class PageType:
    """A kind of page: where it is, who looks at it and what it answers."""

    name: str
    path: str
    status: int = 200
    user: str | None = None  # "learner", "editor", "city_staff" or "province_staff": signs in first
    submit_empty_form: bool = False  # show the page with the errors of an empty form
    content: bool = False  # needs the test site's courses, certificates and views
    staff: bool = False  # staff and studio pages run in fewer modes (see STAFF_MODES)

    def __str__(self) -> str:
        return self.name

    @property
    def needs_content(self) -> bool:
        """Needs the `site_content` fixture: told so, or the path names its things."""
        return self.content or "{" in self.path

    def url(self, content: dict[str, object] | None = None) -> str:
        """The path, with ``{course}`` and the like filled in from the site's content."""
        return self.path.format(**content) if "{" in self.path else self.path


@dataclass(frozen=True)
class Mode:
    """How the page is shown: the preferences a person can choose in the header."""

    name: str
    elder: bool = False
    text_size: str = "standard"
    locale: str = "zh_CN"
    # A mode that only makes text larger gets the checks that depend on size; axe and the
    # keyboard walk at that size run in the English twin of the mode (quicker suite).
    size_checks_only: bool = False

    def __str__(self) -> str:
        return self.name

    @property
    def cookies(self) -> dict[str, str]:
        return {
            "learnhub_elder_mode": "on" if self.elder else "off",
            "learnhub_text_size": self.text_size,
            "learnhub_locale": self.locale,
        }

    @property
    def lang(self) -> str:
        return self.locale.replace("_", "-")


# ``{name}`` in a path is filled in from the `site_content` fixture (conftest.py): a course
# with a text, a video, an audio and a quiz lesson the learner is enrolled in, and a
# finished course whose certificate the learner holds.
STAFF_SESSION = "/staff/activities/sessions/{check_in_session}"
ENDED_SESSION = "/staff/activities/sessions/{check_in_ended_session}"
PAGE_TYPES = [
    PageType("home", "/"),
    PageType("help", "/help"),
    PageType("login", "/login"),
    PageType("register", "/register"),
    PageType("register-errors", "/register", status=400, submit_empty_form=True),
    PageType("account", "/me/account", user="learner"),
    PageType("password", "/me/password", user="learner"),
    PageType("reset", "/reset"),
    PageType("reset-errors", "/reset", status=400, submit_empty_form=True),
    PageType("forgot", "/forgot"),
    PageType("privacy-notice", "/privacy"),
    PageType("privacy-consent", "/privacy/consent", user="learner"),
    PageType(
        "privacy-consent-errors",
        "/privacy/consent",
        status=400,
        user="learner",
        submit_empty_form=True,
    ),
    PageType("my-data", "/me/data", user="learner"),
    PageType("close-account", "/me/close", user="learner"),
    PageType(
        "close-account-errors", "/me/close", status=400, user="learner", submit_empty_form=True
    ),
    # Courses and learning
    PageType("catalogue", "/courses", content=True),
    PageType("module", "/m/elder-digital", content=True),
    PageType("course", "/courses/{course}"),
    PageType("course-enrolled", "/courses/{course}", user="learner"),
    PageType("course-finished-rating", "/courses/{finished_course}", user="learner"),
    PageType("lesson-text", "/lessons/{text_lesson}", user="learner"),
    PageType("lesson-video", "/lessons/{video_lesson}", user="learner"),
    PageType("lesson-audio", "/lessons/{audio_lesson}", user="learner"),
    PageType("lesson-quiz", "/lessons/{quiz_lesson}", user="learner"),
    PageType(
        "lesson-quiz-result", "/lessons/{quiz_lesson}", user="learner", submit_empty_form=True
    ),
    PageType("my-learning", "/me", content=True, user="learner"),
    # Site messages
    PageType("messages", "/me/messages", content=True, user="learner"),
    PageType("message", "/me/messages/{message}", user="learner"),
    # Credit bank
    PageType("credits", "/me/credits", content=True, user="learner"),
    PageType("transcript", "/me/credits/transcript", content=True, user="learner"),
    PageType("recognition-mine", "/me/recognition", content=True, user="learner"),
    PageType("recognition-new", "/me/recognition/new", user="learner"),
    PageType(
        "recognition-new-errors",
        "/me/recognition/new",
        status=400,
        user="learner",
        submit_empty_form=True,
    ),
    PageType("conversions-mine", "/me/conversions", content=True, user="learner"),
    PageType("verify", "/verify"),
    PageType("verify-certificate", "/verify/{certificate}"),
    PageType("verify-unknown", "/verify/{unknown_certificate}", status=404),
    # Activities
    PageType("activities", "/activities", content=True),
    PageType("activities-week", "/activities?view=week", content=True),
    PageType("activities-month", "/activities?view=month", content=True),
    PageType("activity", "/activities/{activity}"),
    PageType("activity-signed-up", "/activities/{activity}", user="learner"),
    PageType("my-activities", "/me/activities", content=True, user="learner"),
    # Rankings and search
    PageType("rankings", "/rankings", content=True),
    PageType("rankings-city", "/rankings/cities/210100", content=True),
    PageType("search", "/search?q={search_found}"),
    PageType("search-empty", "/search?q={search_typo}"),
    PageType("staff-search-terms", "/search/terms", user="city_staff", staff=True),
    PageType("staff-search-synonyms", "/search/synonyms?term=反诈", user="city_staff", staff=True),
    PageType(
        "staff-search-synonyms-errors",
        "/search/synonyms",
        status=400,
        user="city_staff",
        staff=True,
        submit_empty_form=True,
    ),
    # Learning places and the learning map
    PageType("places", "/places", content=True),
    PageType("place", "/places/{place}"),
    # Selections and pools (the expert's scoring page: test_expert_scoring.py)
    PageType("selections", "/selections"),
    PageType("pools-mine", "/pools/mine", user="learner"),
    PageType("pools-join", "/pools/join/volunteer", user="learner"),
    PageType(
        "pools-join-errors",
        "/pools/join/volunteer",
        status=400,
        user="learner",
        submit_empty_form=True,
    ),
    PageType("staff-pools", "/staff/pools?kind=volunteer", user="city_staff", staff=True),
    PageType("staff-expert-new", "/staff/pools/experts/new", user="city_staff", staff=True),
    PageType(
        "staff-course-teachers",
        "/staff/pools/teachers/course/{course}",
        user="province_staff",
        staff=True,
    ),
    PageType(
        "staff-activity-teachers",
        "/staff/pools/teachers/activity/{activity}",
        user="city_staff",
        staff=True,
    ),
    PageType("staff-selections", "/staff/selections", user="province_staff", staff=True),
    PageType("staff-selection-new", "/staff/selections/new", user="province_staff", staff=True),
    PageType("selections-winners", "/selections/{selection_year}/{selection_kind}"),
    PageType(
        "staff-selection-ranking",
        "/staff/selections/{selection}",
        user="province_staff",
        staff=True,
    ),
    PageType("map", "/map", content=True),
    PageType("map-near", "/map?district=210102", content=True),
    # News
    PageType("news", "/news", content=True),
    PageType("news-filtered", "/news?kind=notice&city=province", content=True),
    PageType("news-story", "/news/{news}", content=True),
    # Topics
    PageType("topics", "/topics", content=True),
    PageType("topic", "/topics/{topic}", content=True),
    # Errors
    PageType("not-found", "/no-such-page", status=404),
    PageType("forbidden", "/staff/", status=403, user="learner"),
    # Staff and studio: fewer modes
    PageType("staff-dashboard", "/staff/", user="province_staff", staff=True),
    PageType("staff-city", "/staff/cities/210100", user="city_staff", staff=True),
    PageType("staff-rankings", "/staff/rankings", content=True, user="province_staff", staff=True),
    PageType(
        "staff-registration-bursts",
        "/staff/rankings/registrations",
        content=True,
        user="city_staff",
        staff=True,
    ),
    PageType(
        "staff-registration-bursts-errors",
        "/staff/rankings/registrations",
        status=400,
        content=True,
        user="city_staff",
        staff=True,
        submit_empty_form=True,
    ),
    PageType("staff-credits", "/staff/credits", user="city_staff", staff=True),
    PageType(
        "staff-activity-sign-up-for",
        "/staff/activities/{activity}/sign-up-for?q=learner1",
        user="city_staff",
        staff=True,
    ),
    PageType("staff-help-desk", "/staff/help-desk/", user="city_staff", staff=True),
    PageType(
        "staff-help-desk-learner",
        "/staff/help-desk/learners/{learner_id}",
        user="city_staff",
        staff=True,
    ),
    PageType(
        "staff-help-desk-district",
        "/staff/help-desk/learners/{learner_id}/district",
        user="city_staff",
        staff=True,
    ),
    PageType("staff-open-accounts", "/staff/credits/open-accounts", user="city_staff", staff=True),
    PageType("staff-retention", "/staff/privacy/retention", user="city_staff", staff=True),
    PageType(
        "staff-reveal-mobile",
        "/staff/privacy/people/{learner_id}/mobile",
        user="city_staff",
        staff=True,
    ),
    PageType(
        "staff-credit-account", "/staff/credits/{credit_account}", user="city_staff", staff=True
    ),
    PageType(
        "staff-credit-requests",
        "/staff/credits/requests",
        content=True,
        user="city_staff",
        staff=True,
    ),
    PageType(
        "staff-approve-adjustment",
        "/staff/credits/requests/{adjustment_request}/approve",
        user="city_staff",
        staff=True,
    ),
    PageType(
        "staff-reject-adjustment",
        "/staff/credits/requests/{adjustment_request}/reject",
        status=400,
        user="city_staff",
        staff=True,
        submit_empty_form=True,
    ),
    PageType(
        "staff-accept-transfer",
        "/staff/credits/transfers/{transfer}/accept",
        user="city_staff",
        staff=True,
    ),
    PageType(
        "staff-decline-transfer",
        "/staff/credits/transfers/{transfer}/decline",
        user="city_staff",
        staff=True,
    ),
    PageType(
        "staff-decline-award",
        "/staff/credits/{frozen_account}/awards/{kept_award}/decline",
        user="city_staff",
        staff=True,
    ),
    PageType("staff-recognition", "/staff/recognition", user="city_staff", staff=True),
    PageType("staff-outcomes", "/staff/outcomes", user="province_staff", staff=True),
    PageType("staff-conversion", "/staff/conversion", user="city_staff", staff=True),
    PageType(
        "staff-conversion-rules", "/staff/conversion/rules", user="province_staff", staff=True
    ),
    PageType("staff-jobs", "/staff/jobs", content=True, user="province_staff", staff=True),
    PageType("staff-people", "/staff/people", user="city_staff", staff=True),
    # Activities (staff)
    PageType("staff-activities", "/staff/activities", user="city_staff", staff=True),
    PageType("staff-activity-new", "/staff/activities/new", user="city_staff", staff=True),
    PageType(
        "staff-activity-new-errors",
        "/staff/activities/new",
        status=400,
        user="city_staff",
        staff=True,
        submit_empty_form=True,
    ),
    PageType("staff-activity-kinds", "/staff/activities/kinds", user="province_staff", staff=True),
    PageType(
        "staff-people-new-errors",
        "/staff/people/new",
        status=400,
        submit_empty_form=True,
        user="city_staff",
        staff=True,
    ),
    PageType("staff-person", "/staff/people/{staff_person}", user="province_staff", staff=True),
    PageType("staff-audit", "/staff/audit", user="province_staff", staff=True),
    PageType("staff-submissions", "/staff/submissions/", user="city_staff", staff=True),
    PageType(
        "staff-submissions-new-task-errors",
        "/staff/submissions/tasks/new",
        status=400,
        submit_empty_form=True,
        user="province_staff",
        staff=True,
    ),
    PageType(
        "staff-submissions-board",
        "/staff/submissions/tasks/{submission_task}",
        user="province_staff",
        staff=True,
    ),
    PageType(
        "staff-submissions-unit",
        "/staff/submissions/tasks/{submission_task}/units/210100",
        user="city_staff",
        staff=True,
    ),
    PageType("staff-places", "/staff/places", content=True, user="city_staff", staff=True),
    PageType("staff-place-edit", "/staff/places/{place}/edit", user="city_staff", staff=True),
    PageType(
        "staff-place-new-errors",
        "/staff/places/new",
        status=400,
        submit_empty_form=True,
        user="city_staff",
        staff=True,
    ),
    # The lifelong-learning week
    PageType("week-programme", "/week/{week_year}"),
    PageType("home-during-week", "/", content=True),
    PageType("city-during-week", "/c/210100", content=True),
    PageType("staff-week", "/staff/week", content=True, user="province_staff", staff=True),
    PageType(
        "staff-week-city", "/staff/week/{week_year}/cities/210100", user="city_staff", staff=True
    ),
    PageType(
        "staff-week-new-errors",
        "/staff/week/new",
        status=400,
        submit_empty_form=True,
        user="province_staff",
        staff=True,
    ),
    PageType(
        "staff-week-report", "/staff/week/report", content=True, user="city_staff", staff=True
    ),
    PageType("staff-news", "/staff/news", content=True, user="city_staff", staff=True),
    PageType(
        "staff-news-edit",
        "/staff/news/{news}/edit",
        content=True,
        user="province_staff",
        staff=True,
    ),
    PageType(
        "staff-news-new-errors",
        "/staff/news/new",
        status=400,
        submit_empty_form=True,
        user="city_staff",
        staff=True,
    ),
    PageType("staff-topics", "/staff/topics", content=True, user="province_staff", staff=True),
    PageType(
        "staff-topic-edit", "/staff/topics/{topic_id}/edit", user="province_staff", staff=True
    ),
    PageType(
        "staff-topic-new-errors",
        "/staff/topics/new",
        status=400,
        submit_empty_form=True,
        user="province_staff",
        staff=True,
    ),
    PageType("staff-satisfaction", "/staff/satisfaction", user="city_staff", staff=True),
    PageType("activate-invalid", "/activate/no-such-link", status=400),
    PageType("studio", "/studio/", content=True, user="editor", staff=True),
    PageType("studio-course", "/studio/courses/{course}", user="editor", staff=True),
    PageType("studio-course-form", "/studio/courses/{course}/edit", user="editor", staff=True),
    PageType("studio-quiz-lesson", "/studio/lessons/{quiz_lesson}/edit", user="editor", staff=True),
    # Check-in (签到): the learner's confirmation, the staff's screen and roster
    PageType("check-in", "/activities/check-in/{check_in_session}", user="learner"),
    PageType("check-in-screen", f"{ENDED_SESSION}/check-in", user="city_staff", staff=True),
    PageType("check-in-roster", f"{STAFF_SESSION}/roster", user="city_staff", staff=True),
    PageType(
        "staff-activity", "/staff/activities/{check_in_activity}", user="city_staff", staff=True
    ),
]

NORMAL = Mode("normal")
ELDER = Mode("elder", elder=True)
ELDER_LARGE = Mode("elder-large", elder=True, text_size="large", size_checks_only=True)
ELDER_LARGE_EN = Mode("elder-large-en", elder=True, text_size="large", locale="en")

BOTH_MODES = [NORMAL, ELDER]
EVERY_LAYOUT = [NORMAL, ELDER, ELDER_LARGE, ELDER_LARGE_EN]  # English words break less
# Staff and studio pages: normal and elder mode (people at work rarely choose A+), which
# keeps the suite within its time on two cores.
STAFF_MODES = BOTH_MODES


def modes_of(page_type: PageType) -> list[Mode]:
    return STAFF_MODES if page_type.staff else EVERY_LAYOUT


def page_type_modes() -> list[tuple[PageType, Mode]]:
    """Every page type with each of its modes, in the order the tests run."""
    return [(page_type, mode) for page_type in PAGE_TYPES for mode in modes_of(page_type)]


DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 360, "height": 640}
NARROWEST = {"width": 320, "height": 640}  # WCAG 1.4.10: 320 CSS px, no sideways scroll
