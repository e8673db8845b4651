"""Submissions through the pages, as staff use them: setting a task, drafting and uploading,
submitting, deciding, the board, the ZIP and private files — and every refusal of another
region's staff, each with a valid CSRF token and a role the route rule lets through."""

from __future__ import annotations

import io
import threading
import zipfile

import pytest
from sqlalchemy import func, select

from learnhub.audit import AuditAction, AuditEntry
from learnhub.extensions import db
from learnhub.submissions import drafts
from learnhub.submissions.models import ItemKind, SubmissionFile, SubmissionTask, SubmissionVersion
from tests.helpers import csrf_token_from, sign_in, submit
from tests.submission_steps import (
    DALIAN,
    EXE,
    HEPING,
    JPEG,
    PDF,
    PLAN_TEXT,
    SHENHE,
    SHENYANG,
    fill_and_submit,
    in_english,
    item,
    make_people,
    make_task,
    task_of,
    user,
)


@pytest.fixture
def people(app, make_user):
    return make_people(make_user)


def _client(app, login: str):
    """A browser signed in as this person, reading English."""
    client = app.test_client()
    sign_in(client, login)
    client.set_cookie("learnhub_locale", "en")
    return client


def _task(app, **kwargs) -> int:
    with in_english(app):
        return make_task(**kwargs)


def _items(app, task_id: int) -> dict[ItemKind, int]:
    with app.app_context():
        return {i.kind: i.id for i in task_of(task_id).items}


def _token(client, page: str) -> str:
    return csrf_token_from(client.get(page).get_data(as_text=True))


def _unit(task_id: int, code: str) -> str:
    return f"/staff/submissions/tasks/{task_id}/units/{code}"


def _upload(client, task_id, code, item_id, data, name, caption="", token=None):
    token = token or _token(client, _unit(task_id, code))
    return client.post(
        f"{_unit(task_id, code)}/files",
        data={"csrf_token": token, "item": str(item_id), "caption": caption,
              "file": (io.BytesIO(data), name)},
        content_type="multipart/form-data",
    )  # fmt: skip


def _refusals() -> int:
    return db.session.scalar(select(func.count(AuditEntry.id)).where(AuditEntry.refused.is_(True)))


def test_province_staff_set_a_task_on_the_page_and_see_the_board(app, people):
    client = _client(app, "province")
    response = submit(client, "/staff/submissions/tasks/new", {
        "title": "活动周特色案例和先进典型", "instructions": "<p>3个以上</p><img src=x onerror=y>",
        "due_date": "2099-10-25", "due_time": "17:00", "remind_days": "3",
        "units": "chosen_cities", "cities": [SHENYANG, DALIAN],
        "item0_kind": "text", "item0_label": "特色案例", "item0_minimum": "300",
        "item1_kind": "video", "item1_label": "案例视频", "item1_minimum": "0",
        "item1_max_mb": "200",
        "item2_kind": "figures", "item2_label": "活动数据", "item2_fields": "活动场次\n参与人次",
    })  # fmt: skip
    assert response.status_code == 302
    board = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Not started: <strong>2</strong>" in board
    assert f"/units/{SHENYANG}" in board and f"/units/{DALIAN}" in board
    with app.app_context():
        task = db.session.scalar(select(SubmissionTask))
        assert "onerror" not in task.instructions_html
        assert task.due_at.isoformat() == "2099-10-25T09:00:00+00:00"  # 17:00 China time
        assert [i.field_names for i in task.items][2] == ["活动场次", "参与人次"]


def test_a_city_cannot_ask_another_citys_districts_on_the_page(app, people):
    client = _client(app, "shenyang")
    response = submit(client, "/staff/submissions/tasks/new", {
        "title": "资源清单", "due_date": "2099-12-20", "due_time": "17:00", "remind_days": "3",
        "units": "city_districts", "city": DALIAN, "item0_kind": "text", "item0_label": "清单",
    })  # fmt: skip
    assert response.status_code == 400
    assert "Choose one of the options in the list." in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(func.count(SubmissionTask.id))) == 0


