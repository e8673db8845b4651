"""/me/data: the person's ZIP is built by a job, holds everything kept about them with their
files, is downloaded once by its owner only, and expires."""

import io
import json
import re
import zipfile
from datetime import timedelta

from sqlalchemy import select

from learnhub.audit import AuditAction, AuditEntry
from learnhub.database import utcnow
from learnhub.extensions import db
from learnhub.privacy.models import DataExport, ExportStatus
from learnhub.privacy.services.exports import expire_exports, export_path
from tests.helpers import csrf_token_from, sign_in, submit
from tests.privacy_steps import PDF, learner_with_everything


def ask_for_export(client, run_jobs) -> int:
    assert submit(client, "/me/data/exports", {}, page="/me/data").status_code == 302
    run_jobs()
    page = client.get("/me/data").get_data(as_text=True)
    found = re.search(r'action="/me/data/exports/(\d+)/download"', page)
    assert found, "no download button once the job ran"
    return int(found.group(1))


def download(client, export_id: int):
    """Post the download button; the response is read and closed (its file let go)."""
    token = csrf_token_from(client.get("/me/data").get_data(as_text=True))
    response = client.post(f"/me/data/exports/{export_id}/download", data={"csrf_token": token})
    response.get_data()
    response.close()
    return response


def test_the_zip_holds_everything_kept_about_the_person_with_their_files(
    client, app, make_user, run_jobs
):
    user_id = make_user(login="13812345678", name="李淑珍")
    kept = learner_with_everything(app, user_id)
    sign_in(client, "13812345678")
    export_id = ask_for_export(client, run_jobs)
    response = download(client, export_id)
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(response.data))
    data = json.loads(archive.read("data.json"))
    assert data["profile"][0]["display_name"] == "李淑珍"
    assert data["profile"][0]["mobile"] == "13812345678"
    assert "password_hash" not in data["profile"][0]
    assert data["credit_account"][0]["number"] == kept.account_number
    assert [e["amount"] for e in data["ledger_entries"]] == ["2.50"]
    assert data["ledger_entries"][0]["hash"]  # the person can have their entries checked
    assert [c["code"] for c in data["certificates"]] == [kept.certificate_code]
    assert len(data["recognition_applications"]) == 2
    assert len(data["activity_sign_ups"]) == 2 and len(data["activity_attendance"]) == 1
    assert data["messages"][0]["subject"] == "您好，李淑珍"
    assert [c["action"] for c in data["consent_history"]] == ["agreed"]
    evidence_names = [row["file_in_zip"] for row in data["recognition_evidence"]]
    assert len(evidence_names) == 2
    assert all(archive.read(name) == PDF for name in evidence_names)
    assert "stored_name" not in data["recognition_evidence"][0]
    assert archive.read("ledger_entries.csv").decode("utf-8-sig").startswith("id,")
    with app.app_context():
        entry = db.session.scalar(select(AuditEntry).where(
            AuditEntry.action == AuditAction.PERSONAL_DATA_EXPORTED))  # fmt: skip
        assert entry is not None and entry.subject_id == user_id
        inbox = db.session.get(DataExport, export_id)
        assert inbox.status is ExportStatus.DOWNLOADED


def test_a_link_works_once(client, app, make_user, run_jobs):
    make_user(login="learner1")
    sign_in(client, "learner1")
    export_id = ask_for_export(client, run_jobs)
    assert download(client, export_id).status_code == 200
    again = download(client, export_id)
    assert again.status_code == 410
    assert "once" in again.get_data(as_text=True) or "一次" in again.get_data(as_text=True)


def test_another_persons_export_is_refused_like_one_that_does_not_exist(
    client, app, make_user, run_jobs
):
    make_user(login="learner1")
    make_user(login="learner2")
    sign_in(client, "learner1")
    export_id = ask_for_export(client, run_jobs)
    other = app.test_client()
    sign_in(other, "learner2")
    stolen = download(other, export_id)
    assert stolen.status_code == 404
    assert stolen.headers["Content-Type"].startswith("text/html")
    with app.app_context():
        assert db.session.get(DataExport, export_id).status is ExportStatus.READY  # unused
    assert download(client, export_id).status_code == 200  # still the owner's


def test_an_expired_link_is_refused_and_its_file_deleted_by_the_job(
    client, app, make_user, run_jobs
):
    make_user(login="learner1")
    sign_in(client, "learner1")
    export_id = ask_for_export(client, run_jobs)
    with app.app_context():
        export = db.session.get(DataExport, export_id)
        path = export_path(export)
        export.expires_at = utcnow() - timedelta(seconds=1)
        db.session.commit()
    assert path.exists()
    response = download(client, export_id)
    assert response.status_code == 410
    with app.app_context():
        assert expire_exports() == 1
        db.session.commit()
        assert db.session.get(DataExport, export_id).status is ExportStatus.EXPIRED
    assert not path.exists()


def test_a_downloaded_file_is_deleted_by_the_next_clean_up_and_a_fresh_one_stays(
    client, app, make_user, run_jobs
):
    make_user(login="learner1")
    sign_in(client, "learner1")
    first = ask_for_export(client, run_jobs)
    assert download(client, first).status_code == 200
    second = ask_for_export(client, run_jobs)
    with app.app_context():
        first_path = export_path(db.session.get(DataExport, first))
        second_path = export_path(db.session.get(DataExport, second))
        assert expire_exports() == 1
        db.session.commit()
    assert not first_path.exists() and second_path.exists()


def test_asking_twice_while_it_is_built_makes_one_export(client, app, make_user, run_jobs):
    make_user(login="learner1")
    sign_in(client, "learner1")
    submit(client, "/me/data/exports", {}, page="/me/data")
    submit(client, "/me/data/exports", {}, page="/me/data")
    run_jobs()
    with app.app_context():
        assert len(db.session.scalars(select(DataExport)).all()) == 1


def test_a_download_before_the_zip_is_ready_says_so(client, app, make_user):
    make_user(login="learner1")
    sign_in(client, "learner1")
    submit(client, "/me/data/exports", {}, page="/me/data")
    with app.app_context():
        export_id = db.session.scalar(select(DataExport.id))
    response = download(client, export_id)
    assert response.status_code == 409


def test_parallel_downloads_of_one_export_give_it_out_once(client, app, make_user, run_jobs):
    import threading

    from learnhub.accounts.models import User
    from learnhub.privacy.services.exports import ExportRefused, take_download

    user_id = make_user(login="learner1")
    sign_in(client, "learner1")
    export_id = ask_for_export(client, run_jobs)
    barrier, outcomes = threading.Barrier(4), []

    def run():
        with app.test_request_context(method="POST"):
            barrier.wait()
            try:
                take_download(db.session.get(User, user_id), export_id)
                db.session.commit()
                outcomes.append("sent")
            except ExportRefused as refused:
                db.session.rollback()
                outcomes.append(refused.status)

    workers = [threading.Thread(target=run) for _ in range(4)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    assert sorted(outcomes, key=str) == [410, 410, 410, "sent"]
