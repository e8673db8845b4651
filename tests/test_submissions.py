"""Submissions (材料报送) by their services: tasks and their rules, drafts, versions kept as
sent, late marking at the due time, decisions, closing, reminders and the ZIP."""

from __future__ import annotations

import io
import zipfile
from datetime import timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import DBAPIError

from learnhub.accounts.demo import load_demo_accounts
from learnhub.audit import AuditAction, AuditEntry
from learnhub.clock import local_today, site_timezone
from learnhub.database import utcnow
from learnhub.extensions import db
from learnhub.inbox import Message
from learnhub.submissions import board, drafts, review, tasks
from learnhub.submissions.demo import load_demo_submissions
from learnhub.submissions.errors import SubmissionError, SubmissionRefused
from learnhub.submissions.jobs import remind_units_every_morning
from learnhub.submissions.models import (
    BoardStatus,
    Decision,
    ItemKind,
    SubmissionEntry,
    SubmissionFile,
    SubmissionStatus,
    SubmissionTask,
    SubmissionVersion,
)
from tests.submission_steps import (
    BOARD_ITEMS,
    DALIAN,
    EXE,
    HEPING,
    JPEG,
    MP4,
    PDF,
    PLAN_TEXT,
    PNG,
    SHENHE,
    SHENYANG,
    fill_and_submit,
    in_english,
    item,
    make_people,
    make_task,
    office,
    plain_zip,
    task_of,
    user,
)


@pytest.fixture
def people(app, make_user):
    found = make_people(make_user)
    with in_english(app):
        yield found


def _actions(action: AuditAction, refused: bool = False) -> int:
    return db.session.scalar(
        select(func.count(AuditEntry.id)).where(
            AuditEntry.action == str(action), AuditEntry.refused.is_(refused)
        )
    )


def test_text_length_is_counted_in_characters_as_a_reader_counts():
    assert tasks.reader_length("终身学习") == 4  # 12 bytes in UTF-8, four characters
    assert tasks.reader_length(" 学 习\n ") == 2  # spaces and line breaks do not count
    assert tasks.reader_length("cafe\u0301") == 4  # é typed as e + accent is one letter
    assert tasks.reader_length("全民智学，助力“双战双赢”") == 13  # punctuation counts, as in Word


def test_a_task_is_set_with_sanitised_instructions_and_is_audited(people):
    task = task_of(make_task())
    assert "<script>" not in task.instructions_html and "<b>通知</b>" in task.instructions_html
    assert [u.region_code for u in task.units] == [SHENYANG, DALIAN]
    assert [i.kind for i in task.items][:2] == [ItemKind.TEXT, ItemKind.PHOTOS]
    assert _actions(AuditAction.SUBMISSION_TASK_SET) == 1


def test_units_of_a_task_lie_in_the_owners_region(people):
    all_cities = tasks.unit_codes_for(user("province"), "all_cities", [], None)
    assert SHENYANG in all_cities and DALIAN in all_cities and len(all_cities) == 14
    districts = tasks.unit_codes_for(user("shenyang"), "city_districts", [], None)
    assert HEPING in districts and SHENHE in districts and DALIAN not in districts
    with pytest.raises(SubmissionError):
        tasks.unit_codes_for(user("shenyang"), "all_cities", [], None)
    with pytest.raises(SubmissionError):  # a city's staff never ask another city's districts
        tasks.unit_codes_for(user("shenyang"), "city_districts", [], DALIAN)
    with pytest.raises(SubmissionError, match="outside your region"):
        make_task(owner="shenyang", units=(HEPING, "210202"))
    assert db.session.scalar(select(func.count()).select_from(SubmissionVersion)) == 0


def test_a_city_sets_a_task_for_its_districts(people):
    task = task_of(make_task(owner="shenyang", units=(HEPING, SHENHE)))
    assert task.owner_region_code == SHENYANG
    assert [t.id for t in tasks.tasks_for_unit(HEPING)] == [task.id]
    assert tasks.tasks_owned_by(user("shenyang")) == [task]
    assert tasks.tasks_owned_by(user("province")) == []


def test_bad_rules_of_a_task_are_refused(people):
    with pytest.raises(SubmissionError, match="at least one required item"):
        make_task(items=[])
    with pytest.raises(SubmissionError, match="1 to 12 names"):
        make_task(items=[tasks.ItemRule(ItemKind.FIGURES, "数据", field_names=[])])
    with pytest.raises(SubmissionError, match="future"):
        make_task(due_in=timedelta(minutes=-1))


