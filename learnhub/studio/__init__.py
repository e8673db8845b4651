"""Content management for editors and staff: courses, lessons, media, imports."""

from flask import Blueprint

bp = Blueprint("studio", __name__, url_prefix="/studio", template_folder="templates")
