"""Error pages, CSRF rejection, cookies and response headers."""

import pytest
from huey.storage import RedisStorage
from sqlalchemy import func, select

from learnhub.accounts.models import User
from learnhub.accounts.route_rules import ANYONE, ROUTE_RULES
from learnhub.extensions import db
from learnhub.jobs.queue import queue
from learnhub.search.index import SearchIndex
from learnhub.search.sync import rebuild_index
from tests.helpers import csrf_token_from

GOOD = {"login": "13812345678", "display_name": "李淑珍", "password": "correct horse battery",
        "confirm": "correct horse battery", "city": "210100", "district": "210102",
        "agree": "y"}  # fmt: skip


def user_count(app):
    with app.app_context():
        return db.session.scalar(select(func.count(User.id)))


def test_unknown_page_gets_a_404_in_the_sites_style_and_language(client):
    response = client.get("/no/such/page")
    page = response.get_data(as_text=True)
    assert response.status_code == 404
    assert "找不到这个页面" in page and "辽宁省终身学习网" in page and "回到首页" in page


def test_404_in_english_for_an_english_visitor(client):
    client.set_cookie("learnhub_locale", "en")
    page = client.get("/no/such/page").get_data(as_text=True)
    assert "Page not found" in page and "找不到" not in page


def test_api_errors_are_json(client):
    response = client.get("/api/v1/regions/123456/children")
    assert response.status_code == 404
    assert response.json["error"]["title"] == "找不到这个页面"


def test_server_error_page_rolls_back_and_hides_the_traceback(app, client):
    @app.get("/boom")
    def boom():
        db.session.add(User(username="half_written", display_name="x", password_hash="x",
                            city_code="210100"))  # fmt: skip
        db.session.flush()
        raise RuntimeError("secret internals")

    ROUTE_RULES["boom"] = ANYONE  # a route of this test only, open to all
    app.config["PROPAGATE_EXCEPTIONS"] = False
    response = client.get("/boom")
    page = response.get_data(as_text=True)
    assert response.status_code == 500
    assert "网站出了点问题" in page and "secret internals" not in page
    assert user_count(app) == 0
    del ROUTE_RULES["boom"]


def test_staff_page_refuses_with_a_403_page(client, make_user):
    from tests.helpers import sign_in

    make_user(login="zhanglan")
    sign_in(client, "zhanglan")
    response = client.get("/staff/")
    assert response.status_code == 403
    assert "您没有权限查看这个页面" in response.get_data(as_text=True)


def test_post_without_csrf_token_is_refused_and_writes_nothing(client, app):
    response = client.post("/register", data=GOOD)
    assert response.status_code == 400
    assert "表单已失效或不是来自本站" in response.get_data(as_text=True)
    assert user_count(app) == 0


def test_post_with_forged_csrf_token_is_refused(client, app):
    client.get("/register")
    response = client.post("/register", data={**GOOD, "csrf_token": "forged.token.value"})
    assert response.status_code == 400
    assert user_count(app) == 0


def test_csrf_token_of_another_session_is_refused(client, app):
    other = app.test_client()
    token = csrf_token_from(other.get("/register").get_data(as_text=True))
    client.get("/register")
    response = client.post("/register", data={**GOOD, "csrf_token": token})
    assert response.status_code == 400
    assert user_count(app) == 0


def test_preference_switches_need_the_token_too(client):
    response = client.post("/preferences/language", data={"locale": "en"})
    assert response.status_code == 400
    assert client.get_cookie("learnhub_locale") is None


@pytest.mark.parametrize("path", ["/", "/login", "/no/such/page"])
def test_strict_headers_on_every_page(client, path):
    headers = client.get(path).headers
    csp = headers["Content-Security-Policy"]
    assert "default-src 'self'" in csp and "script-src 'self'" in csp
    assert "frame-ancestors 'none'" in csp and "object-src 'none'" in csp
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["Referrer-Policy"] == "same-origin"
    assert "Strict-Transport-Security" not in headers  # only when served over HTTPS


def test_session_cookie_is_http_only_and_same_site(client, make_user):
    from tests.helpers import sign_in

    make_user(login="zhanglan")
    sign_in(client, "zhanglan")
    cookie = client.get_cookie("learnhub_session")
    assert cookie.http_only and cookie.same_site == "Lax" and not cookie.secure


def test_pages_load_nothing_from_other_origins(client):
    page = client.get("/register").get_data(as_text=True)
    assert "http://" not in page and "https://" not in page and 'src="//' not in page


def test_health_check_reports_the_database_the_job_queue_and_search(app, client):
    with app.app_context():
        rebuild_index()
    answer = client.get("/healthz")
    assert answer.status_code == 200
    assert answer.json == {
        "status": "ok",
        "checks": {"database": "ok", "jobs": "ok", "search": "ok"},
    }


def test_a_missing_search_index_is_degraded_but_keeps_the_host_in(app, client, tmp_path):
    app.extensions["learnhub_search"] = SearchIndex(str(tmp_path / "never-built"))
    answer = client.get("/healthz")
    assert answer.status_code == 200  # search falls back to the database meanwhile
    assert answer.json["status"] == "degraded" and answer.json["checks"]["search"] == "missing"


def test_an_unreachable_job_queue_takes_the_host_out(app, client):
    working = queue.storage
    queue.storage = RedisStorage(name="learnhub", url="redis://127.0.0.1:1/0")  # nobody there
    try:
        answer = client.get("/healthz")
    finally:
        queue.storage = working
    assert answer.status_code == 503
    assert answer.json["status"] == "down" and answer.json["checks"]["jobs"] == "unavailable"
    assert answer.json["checks"]["database"] == "ok"