def test_a_unit_drafts_submits_and_every_version_is_kept(people):
    task_id = make_task()
    first = fill_and_submit(task_id, "shenyang", SHENYANG)
    task = task_of(task_id)
    submission = drafts.submission_of(task, SHENYANG)
    assert submission.status is SubmissionStatus.SUBMITTED and first.number == 1
    assert not first.late
    review.decide(user("province"), submission, Decision.RETURNED, "照片请换原图", "/x")
    db.session.commit()
    text = item(task, ItemKind.TEXT)
    drafts.save_draft(user("shenyang"), task, SHENYANG, {text.id: PLAN_TEXT + "（修改）"}, {})
    second = drafts.submit(user("shenyang"), task, SHENYANG)
    db.session.commit()
    assert second.number == 2
    kept = {v.number: drafts.version_entries(v)[text.id].text for v in submission.versions}
    assert kept == {1: PLAN_TEXT, 2: PLAN_TEXT + "（修改）"}
    assert len(drafts.files_of(submission, first.id)) == 3
    assert _actions(AuditAction.SUBMISSION_SUBMITTED) == 2


def test_the_database_refuses_to_change_a_submitted_version(people):
    version = fill_and_submit(make_task(), "shenyang", SHENYANG)
    entry_id = db.session.scalar(
        select(SubmissionEntry.id).where(SubmissionEntry.version_id == version.id).limit(1)
    )
    file_id = db.session.scalar(
        select(SubmissionFile.id).where(SubmissionFile.version_id == version.id).limit(1)
    )
    for statement in (
        SubmissionEntry.__table__.update().where(SubmissionEntry.id == entry_id).values(text="x"),
        SubmissionFile.__table__.delete().where(SubmissionFile.id == file_id),
        SubmissionVersion.__table__.update()
        .where(SubmissionVersion.id == version.id)
        .values(late=True),
    ):
        with pytest.raises(DBAPIError, match="kept as sent"), db.session.begin_nested():
            db.session.execute(statement)
    db.session.rollback()


def test_late_is_marked_after_the_due_time_not_at_it(people):
    task_id = make_task(units=(SHENYANG, DALIAN))
    due = task_of(task_id).due_at
    on_time = fill_and_submit(task_id, "shenyang", SHENYANG, now=due)
    late = fill_and_submit(task_id, "dalian", DALIAN, now=due + timedelta(seconds=1))
    assert not on_time.late and late.late
    statuses = {row.region.code: row.status for row in board.board(task_of(task_id))}
    assert statuses == {SHENYANG: BoardStatus.SUBMITTED, DALIAN: BoardStatus.LATE}


def test_submitting_is_refused_with_what_is_missing_and_nothing_changes(people):
    task = task_of(make_task())
    text, photos = item(task, ItemKind.TEXT), item(task, ItemKind.PHOTOS)
    drafts.save_draft(user("shenyang"), task, SHENYANG, {text.id: "太短了" * 10}, {})
    drafts.add_file(user("shenyang"), task, SHENYANG, photos, io.BytesIO(JPEG), "a.jpg", "开幕式")
    db.session.commit()
    with pytest.raises(SubmissionError) as refused:
        drafts.submit(user("shenyang"), task, SHENYANG)
    message = str(refused.value.message)
    assert "at least 300 characters (now 30)" in message
    assert "展板照片: at least 2 files (now 1)" in message
    assert "fill in every figure" in message
    db.session.rollback()
    assert drafts.submission_of(task, SHENYANG).status is SubmissionStatus.DRAFT
    assert db.session.scalar(select(func.count()).select_from(SubmissionVersion)) == 0


@pytest.mark.parametrize(
    ("kind", "data", "caption", "message"),
    [
        (ItemKind.PHOTOS, JPEG, "开幕式现场全体合影留念", "at most 10 characters"),
        (ItemKind.PHOTOS, JPEG, "", "caption"),
        (ItemKind.PHOTOS, PDF, "方案", "JPEG or PNG"),
        (ItemKind.PHOTOS, EXE, "照片", "is a program"),
        (ItemKind.PHOTOS, JPEG + b"\x00" * (1024 * 1024), "大照片", "too large: at most 1 MB"),
        (ItemKind.DOCUMENTS, EXE, "", "is a program"),
        (ItemKind.DOCUMENTS, plain_zip(), "", "PDF, DOCX or XLSX"),
        (ItemKind.DOCUMENTS, PNG, "", "PDF, DOCX or XLSX"),
        (ItemKind.DOCUMENTS, b"", "", "empty"),
    ],
)
def test_a_wrong_file_is_refused_and_nothing_is_kept(app, people, kind, data, caption, message):
    task = task_of(make_task())
    with pytest.raises(SubmissionError, match=message):
        drafts.add_file(user("shenyang"), task, SHENYANG, item(task, kind), io.BytesIO(data),
                        "x.pdf", caption)  # fmt: skip
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(SubmissionFile)) == 0
    folder = drafts.files.files_root()
    assert not folder.exists() or not any(folder.iterdir())


