"""Demo news: a dozen items of the province and its cities, written from the centres' real
documents (辽社指[2020]11号 on the 2020 learning week, the 2021 work points). The same every
time; loading twice adds nothing (an item is known by its title)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import timedelta

from flask import current_app
from sqlalchemy import select

from learnhub.accounts.scopes import EVERYTHING
from learnhub.database import utcnow
from learnhub.extensions import db
from learnhub.regions.services import cities_of

from .models import NewsItem, NewsKind, NewsStatus
from .services import NewsDetails, create_news, set_status

# (title, kind, the city's index in the province or None, summary, HTML); "{city}" is the
# city's name.
STORIES = (
    ("关于做好2020年全民终身学习活动周相关工作的通知", NewsKind.NOTICE, None,
     "紧扣“全民智学，助力‘双战双赢’”主题，12月1日前完成本地区活动周开幕式。",
     "<p>各市社区教育指导中心：</p><p>为贯彻落实教育部办公厅关于举办2020年全民终身学习活动周的"
     "通知精神，现就有关工作提出如下要求。</p><h2>一、主题及内容</h2><p>紧扣“全民智学，助力"
     "‘双战双赢’”主题，开展百姓读书、文艺汇演、社会讲堂、送教上门、民间传统技艺学习等活动。"
     "</p><h2>二、报送要求</h2><ul><li>10月21日前报送本市活动周工作方案和宣传展板材料；</li>"
     "<li>10月25日前报送特色案例及终身学习先进典型3个以上；</li><li>12月10日前报送活动周总结。"
     "</li></ul>"),
    ("辽宁省社区教育指导中心2021年工作要点印发", NewsKind.NOTICE, None,
     "完善省、市、县（区）社区教育三级指导中心建设，补齐社区教育发展短板。",
     "<p>省社区教育指导中心印发2021年工作要点，要求各单位在当地教育行政部门领导下，做好社区"
     "教育和老年教育工作。</p><p>要点提出完善三级指导中心建设，制定社区教育示范基地和老年大学"
     "示范校评选办法。</p>"),
    ("关于推荐“百姓学习之星”和“终身学习品牌项目”的通知", NewsKind.NOTICE, None,
     "各市按名额推荐，材料于10月25日前报送。",
     "<p>为宣传终身学习先进典型，请各市社区教育指导中心按分配名额推荐“百姓学习之星”和"
     "“终身学习品牌项目”，推荐材料包括事迹文字和照片。</p>"),
    ("全省社区教育工作会议召开", NewsKind.WORK, None,
     "会议总结上年工作，部署活动周和示范基地建设。",
     "<p>全省社区教育工作会议以线上线下相结合方式召开，各市社区教育指导中心负责同志参会。</p>"
     "<p>会议要求以活动周为牵动，以周促月，以月促年，推进终身学习工作常态化开展。</p>"),
    ("{city}全民终身学习活动周开幕", NewsKind.WORK, 0,
     "开幕式上表彰了本市百姓学习之星，并启动“百姓读书”系列活动。",
     "<p>{city}2020年全民终身学习活动周开幕式在市社区教育学院举行，在落实疫情防控要求的基础上，"
     "节俭、高效地组织了文艺汇演和学习成果展示。</p>"),
    ("{city}社区学院送教上门进社区", NewsKind.WORK, 0,
     "教师走进社区，为老年人讲授智能手机使用和防范电信诈骗知识。",
     "<p>{city}社区学院组织教师送教上门，在社区教学点开设智能手机课程，帮助老年人跨越"
     "“数字鸿沟”。</p>"),
    ("{city}老年大学举办书画作品展", NewsKind.WORK, 1,
     "展出学员书法、国画作品一百余幅。",
     "<p>{city}老年大学在市图书馆举办学员书画作品展，展出书法、国画作品一百余幅，吸引市民"
     "参观。</p>"),
    ("{city}开展“百姓读书”活动", NewsKind.WORK, 2,
     "城市书屋延长开放时间，组织读书分享会。",
     "<p>活动周期间，{city}各城市书屋延长开放时间，组织读书分享会和亲子阅读活动。</p>"),
    ("{city}社区教育指导中心举办“社会讲堂”", NewsKind.WORK, 3,
     "邀请专家讲授健康养生和家庭教育。",
     "<p>{city}社区教育指导中心举办“社会讲堂”，邀请专家围绕健康养生、家庭教育等主题授课。</p>"),
    ("退休教师坚持学习二十年：记百姓学习之星", NewsKind.STORY, 0,
     "从学员到志愿者教师，她把学到的书法教给社区里的孩子。",
     "<p>退休后，她走进社区老年大学学习书法，二十年从未间断。如今她成了社区志愿者教师，每周为"
     "孩子们义务授课。</p><p>“学习让我的晚年生活更充实。”她说。</p>"),
    ("农民夜校里的“种植能手”", NewsKind.STORY, 1,
     "在村教学点学习大棚种植技术，带动乡亲们增收。",
     "<p>在{city}的村教学点，他通过农民夜校学习大棚种植技术，又把经验分享给乡亲们，带动全村"
     "增收。</p>"),
    ("社区里的“广场舞”学习团队", NewsKind.STORY, 2,
     "一支由社区居民自发组织的学习团队，坚持活动十年。",
     "<p>这支广场舞团队由{city}社区居民自发组织，十年来坚持学习和排练，多次在文艺汇演中获奖。"
     "</p>"),
)  # fmt: skip


def load_demo_news(progress: Callable[[Iterable], Iterable] = iter) -> None:
    """Publish the demo stories (a day apart, newest first) unless they are there already."""
    cities = cities_of(current_app.config["HOME_PROVINCE"])
    known = set(db.session.scalars(select(NewsItem.title)))
    now = utcnow()
    for age, (title, kind, city_index, summary, html) in enumerate(progress(STORIES)):
        city = cities[city_index % len(cities)] if city_index is not None and cities else None
        name = city.display_name if city else ""
        title = title.replace("{city}", name)
        if title in known:
            continue
        details = NewsDetails(
            title=title, kind=kind, city_code=city.code if city else None,
            summary=summary, body_html=html.replace("{city}", name),
        )  # fmt: skip
        item = create_news(EVERYTHING, details, None, source="demo")
        set_status(EVERYTHING, item, NewsStatus.PUBLISHED)
        item.published_at = now - timedelta(days=age)
    db.session.flush()
