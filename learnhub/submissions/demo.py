"""Demo data of the submissions: the tasks of the province's 2020 learning-week notice
(辽社指[2020]11号), set in the current year, in various states.

Province tasks for every city: the learning-week plan and display-board materials (due 10-21),
featured cases and at least 3 outstanding learners (10-25), the learning-week summary (12-10)
and the resource list with next year's action plan (12-31). 沈阳 also asks its districts for
their resource lists. Only units with demo staff accounts act (沈阳, 大连, 和平区, 沈河区); the
other cities have not started, as a board shows a province who is late. Times are relative to
the clock: a version is never dated in the future, and is late only if it came after its due
time. Running it again adds nothing (tasks are found by owner and title).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta
from io import BytesIO

from sqlalchemy import select

from learnhub.accounts.models import User
from learnhub.clock import local_today, site_timezone
from learnhub.database import utcnow
from learnhub.extensions import db

from . import demo_files, drafts, review, tasks
from .access import owner_region_of
from .models import Decision, ItemKind, SubmissionTask

SHENYANG, DALIAN, HEPING, SHENHE = "210100", "210200", "210102", "210103"
BOARD_TEXT = (
    "本市以“全民智学，助力‘双战双赢’”为主题举办全民终身学习活动周。活动周期间，市社区教育"
    "指导中心联合社区学院、老年大学和各区县社区教育中心，开展百姓读书、社会讲堂、知识讲座、"
    "运动健身、送教上门和民间传统技艺学习等活动，线上线下同步进行。开幕式在市民文化广场举行，"
    "现场设置宣传展板十二块，展示本市社区教育和老年教育的特色项目与学习成果。读书分享会邀请"
    "百姓学习之星讲述自己的学习故事；社会讲堂围绕常态化疫情防控、健康生活和智能手机使用开设"
    "专题课程；送教上门小组走进养老机构和偏远村屯，为行动不便的老人送去课程。各区县结合实际"
    "开展歌唱祖国、广场舞展演等群众喜闻乐见的活动，吸引了大量居民参与，营造了全民学习、终身"
    "学习的浓厚氛围。活动周期间累计开展活动一百余场，参与群众三万余人次，线上学习人数持续增长。"
)
CASE_TEXT = (
    "特色案例：社区“微课堂”进楼栋。社区教育中心组织志愿者教师把课程送到楼栋单元，利用傍晚时间"
    "开设智能手机、健康养生和家庭教育三类微课，每次二十分钟，居民在家门口就能学习。课程结束后"
    "志愿者留下学习卡片和线上课程二维码，方便居民继续学习。一年来，微课堂覆盖二十个社区、四百"
    "余个楼栋，参与居民八千余人次，形成了“楼栋有课堂、邻里共学习”的良好氛围。先进典型中，退休"
    "教师王秀英坚持参加社区读书会五年，带动身边四十多位老人学会使用手机学习；社区工作者刘建国"
    "在疫情期间组织线上学习小组，坚持停课不停学；青年志愿者张桂兰利用业余时间为外来务工人员"
    "开设职业技能课程，帮助他们实现再就业。他们的事迹在全市范围内得到广泛宣传，激励更多居民"
    "参与终身学习。"
)
SUMMARY_TEXT = BOARD_TEXT + (
    "活动周结束后，我们对各项活动进行了总结：一是坚持线上线下结合，扩大了覆盖面；二是发挥社区"
    "学院和老年大学的作用，开放了学习资源；三是注重典型宣传，营造了良好氛围。下一步将以周促月、"
    "以月促年，推进终身学习工作常态化开展。"
)
PLAN_TEXT = (
    "明年行动计划：一、完善市、区县、街道、社区四级社区教育网络，新建社区学习点二十个；二、"
    "建设终身学习资源库，新增微课三百节，重点面向老年人智能技术运用；三、举办全民终身学习"
    "活动周，开展百姓学习之星和终身学习品牌项目推荐；四、加强师资和志愿者队伍建设，开展专题"
    "培训四期；五、建立学分银行应用场景，推动学习成果认定与转换。"
) * 2


@dataclass(frozen=True)
class DemoTask:
    title: str
    month: int
    day: int
    items: list[tasks.ItemRule]
    instructions: str


def _tasks() -> list[DemoTask]:
    photos = tasks.ItemRule(ItemKind.PHOTOS, "展板照片", min_count=2, max_mb=20)
    return [
        DemoTask("全民终身学习活动周工作方案和宣传展板材料", 10, 21, [
            tasks.ItemRule(ItemKind.DOCUMENTS, "工作方案", min_count=1),
            tasks.ItemRule(ItemKind.TEXT, "展板文字", min_count=300), photos,
        ], "<p>展板素材不少于2块，素材形式为文字（不少于300字）+照片（原版，"
           "以10字以内照片说明命名）。</p>"),
        DemoTask("活动周特色案例和终身学习先进典型", 10, 25, [
            tasks.ItemRule(ItemKind.TEXT, "特色案例", min_count=300),
            tasks.ItemRule(ItemKind.DOCUMENTS, "先进典型材料（3个以上）", min_count=3),
            tasks.ItemRule(ItemKind.VIDEO, "案例视频", min_count=0, max_mb=200),
        ], "<p>终身学习先进典型3个以上，形成文字材料或视频，用于在全省范围内进行宣传展示。</p>"),
        DemoTask("活动周工作总结", 12, 10, [
            tasks.ItemRule(ItemKind.TEXT, "工作总结", min_count=500),
            tasks.ItemRule(ItemKind.FIGURES, "活动数据",
                           field_names=["活动场次", "参与人次", "线上学习人次"]),
        ], "<p>各单位向省社区教育指导中心报送“活动周工作总结”。</p>"),
        DemoTask("终身学习资源清单和明年行动计划", 12, 31, [
            tasks.ItemRule(ItemKind.DOCUMENTS, "资源清单（XLSX）", min_count=1),
            tasks.ItemRule(ItemKind.TEXT, "明年行动计划", min_count=200),
        ], "<p>报送本单位终身学习资源清单和明年工作行动计划。</p>"),
    ]  # fmt: skip


def _staff(login: str) -> User | None:
    return db.session.scalar(select(User).where(User.username == login))


def _due(task: DemoTask) -> datetime:
    local = datetime.combine(local_today().replace(month=task.month, day=task.day), time(17))
    return local.replace(tzinfo=site_timezone())


def _existing(owner: User, title: str) -> SubmissionTask | None:
    return db.session.scalar(
        select(SubmissionTask).where(
            SubmissionTask.owner_region_code == owner_region_of(owner),
            SubmissionTask.title == title,
        )
    )


def _set(owner: User, demo: DemoTask, units: list[str]) -> SubmissionTask | None:
    if _existing(owner, demo.title) is not None:
        return None
    due = _due(demo)
    return tasks.create_task(owner, demo.title, demo.instructions, due, 3, units, demo.items,
                             now=due - timedelta(days=30))  # fmt: skip


def _moment(wanted: datetime) -> datetime:
    """The wanted moment, or a little before now when it has not come yet."""
    return min(wanted, utcnow() - timedelta(hours=1))


def _fill(staff: User, task: SubmissionTask, unit: str) -> None:
    """A complete draft of every item (texts, photos, documents, figures)."""
    texts, figures = {}, {}
    for item in task.items:
        if item.kind is ItemKind.TEXT:
            texts[item.id] = {"展板文字": BOARD_TEXT, "特色案例": CASE_TEXT,
                              "工作总结": SUMMARY_TEXT}.get(item.label, PLAN_TEXT)  # fmt: skip
        elif item.kind is ItemKind.FIGURES:
            figures[item.id] = dict(zip(item.field_names, (126, 31800, 52400), strict=False))
        elif item.kind is ItemKind.PHOTOS:
            for caption, colour in (("开幕式现场", (180, 60, 50)), ("读书分享会", (40, 110, 80))):
                data = demo_files.png(320, 240, colour)
                drafts.add_file(staff, task, unit, item, BytesIO(data), f"{caption}.png", caption)
        elif item.kind is ItemKind.DOCUMENTS:
            for number in range(max(item.min_count, 1)):
                data, name = _document(item.label, number)
                drafts.add_file(staff, task, unit, item, BytesIO(data), name, "")
    drafts.save_draft(staff, task, unit, texts, figures)


def _document(label: str, number: int) -> tuple[bytes, str]:
    if "XLSX" in label:
        rows = [["资源名称", "类型", "开放方式"], ["市社区学院", "学习场所", "免费开放"],
                ["智能手机微课", "课程", "线上"]]  # fmt: skip
        return demo_files.xlsx(rows), "资源清单.xlsx"
    if "先进典型" in label:
        return demo_files.docx(
            [f"终身学习先进典型{number + 1}", CASE_TEXT]
        ), f"先进典型{number + 1}.docx"
    return demo_files.pdf(f"Learning week plan {number + 1}"), f"{label}.pdf"


def _submit(staff: User, task: SubmissionTask, unit: str, days_after_due: float) -> None:
    _fill(staff, task, unit)
    drafts.submit(staff, task, unit, now=_moment(task.due_at + timedelta(days=days_after_due)))


def _decide(owner: User, task: SubmissionTask, unit: str, decision: Decision, comments=""):
    submission = drafts.submission_of(task, unit)
    link = f"/staff/submissions/tasks/{task.id}/units/{unit}"
    decided_at = _moment(submission.latest_version.submitted_at + timedelta(days=1))
    review.decide(owner, submission, decision, comments, link, now=decided_at)


def load_demo_submissions(progress) -> None:
    """Set the demo tasks and bring the demo units' submissions to their states (once)."""
    province, shenyang, dalian = (_staff(n) for n in ("province_admin", "shenyang_staff",
                                                      "dalian_staff"))  # fmt: skip
    heping, shenhe = _staff("heping_staff"), _staff("shenhe_staff")
    if None in (province, shenyang, dalian, heping, shenhe):
        return
    cities = [city.code for city in tasks.city_choices(province)]
    for _step in progress([1]):
        plan, cases, summary, resources = (_set(province, t, cities) for t in _tasks())
        if plan is not None:
            _submit(shenyang, plan, SHENYANG, -3)
            _decide(province, plan, SHENYANG, Decision.ACCEPTED)
            _submit(dalian, plan, DALIAN, -1)
            _decide(province, plan, DALIAN, Decision.RETURNED,
                    "展板照片请提供原图，照片说明不超过10字；展板文字请补充活动数据。")  # fmt: skip
        if cases is not None:
            _submit(shenyang, cases, SHENYANG, 2)  # late, waiting for the decision
            _submit(dalian, cases, DALIAN, -2)
            _decide(province, cases, DALIAN, Decision.ACCEPTED)
        if summary is not None:
            _fill(shenyang, summary, SHENYANG)  # a draft, not yet submitted
        if resources is not None:
            own = _set(shenyang, _tasks()[3], [d.code for d in shenyang.managed_region.children])
            if own is not None:
                _submit(heping, own, HEPING, -20)
                _decide(shenyang, own, HEPING, Decision.ACCEPTED)
                _submit(shenhe, own, SHENHE, -20)
        db.session.flush()