def test_documents_and_video_are_recognised_by_content(people):
    video_item = tasks.ItemRule(ItemKind.VIDEO, "典型视频", min_count=1, max_mb=5)
    task = task_of(make_task(items=[*BOARD_ITEMS, video_item]))
    documents, video = item(task, ItemKind.DOCUMENTS), item(task, ItemKind.VIDEO)
    staff = user("shenyang")
    for data, name, extension in (
        (office("docx"), "方案.pdf", "docx"),
        (office("xlsx"), "数据", "xlsx"),
        (PDF, "a.docx", "pdf"),
    ):
        row = drafts.add_file(staff, task, SHENYANG, documents, io.BytesIO(data), name, "")
        assert row.extension == extension  # what it is, whatever it is called
    assert (
        drafts.add_file(staff, task, SHENYANG, video, io.BytesIO(MP4), "v.mp4", "").extension
        == "mp4"
    )
    with pytest.raises(SubmissionError, match="MP4"):
        drafts.add_file(staff, task, SHENYANG, video, io.BytesIO(JPEG), "v.mp4", "")


def test_nobody_submits_for_another_unit_and_the_attempt_is_recorded(people):
    task = task_of(make_task(units=(SHENYANG, DALIAN)))
    text = item(task, ItemKind.TEXT)
    for login in ("dalian", "heping", "province"):
        with pytest.raises(SubmissionRefused, match="your own unit"):
            drafts.save_draft(user(login), task, SHENYANG, {text.id: "冒名"}, {})
        db.session.commit()
    assert drafts.submission_of(task, SHENYANG) is None
    assert _actions(AuditAction.SUBMISSION_SAVED, refused=True) == 3


def test_a_closed_task_takes_nothing_more(people):
    task_id = make_task()
    task = task_of(task_id)
    tasks.close_task(user("province"), task)
    db.session.commit()
    with pytest.raises(SubmissionError, match="closed"):
        fill_and_submit(task_id, "shenyang", SHENYANG)
    db.session.rollback()
    assert drafts.submission_of(task, SHENYANG) is None
    with pytest.raises(SubmissionRefused):
        tasks.close_task(user("dalian"), task_of(task_id))


def test_only_the_owner_decides_and_a_return_needs_comments(people):
    task_id = make_task()
    fill_and_submit(task_id, "shenyang", SHENYANG)
    submission = drafts.submission_of(task_of(task_id), SHENYANG)
    with pytest.raises(SubmissionRefused):
        review.decide(user("shenyang"), submission, Decision.ACCEPTED, "", "/x")
    db.session.commit()
    with pytest.raises(SubmissionError, match="what the unit should change"):
        review.decide(user("province"), submission, Decision.RETURNED, " ", "/x")
    review.decide(user("province"), submission, Decision.ACCEPTED, "", "/x")
    db.session.commit()
    assert submission.status is SubmissionStatus.ACCEPTED
    entry = db.session.scalar(
        select(AuditEntry).where(
            AuditEntry.action == str(AuditAction.SUBMISSION_REVIEWED),
            AuditEntry.refused.is_(False),
        )
    )
    assert entry.actor_id == user("province").id and entry.city_code == SHENYANG
    assert entry.details["decision"] == "accepted" and entry.details["version"] == 1
    assert _actions(AuditAction.SUBMISSION_REVIEWED, refused=True) == 1  # 沈阳's own try
    told = db.session.scalars(select(Message).where(Message.recipient_id == user("shenyang").id))
    assert [m.subject for m in told] == ["Accepted: 活动周工作方案和宣传展板材料"]
    with pytest.raises(SubmissionError, match="cannot be changed"):
        drafts.save_draft(user("shenyang"), task_of(task_id), SHENYANG, {}, {})


