"""Full-text search of courses, lessons and activities (Whoosh + jieba)."""

from flask import Blueprint

bp = Blueprint("search", __name__, template_folder="templates")
