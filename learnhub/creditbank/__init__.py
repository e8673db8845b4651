"""The credit bank (学分银行): accounts, ledger, recognition, conversion, certificates."""

from flask import Blueprint

bp = Blueprint("creditbank", __name__, template_folder="templates")
