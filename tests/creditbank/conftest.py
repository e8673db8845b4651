"""Shared pieces of the credit bank tests."""

from __future__ import annotations

import itertools

import pytest

from learnhub.accounts import services as account_services
from learnhub.accounts.models import Role
from learnhub.creditbank import services
from learnhub.creditbank.models import CreditAccount
from learnhub.extensions import db

_numbers = itertools.count(1)


def new_learner(city: str = "210100", district: str = "210102", role=Role.LEARNER, **extra):
    """Register a user in the current app context (opens the account); returns the user."""
    user = account_services.register(
        f"cb_user_{next(_numbers)}", "correct horse battery", "王秀英", city, district,
        role=role, **extra,
    )  # fmt: skip
    db.session.flush()
    return user


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
