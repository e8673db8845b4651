"""Demo accounts: the ones README names, plus learners in every city."""

from __future__ import annotations

import random

from flask import current_app
from sqlalchemy import func, or_, select

from learnhub.extensions import db
from learnhub.regions.services import districts_by_city

from .models import Role, User
from .passwords import hash_password

DEMO_PASSWORD = "learnhub-demo"  # noqa: S105 - documented in README for the demo site

# (username, name, role, city, district, birth year, elder mode, managed region)
NAMED_ACCOUNTS = [
    ("learner", "王秀英", Role.LEARNER, "210100", "210102", 1979, False, None),
    ("elder", "张桂兰", Role.LEARNER, "210100", "210103", 1951, True, None),
    ("dalian_learner", "刘建国", Role.LEARNER, "210200", "210202", 1988, False, None),
    ("shenyang_staff", "沈阳市指导中心", Role.CITY_STAFF, "210100", "210102", None, False,
     "210100"),
    ("dalian_staff", "大连市指导中心", Role.CITY_STAFF, "210200", "210202", None, False,
     "210200"),
    ("heping_staff", "和平区社区教育指导中心", Role.COUNTY_STAFF, "210100", "210102", None, False,
     "210102"),
    ("shenhe_staff", "沈河区社区教育指导中心", Role.COUNTY_STAFF, "210100", "210103", None, False,
     "210103"),
    ("zhongshan_staff", "中山区社区教育指导中心", Role.COUNTY_STAFF, "210200", "210202", None,
     False, "210202"),
    ("heping_editor", "和平区课程编辑", Role.EDITOR, "210100", "210102", None, False, "210102"),
    ("editor", "省课程编辑", Role.EDITOR, "210100", "210102", None, False, "210000"),
    ("province_admin", "辽宁省指导中心", Role.PROVINCE_STAFF, "210100", "210102", None, False,
     "210000"),
]  # fmt: skip

_SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡"
    "余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯"
    "龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
)
_GIVEN = (
    "秀英桂兰建国淑珍玉兰志强海燕丽华明凤霞文军红梅春生金凤德胜秋菊国庆永刚晓东丽娟建"
    "华桂芝宝山翠花振华美玲淑华立新"
)
LEARNERS_PER_CITY = 6


def load_demo_accounts(progress) -> None:
    """Create the named demo accounts and a few learners per city (once)."""
    password_hash = hash_password(DEMO_PASSWORD)
    for username, name, role, city, district, born, elder, managed in progress(NAMED_ACCOUNTS):
        if db.session.scalar(select(User.id).where(User.username == username)) is None:
            db.session.add(
                User(username=username, display_name=name, password_hash=password_hash,
                     role=role, city_code=city, district_code=district, birth_year=born,
                     elder_mode=elder, managed_region_code=managed)
            )  # fmt: skip
    rng = random.Random(2026)  # noqa: S311 - repeatable demo names, not secrets
    tree = districts_by_city(current_app.config["HOME_PROVINCE"])
    for city, districts in tree.items():
        for number in range(1, LEARNERS_PER_CITY + 1):
            username = f"demo_{city.code}_{number}"
            if db.session.scalar(select(User.id).where(User.username == username)):
                continue
            given = "".join(rng.sample(_GIVEN, rng.choice((1, 2))))
            db.session.add(
                User(username=username, display_name=rng.choice(_SURNAMES) + given,
                     password_hash=password_hash, city_code=city.code,
                     district_code=rng.choice(districts).code,
                     birth_year=rng.randint(1945, 2004))
            )  # fmt: skip
    db.session.flush()


def accounts_not_of_the_demo(limit: int = 3) -> tuple[int, list[str]]:
    """How many accounts the demo did not make, and a few of their login names: the demo
    must not add staff accounts with a published password to a live site's database."""
    demo = [name for name, *_rest in NAMED_ACCOUNTS]
    others = select(User).where(
        or_(User.username.is_(None), ~User.username.in_(demo)),
        or_(User.username.is_(None), ~User.username.like("demo\\_%", escape="\\")),
    )
    count = db.session.scalar(select(func.count()).select_from(others.subquery()))
    names = [user.login_name for user in db.session.scalars(others.order_by(User.id).limit(limit))]
    return count, names
