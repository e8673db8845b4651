"""Synonyms: staff add a learner's word to a group on /search/synonyms (from the zero-result
searches of /search/terms), and at the next search that word finds what the group's other
words find: no reindex. Refusals change nothing; every change is in the audit log; every
install starts with a starter list for the six modules."""

from __future__ import annotations

import os
import secrets

import flask_migrate
import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from learnhub import create_app
from learnhub.accounts.models import Role
from learnhub.audit import AuditAction, AuditEntry
from learnhub.cache import bump_content_version
from learnhub.extensions import db
from learnhub.search import services, synonyms
from learnhub.search.models import SYNONYMS, SearchSynonymGroup, SearchSynonymTerm
from tests.conftest import TEST_CONFIG
from tests.helpers import csrf_token_from, sign_in, submit
from tests.search.helpers import SEARCH_BACKENDS, add_course, app_with_search_backend

FRAUD_COURSE = "防范电信诈骗：守住咱的养老钱"  # a title of the demo catalogue
BROWSER = {"HTTP_USER_AGENT": "Mozilla/5.0 (X11; Linux x86_64) Chrome/126.0",
           "HTTP_ACCEPT": "text/html"}  # fmt: skip


pytestmark = pytest.mark.usefixtures("english")  # compares the English messages
# The tests of what a search finds run on both search backends (see tests/test_search.py).
on_both_backends = pytest.mark.parametrize("app", SEARCH_BACKENDS, indirect=True)


@pytest.fixture
def app(request, app_factory, backend):
    return app_with_search_backend(getattr(request, "param", "whoosh"), app_factory, backend)


@pytest.fixture
def fraud_course(app) -> int:
    with app.app_context():
        course = add_course(FRAUD_COURSE, "识破骗局，守住养老钱。", module="elder-digital")
        course_id = course.id
        db.session.rollback()
    return course_id


@pytest.fixture
def staff(app, make_user):
    """沈阳's city staff, signed in."""
    make_user(login="sy_staff", role=Role.CITY_STAFF, managed="210100", name="沈阳中心")
    client = app.test_client()
    sign_in(client, "sy_staff")
    return client


def found_ids(client, query: str) -> list[int]:
    data = client.get("/api/v1/search", query_string={"q": query}).json
    return [hit["id"] for hit in data["results"] if hit["kind"] == "course"]


def visitor(app):
    """A browser (its searches are counted for /search/terms)."""
    client = app.test_client()
    client.environ_base.update({"REMOTE_ADDR": "198.51.100.20", **BROWSER})
    return client


def groups(app) -> list[list[str]]:
    with app.app_context():
        found = [[t.term for t in g.terms] for g in synonyms.all_groups()]
        db.session.rollback()
        return found


def audit_entries(app) -> list[AuditEntry]:
    with app.app_context():
        found = list(db.session.scalars(select(AuditEntry).order_by(AuditEntry.id)))
        db.session.expunge_all()
        return found


def group_id_of(app, term: str) -> int:
    with app.app_context():
        found = synonyms.group_of(term).id
        db.session.rollback()
        return found


def term_id_of(app, term: str) -> int:
    with app.app_context():
        found = db.session.scalar(
            select(SearchSynonymTerm.id).where(SearchSynonymTerm.term == term)
        )
        db.session.rollback()
        return found


# ---- the "done when" --------------------------------------------------------------