def test_a_unit_uploads_photos_submits_and_the_owner_accepts(app, people):
    task_id = _task(app)
    items = _items(app, task_id)
    client = _client(app, "shenyang")
    page = _unit(task_id, SHENYANG)
    saved = submit(client, page, {f"text_{items[ItemKind.TEXT]}": PLAN_TEXT,
                                  f"fig_{items[ItemKind.FIGURES]}_0": "12",
                                  f"fig_{items[ItemKind.FIGURES]}_1": "３４００"})  # fmt: skip
    assert saved.status_code == 302
    for caption in ("开幕式", "读书会"):
        assert _upload(client, task_id, SHENYANG, items[ItemKind.PHOTOS], JPEG, "p.jpg",
                       caption).status_code == 302  # fmt: skip
    assert _upload(client, task_id, SHENYANG, items[ItemKind.DOCUMENTS], PDF,
                   "方案.pdf").status_code == 302  # fmt: skip
    assert "Everything required is there." in client.get(page).get_data(as_text=True)
    assert submit(client, f"{page}/submit", {}, page=page).status_code == 302
    assert "Submitted" in client.get(page).get_data(as_text=True)

    owner = _client(app, "province")
    decided = submit(owner, f"{page}/review", {"decision": "accepted", "comments": ""},
                     page=page)  # fmt: skip
    assert decided.status_code == 302
    assert "Accepted: <strong>1</strong>" in owner.get(
        f"/staff/submissions/tasks/{task_id}"
    ).get_data(as_text=True)
    archive = owner.get(f"/staff/submissions/tasks/{task_id}/accepted.zip")
    assert archive.status_code == 200 and archive.mimetype == "application/zip"
    assert archive.headers["Cache-Control"] == "private, no-store"
    with zipfile.ZipFile(io.BytesIO(archive.data)) as zipped:
        assert "沈阳市/展板照片-开幕式.jpg" in zipped.namelist()
    archive.close()
    with app.app_context():
        assert db.session.scalar(
            select(func.count(AuditEntry.id)).where(
                AuditEntry.action == str(AuditAction.SUBMISSIONS_DOWNLOADED)
            )
        ) == 1  # fmt: skip


def test_files_are_sent_privately_to_the_unit_and_the_owner_only(app, people):
    task_id = _task(app)
    with in_english(app):
        fill_and_submit(task_id, "shenyang", SHENYANG)
        file_id = db.session.scalar(select(SubmissionFile.id).limit(1))
    for login in ("shenyang", "province"):
        response = _client(app, login).get(f"/staff/submissions/files/{file_id}")
        assert response.status_code == 200, login
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert "no-store" in response.headers["Cache-Control"]
        assert response.headers["Content-Disposition"].startswith("attachment")
        assert response.data == JPEG
        response.close()
    for login in ("dalian", "heping"):
        assert _client(app, login).get(f"/staff/submissions/files/{file_id}").status_code == 404
    assert _client(app, "learner").get(f"/staff/submissions/files/{file_id}").status_code == 403


def test_other_units_staff_are_kept_out_and_their_posts_refused(app, people):
    task_id = _task(app, units=(SHENYANG, DALIAN))
    items = _items(app, task_id)
    dalian = _client(app, "dalian")
    own_page = _unit(task_id, DALIAN)
    token = _token(dalian, own_page)  # a valid token of dalian's own session
    assert dalian.get(_unit(task_id, SHENYANG)).status_code == 404
    assert dalian.get(f"/staff/submissions/tasks/{task_id}").status_code == 404  # not the owner
    forged = {"csrf_token": token, f"text_{items[ItemKind.TEXT]}": "冒名顶替"}
    posted = dalian.post(_unit(task_id, SHENYANG), data=forged)
    assert posted.status_code == 403
    assert "You can only submit for your own unit." in posted.get_data(as_text=True)
    uploaded = _upload(dalian, task_id, SHENYANG, items[ItemKind.PHOTOS], JPEG, "p.jpg", "冒名",
                       token=token)  # fmt: skip
    assert uploaded.status_code == 403
    sent = dalian.post(f"{_unit(task_id, SHENYANG)}/submit", data={"csrf_token": token})
    assert sent.status_code == 403
    heping = _client(app, "heping")  # a district of 沈阳: not a unit of this task
    assert heping.get(_unit(task_id, SHENYANG)).status_code == 404
    with app.app_context():
        assert drafts.submission_of(task_of(task_id), SHENYANG) is None
        assert db.session.scalar(select(func.count(SubmissionFile.id))) == 0
        assert _refusals() == 3


def test_the_owner_cannot_submit_for_a_unit_nor_a_unit_decide(app, people):
    task_id = _task(app)
    with in_english(app):
        fill_and_submit(task_id, "shenyang", SHENYANG)
    page = _unit(task_id, SHENYANG)
    items = _items(app, task_id)
    owner = _client(app, "province")
    token = _token(owner, page)
    refused = owner.post(page, data={"csrf_token": token, f"text_{items[ItemKind.TEXT]}": "x"})
    assert refused.status_code == 403
    unit = _client(app, "shenyang")
    decided = unit.post(f"{page}/review", data={"csrf_token": _token(unit, page),
                                                "decision": "accepted"})  # fmt: skip
    assert decided.status_code == 403
    assert "Only the staff who set this task decide" in decided.get_data(as_text=True)


def test_a_city_sees_its_districts_submissions_for_its_own_tasks(app, people):
    task_id = _task(app, owner="shenyang", units=(HEPING, SHENHE))
    with in_english(app):
        fill_and_submit(task_id, "heping", HEPING)
    city = _client(app, "shenyang")
    assert "Submitted" in city.get(f"/staff/submissions/tasks/{task_id}").get_data(as_text=True)
    assert city.get(_unit(task_id, HEPING)).status_code == 200
    returned = submit(city, f"{_unit(task_id, HEPING)}/review",
                      {"decision": "returned", "comments": "请补充照片说明"},
                      page=_unit(task_id, HEPING))  # fmt: skip
    assert returned.status_code == 302
    assert _client(app, "shenhe").get(_unit(task_id, HEPING)).status_code == 404
    assert _client(app, "province").get(_unit(task_id, HEPING)).status_code == 404
    assert _client(app, "dalian").get(f"/staff/submissions/tasks/{task_id}").status_code == 404
    revised = _client(app, "heping").get(_unit(task_id, HEPING)).get_data(as_text=True)
    assert "Returned" in revised and "请补充照片说明" in revised and "Save the draft" in revised


