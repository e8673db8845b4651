"""Creating staff accounts with one-time activation links, and the attacks on the links:
replayed, expired, altered, voided by a newer link, used twice at once."""

from __future__ import annotations

import threading
from datetime import timedelta

from sqlalchemy import select, update

from learnhub.accounts.one_time import secret_hash
from learnhub.accounts.passwords import verify_password
from learnhub.audit import AuditAction
from learnhub.database import utcnow
from learnhub.extensions import db
from learnhub.people.models import NO_PASSWORD_YET, StaffActivation
from tests.helpers import csrf_token_from, sign_in, submit

from .helpers import (
    NEW_PASSWORD,
    SHENYANG,
    audit_rows,
    english,
    link_on,
    signed_in_as,
    user_by_login,
)

NEW = "/staff/people/new"


def create(client, login="sy_new_editor", role="editor", region=SHENYANG, name="新编辑"):
    return submit(client, NEW, {"login": login, "display_name": name, "role": role,
                                "region": region})  # fmt: skip


def activate(client, path: str, password: str = NEW_PASSWORD, confirm: str | None = None):
    return submit(client, path, {"password": password, "confirm": confirm or password})


def test_province_staff_create_a_city_editor_who_activates_with_the_link(app, staff):
    province = signed_in_as(app, "province")
    response = create(province)
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    path = link_on(response.get_data(as_text=True))
    token = path.rsplit("/", 1)[1]

    made = user_by_login(app, "sy_new_editor")
    assert made.role == "editor" and made.managed_region_code == SHENYANG
    assert made.password_hash == NO_PASSWORD_YET and made.active
    with app.app_context():
        link = db.session.scalar(select(StaffActivation).where(StaffActivation.user_id == made.id))
        assert link.token_hash == secret_hash(token)  # only the hash is kept
        assert token not in link.token_hash
        lifetime = link.expires_at - link.created_at
        assert lifetime == timedelta(hours=72)
    (created,) = audit_rows(app, action=AuditAction.STAFF_CREATED)
    assert created.actor_id == staff["province"] and created.subject_id == made.id
    assert created.details == {"role": "editor", "region": SHENYANG}

    newcomer = english(app.test_client())
    assert sign_in(newcomer, "sy_new_editor", NO_PASSWORD_YET).status_code == 400  # none yet
    page = newcomer.get(path)
    assert page.status_code == 200 and "Choose your password" in page.get_data(as_text=True)
    done = activate(newcomer, path)
    assert done.status_code == 302 and done.headers["Location"].endswith("/login")
    assert sign_in(newcomer, "sy_new_editor", NEW_PASSWORD).status_code == 302
    (activated,) = audit_rows(app, action=AuditAction.STAFF_ACTIVATED)
    assert activated.actor_id == activated.subject_id == made.id


def test_a_used_link_cannot_be_replayed(app, staff):
    path = link_on(create(signed_in_as(app, "province")).get_data(as_text=True))
    first = english(app.test_client())
    assert activate(first, path).status_code == 302
    replay = english(app.test_client())
    response = replay.get(path)
    assert response.status_code == 400
    assert "cannot be used" in response.get_data(as_text=True)
    # Posting to it anyway (a token of the form from before) changes nothing.
    token = csrf_token_from(replay.get("/login").get_data(as_text=True))
    again = replay.post(path, data={"csrf_token": token, "password": "another long secret 77",
                                    "confirm": "another long secret 77"})  # fmt: skip
    assert again.status_code == 400
    made = user_by_login(app, "sy_new_editor")
    with app.app_context():
        assert verify_password(made.password_hash, NEW_PASSWORD)


def test_an_expired_link_changes_nothing(app, staff):
    path = link_on(create(signed_in_as(app, "province")).get_data(as_text=True))
    with app.app_context():
        db.session.execute(
            update(StaffActivation).values(expires_at=utcnow() - timedelta(minutes=1))
        )
        db.session.commit()
    newcomer = english(app.test_client())
    assert newcomer.get(path).status_code == 400
    assert user_by_login(app, "sy_new_editor").password_hash == NO_PASSWORD_YET
    assert not audit_rows(app, action=AuditAction.STAFF_ACTIVATED)