def test_reminders_go_once_to_units_not_yet_submitted(app, people, run_jobs):
    task_id = make_task(units=(SHENYANG, DALIAN), due_in=timedelta(days=2), remind_days=3)
    make_task(units=(SHENYANG, DALIAN), due_in=timedelta(days=10), remind_days=3)  # not yet
    fill_and_submit(task_id, "shenyang", SHENYANG)
    sent = board.send_reminders()
    db.session.commit()
    assert sent == 1 and board.send_reminders() == 0
    messages = db.session.scalars(select(Message).where(Message.topic.like("submission-task:%")))
    assert [m.recipient_id for m in messages] == [user("dalian").id]


def test_the_reminder_job_run_twice_sends_one_message_each(app, people, run_jobs):
    make_task(units=(SHENYANG, DALIAN), due_in=timedelta(days=1))
    db.session.commit()
    for _run in range(2):
        remind_units_every_morning()  # enqueued, as the scheduler does each morning
        assert run_jobs() == 1
    db.session.expire_all()
    recipients = db.session.scalars(
        select(Message.recipient_id).where(Message.topic.like("submission-task:%"))
    ).all()
    assert sorted(recipients) == sorted([user("shenyang").id, user("dalian").id])


def test_the_zip_has_a_folder_per_accepted_unit_with_utf8_names(people):
    task_id = make_task(units=(SHENYANG, DALIAN))
    fill_and_submit(task_id, "shenyang", SHENYANG)
    fill_and_submit(task_id, "dalian", DALIAN)
    task = task_of(task_id)
    review.decide(
        user("province"), drafts.submission_of(task, SHENYANG), Decision.ACCEPTED, "", "/"
    )
    db.session.commit()
    out = io.BytesIO()
    assert board.write_archive(task, out) == 1  # 大连's is not accepted yet
    with zipfile.ZipFile(out) as archive:
        infos = {info.filename: info for info in archive.infolist()}
        assert set(infos) == {
            "沈阳市/展板文字.txt", "沈阳市/展板照片-开幕式现场.jpg", "沈阳市/展板照片-读书会.jpg",
            "沈阳市/活动数据.csv", "沈阳市/工作方案-方案.pdf",
        }  # fmt: skip
        assert all(info.flag_bits & 0x800 for info in infos.values())  # UTF-8 names
        text = archive.read("沈阳市/展板文字.txt")
        assert text.startswith(b"\xef\xbb\xbf") and text[3:].decode() == PLAN_TEXT
        figures = archive.read("沈阳市/活动数据.csv").decode("utf-8-sig").splitlines()
        assert figures[1:] == ["活动场次,12", "参与人次,3400"]
        assert archive.read("沈阳市/展板照片-读书会.jpg") == JPEG


def test_the_board_counts_each_state(people):
    task_id = make_task(units=(SHENYANG, DALIAN))
    task = task_of(task_id)
    drafts.save_draft(user("dalian"), task, DALIAN, {}, {})
    fill_and_submit(task_id, "shenyang", SHENYANG)
    counts = board.counts(board.board(task))
    assert counts[BoardStatus.SUBMITTED] == 1 and counts[BoardStatus.DRAFT] == 1
    assert counts[BoardStatus.NOT_STARTED] == 0
    assert utcnow() < task.due_at


def test_the_demo_sets_the_learning_week_tasks_in_many_states_once(app):
    with in_english(app):
        load_demo_accounts(iter)
        load_demo_submissions(iter)
        db.session.commit()
        load_demo_submissions(iter)  # again: nothing more
        db.session.commit()
        found = db.session.scalars(select(SubmissionTask).order_by(SubmissionTask.id)).all()
        due = [(t.title, t.due_at.astimezone(site_timezone()).strftime("%m-%d")) for t in found]
        assert due == [
            ("全民终身学习活动周工作方案和宣传展板材料", "10-21"),
            ("活动周特色案例和终身学习先进典型", "10-25"),
            ("活动周工作总结", "12-10"),
            ("终身学习资源清单和明年行动计划", "12-31"),
            ("终身学习资源清单和明年行动计划", "12-31"),
        ]  # fmt: skip
        assert {t.due_at.year for t in found} == {local_today().year}
        states = set()
        for task in found:
            states |= {row.status for row in board.board(task)}
        assert {BoardStatus.ACCEPTED, BoardStatus.RETURNED, BoardStatus.NOT_STARTED,
                BoardStatus.DRAFT, BoardStatus.SUBMITTED} <= states  # fmt: skip
        assert len(found[0].units) == 14 and found[4].owner_region_code == SHENYANG