@pytest.mark.parametrize(
    ("kind", "data", "name", "caption", "message"),
    [
        (ItemKind.PHOTOS, EXE, "photo.jpg", "开幕式", "is a program"),
        (ItemKind.DOCUMENTS, EXE, "方案.pdf", "", "is a program"),
        (ItemKind.PHOTOS, JPEG, "p.jpg", "开幕式现场全体合影留念", "at most 10 characters"),
        (ItemKind.PHOTOS, PDF, "p.jpg", "照片", "JPEG or PNG"),
    ],
)
def test_wrong_files_are_refused_on_the_page(app, people, kind, data, name, caption, message):
    task_id = _task(app)
    client = _client(app, "shenyang")
    response = _upload(client, task_id, SHENYANG, _items(app, task_id)[kind], data, name, caption)
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(func.count(SubmissionFile.id))) == 0


def test_too_short_a_text_and_a_closed_task_are_refused_on_the_page(app, people):
    task_id = _task(app)
    items = _items(app, task_id)
    client = _client(app, "shenyang")
    page = _unit(task_id, SHENYANG)
    submit(client, page, {f"text_{items[ItemKind.TEXT]}": "太短"})
    short = submit(client, f"{page}/submit", {}, page=page)
    assert short.status_code == 400
    assert "at least 300 characters (now 2)" in short.get_data(as_text=True)
    owner = _client(app, "province")
    closed = submit(owner, f"/staff/submissions/tasks/{task_id}/close", {},
                    page=f"/staff/submissions/tasks/{task_id}")  # fmt: skip
    assert closed.status_code == 302
    token = _token(client, "/staff/submissions/")
    late = client.post(page, data={"csrf_token": token, f"text_{items[ItemKind.TEXT]}": "新"})
    assert late.status_code == 400
    assert "This task is closed" in late.get_data(as_text=True)
    with app.app_context():
        text = drafts.draft_entries(drafts.submission_of(task_of(task_id), SHENYANG))
        assert text[items[ItemKind.TEXT]].text == "太短"


def test_learners_and_county_staff_cannot_set_tasks(app, people):
    assert _client(app, "learner").get("/staff/submissions/").status_code == 403
    assert _client(app, "heping").get("/staff/submissions/tasks/new").status_code == 403
    assert _client(app, "heping").get("/staff/submissions/").status_code == 200


def test_only_the_owner_sees_the_board_closes_and_downloads(app, people):
    task_id = _task(app, owner="shenyang", units=(HEPING, SHENHE))
    board = f"/staff/submissions/tasks/{task_id}"
    for login in ("dalian", "heping", "province"):
        client = _client(app, login)
        token = _token(client, "/staff/submissions/")
        assert client.get(board).status_code == 404, login
        assert client.get(f"{board}/accepted.zip").status_code == 404, login
        closing = client.post(f"{board}/close", data={"csrf_token": token})
        assert closing.status_code == 404, login
    with app.app_context():
        assert task_of(task_id).closed_at is None


def test_two_submits_at_once_make_one_version(app, people):
    task_id = _task(app)
    with in_english(app):
        fill_and_submit_draft_only(task_id)
    page = _unit(task_id, SHENYANG)
    clients = [_client(app, "shenyang") for _ in range(2)]
    tokens = [_token(client, page) for client in clients]
    barrier, statuses = threading.Barrier(2), []

    def post(client, token):
        barrier.wait()
        statuses.append(client.post(f"{page}/submit", data={"csrf_token": token}).status_code)

    threads = [
        threading.Thread(target=post, args=pair) for pair in zip(clients, tokens, strict=True)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert 302 in statuses and all(status in (302, 303, 400) for status in statuses), statuses
    with app.app_context():
        assert db.session.scalar(select(func.count(SubmissionVersion.id))) == 1


def fill_and_submit_draft_only(task_id: int) -> None:
    """Everything the task asks, saved as a draft (not submitted)."""
    task = task_of(task_id)
    staff = user("shenyang")
    text, photos, documents, figures = (item(task, k) for k in ItemKind if k is not ItemKind.VIDEO)
    drafts.save_draft(staff, task, SHENYANG, {text.id: PLAN_TEXT},
                      {figures.id: {"活动场次": 1, "参与人次": 2}})  # fmt: skip
    for caption in ("开幕式", "读书会"):
        drafts.add_file(staff, task, SHENYANG, photos, io.BytesIO(JPEG), "p.jpg", caption)
    drafts.add_file(staff, task, SHENYANG, documents, io.BytesIO(PDF), "方案.pdf", "")
    db.session.commit()