def test_an_altered_link_opens_nothing(app, staff):
    path = link_on(create(signed_in_as(app, "province")).get_data(as_text=True))
    altered = path[:-1] + ("A" if path[-1] != "A" else "B")
    newcomer = english(app.test_client())
    assert newcomer.get(altered).status_code == 400
    assert newcomer.get("/activate/" + "x" * 500).status_code == 400
    assert user_by_login(app, "sy_new_editor").password_hash == NO_PASSWORD_YET


def test_a_new_link_voids_the_old_one(app, staff):
    province = signed_in_as(app, "province")
    old = link_on(create(province).get_data(as_text=True))
    made = user_by_login(app, "sy_new_editor")
    page = f"/staff/people/{made.id}"
    response = submit(province, f"/staff/people/{made.id}/link", {}, page=page)
    assert response.status_code == 200
    new = link_on(response.get_data(as_text=True))
    assert new != old
    newcomer = english(app.test_client())
    assert newcomer.get(old).status_code == 400
    assert activate(newcomer, new).status_code == 302
    assert audit_rows(app, action=AuditAction.ACTIVATION_REISSUED)[0].subject_id == made.id
    # Once activated, no new link is made (that would be a password reset).
    again = submit(province, f"/staff/people/{made.id}/link", {}, page=page)
    assert again.status_code == 302
    assert len(audit_rows(app, action=AuditAction.ACTIVATION_REISSUED)) == 1


def test_the_password_policy_applies_and_the_link_stays_usable(app, staff):
    path = link_on(create(signed_in_as(app, "province")).get_data(as_text=True))
    newcomer = english(app.test_client())
    weak = activate(newcomer, path, "12345678")
    assert weak.status_code == 400
    assert user_by_login(app, "sy_new_editor").password_hash == NO_PASSWORD_YET
    assert activate(newcomer, path, "sy_new_editor2026x").status_code == 400  # own login
    assert activate(newcomer, path, NEW_PASSWORD, "something else").status_code == 400
    assert activate(newcomer, path).status_code == 302


def test_a_disabled_account_cannot_be_activated(app, staff):
    province = signed_in_as(app, "province")
    path = link_on(create(province).get_data(as_text=True))
    made = user_by_login(app, "sy_new_editor")
    submit(province, f"/staff/people/{made.id}/disable", {"disable_reason": "入职取消"},
           page=f"/staff/people/{made.id}")  # fmt: skip
    newcomer = english(app.test_client())
    assert newcomer.get(path).status_code == 400


def test_one_link_used_twice_at_once_sets_one_password(app, staff):
    path = link_on(create(signed_in_as(app, "province")).get_data(as_text=True))
    clients = [english(app.test_client()) for _ in range(2)]
    tokens = [csrf_token_from(c.get(path).get_data(as_text=True)) for c in clients]
    passwords = ["first long secret 1958", "second long secret 1960"]
    results, start = [None, None], threading.Barrier(2)

    def use(n):
        start.wait()
        results[n] = clients[n].post(path, data={
            "csrf_token": tokens[n], "password": passwords[n], "confirm": passwords[n]
        }).status_code  # fmt: skip

    threads = [threading.Thread(target=use, args=(n,)) for n in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results) == [302, 400]
    winner = passwords[results.index(302)]
    with app.app_context():
        assert verify_password(user_by_login(app, "sy_new_editor").password_hash, winner)
    assert len(audit_rows(app, action=AuditAction.STAFF_ACTIVATED)) == 1


def test_a_taken_login_is_refused_on_the_form(app, staff):
    response = create(signed_in_as(app, "province"), login="sy_editor")
    assert response.status_code == 400
    assert "already has an account" in response.get_data(as_text=True)
    assert not audit_rows(app, action=AuditAction.STAFF_CREATED)
