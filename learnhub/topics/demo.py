"""The demo's topics (``flask demo load``): the year's learning week and 反诈防骗, published,
each with demo courses, activities and news found by their titles. Runs after the courses,
activities and news demos; a topic is known by its address, so a second run adds nothing."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from sqlalchemy import select

from learnhub.accounts.models import Role, User
from learnhub.activities.models import Activity
from learnhub.catalogue.models import Course
from learnhub.clock import local_today
from learnhub.extensions import db
from learnhub.news.models import NewsItem

from . import reading, services
from .models import TopicStatus
from .services import TopicDetails

EACH_ACTIVITY = 2  # an activity's title is held in every demo city ("沈阳市·…"): two are enough

# (address, title, summary, HTML, place, [course titles], [activity titles], [news words])
TOPICS = (
    ("learning-week-{year}", "{year} 全民终身学习活动周",
     "全民终身学习，共建学习型社会：活动周的课程、活动和新闻都在这里。",
     "<p>全民终身学习活动周期间，全省各市、县（区）开展百姓读书、社会讲堂、送教上门、"
     "学习成果展示等活动。</p><h2>怎样参加</h2><ul><li>在线学习下面的课程，获得学分；</li>"
     "<li>报名参加身边的活动；</li><li>关注各地活动周新闻。</li></ul>",
     10,
     ["好书推荐：路遥《平凡的世界》", "居家健身：八段锦入门跟练", "好书诵读：古典诗词朗诵入门"],
     ["百姓读书会：好书诵读", "终身学习成果展示赛", "八段锦健身公开课"],
     ["活动周"]),
    ("anti-fraud", "反诈防骗",
     "守住钱袋子：识破电信网络诈骗的常见套路。",
     "<p>冒充客服、刷单返利、“养老投资”……电信网络诈骗的套路不断翻新。学一学下面的课程，"
     "参加社区里的防诈骗讲座，把防骗知识带回家。</p><h2>牢记“三不一多”</h2><ul>"
     "<li>未知链接不点击；</li><li>陌生来电不轻信；</li><li>个人信息不透露；</li>"
     "<li>转账汇款多核实。</li></ul>",
     20,
     ["防范电信诈骗：守住咱的养老钱", "扫码支付：买菜付钱不用找零",
      "智能手机入门：开关机、充电和把字调大"],
     ["智能手机防诈骗讲座", "送教上门：老年人数字生活"],
     ["送教上门"]),
)  # fmt: skip


def _course_ids(titles: list[str]) -> list[int]:
    found = []
    for title in titles:
        found.extend(db.session.scalars(select(Course.id).where(Course.title == title)))
    return found


def _activity_ids(titles: list[str]) -> list[int]:
    found = []
    for title in titles:
        query = select(Activity.id).where(Activity.title.endswith(f"·{title}"))
        found.extend(db.session.scalars(query.order_by(Activity.id).limit(EACH_ACTIVITY)))
    return found


def _news_ids(words: list[str]) -> list[int]:
    found = []
    for word in words:
        query = select(NewsItem.id).where(NewsItem.title.contains(word)).order_by(NewsItem.id)
        found.extend(db.session.scalars(query.limit(4)))
    return found


def load_demo_topics(progress: Callable[[Iterable], Iterable] = iter) -> None:
    """Write and publish the demo topics unless their addresses are taken already."""
    province = db.session.scalar(
        select(User).where(User.role == Role.PROVINCE_STAFF).order_by(User.id).limit(1)
    )
    if province is None:
        return
    year = local_today().year
    for slug, title, summary, html, position, courses, activities, news in progress(TOPICS):
        slug, title = slug.format(year=year), title.format(year=year)
        if reading.topic_by_slug(slug) is not None:
            continue
        details = TopicDetails(
            slug=slug, title=title, summary=summary, body_html=html, position=position,
            course_ids=_course_ids(courses), activity_ids=_activity_ids(activities),
            news_ids=_news_ids(news),
        )  # fmt: skip
        topic = services.create_topic(province, details)
        services.set_status(province, topic, TopicStatus.PUBLISHED)
    db.session.flush()