@on_both_backends
def test_staff_add_a_synonym_and_a_zero_result_search_starts_finding_the_course(
    app, staff, fraud_course
):
    searcher = visitor(app)
    assert "search-popular" in searcher.get("/search?q=反诈").get_data(as_text=True)  # nothing
    assert found_ids(searcher, "反诈") == []
    terms_page = staff.get("/search/terms").get_data(as_text=True)
    not_found = terms_page.split("Searched for but not found")[1].split("</table>")[0]
    assert "反诈" in not_found
    link = "/search/synonyms?term=%E5%8F%8D%E8%AF%88"  # 反诈
    assert link in not_found

    form = staff.get(link).get_data(as_text=True)
    assert 'value="反诈"' in form  # the new group's words start with the searched word
    response = submit(staff, "/search/synonyms", {"terms": "反诈、诈骗 防骗"}, page=link)
    assert response.status_code == 302

    assert found_ids(searcher, "反诈") == [fraud_course]  # at once: no reindex
    page = searcher.get("/search?q=反诈").get_data(as_text=True)
    assert "诈骗</mark>" in page  # the course's own word is highlighted
    assert found_ids(searcher, "电信反诈") == [fraud_course]  # the word inside a phrase too
    assert found_ids(searcher, "反诈 养老") == [fraud_course]
    assert found_ids(searcher, "防骗") == [fraud_course]
    assert "反诈 / 诈骗 / 防骗" in staff.get("/search/terms").get_data(as_text=True)

    response = submit(staff, "/search/synonyms/delete",
                      {"group": group_id_of(app, "反诈")})  # fmt: skip
    assert response.status_code == 302
    assert found_ids(searcher, "反诈") == []  # removing it stops it, at once too
    assert found_ids(searcher, "诈骗") == [fraud_course]


@on_both_backends
def test_a_word_added_to_a_group_finds_and_a_word_taken_out_stops(app, staff, fraud_course):
    submit(staff, "/search/synonyms", {"terms": "诈骗 防骗"})
    assert found_ids(staff, "反诈") == []
    group = group_id_of(app, "诈骗")
    response = submit(staff, "/search/synonyms/add", {"group": group, "terms": "反诈 骗子"},
                      page="/search/synonyms")  # fmt: skip
    assert response.status_code == 302
    assert groups(app) == [["诈骗", "防骗", "反诈", "骗子"]]
    assert found_ids(staff, "反诈") == [fraud_course]
    assert found_ids(staff, "骗子") == [fraud_course]

    response = submit(staff, "/search/synonyms/remove", {"term": term_id_of(app, "反诈")},
                      page="/search/synonyms")  # fmt: skip
    assert response.status_code == 302
    assert found_ids(staff, "反诈") == []
    assert groups(app) == [["诈骗", "防骗", "骗子"]]


def test_taking_out_the_last_but_one_word_removes_the_group(app, staff):
    submit(staff, "/search/synonyms", {"terms": "太极 太极拳"})
    response = submit(staff, "/search/synonyms/remove", {"term": term_id_of(app, "太极")},
                      page="/search/synonyms", follow_redirects=True)  # fmt: skip
    assert "one word alone has no synonyms" in response.get_data(as_text=True)
    assert groups(app) == []


@on_both_backends
def test_a_word_typed_from_the_terms_page_can_join_an_existing_group(app, staff, fraud_course):
    submit(staff, "/search/synonyms", {"terms": "诈骗 防骗"})
    page = staff.get("/search/synonyms?term=反诈").get_data(as_text=True)
    assert "Or add “反诈” to a group" in page and "诈骗 / 防骗</option>" in page
    submit(staff, "/search/synonyms/add", {"group": group_id_of(app, "诈骗"), "terms": "反诈"},
           page="/search/synonyms?term=反诈")  # fmt: skip
    assert found_ids(staff, "反诈") == [fraud_course]
    page = staff.get("/search/synonyms?term=反诈").get_data(as_text=True)
    assert "“反诈” is already in the group “诈骗 / 防骗 / 反诈”" in page


@on_both_backends
def test_a_second_process_on_the_same_database_sees_the_change(app, staff, fraud_course):
    """Another app on the same database (caching off: it reads the list at each search)
    finds the course right after a change made through the first one."""
    second = create_app({**TEST_CONFIG, "SQLALCHEMY_DATABASE_URI": app.config[
        "SQLALCHEMY_DATABASE_URI"], "SEARCH_DIR": app.config["SEARCH_DIR"],
        "SEARCH_BACKEND": app.config["SEARCH_BACKEND"], "CACHE_FRAGMENTS": False})  # fmt: skip
    try:
        other = second.test_client()
        assert found_ids(other, "反诈") == []
        submit(staff, "/search/synonyms", {"terms": "反诈 诈骗"})
        assert found_ids(other, "反诈") == [fraud_course]
    finally:
        with second.app_context():
            db.engine.dispose()


REDIS_URL = os.environ.get("LEARNHUB_TEST_REDIS_URL")


