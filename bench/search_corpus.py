"""A synthetic but realistic Chinese catalogue for the search benchmark.

Courses and lessons are written from a vocabulary: each module has its topic words, the
sentences come from templates a lesson page would use, and a third of every lesson is
filler drawn from jieba's own dictionary weighted by word frequency, so the terms follow
the long-tailed distribution of real Chinese text (a few words everywhere, most rare).
The same seed always gives the same corpus.
"""

from __future__ import annotations

import bisect
import itertools
import random
import re
from dataclasses import dataclass
from pathlib import Path


def _words(line: str) -> list[str]:
    return line.split()


TOPICS = {
    "party-history": _words(
        "党史 中国共产党 百年奋斗 红色文化 革命精神 长征 延安精神 改革开放 新时代 初心使命 "
        "井冈山 遵义会议 抗日战争 建党精神 红船精神 英雄人物 历史经验 党的建设 红色故事 革命旧址"
    ),
    "reading": _words(
        "阅读 好书推荐 好书诵读 读书笔记 经典名著 诗词 唐诗 宋词 散文 小说 图书馆 书香社区 "
        "朗读 文学 传统文化 论语 红楼梦 西游记 三国演义 家书"
    ),
    "elder-digital": _words(
        "智能手机 健康码 扫码支付 视频通话 电信诈骗 微信 网上挂号 打车软件 移动支付 手机拍照 "
        "短视频 网购 防骗 字体放大 语音输入 地图导航 银行卡 密码安全 二维码 手机设置"
    ),
    "family": _words(
        "家庭教育 亲子沟通 家风家教 科学育儿 隔代教育 青春期 学习习惯 情绪管理 家庭关系 孝道 "
        "儿童安全 早期教育 家校合作 阅读陪伴 夫妻相处 兴趣培养 规则意识 劳动教育 感恩教育 心理成长"
    ),
    "health": _words(
        "健康生活 合理膳食 科学运动 慢病防治 高血压 糖尿病 心理健康 睡眠 太极拳 广场舞 "
        "中医养生 食品安全 急救知识 用药安全 骨质疏松 八段锦 营养搭配 体检 防跌倒 健康步行"
    ),
    "vocational": _words(
        "职业技能 电子商务 直播带货 家政服务 育婴师 养老护理 烹饪 面点制作 电工 创业指导 "
        "就业服务 办公软件 会计基础 农业技术 乡村振兴 短视频运营 客户服务 手工编织 园艺 安全生产"
    ),
}
GENERIC = _words(
    "方法 知识 生活 社区 老年人 居民 技巧 基础 实践 案例 步骤 问题 经验 习惯 家庭 朋友 邻居 "
    "日常 服务 安全 注意事项 常见误区 重要意义 基本概念 具体做法"
)
SENTENCES = [
    "{a}是{b}的重要内容。",
    "本课介绍{a}和{b}的基本知识。",
    "我们一起学习{a}，掌握{b}的方法。",
    "在日常生活中，{a}的时候要注意{b}。",
    "通过{a}，居民可以更好地了解{b}。",
    "老师结合{a}的案例，讲解{b}。",
    "很多老年朋友关心{a}，这一讲专门说说{b}。",
    "请大家课后复习{a}，并和家人聊一聊{b}。",
    "{a}并不难，只要多练习{b}就能学会。",
    "社区学习点经常组织{a}活动，欢迎参加{b}交流。",
]
LESSON_SUFFIX = _words("入门 基础知识 实用技巧 常见问题 案例分析 要点 第一步 详解 小课堂 答疑")
COURSE_SUFFIX = _words("学堂 入门课 系列讲座 实用课程 专题 公开课 微课 精讲")
MODULE_NAMES = {
    "party-history": "百年党史学堂",
    "reading": "全民学习阅读",
    "elder-digital": "老年人智能技术应用",
    "family": "家庭教育",
    "health": "健康生活",
    "vocational": "职业技能",
}
_CJK_WORD = re.compile(r"[\u4e00-\u9fff]{2,4}")


@dataclass(frozen=True)
class Course:
    id: int
    module: str
    title: str
    summary: str
    enrolments: int
    published: int  # seconds since the epoch


@dataclass(frozen=True)
class Lesson:
    id: int
    course_id: int
    title: str
    body: str


class Filler:
    """Words from jieba's dictionary, drawn with probability ~ frequency^0.75 (like word2vec)."""

    def __init__(self, rnd: random.Random, size: int = 40_000):
        import jieba

        words = []
        dictionary = Path(jieba.__file__).parent / "dict.txt"
        with dictionary.open(encoding="utf-8") as lines:
            for line in lines:
                word, freq, _tag = line.split(" ")
                if _CJK_WORD.fullmatch(word):
                    words.append((int(freq), word))
        words.sort(reverse=True)
        self.words = [w for _f, w in words[:size]]
        self.cumulative = list(itertools.accumulate(f**0.75 for f, _w in words[:size]))
        self.rnd = rnd

    def phrase(self, count: int) -> str:
        total = self.cumulative[-1]
        picks = (bisect.bisect(self.cumulative, self.rnd.random() * total) for _ in range(count))
        return "".join(self.words[min(i, len(self.words) - 1)] for i in picks)


def generate(lessons: int, per_course: int = 12, body_chars: int = 120, seed: int = 2026):
    """(courses, lessons): ``lessons`` lessons in courses of ``per_course``."""
    rnd = random.Random(seed)
    filler = Filler(rnd)
    modules = list(TOPICS)
    courses: list[Course] = []
    rows: list[Lesson] = []
    lesson_id = 0
    for course_id in range(1, -(-lessons // per_course) + 1):
        module = modules[course_id % len(modules)]
        words = TOPICS[module]
        first, second = rnd.sample(words, 2)
        if rnd.random() < 0.6:
            title = f"{first}{rnd.choice(COURSE_SUFFIX)}"
        else:
            title = f"{first}与{second}{rnd.choice(COURSE_SUFFIX)}"
        summary = _sentences(rnd, words, 50)
        published = 1_600_000_000 + course_id * 3600
        enrolments = int(rnd.paretovariate(1.2)) - 1
        courses.append(Course(course_id, module, title, summary, enrolments, published))
        for position in range(1, per_course + 1):
            if lesson_id >= lessons:
                break
            lesson_id += 1
            topic = rnd.choice(words)
            title = f"第{position}讲 {topic}{rnd.choice(LESSON_SUFFIX)}"
            target = int(body_chars * rnd.uniform(0.6, 1.4))
            body = _sentences(rnd, words, target * 2 // 3) + filler.phrase(target // 9) + "。"
            rows.append(Lesson(lesson_id, course_id, title, body))
    return courses, rows


def _sentences(rnd: random.Random, words: list[str], chars: int) -> str:
    text = []
    while sum(map(len, text)) < chars:
        pool = words if rnd.random() < 0.7 else rnd.choice(list(TOPICS.values()))
        text.append(rnd.choice(SENTENCES).format(a=rnd.choice(pool), b=rnd.choice(pool + GENERIC)))
    return "".join(text)
