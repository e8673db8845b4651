"""The demo's lifelong-learning week (``flask demo load``): this year's week, opened a few
days ago so that today lies in its window, with the demo cities' weeks going on now and
their activities linked. Runs after the activities demo; a second run adds nothing."""

from __future__ import annotations

from datetime import date, timedelta

from flask import current_app
from sqlalchemy import select

from learnhub.accounts.models import Role, User
from learnhub.clock import local_today
from learnhub.extensions import db
from learnhub.regions.services import cities_of

from . import services
from .services import WeekTerms

DEMO_THEME = "全民终身学习，共建学习型社会"
DEMO_CITIES = 8


def demo_terms(today: date) -> tuple[int, WeekTerms]:
    """This year's week: the national opening five days ago (not before New Year), the
    cities' window a month from it, the province's ceremony on the opening day."""
    opening = max(today - timedelta(days=5), date(today.year, 1, 1))
    start, end = services.default_window(opening)
    return today.year, WeekTerms(DEMO_THEME, opening, start, end, opening)


def load_demo_week(progress) -> None:
    province = db.session.scalar(
        select(User).where(User.role == Role.PROVINCE_STAFF).order_by(User.id).limit(1)
    )
    if province is None:
        return
    today = local_today()
    year, terms = demo_terms(today)
    week = services.get_week(year) or services.open_week(province, year, terms)
    cities = cities_of(current_app.config["HOME_PROVINCE"])[:DEMO_CITIES]
    for number, city in enumerate(progress(cities)):
        city_week = services.city_week_of(year, city.code)
        if city_week is None:
            starts = max(today - timedelta(days=number % 4), week.window_start)
            ends = min(starts + timedelta(days=6), week.window_end)
            city_week = services.register_city_week(province, week, city, starts, ends)
        for activity in services.linkable_activities(province, city_week):
            services.link_activity(province, city_week, activity)
