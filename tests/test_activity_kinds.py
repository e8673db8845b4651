"""The editable list of activity kinds: seeded with the province's ten, kept by province staff."""

import pytest
from sqlalchemy import select

from learnhub.activities.kinds import STANDARD_KINDS, all_kinds, ensure_activity_kinds
from learnhub.activities.models import ActivityKind
from learnhub.audit import AuditAction, AuditEntry
from learnhub.extensions import db
from tests.activity_staff_steps import (
    activity_fields,
    count,
    create_activity,
    make_staff,
    new_activity_id,
    sign_in_en,
)
from tests.helpers import submit

KINDS = "/staff/activities/kinds"


@pytest.fixture
def staff(app, make_user):
    return make_staff(app, make_user)


def names(app) -> list[str]:
    with app.app_context():
        return [k.name for k in all_kinds()]


def kind_id(app, name: str) -> int:
    with app.app_context():
        return db.session.scalar(select(ActivityKind.id).where(ActivityKind.name == name))


def test_the_ten_kinds_of_the_province_are_there_once(app):
    assert names(app) == ["学党史", "好书推荐", "好书诵读", "专题讲座", "公益培训", "成果竞赛",
                          "社区大讲堂", "送教上门", "广场舞", "运动健身"]  # fmt: skip
    with app.app_context():
        assert ensure_activity_kinds() == 0  # running set-up again adds nothing
        english = {k.name: k.name_en for k in all_kinds()}
    assert english["广场舞"] == "Square dancing" and len(STANDARD_KINDS) == 10


def test_province_staff_add_rename_reorder_and_retire(client, app, staff):
    sign_in_en(client, "province")
    added = submit(client, KINDS, {"name": "非遗传承", "name_en": "Intangible heritage"})
    assert added.status_code == 302
    assert names(app)[-1] == "非遗传承"
    duplicate = submit(client, KINDS, {"name": "广场舞", "name_en": "Dance again"})
    assert duplicate.status_code == 400
    assert "Another kind already has this name." in duplicate.get_data(as_text=True)
    assert count(app, ActivityKind) == 11

    dance = kind_id(app, "广场舞")
    renamed = submit(
        client, f"{KINDS}/{dance}/edit", {"name": "广场舞展演", "name_en": "Square dance show"}
    )
    assert renamed.status_code == 302 and "广场舞展演" in names(app)

    assert (
        submit(
            client, f"{KINDS}/{kind_id(app, '学党史')}/move", {"step": "1"}, page=KINDS
        ).status_code
        == 302
    )
    assert names(app)[:2] == ["好书推荐", "学党史"]
    top = submit(client, f"{KINDS}/{kind_id(app, '好书推荐')}/move", {"step": "-1"}, page=KINDS)
    assert top.status_code == 303 and names(app)[0] == "好书推荐"  # nothing moves past the top

    assert submit(client, f"{KINDS}/{dance}/retire", {}, page=KINDS).status_code == 302
    form = client.get("/staff/activities/new").get_data(as_text=True)
    assert ">Square dance show<" not in form and ">Party history study<" in form
    with app.app_context():
        actions = list(db.session.scalars(select(AuditEntry.details_json).where(
            AuditEntry.action == AuditAction.ACTIVITY_KINDS_CHANGED)))  # fmt: skip
    assert [a for a in actions if '"change": "added"' in a]
    assert len(actions) == 4  # added, renamed, moved, retired (the refused move is not)
    assert submit(client, f"{KINDS}/{dance}/restore", {}, page=KINDS).status_code == 302
    assert ">Square dance show<" in client.get("/staff/activities/new").get_data(as_text=True)


def test_a_retired_kind_stays_on_its_activities_but_is_refused_for_new_ones(client, app, staff):
    lecture = staff["kind"]
    sign_in_en(client, "heping")
    activity_id = new_activity_id(client, staff)
    with app.app_context():
        db.session.get(ActivityKind, lecture).retired = True
        db.session.commit()
    refused = create_activity(client, staff, title="新讲座")
    assert refused.status_code == 400
    assert ">Lecture</option>" not in client.get("/staff/activities/new").get_data(as_text=True)
    edit = client.get(f"/staff/activities/{activity_id}/edit").get_data(as_text=True)
    assert ">Lecture</option>" in edit  # still its own kind
    kept = submit(client, f"/staff/activities/{activity_id}/edit",
                  {**activity_fields(staff), "title": "改名的讲座"})  # fmt: skip
    assert kept.status_code == 302


def test_only_province_staff_change_the_kinds(client, app, staff):
    dance = kind_id(app, "广场舞")
    for login in ("sy_staff", "heping", "learner_a"):
        intruder = app.test_client()
        sign_in_en(intruder, login)
        token_page = "/me/account"
        assert intruder.get(KINDS).status_code == 403
        for url, data in ((KINDS, {"name": "新", "name_en": "New"}),
                          (f"{KINDS}/{dance}/edit", {"name": "改", "name_en": "Changed"}),
                          (f"{KINDS}/{dance}/move", {"step": "1"}),
                          (f"{KINDS}/{dance}/retire", {}),
                          (f"{KINDS}/{dance}/restore", {})):  # fmt: skip
            assert submit(intruder, url, data, page=token_page).status_code == 403, (login, url)
    assert names(app)[8] == "广场舞" and count(app, ActivityKind) == 10
    with app.app_context():
        assert not db.session.get(ActivityKind, dance).retired
