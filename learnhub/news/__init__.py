"""News (新闻动态): 通知公告, 工作动态 and 典型事迹 of the province, its cities and districts."""

from . import routes, staff_routes  # noqa: F401  (they register on bp)
from .blueprint import bp
from .models import NewsItem, NewsKind, NewsStatus
from .services import NewsError, latest_news, publish_story

__all__ = ["NewsError", "NewsItem", "NewsKind", "NewsStatus", "bp", "latest_news", "publish_story"]
