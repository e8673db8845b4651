"""Shared pieces of the credit bank tests."""

from __future__ import annotations

import itertools
import threading

import pytest
from flask import current_app
from sqlalchemy import select, text

from learnhub.accounts import services as account_services
from learnhub.accounts.models import Role, User
from learnhub.creditbank import services
from learnhub.creditbank.errors import CreditError
from learnhub.creditbank.models import CreditAccount
from learnhub.extensions import db
from tests.conftest import sqlite_triggers_off
from tests.helpers import sign_in

_numbers = itertools.count(1)


def new_learner(city: str = "210100", district: str = "210102", role=Role.LEARNER, **extra):
    """Register a user in the current app context (opens the account); returns the user."""
    extra.setdefault("notice_version", current_app.config["PRIVACY_NOTICE_VERSION"])
    user = account_services.register(
        f"cb_user_{next(_numbers)}", "correct horse battery", "王秀英", city, district,
        role=role, **extra,
    )  # fmt: skip
    db.session.flush()
    return user


def new_staff(city: str = "210100", role=Role.CITY_STAFF):
    """Staff of a city (or, with role=PROVINCE_STAFF, of the province) who may act there."""
    managed = "210000" if role is Role.PROVINCE_STAFF else city
    district = "210102" if city == "210100" else None
    return new_learner(city=city, district=district, role=role, managed_region_code=managed)


def tamper(statement: str, **params) -> None:
    """What only someone with write access to the database could do: run a statement with
    the ledger's triggers switched off, and commit."""
    connection = db.session.connection()
    if connection.dialect.name == "postgresql":
        for table in ("ledger_entry", "credit_account"):
            connection.execute(text(f"ALTER TABLE {table} DISABLE TRIGGER USER"))
        connection.execute(text(statement), params)
        for table in ("ledger_entry", "credit_account"):
            connection.execute(text(f"ALTER TABLE {table} ENABLE TRIGGER USER"))
    else:
        with sqlite_triggers_off(connection):
            connection.execute(text(statement), params)
    db.session.commit()


def english_client(app, login: str):
    """A test client signed in as ``login``, reading the site in English."""
    client = app.test_client()
    client.set_cookie("learnhub_locale", "en")
    sign_in(client, login)
    return client


def decide_in_parallel(app, logins: list[str], decide) -> list[str]:
    """Run ``decide(staff)`` for each login at once (threads released together), each in its
    own transaction; returns "done" or "refused" (CreditError) for each."""
    barrier, outcomes = threading.Barrier(len(logins)), []

    def run(login):
        with app.test_request_context(method="POST"):
            barrier.wait()
            staff = db.session.scalar(select(User).where(User.username == login))
            try:
                decide(staff)
                db.session.commit()
                outcomes.append("done")
            except CreditError:
                db.session.rollback()
                outcomes.append("refused")

    workers = [threading.Thread(target=run, args=(login,)) for login in logins]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    return sorted(outcomes)


def account_for(user) -> CreditAccount:
    account = services.account_of(user)
    assert account is not None
    return account


@pytest.fixture
def ctx(app):
    """A (POST) request context in English, so refusals can be read and matched."""
    with app.test_request_context(method="POST", headers={"Cookie": "learnhub_locale=en"}):
        yield
        db.session.rollback()
