"""Shared steps of the submissions tests: the people, a task like the province's 2020
learning-week notice, and files of every kind (real headers, and impostors)."""

from __future__ import annotations

import io
import zipfile
from datetime import datetime, timedelta

from sqlalchemy import select

from learnhub.accounts.models import Role, User
from learnhub.database import utcnow
from learnhub.extensions import db
from learnhub.i18n import LOCALE_COOKIE
from learnhub.submissions import drafts, tasks
from learnhub.submissions.models import ItemKind, SubmissionTask

SHENYANG, DALIAN, HEPING, SHENHE = "210100", "210200", "210102", "210103"
INSTRUCTIONS = "<p>请按<b>通知</b>报送</p><script>x()</script>"
PLAN_TEXT = "沈阳市全民终身学习活动周工作方案：" + "围绕全民智学主题开展读书讲座与文艺汇演。" * 20


def make_people(make_user) -> dict[str, int]:
    return {
        "province": make_user(login="province", role=Role.PROVINCE_STAFF, managed="210000",
                              name="省指导中心"),
        "shenyang": make_user(login="shenyang", role=Role.CITY_STAFF, managed=SHENYANG,
                              name="沈阳市指导中心"),
        "dalian": make_user(login="dalian", role=Role.CITY_STAFF, managed=DALIAN, city=DALIAN,
                            district="210202", name="大连市指导中心"),
        "heping": make_user(login="heping", role=Role.COUNTY_STAFF, managed=HEPING,
                            name="和平区中心"),
        "shenhe": make_user(login="shenhe", role=Role.COUNTY_STAFF, managed=SHENHE,
                            district=SHENHE, name="沈河区中心"),
        "learner": make_user(login="learner", name="王秀英"),
    }  # fmt: skip


def in_english(app):
    """A request context in English, so refusals read as the tests expect (services outside
    a request speak the site's default language)."""
    return app.test_request_context("/", headers={"Cookie": f"{LOCALE_COOKIE}=en"})


def user(login: str) -> User:
    return db.session.scalar(select(User).where(User.username == login))


BOARD_ITEMS = [
    tasks.ItemRule(ItemKind.TEXT, "展板文字", min_count=300),
    tasks.ItemRule(ItemKind.PHOTOS, "展板照片", min_count=2, max_mb=1),
    tasks.ItemRule(ItemKind.DOCUMENTS, "工作方案", min_count=1, max_mb=1),
    tasks.ItemRule(ItemKind.FIGURES, "活动数据", field_names=["活动场次", "参与人次"]),
]


def make_task(
    owner: str = "province",
    units: tuple[str, ...] = (SHENYANG, DALIAN),
    due_in: timedelta = timedelta(days=10),
    items=None,
    remind_days: int = 3,
) -> int:
    """A task like 2020's 10-21 one: a plan, display-board text (300 字) and photos."""
    task = tasks.create_task(
        user(owner), "活动周工作方案和宣传展板材料", INSTRUCTIONS,
        utcnow() + due_in, remind_days, list(units), BOARD_ITEMS if items is None else items,
    )  # fmt: skip
    db.session.commit()
    return task.id


def task_of(task_id: int) -> SubmissionTask:
    return db.session.get(SubmissionTask, task_id)


def item(task: SubmissionTask, kind: ItemKind):
    return next(i for i in task.items if i.kind is kind)


# ---- files -----------------------------------------------------------------------------

JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 200
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 200
PDF = b"%PDF-1.7\n" + b"0" * 200
MP4 = b"\x00\x00\x00\x18ftypisom\x00\x00\x02\x00isomiso2" + b"\x00" * 200
EXE = b"MZ\x90\x00\x03" + b"\x00" * 200


def office(kind: str) -> bytes:
    """A minimal DOCX or XLSX package (the parts a real one has)."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as package:
        package.writestr("[Content_Types].xml", "<Types/>")
        package.writestr("word/document.xml" if kind == "docx" else "xl/workbook.xml", "<x/>")
    return out.getvalue()


def plain_zip() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as package:
        package.writestr("readme.txt", "not an office file")
    return out.getvalue()


def fill_and_submit(task_id: int, login: str, unit: str, now: datetime | None = None):
    """Everything the board task asks, then submit; returns the version."""
    task = task_of(task_id)
    staff = user(login)
    text, photos, documents, figures = (item(task, k) for k in ItemKind if k is not ItemKind.VIDEO)
    drafts.save_draft(staff, task, unit, {text.id: PLAN_TEXT},
                      {figures.id: {"活动场次": 12, "参与人次": 3400}})  # fmt: skip
    for caption in ("开幕式现场", "读书会"):
        drafts.add_file(staff, task, unit, photos, io.BytesIO(JPEG), "IMG_1.jpg", caption)
    drafts.add_file(staff, task, unit, documents, io.BytesIO(PDF), "方案.pdf", "")
    version = drafts.submit(staff, task, unit, now=now)
    db.session.commit()
    return version