@pytest.mark.skipif(not REDIS_URL, reason="set LEARNHUB_TEST_REDIS_URL to test Redis")
def test_workers_sharing_a_redis_cache_see_the_change_at_once(app, fraud_course, make_user):
    """The list is cached per content version: a change on one worker bumps it for all."""
    import redis

    prefix = f"learnhub-test-{secrets.token_hex(4)}:"
    config = {**TEST_CONFIG, "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
              "SEARCH_DIR": app.config["SEARCH_DIR"], "CACHE_TYPE": "RedisCache",
              "CACHE_REDIS_URL": REDIS_URL, "CACHE_KEY_PREFIX": prefix}  # fmt: skip
    first, second = create_app(config), create_app(config)
    try:
        make_user(login="sy_staff2", role=Role.CITY_STAFF, managed="210100")
        editor = first.test_client()
        sign_in(editor, "sy_staff2")
        other = second.test_client()
        assert found_ids(other, "反诈") == []  # the empty list is cached now
        submit(editor, "/search/synonyms", {"terms": "反诈 诈骗"})
        assert found_ids(other, "反诈") == [fraud_course]
    finally:
        for worker in (first, second):
            with worker.app_context():
                db.engine.dispose()
        server = redis.Redis.from_url(REDIS_URL)
        for key in server.scan_iter(f"{prefix}*"):
            server.delete(key)


def test_without_an_index_the_database_search_uses_the_synonyms_too(app, fraud_course):
    with app.app_context():
        synonyms.add_group("反诈 诈骗")
        db.session.commit()
        found = services.database_search("反诈", synonyms=synonyms.synonym_map())
        assert [hit.object_id for hit in found.hits] == [fraud_course]
        assert services.database_search("反诈").total == 0


# ---- refusals -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("", "Enter at least two words"),
        ("   、 ", "Enter at least two words"),
        ("反诈", "Enter at least two words"),  # one word alone is no group
        ("反诈 " + "诈" * 21, "a word has at most 20 characters"),
        (" ".join(f"词{i}" for i in range(13)), "A group has at most 12 words"),
        ("<b>反诈</b> 诈骗", "a word holds only Chinese characters, letters and digits"),
        ('反诈 "诈骗"', "a word holds only Chinese characters, letters and digits"),
        ("防骗 太极", "“防骗” is already in the group “诈骗 / 防骗”"),
    ],
)
def test_a_refused_group_says_why_and_changes_nothing(app, staff, typed, message):
    submit(staff, "/search/synonyms", {"terms": "诈骗 防骗"})
    before = (groups(app), len(audit_entries(app)))
    response = submit(staff, "/search/synonyms", {"terms": typed})
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert "&lt;b&gt;" in response.get_data(as_text=True) or "<b>反诈" not in typed
    assert (groups(app), len(audit_entries(app))) == before


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("", "Enter the words to add"),
        ("诈骗", "“诈骗” is already in this group"),
        ("太极拳", "“太极拳” is already in the group “太极 / 太极拳”"),
        ("x" * 21, "a word has at most 20 characters"),
        (" ".join(f"词{i}" for i in range(11)), "A group has at most 12 words"),
    ],
)
def test_refused_words_for_a_group_say_why_and_change_nothing(app, staff, typed, message):
    submit(staff, "/search/synonyms", {"terms": "诈骗 防骗"})
    submit(staff, "/search/synonyms", {"terms": "太极 太极拳"})
    before = (groups(app), len(audit_entries(app)))
    response = submit(staff, "/search/synonyms/add",
                      {"group": group_id_of(app, "诈骗"), "terms": typed},
                      page="/search/synonyms")  # fmt: skip
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert (groups(app), len(audit_entries(app))) == before


@pytest.mark.parametrize("route", ["/search/synonyms/add", "/search/synonyms/remove",
                                   "/search/synonyms/delete"])  # fmt: skip
def test_a_group_or_word_that_is_gone_is_refused_without_an_error(app, staff, route):
    response = submit(staff, route, {"group": "987654", "term": "987654", "terms": "反诈"},
                      page="/search/synonyms")  # fmt: skip
    assert response.status_code == 400
    assert "no longer" in response.get_data(as_text=True)


