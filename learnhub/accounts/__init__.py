"""Accounts: registration, sign-in, passwords, preferences, roles."""

from flask import Blueprint

bp = Blueprint("accounts", __name__, template_folder="templates")

from . import cli, routes  # noqa: E402, F401
