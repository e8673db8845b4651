"""The people feature's blueprint: staff administration, activation links, the audit log."""

from flask import Blueprint

bp = Blueprint("people", __name__, template_folder="templates")