def test_the_database_keeps_a_word_in_one_group_only(app):
    with app.app_context():
        synonyms.add_group("反诈 诈骗")
        db.session.commit()
        db.session.add(SearchSynonymGroup(terms=[SearchSynonymTerm(term="反诈")]))
        with pytest.raises(IntegrityError):
            db.session.flush()
        db.session.rollback()


def test_learners_cannot_change_synonyms_even_with_a_valid_token(app, staff, make_user):
    submit(staff, "/search/synonyms", {"terms": "诈骗 防骗"})
    make_user(login="learner1")
    learner = app.test_client()
    sign_in(learner, "learner1")
    token = csrf_token_from(learner.get("/me/account").get_data(as_text=True))
    group, term = group_id_of(app, "诈骗"), term_id_of(app, "诈骗")
    before = (groups(app), len(audit_entries(app)))
    for url, data in [("/search/synonyms", {"terms": "反诈 骗子"}),
                      ("/search/synonyms/add", {"group": group, "terms": "反诈"}),
                      ("/search/synonyms/remove", {"term": term}),
                      ("/search/synonyms/delete", {"group": group})]:  # fmt: skip
        assert learner.post(url, data={"csrf_token": token, **data}).status_code == 403
    assert learner.get("/search/synonyms").status_code == 403
    assert (groups(app), len(audit_entries(app))) == before


def test_a_post_without_the_csrf_token_is_refused(app, staff):
    response = staff.post("/search/synonyms", data={"terms": "反诈 诈骗"})
    assert response.status_code == 400
    assert groups(app) == []


# ---- audit --------------------------------------------------------------------------------


def test_every_change_is_in_the_audit_log_with_who_and_the_words(app, staff):
    submit(staff, "/search/synonyms", {"terms": "诈骗 防骗"})
    group = group_id_of(app, "诈骗")
    submit(staff, "/search/synonyms/add", {"group": group, "terms": "反诈"},
           page="/search/synonyms")  # fmt: skip
    submit(staff, "/search/synonyms/remove", {"term": term_id_of(app, "防骗")},
           page="/search/synonyms")  # fmt: skip
    submit(staff, "/search/synonyms/delete", {"group": group}, page="/search/synonyms")
    entries = audit_entries(app)
    assert {e.action for e in entries} == {AuditAction.SEARCH_SYNONYMS_CHANGED}
    assert [e.details["change"] for e in entries] == [
        "group_added", "terms_added", "term_removed", "group_deleted"]  # fmt: skip
    assert entries[0].details["terms"] == ["诈骗", "防骗"]
    assert entries[1].details["added"] == ["反诈"]
    assert entries[1].details["after"] == ["诈骗", "防骗", "反诈"]
    assert entries[2].details["term"] == "防骗"
    assert entries[3].details["before"] == ["诈骗", "反诈"]
    assert {e.details["group"] for e in entries} == {group}
    with app.app_context():
        actor = db.session.get(AuditEntry, entries[0].id).actor
        assert actor.username == "sy_staff" and entries[0].actor_role == "city_staff"
    assert entries[0].label == "Search synonyms changed"


# ---- the starter list ---------------------------------------------------------------------


def test_every_install_starts_with_a_starter_list_that_works(app, client):
    """The migration's data step (what `flask db upgrade` does on a new site), on titles of
    the demo catalogue that do not say the words searched for."""
    with app.app_context():
        fraud = add_course(FRAUD_COURSE, "", module="elder-digital").id
        exercise = add_course("居家健身：八段锦入门跟练", "", module="health").id
        history = add_course("开天辟地：中国共产党的创建", "", module="party-history").id
        db.session.rollback()
    searches = {"反诈": fraud, "锻炼": exercise, "建党百年": history}
    for typed in searches:
        assert found_ids(client, typed) == []
    with app.app_context():
        db.session.remove()
        flask_migrate.downgrade(revision="0028_activity_once")
        flask_migrate.upgrade()
        bump_content_version(SYNONYMS)  # a process started after the upgrade reads it anew
        count = db.session.scalar(select(func.count()).select_from(SearchSynonymGroup))
        assert count >= 30
        assert set(synonyms.synonym_map()["反诈"]) >= {"防骗", "诈骗", "防诈骗"}
        db.session.rollback()
    for typed, course in searches.items():
        assert course in found_ids(client, typed), typed
