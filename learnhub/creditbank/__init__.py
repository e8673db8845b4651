"""The credit bank (学分银行): accounts, ledger, recognition, conversion, certificates."""

from flask import Blueprint

bp = Blueprint("creditbank", __name__, template_folder="templates")

from . import cli, receivers, routes, staff_routes  # noqa: E402,F401  (pages, commands, receivers)
