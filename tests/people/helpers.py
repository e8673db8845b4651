"""Shared pieces of the staff administration tests: the staff of two cities and a district,
English pages, and reading the activation link off the page that shows it."""

from __future__ import annotations

import re

from sqlalchemy import select

from learnhub.accounts.models import User
from learnhub.audit import AuditEntry
from learnhub.extensions import db
from tests.helpers import sign_in

SHENYANG, DALIAN, HEPING, SHENHE, DALIAN_DISTRICT = (
    "210100", "210200", "210102", "210103", "210202",
)  # fmt: skip
LINK_RE = re.compile(r'value="(http://localhost/activate/[^"]+)"')
NEW_PASSWORD = "plum blossom river 1958"


def english(client):
    client.set_cookie("learnhub_locale", "en")
    return client


def signed_in_as(app, login: str):
    """A new English client signed in as ``login``."""
    client = english(app.test_client())
    response = sign_in(client, login)
    assert response.status_code == 302, "sign-in failed"
    return client


def link_on(page: str) -> str:
    match = LINK_RE.search(page)
    assert match, "the page shows no activation link"
    return match.group(1).removeprefix("http://localhost")


def user_by_login(app, login: str) -> User | None:
    with app.app_context():
        user = db.session.scalar(
            select(User).where((User.username == login) | (User.mobile == login))
        )
        if user is not None:
            db.session.expunge(user)
        return user


def audit_rows(app, **where) -> list[AuditEntry]:
    with app.app_context():
        query = select(AuditEntry).filter_by(**where).order_by(AuditEntry.id)
        rows = db.session.scalars(query).all()
        for row in rows:
            db.session.expunge(row)
        return rows
